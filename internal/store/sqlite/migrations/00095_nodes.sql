-- Liveness across nodes (issue 16): each vigil node writes when it was last
-- alive; a device's row names the node its MQTT connection is held by, so
-- when a node dies the others mark its devices offline (and raise offline
-- alarms) instead of leaving them "online" for ever. Times are microseconds
-- since the Unix epoch.

-- +goose Up
CREATE TABLE nodes (
    id      TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
);
ALTER TABLE devices ADD COLUMN node_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE devices DROP COLUMN node_id;
DROP TABLE nodes;
