-- Re-issuing a rig's token (package io.flashrig.server.rig).

-- The tokens a rig held before its current one, as hashes only. Nothing authenticates with them; they are kept so that
-- an agent still sending one is told that an admin replaced it, not merely that the token is unknown.
CREATE TABLE rig_retired_token (
    token_hash text PRIMARY KEY,
    rig_id     bigint      NOT NULL REFERENCES rig (id),
    retired_at timestamptz NOT NULL
);
