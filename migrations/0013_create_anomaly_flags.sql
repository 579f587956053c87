-- Records that look wrong, for the review page of the site admins in scope (domain.md §3.3: the
-- back-end entry of hours is the fraud channel). A flag is resolved with a note, never deleted.
CREATE TABLE anomaly_flags (
    id BIGINT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('no_checkin', 'two_places', 'long_day', 'bulk_backfill')),
    record_id BIGINT NOT NULL REFERENCES service_records (id),
    region_code TEXT NOT NULL REFERENCES regions (code),
    volunteer_id BIGINT NOT NULL REFERENCES volunteers (id),
    detail TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
    resolved_by TEXT,
    resolution_note TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    UNIQUE (kind, record_id)
);
CREATE INDEX anomaly_flags_region ON anomaly_flags (region_code, state);
