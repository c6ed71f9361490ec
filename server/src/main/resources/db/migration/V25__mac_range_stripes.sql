-- MAC assignment without a queue on one row (package io.flashrig.server.pool, MacAllocator; issue 18).
--
-- Each range hands out its addresses through 8 stripes: stripe k takes first_mac + k, + k + 8, + k + 16, ... in
-- ascending order. A caller takes the lowest stripe nobody else holds (SKIP LOCKED), so up to 8 assignments proceed at
-- once on every replica, and the range still fills from its bottom. A stripe advances in the transaction that inserts
-- the assignment, so a rolled-back or crashed call gives its address back: no address is ever skipped but those no
-- board can carry (ending in 00:00).
CREATE TABLE mac_range_stripe (
    range_id bigint  NOT NULL REFERENCES mac_range (id) ON DELETE CASCADE,
    stripe   integer NOT NULL,
    -- The stripe's next address; it has none left once this passes last_mac.
    next_mac bigint  NOT NULL,
    step     integer NOT NULL CHECK (step > 0),
    -- The range's last address.
    last_mac bigint  NOT NULL,
    PRIMARY KEY (range_id, stripe),
    CONSTRAINT mac_range_stripe_within CHECK (next_mac <= last_mac + step)
);

CREATE FUNCTION flashrig_stripe_range() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mac_range_stripe (range_id, stripe, next_mac, step, last_mac)
    SELECT NEW.id, k, NEW.first_mac + k, 8, NEW.last_mac FROM generate_series(0, 7) k;
    RETURN NULL;
END $$;

-- Also for a range inserted by hand in SQL.
CREATE TRIGGER mac_range_stripes AFTER INSERT ON mac_range FOR EACH ROW EXECUTE FUNCTION flashrig_stripe_range();

-- Every address below first_mac + next_offset is taken; the stripes start above it.
INSERT INTO mac_range_stripe (range_id, stripe, next_mac, step, last_mac)
SELECT r.id, k, r.first_mac + r.next_offset + k, 8, r.last_mac FROM mac_range r, generate_series(0, 7) k;

ALTER TABLE mac_range DROP COLUMN next_offset;

-- A rig's quota of new MACs, read under the rig's lock (held until commit): so that the count which follows an
-- assignment is seen by the rig's next check on any replica. RigQuota and flashrig_assign_mac both ask here.
CREATE FUNCTION flashrig_rig_quota(p_rig bigint, p_default integer, p_window_start timestamptz,
        OUT rig_name text, OUT new_macs_per_hour integer, OUT taken bigint)
    LANGUAGE plpgsql AS $$
BEGIN
    -- hashtext shares its key space with the per-serial locks: a collision only makes two calls wait in turn.
    PERFORM pg_advisory_xact_lock(hashtext('rig new MACs ' || p_rig));
    SELECT r.name, COALESCE(r.new_macs_per_hour, p_default) INTO rig_name, new_macs_per_hour FROM rig r
     WHERE r.id = p_rig;
    SELECT COALESCE(sum(n.new_macs), 0) INTO taken FROM rig_new_macs n
     WHERE n.rig_id = p_rig AND n.minute >= p_window_start;
END $$;

-- Counts one new MAC for the rig; only after flashrig_rig_quota in the same transaction.
CREATE FUNCTION flashrig_count_rig_mac(p_rig bigint, p_minute timestamptz, p_window_start timestamptz)
    RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rig_new_macs (rig_id, minute, new_macs) VALUES (p_rig, p_minute, 1)
    ON CONFLICT (rig_id, minute) DO UPDATE SET new_macs = rig_new_macs.new_macs + 1;
    DELETE FROM rig_new_macs WHERE rig_id = p_rig AND minute < p_window_start;
END $$;

-- One assignment in one statement, so that a call costs one round trip and its locks are held for the time the
-- database takes, not for the round trips of a client. Locks in one order (the serial's, a stripe, the rig's).
-- Outcomes:
--   HELD      the serial already has a MAC (mac, state);
--   ASSIGNED  the serial got the next address (mac);
--   EXHAUSTED no active range has an address left.
-- A rig past its quota fails the statement with SQLSTATE FRQ01, which undoes everything it did (the stripe gives its
-- address back); the caller then records the refusal.
CREATE FUNCTION flashrig_assign_mac(p_serial text, p_rig bigint, p_attempt text, p_now timestamptz,
        p_default_quota integer, p_minute timestamptz, p_window_start timestamptz,
        OUT outcome text, OUT mac bigint, OUT state text)
    LANGUAGE plpgsql AS $$
