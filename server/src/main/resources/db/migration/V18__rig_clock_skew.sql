-- How far a rig computer's clock was from the server's when it last opened a session, as its agent says.
ALTER TABLE rig ADD COLUMN clock_skew_seconds bigint;
