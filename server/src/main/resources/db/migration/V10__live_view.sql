-- The live view and the quality figures (package io.flashrig.server.dashboard).

-- Every replica's dashboard hears of each committed board event and rig change, whichever replica committed it.
-- NOTIFY is delivered at commit, so nothing uncommitted is ever shown.
CREATE FUNCTION flashrig_notify_board_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('flashrig_board_event', NEW.event_id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER board_event_live AFTER INSERT ON board_event
    FOR EACH ROW WHEN (NEW.rejected_reason IS NULL) EXECUTE FUNCTION flashrig_notify_board_event();

CREATE FUNCTION flashrig_notify_rig() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('flashrig_rig', NEW.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER rig_live AFTER INSERT OR UPDATE ON rig FOR EACH ROW EXECUTE FUNCTION flashrig_notify_rig();

-- Snapshot: boards active in the last hours; the newest progress event of an attempt.
CREATE INDEX flash_attempt_last_event_idx ON flash_attempt (last_event_at);
CREATE INDEX board_event_attempt_idx ON board_event (attempt_id, sequence DESC) WHERE kind = 'FLASH_PROGRESS';
-- Recent failures and every figure of /api/v1/stats select attempts by when they ended.
CREATE INDEX flash_attempt_ended_idx ON flash_attempt (ended_at) WHERE outcome IS NOT NULL;
-- The pool's rate of use.
CREATE INDEX mac_assignment_assigned_at_idx ON mac_assignment (assigned_at) WHERE origin = 'POOL';
