-- SQLite's half of a per-engine step (PostgreSQL's is in ../postgres under the same number).
-- Anomaly flags and their resolutions are append-only, like record versions and the audit log.
CREATE TRIGGER anomaly_flags_no_update BEFORE UPDATE ON anomaly_flags
BEGIN SELECT RAISE(ABORT, 'anomaly_flags is append-only'); END;
CREATE TRIGGER anomaly_flags_no_delete BEFORE DELETE ON anomaly_flags
BEGIN SELECT RAISE(ABORT, 'anomaly_flags is append-only'); END;
CREATE TRIGGER flag_resolutions_no_update BEFORE UPDATE ON flag_resolutions
BEGIN SELECT RAISE(ABORT, 'flag_resolutions is append-only'); END;
CREATE TRIGGER flag_resolutions_no_delete BEFORE DELETE ON flag_resolutions
BEGIN SELECT RAISE(ABORT, 'flag_resolutions is append-only'); END;
