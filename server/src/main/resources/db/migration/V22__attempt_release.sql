-- The release each flash attempt was verified against (null: the rig flashed its own layout without a release), as
-- the agent reports it when the flash starts, or when it refuses to start because the image is not the release.
ALTER TABLE flash_attempt ADD COLUMN release_name text;
ALTER TABLE flash_attempt ADD COLUMN manifest_sha256 text CHECK (manifest_sha256 ~ '^[0-9a-f]{64}$');
-- Yield per release over a period reads the attempts that ended in it (flash_attempt_ended_idx); this one answers
-- "which boards got release X?".
CREATE INDEX flash_attempt_release_idx ON flash_attempt (release_name, ended_at) WHERE release_name IS NOT NULL;