DECLARE
    quota record;
    v_range bigint;
    v_stripe integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(p_serial));
    SELECT a.mac, a.state INTO mac, state FROM mac_assignment a WHERE a.board_serial = p_serial;
    IF FOUND THEN
        outcome := 'HELD';
        RETURN;
    END IF;
    LOOP
        -- The lowest stripe of the first range with room that no other call holds.
        UPDATE mac_range_stripe s SET next_mac = s.next_mac + s.step
         WHERE (s.range_id, s.stripe) = (
                SELECT f.range_id, f.stripe FROM mac_range_stripe f
                 WHERE f.range_id = (SELECT r.id FROM mac_range r
                                      WHERE r.retired_at IS NULL
                                        AND EXISTS (SELECT 1 FROM mac_range_stripe x
                                                     WHERE x.range_id = r.id AND x.next_mac <= x.last_mac)
                                      ORDER BY r.first_mac LIMIT 1)
                   AND f.next_mac <= f.last_mac
                 ORDER BY f.next_mac LIMIT 1 FOR UPDATE SKIP LOCKED)
           AND s.next_mac <= s.last_mac
        RETURNING s.range_id, s.next_mac - s.step INTO v_range, mac;
        IF NOT FOUND THEN
            -- Every stripe with room is held by another call (or none has room): wait for the lowest one.
            SELECT f.range_id, f.stripe INTO v_range, v_stripe FROM mac_range_stripe f JOIN mac_range r
                ON r.id = f.range_id
             WHERE r.retired_at IS NULL AND f.next_mac <= f.last_mac
             ORDER BY r.first_mac, f.next_mac LIMIT 1;
            IF NOT FOUND THEN
                outcome := 'EXHAUSTED';
                mac := NULL;
                RETURN;
            END IF;
            UPDATE mac_range_stripe s SET next_mac = s.next_mac + s.step
             WHERE s.range_id = v_range AND s.stripe = v_stripe AND s.next_mac <= s.last_mac
            RETURNING s.next_mac - s.step INTO mac;
            CONTINUE WHEN NOT FOUND;
        END IF;
        -- Skip an address a read could not tell from blank OTP (MacAddress.fusable), or one adopted from a board's
        -- OTP earlier.
        IF (mac >> 16) <> 0 AND (mac & 65535) <> 0 THEN
            INSERT INTO mac_assignment (mac, board_serial, range_id, state, origin, rig_id, attempt_id, assigned_at)
            VALUES (mac, p_serial, v_range, 'ASSIGNED', 'POOL', p_rig, p_attempt, p_now)
            ON CONFLICT ON CONSTRAINT mac_assignment_pkey DO NOTHING;
            IF FOUND THEN
                IF p_rig IS NOT NULL THEN
                    -- The rig's lock last: every call of one rig passes it in turn, so it is held only for the
                    -- count and the commit.
                    SELECT * INTO quota FROM flashrig_rig_quota(p_rig, p_default_quota, p_window_start);
                    IF quota.taken >= quota.new_macs_per_hour THEN
                        RAISE EXCEPTION 'rig % has taken its quota of new MACs', p_rig USING ERRCODE = 'FRQ01';
                    END IF;
                    PERFORM flashrig_count_rig_mac(p_rig, p_minute, p_window_start);
                END IF;
                outcome := 'ASSIGNED';
                state := 'ASSIGNED';
                RETURN;
            END IF;
        END IF;
    END LOOP;
END $$;

-- Rig token lookups are cached by every replica (package io.flashrig.server.security, TokenCache); a token that
-- stops being valid, or changes hands, empties every replica's cache at commit, also when changed by hand in SQL.
CREATE FUNCTION flashrig_notify_credentials() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('flashrig_credentials', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER rig_credentials AFTER UPDATE OF token_hash, revoked_at, name OR DELETE ON rig
    FOR EACH ROW EXECUTE FUNCTION flashrig_notify_credentials();
CREATE TRIGGER api_token_credentials AFTER UPDATE OF token_hash, revoked_at, role, name OR DELETE ON api_token
    FOR EACH ROW EXECUTE FUNCTION flashrig_notify_credentials();
