package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
	"github.com/vigil-cloud/vigil/internal/vuln"
)

// VulnStore keeps vulnerability reports, their attachments' metadata and
// security advisories.
type VulnStore struct{ db *DB }

// NewVulnStore returns the vulnerability store over db.
func NewVulnStore(db *DB) *VulnStore { return &VulnStore{db: db} }

var _ vuln.Store = (*VulnStore)(nil)

func vulnRes(subjectID, id string) access.Resource {
	return access.Resource{Category: datamap.VulnReport, SubjectID: subjectID, ID: id}
}

const reportColumns = `id, reporter_id, contact_index, contact_sealed, details_sealed, status, decision_note, duplicate_of,
	incident_id, advisory_id, follow_hash, submitted_at, triaged_at, triaged_by`

func scanVulnReport(sc scanner) (vuln.ReportRow, error) {
	var r vuln.ReportRow
	var sub, tri int64
	var status string
	err := sc.Scan(&r.ID, &r.ReporterID, &r.ContactIndex, &r.ContactSealed, &r.DetailsSealed, &status, &r.DecisionNote, &r.DuplicateOf,
		&r.IncidentID, &r.AdvisoryID, &r.FollowHash, &sub, &tri, &r.TriagedBy)
	r.Status, r.SubmittedAt, r.TriagedAt = vuln.Status(status), FromMicros(sub), FromMicros(tri)
	return r, err
}

func scanVulnAttachment(sc scanner) (vuln.AttachmentRow, error) {
	var a vuln.AttachmentRow
	var at int64
	err := sc.Scan(&a.ID, &a.ReportID, &a.NameSealed, &a.ContentType, &a.Size, &at)
	a.CreatedAt = FromMicros(at)
	return a, err
}

// CreateReport stores a report and its attachments' metadata.
func (s *VulnStore) CreateReport(ctx context.Context, d access.Decision, r vuln.ReportRow, atts []vuln.AttachmentRow) error {
	if err := d.Require(access.Create, vulnRes(r.ReporterID, r.ID)); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO vuln_reports (`+reportColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.ReporterID, r.ContactIndex, r.ContactSealed, r.DetailsSealed, string(r.Status), r.DecisionNote, r.DuplicateOf,
			r.IncidentID, r.AdvisoryID, r.FollowHash, Micros(r.SubmittedAt), Micros(r.TriagedAt), r.TriagedBy); err != nil {
			return tx.Err(err, "vulnerability report")
		}
		for _, a := range atts {
			if _, err := tx.Exec(ctx, `INSERT INTO vuln_attachments (id, report_id, name_sealed, content_type, size, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				a.ID, r.ID, a.NameSealed, a.ContentType, a.Size, Micros(a.CreatedAt)); err != nil {
				return tx.Err(err, "report attachment")
			}
		}
		return nil
	})
}

// ReportIDByFollowHash finds a report by its follow-up code's hash.
func (s *VulnStore) ReportIDByFollowHash(ctx context.Context, hash []byte) (string, error) {
	var id string
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT id FROM vuln_reports WHERE follow_hash = ?`, hash).Scan(&id), "vulnerability report")
	})
	return id, err
}

// ReportOwner returns a report's reporter.
func (s *VulnStore) ReportOwner(ctx context.Context, id string) (string, error) {
	var owner string
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT reporter_id FROM vuln_reports WHERE id = ?`, id).Scan(&owner), "vulnerability report")
	})
	return owner, err
}

// Report returns one report and its attachments.
func (s *VulnStore) Report(ctx context.Context, d access.Decision, id string) (vuln.ReportRow, []vuln.AttachmentRow, error) {
	var r vuln.ReportRow
	var atts []vuln.AttachmentRow
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		if r, err = scanVulnReport(tx.QueryRow(ctx, `SELECT `+reportColumns+` FROM vuln_reports WHERE id = ?`, id)); err != nil {
			return tx.Err(err, "vulnerability report")
		}
		// Read to show it, Update to triage it.
		if err := d.Require(access.Read, vulnRes(r.ReporterID, id)); err != nil {
			if uerr := d.Require(access.Update, vulnRes(r.ReporterID, id)); uerr != nil {
				return err
			}
		}
		return forEachRow(ctx, tx, "report attachments", scanVulnAttachment, func(a vuln.AttachmentRow) error { atts = append(atts, a); return nil },
			`SELECT id, report_id, name_sealed, content_type, size, created_at FROM vuln_attachments WHERE report_id = ? ORDER BY created_at, id`, id)
	})
	return r, atts, err
}

