-- The whole FlashRig schema. Hibernate only validates it. MAC addresses are stored as bigint (48 bits).

CREATE TABLE rig (
    id                 bigserial PRIMARY KEY,
    name               text        NOT NULL UNIQUE,
    token_hash         text        NOT NULL UNIQUE,
    created_at         timestamptz NOT NULL,
    revoked_at         timestamptz,
    agent_version      text,
    programmer_version text,
    hostname           text,
    layout_name        text,
    layout_sha256      text,
    slot_count         integer,
    fuse_enabled       boolean,
    session_id         uuid,
    queue_id           uuid,
    session_opened_at  timestamptz,
    last_seen          timestamptz,
    stream_closed_at   timestamptz
);
-- "Rigs connected now" (metrics, GET /rigs ordering) looks at recent last_seen.
CREATE INDEX rig_last_seen_idx ON rig (last_seen);

CREATE TABLE api_token (
    id         bigserial PRIMARY KEY,
    name       text        NOT NULL,
    role       text        NOT NULL CHECK (role IN ('ADMIN', 'VIEWER')),
    token_hash text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    created_by text        NOT NULL,
    revoked_at timestamptz
);

CREATE TABLE mac_range (
    id          bigserial PRIMARY KEY,
    first_mac   bigint      NOT NULL,
    last_mac    bigint      NOT NULL,
    label       text        NOT NULL,
    -- Offset (from first_mac) of the next address to hand out; every address below it is taken.
    next_offset bigint      NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    retired_at  timestamptz,
    CONSTRAINT mac_range_order CHECK (first_mac <= last_mac),
    CONSTRAINT mac_range_next_offset CHECK (next_offset BETWEEN 0 AND last_mac - first_mac + 1),
    -- Ranges never overlap, whichever replica inserts them. Its GiST index also answers "which range holds this MAC".
    CONSTRAINT mac_range_no_overlap EXCLUDE USING gist (int8range(first_mac, last_mac, '[]') WITH &&)
);
CREATE INDEX mac_range_active_idx ON mac_range (first_mac) WHERE retired_at IS NULL;

-- One row per MAC that belongs to a board. The primary key (a MAC never goes to two boards) and the unique serial
-- (a board never gets two MACs) hold the invariants across every replica.
CREATE TABLE mac_assignment (
    mac               bigint PRIMARY KEY,
    board_serial      text        NOT NULL UNIQUE,
    range_id          bigint REFERENCES mac_range (id),
    state             text        NOT NULL CHECK (state IN ('ASSIGNED', 'FUSED', 'QUARANTINED')),
    origin            text        NOT NULL CHECK (origin IN ('POOL', 'ADOPTED', 'EXTERNAL')),
    rig_id            bigint REFERENCES rig (id),
    attempt_id        text,
    assigned_at       timestamptz NOT NULL,
    fused_at          timestamptz,
    quarantined_at    timestamptz,
    quarantine_reason text,
    CONSTRAINT mac_assignment_external_outside_ranges CHECK ((origin = 'EXTERNAL') = (range_id IS NULL))
);
CREATE INDEX mac_assignment_range_idx ON mac_assignment (range_id);
CREATE INDEX mac_assignment_state_idx ON mac_assignment (state);

CREATE TABLE mac_alert (
    id         bigserial PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('MAC_CONFLICT', 'MAC_MISMATCH', 'UNEXPECTED_MAC_VERIFIED')),
    mac        bigint      NOT NULL,
    serial     text        NOT NULL,
    rig_id     bigint REFERENCES rig (id),
    message    text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX mac_alert_created_idx ON mac_alert (created_at DESC, id DESC);

CREATE TABLE audit_entry (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL,
    actor   text        NOT NULL,
    action  text        NOT NULL,
    subject text        NOT NULL,
    detail  text
);
CREATE INDEX audit_entry_at_idx ON audit_entry (at DESC, id DESC);

CREATE TABLE board (
    serial          text PRIMARY KEY,
    state           text        NOT NULL,
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    last_rig_id     bigint      NOT NULL REFERENCES rig (id),
    last_attempt_id uuid        NOT NULL
);
CREATE INDEX board_last_seen_idx ON board (last_seen DESC, serial);
CREATE INDEX board_state_idx ON board (state, last_seen DESC);
CREATE INDEX board_rig_idx ON board (last_rig_id, last_seen DESC);

CREATE TABLE flash_attempt (
    attempt_id             uuid PRIMARY KEY,
    serial                 text        NOT NULL REFERENCES board (serial),
    rig_id                 bigint      NOT NULL REFERENCES rig (id),
    port_path              text,
    slot_label             text,
    power_up_order         integer,
    layout_name            text,
    layout_sha256          text,
    state                  text        NOT NULL,
    started_at             timestamptz NOT NULL,
    last_event_at          timestamptz NOT NULL,
    flash_started_at       timestamptz,
    flashed_at             timestamptz,
    mac_verified_at        timestamptz,
    ended_at               timestamptz,
    removed_at             timestamptz,
    outcome                text CHECK (outcome IN ('DONE', 'FAILED', 'INTERRUPTED')),
    failure_code           text,
    message                text,
    programmer_output_tail text,
    mac                    text
);
CREATE INDEX flash_attempt_serial_idx ON flash_attempt (serial, started_at);

CREATE TABLE event_queue (
    rig_id                     bigint NOT NULL REFERENCES rig (id),
    queue_id                   uuid   NOT NULL,
    committed_through_sequence bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (rig_id, queue_id)
);

CREATE TABLE board_event (
    event_id        uuid PRIMARY KEY,
    rig_id          bigint      NOT NULL REFERENCES rig (id),
    queue_id        uuid        NOT NULL,
    sequence        bigint      NOT NULL,
    serial          text,
    attempt_id      text,
    kind            text        NOT NULL,
    occurred_at     timestamptz,
    received_at     timestamptz NOT NULL,
    -- The event exactly as the agent sent it (protobuf bytes).
    payload         bytea       NOT NULL,
    -- Set when the event was malformed: recorded and acknowledged, never applied.
    rejected_reason text,
    CONSTRAINT board_event_queue_position UNIQUE (rig_id, queue_id, sequence)
);
CREATE INDEX board_event_serial_idx ON board_event (serial, occurred_at);
