-- Revoking an admin or viewer token closes the live streams opened with it on every replica
-- (package io.flashrig.server.dashboard, LiveFeed): NOTIFY is delivered at commit, whichever replica committed, and
-- also when a token is revoked by hand in SQL.
CREATE FUNCTION flashrig_notify_token_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('flashrig_token_revoked', NEW.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER api_token_revoked AFTER UPDATE OF revoked_at ON api_token
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION flashrig_notify_token_revoked();

-- A replica whose listening connection was lost looks up the tokens revoked meanwhile.
CREATE INDEX api_token_revoked_at_idx ON api_token (revoked_at) WHERE revoked_at IS NOT NULL;
