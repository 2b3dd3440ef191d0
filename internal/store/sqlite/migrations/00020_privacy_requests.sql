-- Privacy centre, data-subject requests: the requests themselves, the
-- documents a person without an account sends to prove who they are (stored
-- as sealed blobs; only their metadata is here), corrections made with their
-- values before and after (sealed under the person's key), records staff
-- marked confidential or legally privileged (left out of exports), and legal
-- holds that stop retention from purging.
-- Personal fields are sealed (*_sealed) under the requester's own key, so
-- erasing the requester erases them. Times are microseconds since the Unix
-- epoch; 0 means "not set".

-- +goose Up
CREATE TABLE privacy_requests (
    id                    TEXT PRIMARY KEY,
    kind                  TEXT NOT NULL,
    status                TEXT NOT NULL,
    region                TEXT NOT NULL,
    requester_kind        TEXT NOT NULL,
    requester_id          TEXT NOT NULL,
    relation              TEXT NOT NULL,
    contact_index         BLOB NOT NULL,
    contact_sealed        BLOB NOT NULL,
    details_sealed        BLOB NOT NULL,
    scope                 TEXT NOT NULL,
    submitted_at          INTEGER NOT NULL,
    due_at                INTEGER NOT NULL,
    extended_due_at       INTEGER NOT NULL DEFAULT 0,
    extension_reason      TEXT NOT NULL DEFAULT '',
    extension_notified_at INTEGER NOT NULL DEFAULT 0,
    confirm_hash          BLOB,
    access_hash           BLOB,
    verified_at           INTEGER NOT NULL DEFAULT 0,
    verified_by           TEXT NOT NULL DEFAULT '',
    decided_at            INTEGER NOT NULL DEFAULT 0,
    decided_by            TEXT NOT NULL DEFAULT '',
    outcome               TEXT NOT NULL DEFAULT '',
    denial_reason         TEXT NOT NULL DEFAULT '',
    reference_id          TEXT NOT NULL DEFAULT '',
    fingerprint           BLOB,
    letter_sealed         BLOB,
    export_blob           TEXT NOT NULL DEFAULT '',
    certificate           TEXT NOT NULL DEFAULT '',
    reminded_at           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX privacy_requests_requester ON privacy_requests(requester_id, submitted_at);
CREATE INDEX privacy_requests_contact ON privacy_requests(contact_index);
CREATE INDEX privacy_requests_queue ON privacy_requests(status, due_at);
CREATE UNIQUE INDEX privacy_requests_confirm ON privacy_requests(confirm_hash);
CREATE UNIQUE INDEX privacy_requests_access ON privacy_requests(access_hash);

CREATE TABLE privacy_request_documents (
    id           TEXT PRIMARY KEY,
    request_id   TEXT NOT NULL REFERENCES privacy_requests(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX privacy_request_documents_request ON privacy_request_documents(request_id);

CREATE TABLE privacy_request_changes (
    request_id    TEXT NOT NULL REFERENCES privacy_requests(id) ON DELETE CASCADE,
    category      TEXT NOT NULL,
    field         TEXT NOT NULL,
    before_sealed BLOB NOT NULL,
    after_sealed  BLOB NOT NULL,
    audit_seq     INTEGER NOT NULL,
    changed_at    INTEGER NOT NULL,
    PRIMARY KEY (request_id, category, field)
);

CREATE TABLE privacy_exclusions (
    id         TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    category   TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    marking    TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX privacy_exclusions_record ON privacy_exclusions(subject_id, category, record_id);

CREATE TABLE privacy_legal_holds (
    id         TEXT PRIMARY KEY,
    owner_id   TEXT NOT NULL,
    until_at   INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX privacy_legal_holds_owner ON privacy_legal_holds(owner_id, until_at);

-- +goose Down
DROP TABLE privacy_legal_holds;
DROP TABLE privacy_exclusions;
DROP TABLE privacy_request_changes;
DROP TABLE privacy_request_documents;
DROP TABLE privacy_requests;
