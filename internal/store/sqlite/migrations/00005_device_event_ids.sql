-- Device events may carry the device's own identifier, so that an event
-- delivered twice (the bus delivers at least once) is stored once.

-- +goose Up
ALTER TABLE device_events ADD COLUMN event_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX device_events_once ON device_events(device_id, event_id) WHERE event_id != '';

-- +goose Down
DROP INDEX device_events_once;
ALTER TABLE device_events DROP COLUMN event_id;
