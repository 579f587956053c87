-- PostgreSQL's half of a per-engine step (SQLite's is in ../sqlite under the same number).
-- Trust 1: the level above may reinstate a revoked record (a `reinstate` version); a flag is
-- raised again when a record credits more than it did when its flag of that kind was raised
-- (each flag keeps the minutes it was raised at); attendance marked by hand, a check-out
-- nobody made, a check-in away from the activity's point or without a location are flags of
-- their own; and a service record moves only by a version
-- whose action is the move it makes, never changing who entered it, its evidence or its birth.
ALTER TABLE record_versions DROP CONSTRAINT record_versions_action_check;
ALTER TABLE record_versions ADD CONSTRAINT record_versions_action_check
    CHECK (action IN ('entered', 'confirm', 'reject', 'approve', 'refuse', 'correct', 'revoke', 'reinstate'));

ALTER TABLE anomaly_flags ADD COLUMN minutes BIGINT;
-- A flag raised before kept no minutes: it is taken to have been raised at the record's current
-- ones (what its reviewer last saw), so it covers them and no more.
ALTER TABLE anomaly_flags DISABLE TRIGGER anomaly_flags_append_only;
UPDATE anomaly_flags SET minutes = (SELECT r.minutes FROM service_records r WHERE r.id = anomaly_flags.record_id);
ALTER TABLE anomaly_flags ENABLE TRIGGER anomaly_flags_append_only;
ALTER TABLE anomaly_flags DROP CONSTRAINT anomaly_flags_kind_check;
ALTER TABLE anomaly_flags ADD CONSTRAINT anomaly_flags_kind_check
    CHECK (kind IN ('no_checkin', 'two_places', 'long_day', 'bulk_backfill', 'by_hand', 'no_checkout',
        'away_from_activity', 'no_location'));
ALTER TABLE anomaly_flags DROP CONSTRAINT anomaly_flags_kind_record_id_key;
CREATE UNIQUE INDEX anomaly_flags_once ON anomaly_flags (kind, record_id, minutes);

CREATE OR REPLACE FUNCTION refuse_record_change_without_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.volunteer_id <> OLD.volunteer_id OR NEW.activity_id <> OLD.activity_id
        OR NEW.source <> OLD.source OR NEW.region_code <> OLD.region_code
        OR NEW.entered_by IS DISTINCT FROM OLD.entered_by OR NEW.evidence_id IS DISTINCT FROM OLD.evidence_id
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
                      ('confirmed', 'revoked', 'revoke'), ('revoked', 'confirmed', 'reinstate'))))) THEN
        RAISE EXCEPTION 'a service record changes only with a new version';
    END IF;
    RETURN NEW;
END
$$;
