-- An adjustment (Trust 1): a version that credits more minutes than were present keeps the
-- minutes present it was made over; empty for every other version.
ALTER TABLE record_versions ADD COLUMN adjusted_from BIGINT;
