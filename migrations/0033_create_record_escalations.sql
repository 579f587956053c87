-- Review deadlines (Trust 1, decisions.md D1): a record awaiting its second approver (a backfill,
-- credit beyond the adjustment limit, a record held for its flags) for more than 10 working days
-- is escalated, once, to the region above its reviewers'; written by the sweep, never changed.
CREATE TABLE record_escalations (
    record_id BIGINT NOT NULL PRIMARY KEY REFERENCES service_records (id),
    region_code TEXT NOT NULL REFERENCES regions (code),
    escalated_at TIMESTAMPTZ NOT NULL
);
-- The sweep looks at the few records awaiting a second approver, never at the millions of others.
CREATE INDEX service_records_awaiting ON service_records (updated_at) WHERE state = 'awaiting_second';
