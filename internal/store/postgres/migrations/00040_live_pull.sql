-- Live video: the RTSP URLs of cameras on a LAN that vigil pulls into a
-- device channel (video.pull_enabled). The URL may hold the camera's
-- password: it is sealed under the account's key, bound to its row
-- ("<device>/<channel>"). Times are microseconds since the Unix epoch.

-- +goose Up
CREATE TABLE live_pull_sources (
    device_id  TEXT NOT NULL,
    channel    INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    url_sealed BYTEA NOT NULL,
    set_by     TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, channel)
);
CREATE INDEX live_pull_sources_account ON live_pull_sources(account_id);

-- +goose Down
DROP TABLE live_pull_sources;
