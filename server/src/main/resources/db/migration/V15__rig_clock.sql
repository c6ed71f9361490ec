-- A rig whose clock runs fast: its events count as received (never by their future stamp), the attempts they belong
-- to are marked, and the rig shows how far ahead its clock was.
ALTER TABLE flash_attempt ADD COLUMN rig_clock_off boolean NOT NULL DEFAULT false;
ALTER TABLE rig ADD COLUMN clock_ahead_seconds bigint;
