-- A batch of MAC assignments finds the serials that already have a MAC by one index probe per serial. V33 joined the
-- batch's serials with mac_assignment: PL/pgSQL caches a statement's plan after five calls, and on a young database
-- (mac_assignment empty or never analysed) that plan was a hash join over a sequential scan of the whole table. Each
-- server connection kept it as the table grew, until autovacuum analysed the table: a batch then cost milliseconds
-- more per thousand rows (issue 18; AssignmentBatchTest counts the scans). Only those two statements changed.
CREATE OR REPLACE FUNCTION flashrig_assign_macs(p_serials text[], p_rigs bigint[], p_attempts text[], p_now timestamptz,
        p_default_quota integer, p_minute timestamptz, p_window_start timestamptz)
    RETURNS TABLE (idx integer, outcome text, mac bigint, state text)
    LANGUAGE plpgsql AS $$
DECLARE
    v_pending integer[];
    v_over bigint[];
    v_done_serials text[] := '{}';
    v_done_macs bigint[] := '{}';
    v_new_serials text[];
    v_new_macs bigint[];
    v_range bigint;
    v_first_range bigint;
    v_stripe integer;
    v_next bigint;
    v_step integer;
    v_last bigint;
    v_take integer;
    v_rig bigint;
    v_count integer;
    quota record;
