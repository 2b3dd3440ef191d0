package privacy

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// Job states.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// JobBuildPackage builds the package of a granted access or portability
// request and sends the answer.
const JobBuildPackage = "build_package"

const (
	// jobLease is how long a worker holds a job before another may take it
	// over: long enough for the largest package, short enough that a crash
	// delays the answer by minutes, not days.
	jobLease = 30 * time.Minute
	// jobAttempts bounds retries; a job that keeps failing is left for the
	// officer, who sees the request still open and may grant it again.
	jobAttempts = 5
)

// JobRow is a piece of background work a decision started.
type JobRow struct {
	ID         string
	Kind       string
	RequestID  string
	GrantedBy  string
	State      string
	Attempts   int
	RunAt      time.Time
	LeaseUntil time.Time
	LastError  string
	CreatedAt  time.Time
	FinishedAt time.Time
}

// JobStore keeps the privacy centre's background jobs. Jobs name only
// random identifiers and take no decision: the work they do passes the
// gate itself.
type JobStore interface {
	// EnqueueJob stores a job; errs.Conflict when one for the request is
	// queued, running or done. A failed one is queued again.
	EnqueueJob(ctx context.Context, j JobRow) error
	// ClaimJob takes the oldest job that is due, or whose worker's lease ran
	// out, until the time given; errs.NotFound when none is.
	ClaimJob(ctx context.Context, leaseUntil time.Time) (JobRow, error)
	// FinishJob records a job's end (done or failed), or puts it back in the
	// queue (queued) to run again at runAt.
	FinishJob(ctx context.Context, id, state, lastError string, runAt time.Time) error
	// PendingJobs counts the jobs queued or running.
	PendingJobs(ctx context.Context) (int, error)
}

// grantLater queues the package of an access or portability request: it may
// take minutes for a large account, so the officer's call returns at once
// and the requester is mailed when it is ready.
func (s *Requests) grantLater(ctx context.Context, p access.Principal, row RequestRow) (Request, error) {
	if s.jobs == nil {
		return Request{}, errs.E(errs.Internal, "no job store to build the package")
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	j := JobRow{ID: id.New("job"), Kind: JobBuildPackage, RequestID: row.ID, GrantedBy: p.ID, State: JobQueued, RunAt: now, CreatedAt: now}
	if err := s.jobs.EnqueueJob(ctx, j); err != nil {
		if errs.Is(err, errs.Conflict) {
			return Request{}, errs.E(errs.Conflict, "the package of this request is already being prepared")
		}
		return Request{}, err
	}
	s.WakeJobs()
	v, err := s.view(ctx, row, false)
	v.Preparing = true
	return v, err
}

// WakeJobs tells the worker that a job is waiting.
func (s *Requests) WakeJobs() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// RunJobs works the job queue until ctx ends: at once, when woken, and at
// each poll (which also takes over the jobs of a worker that died).
func (s *Requests) RunJobs(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := s.WorkJobs(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("privacy jobs failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// WorkJobs runs every job that is due now and returns how many it ran.
func (s *Requests) WorkJobs(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		j, err := s.jobs.ClaimJob(ctx, s.clk.Now().Add(jobLease))
		if errs.Is(err, errs.NotFound) {
			return n, nil
		} else if err != nil {
			return n, err
		}
		n++
		state, msg, runAt := JobDone, "", time.Time{}
		if err := s.runJob(ctx, j); err != nil {
			msg = string(errs.CodeOf(err))
			s.log.Error("privacy job failed", "job", j.ID, "request", j.RequestID, "attempt", j.Attempts, "code", msg)
			state = JobFailed
			if j.Attempts < jobAttempts {
				state, runAt = JobQueued, s.clk.Now().Add(time.Duration(j.Attempts)*5*time.Minute)
			}
		}
		if err := s.jobs.FinishJob(ctx, j.ID, state, msg, runAt); err != nil {
			return n, err
		}
	}
	return n, ctx.Err()
}

// PendingJobs counts the jobs not yet finished.
func (s *Requests) PendingJobs(ctx context.Context) (int, error) { return s.jobs.PendingJobs(ctx) }

func (s *Requests) runJob(ctx context.Context, j JobRow) error {
	if j.Kind != JobBuildPackage {
		return errs.E(errs.Internal, "unknown job kind %s", j.Kind)
	}
	owner, err := s.store.RequestOwner(ctx, j.RequestID)
	if err != nil {
		return err
	}
	d, err := s.gate.Check(ctx, access.System(JobRequests), access.Update,
		access.Resource{Category: datamap.PrivacyRequest, SubjectID: owner, ID: j.RequestID}, datamap.PurposeService)
	if err != nil {
		return err
	}
	row, err := s.store.Request(ctx, d, j.RequestID)
	if err != nil {
		return err
	}
	if row.Status != StatusOpen {
		return nil // decided meanwhile (a crash after the answer went out): nothing left to do
	}
	c, err := s.contact(ctx, row)
	if err != nil {
		return err
	}
	subj, err := s.subjectOf(ctx, row)
	if err != nil {
		return err
	}
	_, err = s.grantCopy(ctx, j.GrantedBy, row, d, c, subj)
	return err
}
