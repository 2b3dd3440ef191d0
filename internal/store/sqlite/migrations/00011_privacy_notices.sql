-- Notices and consent. privacy_notices holds vigil's own documents (privacy
-- statement, face recognition protocol, terms), one row per published version
-- of a kind, region and language, with the SHA-256 of its text and whether the
-- change is material (then people must accept it again). privacy_acceptances
-- records who accepted which version, when, how and from where (the IP sealed
-- under the person's key); privacy_consents records each optional use a person
-- agreed to and when they withdrew. Both outlive the user row on purpose:
-- they are proof of consent, pseudonymised by erasing the person's key.
-- Times are microseconds since the Unix
-- epoch; 0 means "not set".

-- +goose Up
CREATE TABLE privacy_notices (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    region       TEXT NOT NULL,
    language     TEXT NOT NULL,
    version      INTEGER NOT NULL,
    body         TEXT NOT NULL,
    text_hash    BLOB NOT NULL,
    material     INTEGER NOT NULL DEFAULT 0,
    summary      TEXT NOT NULL DEFAULT '',
    published_at INTEGER NOT NULL,
    published_by TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, region, language, version)
);

CREATE TABLE privacy_acceptances (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    notice_id   TEXT NOT NULL REFERENCES privacy_notices(id),
    kind        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    text_hash   BLOB NOT NULL,
    accepted_at INTEGER NOT NULL,
    ip_sealed   BLOB NOT NULL,
    method      TEXT NOT NULL
);
CREATE INDEX privacy_acceptances_user ON privacy_acceptances(user_id, kind);

CREATE TABLE privacy_consents (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    notice_id    TEXT NOT NULL DEFAULT '',
    granted_at   INTEGER NOT NULL,
    withdrawn_at INTEGER NOT NULL DEFAULT 0,
    ip_sealed    BLOB NOT NULL,
    method       TEXT NOT NULL
);
CREATE INDEX privacy_consents_user ON privacy_consents(user_id, purpose);

-- +goose Down
DROP TABLE privacy_consents;
DROP TABLE privacy_acceptances;
DROP TABLE privacy_notices;
