-- The write lease on an ASSIGNED MAC: between AssignMac and the MAC's verification in OTP, only the rig holding it may
-- write that MAC, so that two chips reporting one serial on two rigs are not both fused with it.
ALTER TABLE mac_assignment
    ADD COLUMN lease_rig_id     bigint REFERENCES rig (id),
    ADD COLUMN lease_attempt_id text,
    ADD COLUMN lease_until      timestamptz,
    ADD CONSTRAINT mac_assignment_lease_whole CHECK ((lease_rig_id IS NULL) = (lease_until IS NULL));

-- The lease is read and released by serial (unique, indexed); the foreign key still wants its own index so that
-- deleting or locking a rig does not scan every assignment.
CREATE INDEX mac_assignment_lease_rig_idx ON mac_assignment (lease_rig_id) WHERE lease_rig_id IS NOT NULL;

-- A second rig asking for a serial another rig is fusing is an alert an admin sees.
ALTER TABLE mac_alert DROP CONSTRAINT mac_alert_kind_check;
ALTER TABLE mac_alert ADD CONSTRAINT mac_alert_kind_check
    CHECK (kind IN ('MAC_CONFLICT', 'MAC_MISMATCH', 'UNEXPECTED_MAC_VERIFIED', 'SERIAL_IN_USE'));
