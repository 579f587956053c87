-- Review deadlines (Trust 1, decisions.md D1): a record awaiting its second approver (a backfill,
-- credit beyond the adjustment limit, a record held for its flags) for more than 10 working days
-- is escalated, once per wait, to the region above its reviewers'; written by the sweep, never
-- changed.
CREATE TABLE record_escalations (
    record_id BIGINT NOT NULL REFERENCES service_records (id),
    -- The version that waits: a record held again later has a deadline of its own.
    version BIGINT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    escalated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (record_id, version)
);
-- The sweep looks at the few records awaiting a second approver, never at the millions of others.
CREATE INDEX service_records_awaiting ON service_records (updated_at) WHERE state = 'awaiting_second';
