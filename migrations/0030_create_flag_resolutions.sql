-- A flag's resolution is a row of its own (Trust 1): flags are never updated once raised, and a
-- resolution never changes (per-engine step 0031 makes the database refuse both). The columns
-- state, resolved_by, resolution_note and resolved_at of anomaly_flags keep what was resolved
-- before this, copied here, and are read no more; a new flag is written `open` and stays so.
CREATE TABLE flag_resolutions (
    flag_id BIGINT NOT NULL PRIMARY KEY REFERENCES anomaly_flags (id),
    resolved_by TEXT NOT NULL,
    note TEXT NOT NULL,
    resolved_at TIMESTAMPTZ NOT NULL
);
INSERT INTO flag_resolutions (flag_id, resolved_by, note, resolved_at)
SELECT id, COALESCE(resolved_by, ''), COALESCE(resolution_note, ''), COALESCE(resolved_at, created_at)
FROM anomaly_flags WHERE state = 'resolved';
