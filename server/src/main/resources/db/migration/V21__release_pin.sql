-- Which release each rig flashes: its own pin, else the default. Kept beside the rig table rather than in it, so that
-- a rig without a pin has no row and the pin has its own audit-friendly who and when.
CREATE TABLE rig_release (
    rig_id       bigint      PRIMARY KEY REFERENCES rig (id),
    release_name text        NOT NULL REFERENCES release (name),
    pinned_at    timestamptz NOT NULL,
    pinned_by    text        NOT NULL
);
-- "Which rigs flash this release?" for the release's view.
CREATE INDEX rig_release_release_idx ON rig_release (release_name);

-- The release of rigs without a pin: at most one row.
CREATE TABLE release_default (
    only_row     boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    release_name text        NOT NULL REFERENCES release (name),
    set_at       timestamptz NOT NULL,
    set_by       text        NOT NULL
);

-- A pin, a new default or a retired release changes what the dashboard shows next to a rig's name: they reach every
-- replica's live view as rig changes do (V10's flashrig_rig channel).
CREATE FUNCTION flashrig_notify_rig_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'rig_release' THEN
        PERFORM pg_notify('flashrig_rig', COALESCE(NEW.rig_id, OLD.rig_id)::text);
    ELSE
        PERFORM pg_notify('flashrig_rig', id::text) FROM rig WHERE revoked_at IS NULL;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER rig_release_live AFTER INSERT OR UPDATE OR DELETE ON rig_release
    FOR EACH ROW EXECUTE FUNCTION flashrig_notify_rig_release();
CREATE TRIGGER release_default_live AFTER INSERT OR UPDATE OR DELETE ON release_default
    FOR EACH STATEMENT EXECUTE FUNCTION flashrig_notify_rig_release();
CREATE TRIGGER release_retired_live AFTER UPDATE OF retired_at ON release
    FOR EACH STATEMENT EXECUTE FUNCTION flashrig_notify_rig_release();
