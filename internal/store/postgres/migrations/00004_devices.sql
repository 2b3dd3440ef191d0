-- Device link: hardware models and their config schemas, the manufacture
-- registry and claims, device credentials, ingest (info, events, connection
-- addresses, error reports), shadows, firmware and app release catalogues,
-- and the app access log.
-- Personal fields are sealed (*_sealed) under the account's key; credentials
-- and claim codes are stored only as hashes or keyed fingerprints.
-- Times are microseconds since the Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE device_models (
    model         TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    channels      BIGINT NOT NULL DEFAULT 0,
    config_schema TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE devices (
    id                TEXT PRIMARY KEY,
    serial            TEXT NOT NULL UNIQUE,
    model             TEXT NOT NULL REFERENCES device_models(model),
    claim_index       BYTEA NOT NULL,
    registered_at     BIGINT NOT NULL,
    account_id        TEXT NOT NULL DEFAULT '',
    site_id           TEXT NOT NULL DEFAULT '',
    claimed_at        BIGINT NOT NULL DEFAULT 0,
    name_sealed       BYTEA,
    lost_at           BIGINT NOT NULL DEFAULT 0,
    error_details     BIGINT NOT NULL DEFAULT 0,
    cred_hash         BYTEA,
    cred_issued_at    BIGINT NOT NULL DEFAULT 0,
    firmware_version  TEXT NOT NULL DEFAULT '',
    app_version       TEXT NOT NULL DEFAULT '',
    software_id       TEXT NOT NULL DEFAULT '',
    region            TEXT NOT NULL DEFAULT '',
    language          TEXT NOT NULL DEFAULT '',
    time_zone         TEXT NOT NULL DEFAULT '',
    font              TEXT NOT NULL DEFAULT '',
    info_at           BIGINT NOT NULL DEFAULT 0,
    online            BIGINT NOT NULL DEFAULT 0,
    last_seen_at      BIGINT NOT NULL DEFAULT 0,
    dropped_fields    BIGINT NOT NULL DEFAULT 0,
    rejected_messages BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX devices_account ON devices(account_id);
CREATE UNIQUE INDEX devices_cred ON devices(cred_hash) WHERE cred_hash IS NOT NULL;

CREATE TABLE device_pairings (
    token_hash BYTEA PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    site_id    TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE device_events (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    channel          BIGINT NOT NULL DEFAULT 0,
    kind             TEXT NOT NULL,
    code             TEXT NOT NULL DEFAULT '',
    version          TEXT NOT NULL DEFAULT '',
    occurred_at      BIGINT NOT NULL,
    received_at      BIGINT NOT NULL
);
CREATE INDEX device_events_device ON device_events(account_id, device_id, id);
CREATE INDEX device_events_received ON device_events(received_at);

CREATE TABLE device_ips (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    ip_sealed       BYTEA,
    ip_prefix       TEXT NOT NULL,
    first_seen_at   BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL
);
CREATE INDEX device_ips_device ON device_ips(account_id, device_id);
CREATE INDEX device_ips_seen ON device_ips(last_seen_at);

CREATE TABLE device_shadows (
    account_id     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    channel        BIGINT NOT NULL,
    version        BIGINT NOT NULL,
    desired_sealed  BYTEA NOT NULL,
    reported_sealed BYTEA NOT NULL,
    desired_at     BIGINT NOT NULL DEFAULT 0,
    reported_at    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (device_id, channel)
);

CREATE TABLE error_reports (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    device_id    TEXT NOT NULL DEFAULT '',
    user_id      TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL,
    body_sealed  BYTEA NOT NULL,
    received_at  BIGINT NOT NULL
);
CREATE INDEX error_reports_account ON error_reports(account_id, received_at);

CREATE TABLE user_prefs (
    user_id       TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    error_details BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE firmware_releases (
    id              TEXT PRIMARY KEY,
    model           TEXT NOT NULL REFERENCES device_models(model),
    version         TEXT NOT NULL,
    notes           TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    signature       TEXT NOT NULL,
    url             TEXT NOT NULL,
    rollout_percent BIGINT NOT NULL,
    published_at    BIGINT NOT NULL,
    UNIQUE (model, version)
);

CREATE TABLE app_releases (
    platform   TEXT PRIMARY KEY,
    latest     TEXT NOT NULL,
    minimum    TEXT NOT NULL,
    notes      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE app_access (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     TEXT NOT NULL,
    hour        BIGINT NOT NULL,
    ip_index    BYTEA NOT NULL,
    ip_sealed   BYTEA,
    ip_prefix   TEXT NOT NULL,
    requests    BIGINT NOT NULL,
    first_at    BIGINT NOT NULL,
    last_at     BIGINT NOT NULL,
    UNIQUE (user_id, hour, ip_index)
);
CREATE INDEX app_access_last ON app_access(last_at);

-- +goose Down
DROP TABLE app_access;
DROP TABLE app_releases;
DROP TABLE firmware_releases;
DROP TABLE user_prefs;
DROP TABLE error_reports;
DROP TABLE device_shadows;
DROP TABLE device_ips;
DROP TABLE device_events;
DROP TABLE device_pairings;
DROP TABLE devices;
DROP TABLE device_models;
