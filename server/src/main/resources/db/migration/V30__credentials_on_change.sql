-- Hibernate writes every column of a rig back, and a rig's row is written on every stream request (last seen): "UPDATE
-- OF token_hash" fired on each of them, so every replica emptied its token cache hundreds of times a second under
-- load and looked rig tokens up in the database again (issue 18, fan-in). Only a credential that really changes, or a
-- deleted row, notifies now.
DROP TRIGGER rig_credentials ON rig;
DROP TRIGGER api_token_credentials ON api_token;

CREATE TRIGGER rig_credentials AFTER UPDATE OF token_hash, revoked_at, name ON rig FOR EACH ROW
    WHEN (OLD.token_hash IS DISTINCT FROM NEW.token_hash OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
          OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION flashrig_notify_credentials();
CREATE TRIGGER rig_credentials_deleted AFTER DELETE ON rig
    FOR EACH ROW EXECUTE FUNCTION flashrig_notify_credentials();

CREATE TRIGGER api_token_credentials AFTER UPDATE OF token_hash, revoked_at, role, name ON api_token FOR EACH ROW
    WHEN (OLD.token_hash IS DISTINCT FROM NEW.token_hash OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
          OR OLD.role IS DISTINCT FROM NEW.role OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION flashrig_notify_credentials();
CREATE TRIGGER api_token_credentials_deleted AFTER DELETE ON api_token
    FOR EACH ROW EXECUTE FUNCTION flashrig_notify_credentials();
