-- Two registrations found later to be one person: the duplicate points at the record kept, and
-- keeps its own history (it is no longer listed, but still readable).
ALTER TABLE volunteers ADD COLUMN merged_into BIGINT REFERENCES volunteers (id);
ALTER TABLE volunteers ADD COLUMN merged_at TIMESTAMPTZ;
ALTER TABLE volunteers ADD COLUMN merge_reason TEXT;
