-- PostgreSQL's half of a per-engine step (SQLite's is in ../sqlite under the same number).
-- The versions written before 0024 get their action from the states before and after them (one
-- event leads from each pair: domain::record's tests; and one pair a bug made, below). This
-- once, and only inside the migration, the append-only guard is lifted and put back.
ALTER TABLE record_versions DISABLE TRIGGER record_versions_append_only;
UPDATE record_versions SET action = (
    SELECT CASE
        WHEN p.state = 'pending' AND record_versions.state = 'confirmed' THEN 'confirm'
        WHEN p.state = 'pending' AND record_versions.state = 'rejected' THEN 'reject'
        WHEN p.state = 'awaiting_second' AND record_versions.state = 'confirmed' THEN 'approve'
        WHEN p.state = 'awaiting_second' AND record_versions.state = 'rejected' THEN 'refuse'
        WHEN p.state = 'confirmed' AND record_versions.state = 'confirmed' THEN 'correct'
        WHEN p.state = 'confirmed' AND record_versions.state = 'revoked' THEN 'revoke'
        -- Before 0025 an approved correction could bring back a revoked record: a correction.
        WHEN p.state = 'revoked' AND record_versions.state = 'confirmed' THEN 'correct'
        ELSE 'entered'
    END
    FROM record_versions p
    WHERE p.record_id = record_versions.record_id AND p.version = record_versions.version - 1
)
WHERE version > 1;
ALTER TABLE record_versions ENABLE TRIGGER record_versions_append_only;
