-- PostgreSQL's half of a per-engine step (SQLite's is in ../sqlite under the same number).
-- Anomaly flags and their resolutions are append-only, like record versions and the audit log.
CREATE TRIGGER anomaly_flags_append_only BEFORE UPDATE OR DELETE ON anomaly_flags
    FOR EACH ROW EXECUTE FUNCTION refuse_change_to_history();
CREATE TRIGGER flag_resolutions_append_only BEFORE UPDATE OR DELETE ON flag_resolutions
    FOR EACH ROW EXECUTE FUNCTION refuse_change_to_history();
