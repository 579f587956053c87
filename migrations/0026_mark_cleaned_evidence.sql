-- When an evidence file's bytes were last made safe to keep (an image encoded again, without its
-- EXIF and location; a PDF is kept as sent). Files stored before uploads were cleaned have none:
-- the `clean_evidence` job encodes their images again and sets it.
ALTER TABLE evidence_files ADD COLUMN cleaned_at TIMESTAMPTZ;
