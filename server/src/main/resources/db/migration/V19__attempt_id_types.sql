-- One flash attempt id, two column types, on purpose: say why where the schema is read.
COMMENT ON COLUMN flash_attempt.attempt_id IS
    'The attempt''s UUID, as the agent made it. Only well-formed events create or change an attempt, so it is always one.';
COMMENT ON COLUMN board_event.attempt_id IS
    'The attempt id exactly as the event carried it (clipped to 100 characters): text, not uuid, because refused events '
    'are kept too, with the malformed id that got them refused. Joins compare it with flash_attempt.attempt_id::text, '
    'or cast it to uuid only for applied events (rejected_reason IS NULL), whose ids are all well-formed.';
COMMENT ON COLUMN board.last_attempt_id IS
    'The flash_attempt of the board''s latest well-formed event.';
COMMENT ON COLUMN mac_assignment.attempt_id IS
    'The attempt id a rig named when it asked for the MAC, as it sent it (at most 64 characters, unchecked): a hint for '
    'people, never joined on.';
COMMENT ON COLUMN mac_assignment.write_attempt_id IS
    'The attempt id a rig named when it claimed the MAC''s one OTP write, as it sent it: a hint for people, never joined on.';
