-- PostgreSQL's half of a per-engine step (SQLite's is in ../sqlite under the same number).
-- A service record keeps only the current state of its versions: its state, minutes and version
-- change only to those of the next version, written first in the same transaction; what it is
-- about (volunteer, activity, source, region) never changes.
CREATE FUNCTION refuse_record_change_without_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.volunteer_id <> OLD.volunteer_id OR NEW.activity_id <> OLD.activity_id
        OR NEW.source <> OLD.source OR NEW.region_code <> OLD.region_code
        OR ((NEW.state <> OLD.state OR NEW.minutes <> OLD.minutes OR NEW.version <> OLD.version)
            AND (NEW.version <> OLD.version + 1 OR NOT EXISTS (
                SELECT 1 FROM record_versions v
                WHERE v.record_id = NEW.id AND v.version = NEW.version
                  AND v.state = NEW.state AND v.minutes = NEW.minutes))) THEN
        RAISE EXCEPTION 'a service record changes only with a new version';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER service_records_follow_versions BEFORE UPDATE ON service_records
    FOR EACH ROW EXECUTE FUNCTION refuse_record_change_without_version();
