-- The claim of a MAC's one OTP write (ClaimMacWrite): the first claim wins and holds until the MAC is verified in OTP
-- or an admin releases it, so that two chips reporting one serial are never both fused with its MAC.
ALTER TABLE mac_assignment
    ADD COLUMN write_id         text,
    ADD COLUMN write_rig_id     bigint REFERENCES rig (id),
    ADD COLUMN write_attempt_id text,
    ADD COLUMN write_claimed_at timestamptz,
    ADD CONSTRAINT mac_assignment_write_claim_whole CHECK ((write_id IS NULL) = (write_claimed_at IS NULL));

-- Claims are read by serial (unique, indexed); the foreign key wants its own index so that locking or deleting a rig
-- does not scan every assignment.
CREATE INDEX mac_assignment_write_rig_idx ON mac_assignment (write_rig_id) WHERE write_rig_id IS NOT NULL;

-- A second write claimed for one serial is an alert an admin sees.
ALTER TABLE mac_alert DROP CONSTRAINT mac_alert_kind_check;
ALTER TABLE mac_alert ADD CONSTRAINT mac_alert_kind_check
    CHECK (kind IN ('MAC_CONFLICT', 'MAC_MISMATCH', 'UNEXPECTED_MAC_VERIFIED', 'SERIAL_IN_USE'));
