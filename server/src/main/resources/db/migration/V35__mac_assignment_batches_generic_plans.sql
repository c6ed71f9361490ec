-- A batch's statements are planned once per connection, not once per batch. PL/pgSQL lets PostgreSQL choose, per
-- statement, between a plan made for each call's values and one generic plan; for the statement that takes a stripe's
-- next addresses (generate_series over the stripe's bounds) it kept planning anew on every call, a fifth of the
-- batch's time in the database (issue 18, pg_stat_statements: 13 723 plans for 13 705 calls). Every statement of the
-- batch has one good plan whatever the values: index probes per serial (V34), the stripe's row by its key, and joins of
-- the batch's own arrays.
ALTER FUNCTION flashrig_assign_macs(text[], bigint[], text[], timestamptz, integer, timestamptz, timestamptz)
    SET plan_cache_mode = force_generic_plan;
