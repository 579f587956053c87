-- SQLite's half of a per-engine step (PostgreSQL's is in ../postgres under the same number).
-- Trust 1: the level above may reinstate a revoked record (a `reinstate` version); a flag is
-- raised again when a record credits more than it did when its flag of that kind was raised
-- (each flag keeps the minutes it was raised at); attendance marked by hand, a check-out
-- nobody made, a check-in away from the activity's point or without a location are flags of
-- their own; and a service record moves only by a version
-- whose action is the move it makes, never changing who entered it, its evidence or its birth.
-- SQLite changes a CHECK or drops a UNIQUE only by building the table again: each is copied
-- aside, dropped and created anew under its own name (no RENAME, so what refers to it by name
-- still does), filled back, and given its indexes and triggers again. Flag resolutions refer
-- to flags: their check waits for the commit, by which every flag is back.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE record_versions_aside AS SELECT * FROM record_versions;
DROP TABLE record_versions;
CREATE TABLE record_versions (
    record_id BIGINT NOT NULL REFERENCES service_records (id),
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    approved_by TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    action TEXT NOT NULL DEFAULT 'entered'
        CHECK (action IN ('entered', 'confirm', 'reject', 'approve', 'refuse', 'correct', 'revoke', 'reinstate')),
    adjusted_from BIGINT,
    written_by BIGINT REFERENCES accounts (id),
    PRIMARY KEY (record_id, version)
);
INSERT INTO record_versions (record_id, version, state, minutes, reason, requested_by, approved_by, created_at,
    action, adjusted_from, written_by)
SELECT record_id, version, state, minutes, reason, requested_by, approved_by, created_at,
    action, adjusted_from, written_by
FROM record_versions_aside;
DROP TABLE record_versions_aside;
CREATE TRIGGER record_versions_no_update BEFORE UPDATE ON record_versions
BEGIN SELECT RAISE(ABORT, 'record_versions is append-only'); END;
CREATE TRIGGER record_versions_no_delete BEFORE DELETE ON record_versions
BEGIN SELECT RAISE(ABORT, 'record_versions is append-only'); END;

CREATE TABLE anomaly_flags_aside AS SELECT * FROM anomaly_flags;
DROP TABLE anomaly_flags;
CREATE TABLE anomaly_flags (
    id BIGINT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('no_checkin', 'two_places', 'long_day', 'bulk_backfill', 'by_hand',
        'no_checkout', 'away_from_activity', 'no_location')),
    record_id BIGINT NOT NULL REFERENCES service_records (id),
    region_code TEXT NOT NULL REFERENCES regions (code),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers (id),
    detail TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
    resolved_by TEXT,
    resolution_note TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    minutes BIGINT
);
-- A flag raised before kept no minutes: it is taken to have been raised at the record's current
-- ones (what its reviewer last saw), so it covers them and no more.
INSERT INTO anomaly_flags (id, kind, record_id, region_code, volunteer_id, detail, state, resolved_by,
    resolution_note, created_at, resolved_at, minutes)
SELECT f.id, f.kind, f.record_id, f.region_code, f.volunteer_id, f.detail, f.state, f.resolved_by,
    f.resolution_note, f.created_at, f.resolved_at, (SELECT r.minutes FROM service_records r WHERE r.id = f.record_id)
FROM anomaly_flags_aside f;
DROP TABLE anomaly_flags_aside;
CREATE INDEX anomaly_flags_region ON anomaly_flags (region_code, state);
CREATE UNIQUE INDEX anomaly_flags_once ON anomaly_flags (kind, record_id, minutes);
CREATE TRIGGER anomaly_flags_no_update BEFORE UPDATE ON anomaly_flags
BEGIN SELECT RAISE(ABORT, 'anomaly_flags is append-only'); END;
CREATE TRIGGER anomaly_flags_no_delete BEFORE DELETE ON anomaly_flags
BEGIN SELECT RAISE(ABORT, 'anomaly_flags is append-only'); END;

DROP TRIGGER service_records_follow_versions;
CREATE TRIGGER service_records_follow_versions BEFORE UPDATE ON service_records
WHEN NEW.volunteer_id <> OLD.volunteer_id OR NEW.activity_id <> OLD.activity_id
    OR NEW.source <> OLD.source OR NEW.region_code <> OLD.region_code
    OR NEW.entered_by IS NOT OLD.entered_by OR NEW.evidence_id IS NOT OLD.evidence_id
    OR NEW.created_at <> OLD.created_at
    OR ((NEW.state <> OLD.state OR NEW.minutes <> OLD.minutes OR NEW.version <> OLD.version)
        AND (NEW.version <> OLD.version + 1 OR NOT EXISTS (
            SELECT 1 FROM record_versions v
            WHERE v.record_id = NEW.id AND v.version = NEW.version
              AND v.state = NEW.state AND v.minutes = NEW.minutes
              AND (OLD.state, NEW.state, v.action) IN (VALUES
                  ('pending', 'confirmed', 'confirm'), ('pending', 'awaiting_second', 'confirm'),
                  ('pending', 'rejected', 'reject'), ('awaiting_second', 'confirmed', 'approve'),
                  ('awaiting_second', 'rejected', 'refuse'), ('awaiting_second', 'pending', 'refuse'),
                  ('confirmed', 'confirmed', 'correct'),
                  ('confirmed', 'revoked', 'revoke'), ('revoked', 'confirmed', 'reinstate')))))
BEGIN SELECT RAISE(ABORT, 'a service record changes only with a new version'); END;
