-- Vulnerability intake and advisories (issue 14, I6). A report's contact
-- and details are sealed under the reporter's own data key (scope subject,
-- owner = reporter_id); its attachments are sealed blobs under a key of
-- the report alone ("<report id>.att"). Advisories are public text.
-- Times are microseconds since the Unix epoch; 0 means "not set".

-- +goose Up
CREATE TABLE vuln_reports (
    id             TEXT PRIMARY KEY,
    reporter_id    TEXT NOT NULL,
    contact_index  BLOB,
    contact_sealed BLOB NOT NULL,
    details_sealed BLOB NOT NULL,
    status         TEXT NOT NULL,
    decision_note  TEXT NOT NULL DEFAULT '',
    duplicate_of   TEXT NOT NULL DEFAULT '',
    incident_id    TEXT NOT NULL DEFAULT '',
    advisory_id    TEXT NOT NULL DEFAULT '',
    follow_hash    BLOB NOT NULL UNIQUE,
    submitted_at   INTEGER NOT NULL,
    triaged_at     INTEGER NOT NULL DEFAULT 0,
    triaged_by     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX vuln_reports_queue ON vuln_reports (status, submitted_at);
CREATE INDEX vuln_reports_reporter ON vuln_reports (reporter_id);
CREATE INDEX vuln_reports_contact ON vuln_reports (contact_index);

CREATE TABLE vuln_attachments (
    id           TEXT PRIMARY KEY,
    report_id    TEXT NOT NULL REFERENCES vuln_reports(id) ON DELETE CASCADE,
    name_sealed  BLOB NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX vuln_attachments_report ON vuln_attachments (report_id);

CREATE TABLE vuln_advisories (
    id           TEXT PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    severity     TEXT NOT NULL,
    cvss_vector  TEXT NOT NULL DEFAULT '',
    firmware     TEXT NOT NULL,
    apps         TEXT NOT NULL,
    credits      TEXT NOT NULL,
    status       TEXT NOT NULL,
    report_id    TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    published_at INTEGER NOT NULL DEFAULT 0,
    published_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX vuln_advisories_published ON vuln_advisories (status, published_at);

-- +goose Down
DROP TABLE vuln_advisories;
DROP TABLE vuln_attachments;
DROP TABLE vuln_reports;
