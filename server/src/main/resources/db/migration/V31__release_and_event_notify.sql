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

-- The live view heard of each board event by a notification of its own: 16 per request of a rig with 16 boards, each
-- a trigger call, an entry in the notification queue at commit and a message to every listening replica (issue 18,
-- fan-in). One notification now names the events one statement stored, up to 200 ids (within NOTIFY's 8000 bytes).
CREATE FUNCTION flashrig_notify_board_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('flashrig_board_event', string_agg(event_id::text, ','))
       FROM (SELECT event_id, (row_number() OVER () - 1) / 200 AS part FROM stored
              WHERE rejected_reason IS NULL) e
      GROUP BY part;
    RETURN NULL;
END $$;

DROP TRIGGER board_event_live ON board_event;
DROP FUNCTION flashrig_notify_board_event();
CREATE TRIGGER board_event_live AFTER INSERT ON board_event REFERENCING NEW TABLE AS stored
    FOR EACH STATEMENT EXECUTE FUNCTION flashrig_notify_board_events();
