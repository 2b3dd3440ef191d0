package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

var holdCollection = access.Resource{Category: datamap.PrivacyHold}

// AddHold stores a legal hold.
func (s *PrivacyStore) AddHold(ctx context.Context, d access.Decision, h privacy.Hold) error {
	if err := d.Require(access.Create, holdCollection); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_legal_holds (id, owner_id, until_at, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			h.ID, h.OwnerID, Micros(h.Until), h.Reason, h.CreatedBy, Micros(tx.Now))
		return tx.Err(err, "legal hold")
	})
}

func scanHold(sc scanner) (privacy.Hold, error) {
	var h privacy.Hold
	var until, created, ended int64
	err := sc.Scan(&h.ID, &h.OwnerID, &until, &h.Reason, &h.CreatedBy, &created, &ended)
	h.Until, h.CreatedAt, h.EndedAt = FromMicros(until), FromMicros(created), FromMicros(ended)
	return h, err
}

// Holds lists every hold, newest first.
func (s *PrivacyStore) Holds(ctx context.Context, d access.Decision) ([]privacy.Hold, error) {
	if err := d.Require(access.List, holdCollection); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "legal holds", scanHold,
		`SELECT id, owner_id, until_at, reason, created_by, created_at, ended_at FROM privacy_legal_holds ORDER BY created_at DESC, id`)
}

