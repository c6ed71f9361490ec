-- MAC alerts reach every replica's dashboard as they are committed, as board events and rig changes do (V10).
CREATE FUNCTION flashrig_notify_mac_alert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('flashrig_mac_alert', NEW.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER mac_alert_live AFTER INSERT ON mac_alert FOR EACH ROW EXECUTE FUNCTION flashrig_notify_mac_alert();
