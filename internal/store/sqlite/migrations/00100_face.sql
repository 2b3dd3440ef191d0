-- Face recognition (issue 15): sites where it is on, enrolled people with
-- their consent records, their templates, match events, and the operator's
-- regional stops. Everything that identifies a person is sealed under that
-- person's own data key (scope subject, owner = the person's ID), so
-- destroying the key erases label, consent, evidence and templates at once.
-- Times are microseconds since the Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE face_sites (
    account_id   TEXT NOT NULL,
    site_id      TEXT NOT NULL,
    enabled_by   TEXT NOT NULL,
    enabled_at   INTEGER NOT NULL,
    lawful_basis TEXT NOT NULL,
    PRIMARY KEY (account_id, site_id)
);

CREATE TABLE face_people (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    site_id         TEXT NOT NULL,
    label_sealed    BLOB NOT NULL,
    consent_sealed  BLOB NOT NULL,
    evidence_sealed BLOB NOT NULL,
    consent_method  TEXT NOT NULL,
    consented_at    INTEGER NOT NULL,
    lawful_basis    TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX face_people_site ON face_people(account_id, site_id);
CREATE INDEX face_people_expiry ON face_people(expires_at);

CREATE TABLE face_templates (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES face_people(id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL,
    site_id         TEXT NOT NULL,
    template_sealed BLOB NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX face_templates_site ON face_templates(account_id, site_id);

CREATE TABLE face_matches (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    site_id    TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    score      REAL NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX face_matches_account ON face_matches(account_id, at);

CREATE TABLE face_region_stops (
    region            TEXT PRIMARY KEY,
    reason            TEXT NOT NULL,
    stopped_at        INTEGER NOT NULL,
    stopped_by        TEXT NOT NULL,
    delete_after_days INTEGER NOT NULL,
    due_at            INTEGER NOT NULL,
    done_at           INTEGER NOT NULL DEFAULT 0,
    erased_people     INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE face_region_stops;
DROP TABLE face_matches;
DROP TABLE face_templates;
DROP TABLE face_people;
DROP TABLE face_sites;
