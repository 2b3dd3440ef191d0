package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

var _ privacy.JobStore = (*PrivacyStore)(nil)

const jobColumns = `id, kind, request_id, granted_by, state, attempts, run_at, lease_until, last_error, created_at, finished_at`

func scanJob(sc scanner) (privacy.JobRow, error) {
	var j privacy.JobRow
	var run, lease, created, finished int64
	err := sc.Scan(&j.ID, &j.Kind, &j.RequestID, &j.GrantedBy, &j.State, &j.Attempts, &run, &lease, &j.LastError, &created, &finished)
	j.RunAt, j.LeaseUntil, j.CreatedAt, j.FinishedAt = FromMicros(run), FromMicros(lease), FromMicros(created), FromMicros(finished)
	return j, err
}

// EnqueueJob stores a job, or queues a failed one for the same request again.
func (s *PrivacyStore) EnqueueJob(ctx context.Context, j privacy.JobRow) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM privacy_jobs WHERE request_id = ?`, j.RequestID).Scan(&state)
		switch err := tx.Err(err, "job"); {
		case err == nil && state != privacy.JobFailed:
			return errs.E(errs.Conflict, "a job for this request exists")
		case err == nil:
			_, err := tx.Exec(ctx, `UPDATE privacy_jobs SET state = ?, attempts = 0, run_at = ?, lease_until = 0, last_error = '',
				granted_by = ?, finished_at = 0 WHERE request_id = ?`, privacy.JobQueued, Micros(j.RunAt), j.GrantedBy, j.RequestID)
			return err
		case !errs.Is(err, errs.NotFound):
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO privacy_jobs (`+jobColumns+`) VALUES (?, ?, ?, ?, ?, 0, ?, 0, '', ?, 0)`,
			j.ID, j.Kind, j.RequestID, j.GrantedBy, privacy.JobQueued, Micros(j.RunAt), Micros(j.CreatedAt))
		return tx.Err(err, "job")
	})
}

// ClaimJob takes the oldest due job, or one whose lease ran out. The update
// repeats the condition, so two nodes never hold the same job.
func (s *PrivacyStore) ClaimJob(ctx context.Context, leaseUntil time.Time) (privacy.JobRow, error) {
	var j privacy.JobRow
	err := s.db.Write(ctx, func(tx *Tx) error {
		now := Micros(tx.Now)
		const due = `((state = 'queued' AND run_at <= ?) OR (state = 'running' AND lease_until <= ?))`
		var err error
		j, err = scanJob(tx.QueryRow(ctx, `SELECT `+jobColumns+` FROM privacy_jobs WHERE `+due+` ORDER BY created_at, id LIMIT 1`, now, now))
		if err != nil {
			return tx.Err(err, "job")
		}
		res, err := tx.Exec(ctx, `UPDATE privacy_jobs SET state = 'running', lease_until = ?, attempts = attempts + 1
			WHERE id = ? AND `+due, Micros(leaseUntil), j.ID, now, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "job taken by another worker")
		}
		j.State, j.LeaseUntil, j.Attempts = privacy.JobRunning, leaseUntil, j.Attempts+1
		return nil
	})
	return j, err
}

// FinishJob ends a job or queues it again.
func (s *PrivacyStore) FinishJob(ctx context.Context, id, state, lastError string, runAt time.Time) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		finished := Micros(tx.Now)
		if state == privacy.JobQueued {
			finished = 0
		}
		q, args := `UPDATE privacy_jobs SET state = ?, last_error = ?, lease_until = 0, finished_at = ? WHERE id = ?`,
			[]any{state, lastError, finished, id}
		if !runAt.IsZero() {
			q, args = `UPDATE privacy_jobs SET state = ?, last_error = ?, lease_until = 0, finished_at = ?, run_at = ? WHERE id = ?`,
				[]any{state, lastError, finished, Micros(runAt), id}
		}
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		return MustAffect(res, "job")
	})
}

// PendingJobs counts the jobs queued or running.
func (s *PrivacyStore) PendingJobs(ctx context.Context) (int, error) {
	var n int
	err := s.db.Read(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM privacy_jobs WHERE state IN ('queued', 'running')`).Scan(&n)
	})
	return n, err
}