// EndHold lifts a hold.
func (s *PrivacyStore) EndHold(ctx context.Context, d access.Decision, id string) error {
	if err := d.Require(access.Update, holdCollection); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE privacy_legal_holds SET ended_at = ? WHERE id = ? AND ended_at = 0`, Micros(tx.Now), id)
		if err != nil {
			return err
		}
		return MustAffect(res, "legal hold")
	})
}

// HeldOwners returns the owners under a hold at t.
func (s *PrivacyStore) HeldOwners(ctx context.Context, t time.Time) (map[string]bool, error) {
	ids, err := queryAll(ctx, s.db, "legal holds", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) },
		`SELECT DISTINCT owner_id FROM privacy_legal_holds WHERE ended_at = 0 AND until_at > ?`, Micros(t))
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// ExpiredHoldOwners lists owners of holds that ended before cutoff.
func (s *PrivacyStore) ExpiredHoldOwners(ctx context.Context, cutoff time.Time) ([]string, error) {
	return queryAll(ctx, s.db, "legal holds", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) },
		`SELECT DISTINCT owner_id FROM privacy_legal_holds WHERE (ended_at > 0 AND ended_at < ?) OR (ended_at = 0 AND until_at < ?) ORDER BY owner_id`,
		Micros(cutoff), Micros(cutoff))
}

// PurgeHolds deletes owner's holds that ended before cutoff.
func (s *PrivacyStore) PurgeHolds(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	if err := d.Require(access.Delete, access.Resource{Category: datamap.PrivacyHold, SubjectID: owner}); err != nil {
		return 0, err
	}
	return s.exec(ctx, `DELETE FROM privacy_legal_holds WHERE owner_id = ? AND ((ended_at > 0 AND ended_at < ?) OR (ended_at = 0 AND until_at < ?))`,
		owner, Micros(cutoff), Micros(cutoff))
}

// ScanMemberships streams pseudonymised memberships of open accounts.
func (s *PrivacyStore) ScanMemberships(ctx context.Context, d access.Decision, fn func(privacy.Membership) error) error {
	if err := d.Require(access.List, access.Resource{Category: datamap.AccountProfile}); err != nil {
		return err
	}
	return scanEach(ctx, s.db, "memberships", func(sc scanner) (privacy.Membership, error) {
		var m privacy.Membership
		err := sc.Scan(&m.AccountID, &m.Region, &m.UserID, &m.Role)
		return m, err
	}, fn, `SELECT a.id, a.region, m.user_id, m.role FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE a.closed_at = 0`)
}

func closedFilter(what string) (string, error) {
	switch what {
	case privacy.ClosedAny:
		return "", nil
	case privacy.ClosedPackages:
		return ` AND export_blob <> ''`, nil
	case privacy.ClosedDocuments:
		return ` AND EXISTS (SELECT 1 FROM privacy_request_documents d WHERE d.request_id = privacy_requests.id)`, nil
	}
	return "", errs.E(errs.Internal, "unknown purge %q", what)
}

// ClosedRequestOwners lists requesters with requests closed before cutoff.
func (s *PrivacyStore) ClosedRequestOwners(ctx context.Context, cutoff time.Time, what string) ([]string, error) {
	f, err := closedFilter(what)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "privacy requests", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) },
		`SELECT DISTINCT requester_id FROM privacy_requests WHERE status = ? AND decided_at < ?`+f+` ORDER BY requester_id`,
		string(privacy.StatusClosed), Micros(cutoff))
}

// ClosedRequests lists owner's requests closed before cutoff.
func (s *PrivacyStore) ClosedRequests(ctx context.Context, d access.Decision, owner string, cutoff time.Time, what string) ([]string, error) {
	if err := requireAny(d, []access.Resource{{Category: datamap.PrivacyRequest, SubjectID: owner},
		{Category: datamap.PrivacyExport, SubjectID: owner}, {Category: datamap.PrivacyDocument, SubjectID: owner}}, access.Delete); err != nil {
		return nil, err
	}
	f, err := closedFilter(what)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, "privacy requests", func(sc scanner) (id string, err error) { return id, sc.Scan(&id) },
		`SELECT id FROM privacy_requests WHERE requester_id = ? AND status = ? AND decided_at < ?`+f+` ORDER BY id`,
		owner, string(privacy.StatusClosed), Micros(cutoff))
}

func (s *PrivacyStore) requireRetention(ctx context.Context, d access.Decision, id string) error {
	owner, err := s.RequestOwner(ctx, id)
	if err != nil {
		return err
	}
	return requireAny(d, []access.Resource{{Category: datamap.PrivacyRequest, SubjectID: owner},
		{Category: datamap.PrivacyExport, SubjectID: owner}, {Category: datamap.PrivacyDocument, SubjectID: owner}}, access.Delete)
}

// DeleteRequest deletes a closed request with its documents and changes.
func (s *PrivacyStore) DeleteRequest(ctx context.Context, d access.Decision, id string) error {
	if err := s.requireRetention(ctx, d, id); err != nil {
		return err
	}
	_, err := s.exec(ctx, `DELETE FROM privacy_requests WHERE id = ?`, id)
	return err
}

// ClearPackage forgets a purged package.
func (s *PrivacyStore) ClearPackage(ctx context.Context, d access.Decision, id string) error {
	if err := s.requireRetention(ctx, d, id); err != nil {
		return err
	}
	_, err := s.exec(ctx, `UPDATE privacy_requests SET export_blob = '' WHERE id = ?`, id)
	return err
}

// DeleteDocuments deletes the metadata of a request's purged documents.
func (s *PrivacyStore) DeleteDocuments(ctx context.Context, d access.Decision, id string) (int64, error) {
	if err := s.requireRetention(ctx, d, id); err != nil {
		return 0, err
	}
	return s.exec(ctx, `DELETE FROM privacy_request_documents WHERE request_id = ?`, id)
}

// RecordRetentionRun keeps what a sweep did.
func (s *PrivacyStore) RecordRetentionRun(ctx context.Context, run privacy.RetentionRun) error {
	report, err := json.Marshal(struct {
		Categories []privacy.RunCategory `json:"categories"`
		NoPurger   []string              `json:"no_purger"`
		Error      string                `json:"error,omitempty"`
	}{run.Categories, run.NoPurger, run.Error})
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO privacy_retention_runs (id, trigger, dry_run, started_at, finished_at, report)
			VALUES (?, ?, ?, ?, ?, ?)`, run.ID, run.Trigger, boolInt(run.DryRun), Micros(run.StartedAt), Micros(run.FinishedAt), string(report))
		return tx.Err(err, "retention run")
	})
}

// RetentionRuns lists the latest runs, newest first.
func (s *PrivacyStore) RetentionRuns(ctx context.Context, limit int) ([]privacy.RetentionRun, error) {
	return queryAll(ctx, s.db, "retention runs", func(sc scanner) (r privacy.RetentionRun, err error) {
		var dry, started, finished int64
		var report string
		if err = sc.Scan(&r.ID, &r.Trigger, &dry, &started, &finished, &report); err != nil {
			return r, err
		}
		r.DryRun, r.StartedAt, r.FinishedAt = dry != 0, FromMicros(started), FromMicros(finished)
		var rep struct {
			Categories []privacy.RunCategory `json:"categories"`
			NoPurger   []string              `json:"no_purger"`
			Error      string                `json:"error"`
		}
		err = json.Unmarshal([]byte(report), &rep)
		r.Categories, r.NoPurger, r.Error = rep.Categories, rep.NoPurger, rep.Error
		return r, err
	}, `SELECT id, trigger, dry_run, started_at, finished_at, report FROM privacy_retention_runs
		ORDER BY started_at DESC, id DESC LIMIT ?`, limit)
}
