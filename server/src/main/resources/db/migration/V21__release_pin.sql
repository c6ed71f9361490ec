-- Which release each rig flashes: its own pin, else the default. Kept beside the rig table rather than in it, so that
-- a rig without a pin has no row and the pin has its own audit-friendly who and when.
CREATE TABLE rig_release (
    rig_id       bigint      PRIMARY KEY REFERENCES rig (id),
    release_name text        NOT NULL REFERENCES release (name),
    pinned_at    timestamptz NOT NULL,
    pinned_by    text        NOT NULL
);
-- "Which rigs flash this release?" for the release's view.
CREATE INDEX rig_release_release_idx ON rig_release (release_name);

-- The release of rigs without a pin: at most one row.
CREATE TABLE release_default (
    only_row     boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    release_name text        NOT NULL REFERENCES release (name),
    set_at       timestamptz NOT NULL,
    set_by       text        NOT NULL
);
