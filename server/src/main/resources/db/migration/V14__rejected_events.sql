-- Board events a rig sent that were recorded as rejected instead of applied: counted on the rig, so that an admin sees
-- them on GET /api/v1/rigs/{name} and the dashboard without scanning the event log.
ALTER TABLE rig
    ADD COLUMN rejected_events  bigint NOT NULL DEFAULT 0,
    ADD COLUMN last_rejected_at timestamptz,
    ADD COLUMN last_rejection   text;

UPDATE rig SET rejected_events = r.count, last_rejected_at = r.last,
               last_rejection = (SELECT e.rejected_reason FROM board_event e
                                  WHERE e.rig_id = rig.id AND e.rejected_reason IS NOT NULL
                                  ORDER BY e.received_at DESC LIMIT 1)
  FROM (SELECT rig_id, count(*) AS count, max(received_at) AS last FROM board_event
         WHERE rejected_reason IS NOT NULL GROUP BY rig_id) r
 WHERE r.rig_id = rig.id;
