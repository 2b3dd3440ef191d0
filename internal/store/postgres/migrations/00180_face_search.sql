-- "Find footage of me" (issue 15): a person filmed by a customer's camera
-- asks, with a selfie and their consent to this one search, for the events
-- where they appear. The selfie's template is sealed under the request's own
-- selfie key (scope account, owner = "<request>.selfie"), the key privacy
-- destroys when the request closes; the rows go at the same time. Nothing of
-- the other people in the searched snapshots is kept. Times are
-- microseconds since the Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE face_searches (
    request_id      TEXT PRIMARY KEY,
    subject_id      TEXT NOT NULL,
    template_sealed BYTEA NOT NULL,
    consent_hash    TEXT NOT NULL,
    consented_at    BIGINT NOT NULL,
    searched_at     BIGINT NOT NULL DEFAULT 0,
    searched_by     TEXT NOT NULL DEFAULT '',
    snapshots       BIGINT NOT NULL DEFAULT 0,
    skipped         TEXT NOT NULL DEFAULT ''
);

CREATE TABLE face_search_hits (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES face_searches(request_id) ON DELETE CASCADE,
    account_id  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    snapshot_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    at          BIGINT NOT NULL,
    score       DOUBLE PRECISION NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    decided_by  TEXT NOT NULL DEFAULT '',
    decided_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX face_search_hits_request ON face_search_hits(request_id);
CREATE INDEX face_search_hits_account ON face_search_hits(account_id, state);

-- +goose Down
DROP TABLE face_search_hits;
DROP TABLE face_searches;
