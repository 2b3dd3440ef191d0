-- The incident room (issue 14): the register (one row per incident, its
-- grading, plan, timeline, notice texts and regulator reports kept as one
-- JSON document changed in one transaction), the people each incident
-- affected, and the public notices. Times are microseconds since the Unix
-- epoch.

-- +goose Up
CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    severity    TEXT NOT NULL,
    responsible TEXT NOT NULL,
    opened_at   INTEGER NOT NULL,
    closed_at   INTEGER NOT NULL DEFAULT 0,
    doc         TEXT NOT NULL
);
CREATE INDEX incidents_opened ON incidents(opened_at);

CREATE TABLE incident_affected (
    incident_id    TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL,
    accounts       TEXT NOT NULL,
    touched        TEXT NOT NULL,
    contact        INTEGER NOT NULL,
    language       TEXT NOT NULL,
    notice_account TEXT NOT NULL DEFAULT '',
    message_id     TEXT NOT NULL DEFAULT '',
    noticed_at     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (incident_id, user_id)
);
CREATE INDEX incident_affected_user ON incident_affected(user_id);

CREATE TABLE incident_public (
    slug         TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    notice       TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX incident_public_published ON incident_public(published_at);

-- +goose Down
DROP TABLE incident_public;
DROP TABLE incident_affected;
DROP TABLE incidents;
