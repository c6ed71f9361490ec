-- Every replica keeps the release each rig flashes in memory (package io.flashrig.server.release, PinCache) instead of
-- reading it for every answer to a rig (issue 18, fan-in). Any change that can change a rig's release - a pin, the
-- default, a release or its files, also by hand in SQL - notifies every replica at commit, which then forgets what it
-- kept. The channel carries nothing but the news: changes are rare, and a replica reads each rig's release again.
CREATE FUNCTION flashrig_notify_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('flashrig_release', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER rig_release_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rig_release
    FOR EACH STATEMENT EXECUTE FUNCTION flashrig_notify_release();
CREATE TRIGGER release_default_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON release_default
    FOR EACH STATEMENT EXECUTE FUNCTION flashrig_notify_release();
CREATE TRIGGER release_changed AFTER UPDATE OR DELETE OR TRUNCATE ON release
    FOR EACH STATEMENT EXECUTE FUNCTION flashrig_notify_release();
CREATE TRIGGER release_file_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON release_file
    FOR EACH STATEMENT EXECUTE FUNCTION flashrig_notify_release();
