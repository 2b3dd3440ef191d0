-- Alarms: what devices raise (and vigil raises for devices that stay
-- offline), their snapshots (the picture itself is an encrypted blob), the
-- rules that decide who is told, per-user quiet hours and per-rule cooldowns.
-- An alarm is stored once per (device, device event ID); state 'pending'
-- until the fan-out worker handed it to the notifier.
-- Times are microseconds since the Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE alarms (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    channel       BIGINT NOT NULL DEFAULT 0,
    type          TEXT NOT NULL,
    occurred_at   BIGINT NOT NULL,
    received_at   BIGINT NOT NULL,
    snapshot      BIGINT NOT NULL DEFAULT 0,
    state         TEXT NOT NULL DEFAULT 'pending',
    fanned_out_at BIGINT NOT NULL DEFAULT 0,
    acked_at      BIGINT NOT NULL DEFAULT 0,
    acked_by      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX alarms_once ON alarms(device_id, event_id);
CREATE INDEX alarms_account ON alarms(account_id, received_at);
CREATE INDEX alarms_pending ON alarms(state, received_at);

CREATE TABLE alarm_snapshots (
    device_id  TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, event_id)
);
CREATE INDEX alarm_snapshots_account ON alarm_snapshots(account_id, created_at);

CREATE TABLE alarm_rules (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL,
    site_id          TEXT NOT NULL DEFAULT '',
    device_id        TEXT NOT NULL DEFAULT '',
    types            TEXT NOT NULL DEFAULT '',
    users            TEXT NOT NULL DEFAULT '',
    roles            TEXT NOT NULL DEFAULT '',
    schedule         TEXT NOT NULL DEFAULT '',
    time_zone        TEXT NOT NULL DEFAULT 'UTC',
    cooldown_seconds BIGINT NOT NULL DEFAULT 0,
    snapshot_role    TEXT NOT NULL DEFAULT 'guest',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX alarm_rules_account ON alarm_rules(account_id);

CREATE TABLE alarm_quiet_hours (
    account_id   TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    start_minute BIGINT NOT NULL,
    end_minute   BIGINT NOT NULL,
    time_zone    TEXT NOT NULL,
    PRIMARY KEY (account_id, user_id)
);

CREATE TABLE alarm_cooldowns (
    rule_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    type      TEXT NOT NULL,
    last_at   BIGINT NOT NULL,
    PRIMARY KEY (rule_id, device_id, type)
);

-- +goose Down
DROP TABLE alarm_cooldowns;
DROP TABLE alarm_quiet_hours;
DROP TABLE alarm_rules;
DROP TABLE alarm_snapshots;
DROP TABLE alarms;
