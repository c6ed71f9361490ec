-- Image releases: a name and a manifest (the layout and the SHA-256 of every file it names). A release never changes
-- once stored: posting the same name with other content is refused, so a name means one image on every rig forever.
-- manifest_sha256 is the SHA-256 of the manifest's canonical JSON (io.flashrig.contract.ReleaseManifest).
CREATE TABLE release (
    name            text        PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$' AND name <> 'default'),
    layout          text        NOT NULL,
    manifest_sha256 text        NOT NULL CHECK (manifest_sha256 ~ '^[0-9a-f]{64}$'),
    created_at      timestamptz NOT NULL,
    created_by      text        NOT NULL,
    -- A retired release stops every rig pinned to it from flashing; it is kept for the records that name it.
    retired_at      timestamptz
);

-- A release's files, named by hash: the same binary in two releases is one content, which is what a later file
-- store will serve by its SHA-256.
CREATE TABLE release_file (
    release_name text NOT NULL REFERENCES release (name),
    file_name    text NOT NULL,
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    PRIMARY KEY (release_name, file_name)
);
CREATE INDEX release_file_sha256_idx ON release_file (sha256);
