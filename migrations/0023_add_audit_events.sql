-- Audit entries as data (Architecture 1, item 5): what a write did is an event key and its values,
-- put into words in the reader's language when read. Entries written before keep their English
-- summary (event '').
ALTER TABLE audit_log ADD COLUMN event TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