// Queue lists reports, new ones first, then by arrival, newest first.
func (s *VulnStore) Queue(ctx context.Context, d access.Decision, limit int) ([]vuln.ReportRow, error) {
	if err := d.Require(access.List, access.Resource{Category: datamap.VulnReport}); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "vulnerability reports", scanVulnReport, `SELECT `+reportColumns+` FROM vuln_reports
		ORDER BY CASE WHEN status = 'new' THEN 0 ELSE 1 END, submitted_at DESC, id LIMIT ?`, limit)
}

// Decide records triage on a report still new.
func (s *VulnStore) Decide(ctx context.Context, d access.Decision, id string, dec vuln.Decision) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var owner string
		if err := tx.QueryRow(ctx, `SELECT reporter_id FROM vuln_reports WHERE id = ?`, id).Scan(&owner); err != nil {
			return tx.Err(err, "vulnerability report")
		}
		if err := d.Require(access.Update, vulnRes(owner, id)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE vuln_reports SET status = ?, decision_note = ?, duplicate_of = ?, incident_id = ?, advisory_id = ?,
			triaged_at = ?, triaged_by = ? WHERE id = ? AND status = 'new'`,
			string(dec.Status), dec.Note, dec.DuplicateOf, dec.IncidentID, dec.AdvisoryID, Micros(tx.Now), dec.By, id)
		if err != nil {
			return tx.Err(err, "vulnerability report")
		}
		if MustAffect(res, "report") != nil {
			return errs.E(errs.Conflict, "this report was triaged already")
		}
		return nil
	})
}

// ReporterByContact returns the pseudonym an address has with the privacy
// centre (a person without an account) or an earlier report.
func (s *VulnStore) ReporterByContact(ctx context.Context, index []byte) (string, error) {
	return personByContact(ctx, s.db, index)
}

// personByContact is the one pseudonym of an address among people
// without an account: the earliest privacy request or vulnerability
// report from it.
func personByContact(ctx context.Context, db *DB, index []byte) (string, error) {
	var id string
	err := db.Read(ctx, func(tx *Tx) error {
		return tx.Err(tx.QueryRow(ctx, `SELECT who FROM (
			SELECT requester_id AS who, submitted_at AS at FROM privacy_requests WHERE contact_index = ? AND requester_kind = ?
			UNION ALL SELECT reporter_id AS who, submitted_at AS at FROM vuln_reports WHERE contact_index = ?) firsts
			ORDER BY at LIMIT 1`, index, string(fulfil.RequesterPerson), index).Scan(&id), "requester")
	})
	return id, err
}

const advisoryColumns = `id, slug, title, summary, severity, cvss_vector, firmware, apps, credits, status, report_id,
	created_by, created_at, updated_at, published_at, published_by`

func scanAdvisory(sc scanner) (vuln.Advisory, error) {
	var a vuln.Advisory
	var fw, apps, credits string
	var created, updated, published int64
	err := sc.Scan(&a.ID, &a.Slug, &a.Title, &a.Summary, &a.Severity, &a.CVSSVector, &fw, &apps, &credits, &a.Status, &a.ReportID,
		&a.CreatedBy, &created, &updated, &published, &a.PublishedBy)
	if err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt, a.PublishedAt = FromMicros(created), FromMicros(updated), FromMicros(published)
	for _, f := range []struct {
		s string
		v any
	}{{fw, &a.Firmware}, {apps, &a.Apps}, {credits, &a.Credits}} {
		if err := json.Unmarshal([]byte(f.s), f.v); err != nil {
			return a, errs.Wrap(err, errs.Internal, "advisory %s", a.ID)
		}
	}
	return a, nil
}

// PutAdvisory creates or replaces a draft.
func (s *VulnStore) PutAdvisory(ctx context.Context, a vuln.Advisory) error {
	if a.Firmware == nil {
		a.Firmware = []vuln.FirmwareRange{}
	}
	if a.Apps == nil {
		a.Apps = []vuln.AppRange{}
	}
	if a.Credits == nil {
		a.Credits = []string{}
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM vuln_advisories WHERE slug = ? AND id <> ?`, a.Slug, a.ID).Scan(&n); err != nil {
			return tx.Err(err, "advisory")
		}
		if n > 0 {
			return errs.E(errs.Conflict, "another advisory has the slug %s", a.Slug)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM vuln_advisories WHERE id = ? AND status = 'draft'`, a.ID); err != nil {
			return tx.Err(err, "advisory")
		}
		_, err := tx.Exec(ctx, `INSERT INTO vuln_advisories (`+advisoryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.Slug, a.Title, a.Summary, a.Severity, a.CVSSVector, jsonText(a.Firmware), jsonText(a.Apps), jsonText(a.Credits),
			vuln.AdvisoryDraft, a.ReportID, a.CreatedBy, Micros(a.CreatedAt), Micros(tx.Now), 0, "")
		return tx.Err(err, "advisory")
	})
}

// Advisory returns an advisory by ID.
func (s *VulnStore) Advisory(ctx context.Context, id string) (vuln.Advisory, error) {
	var a vuln.Advisory
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		a, err = scanAdvisory(tx.QueryRow(ctx, `SELECT `+advisoryColumns+` FROM vuln_advisories WHERE id = ?`, id))
		return tx.Err(err, "advisory")
	})
	return a, err
}

// AdvisoryBySlug returns a published advisory.
func (s *VulnStore) AdvisoryBySlug(ctx context.Context, slug string) (vuln.Advisory, error) {
	var a vuln.Advisory
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		a, err = scanAdvisory(tx.QueryRow(ctx, `SELECT `+advisoryColumns+` FROM vuln_advisories WHERE slug = ? AND status = 'published'`, slug))
		return tx.Err(err, "advisory")
	})
	return a, err
}

// Advisories lists advisories, newest first.
func (s *VulnStore) Advisories(ctx context.Context, all bool) ([]vuln.Advisory, error) {
	if all {
		return queryAll(ctx, s.db, "advisories", scanAdvisory, `SELECT `+advisoryColumns+` FROM vuln_advisories ORDER BY published_at DESC, updated_at DESC, id`)
	}
	return queryAll(ctx, s.db, "advisories", scanAdvisory, `SELECT `+advisoryColumns+` FROM vuln_advisories WHERE status = 'published' ORDER BY published_at DESC, id`)
}

// PublishAdvisory publishes a draft.
func (s *VulnStore) PublishAdvisory(ctx context.Context, id, by string, at time.Time) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE vuln_advisories SET status = 'published', published_at = ?, published_by = ?, updated_at = ?
			WHERE id = ? AND status = 'draft'`, Micros(at), by, Micros(at), id)
		if err != nil {
			return tx.Err(err, "advisory")
		}
		if MustAffect(res, "draft advisory") != nil {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM vuln_advisories WHERE id = ?`, id).Scan(&n); err != nil {
				return tx.Err(err, "advisory")
			}
			if n == 0 {
				return errs.E(errs.NotFound, "advisory not found")
			}
			return errs.E(errs.Conflict, "the advisory is published already")
		}
		return nil
	})
}

func scanFixRelease(sc scanner) (vuln.Release, error) {
	var r vuln.Release
	var at int64
	err := sc.Scan(&r.ID, &r.Model, &r.Version, &r.Notes, &at)
	r.PublishedAt = FromMicros(at)
	return r, err
}

// Release returns a firmware release's public facts.
func (s *VulnStore) Release(ctx context.Context, id string) (vuln.Release, error) {
	var r vuln.Release
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanFixRelease(tx.QueryRow(ctx, `SELECT id, model, version, notes, published_at FROM firmware_releases WHERE id = ?`, id))
		return tx.Err(err, "firmware release")
	})
	return r, err
}

// ReleaseOf returns the release of a model's version.
func (s *VulnStore) ReleaseOf(ctx context.Context, model, version string) (vuln.Release, error) {
	var r vuln.Release
	err := s.db.Read(ctx, func(tx *Tx) error {
		var err error
		r, err = scanFixRelease(tx.QueryRow(ctx, `SELECT id, model, version, notes, published_at FROM firmware_releases WHERE model = ? AND version = ?`, model, version))
		return tx.Err(err, "firmware release")
	})
	return r, err
}
