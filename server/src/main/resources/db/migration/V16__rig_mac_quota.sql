-- Bounded rig authority: a rig takes at most so many new MACs (pool assignments and adoptions) per rolling hour, so
-- that one leaked rig token cannot drain the pool. The server's default applies unless an admin set this rig's own.
ALTER TABLE rig ADD COLUMN new_macs_per_hour integer CHECK (new_macs_per_hour >= 0);

-- New MACs each rig took, per minute: summing at most 61 rows answers "how many in the last hour" in constant time,
-- however many MACs a rig with a raised quota (a benchmark) has taken. Counted and checked under a per-rig advisory
-- lock in the assignment's own transaction, so that replicas sharing the database never let a rig past its quota.
CREATE TABLE rig_new_macs (
    rig_id   bigint      NOT NULL REFERENCES rig (id),
    minute   timestamptz NOT NULL,
    new_macs integer     NOT NULL CHECK (new_macs > 0),
    PRIMARY KEY (rig_id, minute)
);

-- A rig past its quota is an alert for an admin. It names the refused serial; there is no MAC to name.
ALTER TABLE mac_alert ALTER COLUMN mac DROP NOT NULL;
ALTER TABLE mac_alert DROP CONSTRAINT mac_alert_kind_check;
ALTER TABLE mac_alert ADD CONSTRAINT mac_alert_kind_check
    CHECK (kind IN ('MAC_CONFLICT', 'MAC_MISMATCH', 'UNEXPECTED_MAC_VERIFIED', 'SERIAL_IN_USE', 'RIG_QUOTA_EXCEEDED'));
-- "Did this rig already get a quota alert in the last hour?", asked on every refused call.
CREATE INDEX mac_alert_rig_kind_idx ON mac_alert (rig_id, kind, created_at DESC);
