-- What each version of a record did (domain::record::VersionAction): `entered` for the first,
-- then the event that moved the record. Versions written before this are given theirs by the
-- per-engine step 0025, from the states before and after them.
ALTER TABLE record_versions ADD COLUMN action TEXT NOT NULL DEFAULT 'entered'
    CHECK (action IN ('entered', 'confirm', 'reject', 'approve', 'refuse', 'correct', 'revoke'));
