-- Recordings (media.segment): encrypted fMP4 segments of each device
-- channel, the init of each publishing session, the recorded ranges the
-- timeline lists, event marks, recording settings and the purge log.
-- A segment or init row is written (state 0) before its blob and marked
-- stored (state 1) after it, so after a crash a row in state 0 names the
-- only blob that may be incomplete or orphaned.

-- +goose Up
CREATE TABLE rec_inits (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    channel     INTEGER NOT NULL,
    session     TEXT NOT NULL,
    bytes       BIGINT NOT NULL,
    state       INTEGER NOT NULL,
    writer      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX rec_inits_session ON rec_inits(account_id, device_id, channel, session);
CREATE INDEX rec_inits_writing ON rec_inits(state) WHERE state = 0;

CREATE TABLE rec_segments (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    channel     INTEGER NOT NULL,
    init_id     BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    start_us    BIGINT NOT NULL,
    end_us      BIGINT NOT NULL,
    bytes       BIGINT NOT NULL,
    has_audio   INTEGER NOT NULL,
    codecs      TEXT NOT NULL,
    marked      INTEGER NOT NULL DEFAULT 0,
    state       INTEGER NOT NULL,
    writer      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX rec_segments_time ON rec_segments(account_id, device_id, channel, start_us);
CREATE INDEX rec_segments_age ON rec_segments(account_id, end_us);
CREATE INDEX rec_segments_writing ON rec_segments(state) WHERE state = 0;

CREATE TABLE rec_ranges (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    channel     INTEGER NOT NULL,
    init_id     BIGINT NOT NULL,
    start_us    BIGINT NOT NULL,
    end_us      BIGINT NOT NULL,
    last_seq    BIGINT NOT NULL,
    has_audio   INTEGER NOT NULL
);
CREATE INDEX rec_ranges_time ON rec_ranges(account_id, device_id, channel, end_us);

CREATE TABLE rec_marks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    channel     INTEGER NOT NULL,
    at_us       BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL
);
CREATE INDEX rec_marks_time ON rec_marks(account_id, device_id, channel, at_us);

CREATE TABLE rec_usage (
    account_id  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    bytes       BIGINT NOT NULL,
    segments    BIGINT NOT NULL,
    PRIMARY KEY (account_id, device_id)
);

CREATE TABLE rec_settings (
    account_id        TEXT NOT NULL,
    device_id         TEXT NOT NULL,
    channel           INTEGER NOT NULL,
    mode              TEXT NOT NULL,
    retention_s       BIGINT NOT NULL,
    event_retention_s BIGINT NOT NULL,
    quota_bytes       BIGINT NOT NULL,
    updated_by        TEXT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (account_id, device_id, channel)
);

CREATE TABLE rec_purges (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    segments    BIGINT NOT NULL,
    bytes       BIGINT NOT NULL,
    from_us     BIGINT NOT NULL,
    to_us       BIGINT NOT NULL,
    audit_seq   BIGINT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX rec_purges_account ON rec_purges(account_id, at);

-- +goose Down
DROP TABLE rec_purges;
DROP TABLE rec_settings;
DROP TABLE rec_usage;
DROP TABLE rec_marks;
DROP TABLE rec_ranges;
DROP TABLE rec_segments;
DROP TABLE rec_inits;
