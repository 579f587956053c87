-- Two persons for credit beyond the adjustment limit (Trust 1).
-- The account that wrote each version, so that a second approver is told apart from everyone who
-- took part in the record; empty for the versions written before and for the system's.
ALTER TABLE record_versions ADD COLUMN written_by BIGINT REFERENCES accounts (id);
-- A correction or missing-record report crediting beyond the limit is endorsed by the organizer
-- and decided by someone else at the site above.
ALTER TABLE correction_requests ADD COLUMN endorsed_by BIGINT REFERENCES accounts (id);
ALTER TABLE correction_requests ADD COLUMN endorsed_at TIMESTAMPTZ;