BEGIN
    PERFORM pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(s) AS h FROM unnest(p_serials) s ORDER BY 1) l;

    -- Each serial looked up by itself (LATERAL; LIMIT 1 keeps the planner from turning it back into a join), so that the
    -- plan is an index probe per board whatever the planner believed of mac_assignment's size when it cached the plan.
    RETURN QUERY SELECT u.i::integer, 'HELD', a.mac, a.state
                   FROM unnest(p_serials) WITH ORDINALITY u(s, i)
                  CROSS JOIN LATERAL (SELECT h.mac, h.state FROM mac_assignment h WHERE h.board_serial = u.s LIMIT 1) a;
    SELECT array_agg(u.i::integer ORDER BY u.i) INTO v_pending FROM unnest(p_serials) WITH ORDINALITY u(s, i)
      LEFT JOIN LATERAL (SELECT 1 AS held FROM mac_assignment h WHERE h.board_serial = u.s LIMIT 1) a ON true
     WHERE a.held IS NULL;

    -- A first look at the quotas, without their locks: a rig that might not have room for all its boards here is
    -- left to the one-by-one path, so that a batch never takes an address it then cannot give.
    SELECT array_agg(n.rig) INTO v_over
      FROM (SELECT p_rigs[i] AS rig, count(*) AS wanted FROM unnest(v_pending) i WHERE p_rigs[i] IS NOT NULL
             GROUP BY 1) n
      LEFT JOIN rig r ON r.id = n.rig
     WHERE r.id IS NULL
        OR (SELECT COALESCE(sum(m.new_macs), 0) FROM rig_new_macs m
             WHERE m.rig_id = n.rig AND m.minute >= p_window_start) + n.wanted
           > COALESCE(r.new_macs_per_hour, p_default_quota);
    IF v_over IS NOT NULL THEN
        RETURN QUERY SELECT i, 'SINGLE', NULL::bigint, NULL::text FROM unnest(v_pending) i
                      WHERE p_rigs[i] = ANY (v_over);
        SELECT array_agg(i ORDER BY i) INTO v_pending FROM unnest(v_pending) i
         WHERE p_rigs[i] IS NULL OR p_rigs[i] <> ALL (v_over);
    END IF;

    WHILE cardinality(v_pending) > 0 LOOP
        -- The first active range with room, as flashrig_assign_mac (V25) picks it; then its lowest stripe with room
        -- that no other call holds; when every one is held, wait for the lowest (its holder may leave it without
        -- room: then the next turn looks again).
        SELECT r.id INTO v_first_range FROM mac_range r
         WHERE r.retired_at IS NULL
           AND EXISTS (SELECT 1 FROM mac_range_stripe x WHERE x.range_id = r.id AND x.next_mac <= x.last_mac)
         ORDER BY r.first_mac LIMIT 1;
        IF NOT FOUND THEN
            RETURN QUERY SELECT i, 'EXHAUSTED', NULL::bigint, NULL::text FROM unnest(v_pending) i;
            EXIT;
        END IF;
        SELECT f.range_id, f.stripe, f.next_mac, f.step, f.last_mac INTO v_range, v_stripe, v_next, v_step, v_last
          FROM mac_range_stripe f
         WHERE f.range_id = v_first_range AND f.next_mac <= f.last_mac
         ORDER BY f.next_mac LIMIT 1 FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
            SELECT f.range_id, f.stripe, f.next_mac, f.step, f.last_mac INTO v_range, v_stripe, v_next, v_step, v_last
              FROM mac_range_stripe f
             WHERE f.range_id = v_first_range AND f.next_mac <= f.last_mac
             ORDER BY f.next_mac LIMIT 1 FOR UPDATE;
            IF NOT FOUND THEN
                -- (SELECT INTO leaves its targets null when it finds nothing, hence the range's own variable.)
                -- The range filled up while this call waited: the next turn picks the range again.
                CONTINUE;
            END IF;
        END IF;
        v_take := LEAST(cardinality(v_pending), (v_last - v_next) / v_step + 1);
        UPDATE mac_range_stripe s SET next_mac = v_next + v_take * v_step
         WHERE s.range_id = v_range AND s.stripe = v_stripe;
        -- The stripe's next addresses to the waiting boards in order, but for those a read could not tell from blank
        -- OTP (MacAddress.fusable) and those adopted from a board's OTP earlier: such a board waits for the next turn.
        WITH wanting AS (SELECT w.i, w.n FROM unnest(v_pending) WITH ORDINALITY w(i, n)),
             free AS (SELECT a.m, row_number() OVER (ORDER BY a.m) AS n
                        FROM generate_series(v_next, v_next + (v_take - 1)::bigint * v_step, v_step) a(m)
                       WHERE (a.m >> 16) <> 0 AND (a.m & 65535) <> 0),
             taken AS (
                INSERT INTO mac_assignment AS t (mac, board_serial, range_id, state, origin, rig_id, attempt_id,
                                                 assigned_at)
                SELECT free.m, p_serials[wanting.i], v_range, 'ASSIGNED', 'POOL', p_rigs[wanting.i],
                       p_attempts[wanting.i], p_now
                  FROM wanting JOIN free USING (n) ORDER BY free.m
                ON CONFLICT ON CONSTRAINT mac_assignment_pkey DO NOTHING
                RETURNING t.board_serial, t.mac)
        SELECT COALESCE(array_agg(taken.board_serial), '{}'), COALESCE(array_agg(taken.mac), '{}')
          INTO v_new_serials, v_new_macs FROM taken;
        v_done_serials := v_done_serials || v_new_serials;
        v_done_macs := v_done_macs || v_new_macs;
        SELECT array_agg(i ORDER BY i) INTO v_pending FROM unnest(v_pending) i WHERE p_serials[i] <> ALL (v_new_serials);
    END LOOP;

    -- The rigs' locks last, one rig after another in id order, each held only for its count and the commit.
    FOR v_rig, v_count IN
        SELECT p_rigs[array_position(p_serials, d.s)], count(*) FROM unnest(v_done_serials) d(s)
         WHERE p_rigs[array_position(p_serials, d.s)] IS NOT NULL GROUP BY 1 ORDER BY 1
    LOOP
        SELECT * INTO quota FROM flashrig_rig_quota(v_rig, p_default_quota, p_window_start);
        IF quota.taken + v_count > quota.new_macs_per_hour THEN
            RAISE EXCEPTION 'rig % has taken its quota of new MACs', v_rig USING ERRCODE = 'FRQ01';
        END IF;
        INSERT INTO rig_new_macs AS n (rig_id, minute, new_macs) VALUES (v_rig, p_minute, v_count)
        ON CONFLICT (rig_id, minute) DO UPDATE SET new_macs = n.new_macs + EXCLUDED.new_macs;
        DELETE FROM rig_new_macs WHERE rig_id = v_rig AND minute < p_window_start;
    END LOOP;

    RETURN QUERY SELECT array_position(p_serials, d.s), 'ASSIGNED', d.m, 'ASSIGNED'
                   FROM unnest(v_done_serials, v_done_macs) d(s, m);
END $$;
