package privacy

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Hold stops retention from purging an account's or a person's data, and
// stops their deletion, until it ends: a dispute or an authority's inquiry
// needs the data kept.
type Hold struct {
	ID        string    `json:"id"`
	OwnerID   string    `json:"owner_id"` // an account or a person
	Until     time.Time `json:"until"`
	Reason    string    `json:"reason"` // a case reference, never the person's details
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
}

// Group is one row of the vendor's statistics.
type Group struct {
	Region   string `json:"region"`
	Role     string `json:"role,omitempty"`
	People   int    `json:"people"`
	Accounts int    `json:"accounts"`
}

// Membership is one pseudonymised fact statistics are computed from: a
// random account ID, its region, and a random user ID with their role.
type Membership struct {
	AccountID, Region, UserID, Role string
}

// RetentionStore keeps legal holds and the privacy centre's own expiring
// records.
type RetentionStore interface {
	AddHold(ctx context.Context, d access.Decision, h Hold) error
	Holds(ctx context.Context, d access.Decision) ([]Hold, error)
	EndHold(ctx context.Context, d access.Decision, id string) error
	// HeldOwners returns the owners under a hold at t.
	HeldOwners(ctx context.Context, t time.Time) (map[string]bool, error)
	// ScanMemberships calls fn with every membership in an open account,
	// pseudonymised: random IDs, the region and the role only.
	ScanMemberships(ctx context.Context, d access.Decision, fn func(Membership) error) error

	// Requests closed before cutoff: owners, and their purge.
	ClosedRequestOwners(ctx context.Context, cutoff time.Time, what string) ([]string, error)
	// ClosedRequests returns the IDs of owner's requests closed before cutoff.
	ClosedRequests(ctx context.Context, d access.Decision, owner string, cutoff time.Time, what string) ([]string, error)
	DeleteRequest(ctx context.Context, d access.Decision, id string) error
	ClearPackage(ctx context.Context, d access.Decision, id string) error
	DeleteDocuments(ctx context.Context, d access.Decision, id string) (int64, error)
	ExpiredHoldOwners(ctx context.Context, cutoff time.Time) ([]string, error)
	PurgeHolds(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error)

	// RecordRetentionRun keeps what a sweep did; RetentionRuns lists the
	// latest, newest first.
	RecordRetentionRun(ctx context.Context, run RetentionRun) error
	RetentionRuns(ctx context.Context, limit int) ([]RetentionRun, error)
}

// What ClosedRequestOwners looks for.
const (
	ClosedAny       = "any"
	ClosedPackages  = "packages"
	ClosedDocuments = "documents"
)

// Retention purges every category when its retention period ends, through
// the purgers capabilities register, and records each purge in the audit
// log (the gate's decision is the entry). Held data is skipped.
type Retention struct {
	store  RetentionStore
	dm     *datamap.Registry
	fulfil *fulfil.Registry
	gate   *access.Gate
	clk    clock.Clock
	log    *slog.Logger
	k      int
}

// MinGroup is the smallest group statistics show (k-anonymity).
const MinGroup = 10

// NewRetention returns the retention engine.
func NewRetention(store RetentionStore, dm *datamap.Registry, fulfil *fulfil.Registry, gate *access.Gate, clk clock.Clock, log *slog.Logger) *Retention {
	return &Retention{store: store, dm: dm, fulfil: fulfil, gate: gate, clk: clk, log: log, k: MinGroup}
}

// SetMinGroup sets k of the statistics (the operator's
// privacy.statistics_min_group); below 2 it stays as it is.
func (r *Retention) SetMinGroup(k int) {
	if k >= 2 {
		r.k = k
	}
}

// MinGroup is k of the statistics: the smallest group they show.
func (r *Retention) MinGroup() int { return r.k }

// Sweep is one pass: for each category with a purger, the owners whose data
// ended more than the retention period ago are purged, unless held.
type Sweep struct {
	Purged  map[datamap.CategoryID]int64 `json:"purged"`
	Owners  int                          `json:"owners"`
	Held    int                          `json:"held"`
	Skipped []datamap.CategoryID         `json:"no_purger"`
}

// Sweep runs one pass now.
func (r *Retention) Sweep(ctx context.Context) (Sweep, error) {
	out, _, err := r.sweep(ctx, false)
	return out, err
}

// sweep runs one pass; a dry run only counts, per category, the owners
// whose data has expired, and purges nothing. It returns, per category,
// the audit entries of its purges.
func (r *Retention) sweep(ctx context.Context, dry bool) (Sweep, map[datamap.CategoryID]*RunCategory, error) {
	now := r.clk.Now().UTC()
	out := Sweep{Purged: map[datamap.CategoryID]int64{}}
	cats := map[datamap.CategoryID]*RunCategory{}
	held, err := r.store.HeldOwners(ctx, now)
	if err != nil {
		return out, cats, err
	}
	for _, cat := range r.dm.Categories() {
		p := r.fulfil.Handlers(cat.ID).Purge
		if p == nil {
			out.Skipped = append(out.Skipped, cat.ID)
			continue
		}
		rc := &RunCategory{Category: cat.ID, AuditSeqs: []int64{}}
		cats[cat.ID] = rc
		cutoff := now.Add(-cat.Retention.Period)
		owners, err := p.Expired(ctx, cutoff)
		if err != nil {
			return out, cats, err
		}
		for _, o := range owners {
			if held[o] {
				out.Held++
				rc.Held++
				continue
			}
			rc.Owners++
			if dry {
				continue
			}
			d, err := r.gate.Check(ctx, access.System(JobRetention), access.Delete, access.Resource{Category: cat.ID, SubjectID: o}, purposeFor(cat))
			if err != nil {
				return out, cats, err
			}
			rc.AuditSeqs = append(rc.AuditSeqs, d.AuditSeq())
			n, err := p.Purge(ctx, d, o, cutoff)
			if err != nil {
				return out, cats, err
			}
			out.Purged[cat.ID] += n
			rc.Purged += n
			out.Owners++
		}
	}
	return out, cats, nil
}

// RetentionFirstSweep is how soon after start the first scheduled sweep
// runs: data that expired while vigil was down goes soon, not an interval
// later.
const RetentionFirstSweep = time.Minute

// Run sweeps RetentionFirstSweep after start, then every interval of wall
// time until ctx ends; what has expired is judged by the injected clock.
// Each sweep is kept as a run (Runs).
func (r *Retention) Run(ctx context.Context, every time.Duration) {
	sweep := func(ctx context.Context) {
		if _, err := r.RunOnce(ctx, "schedule", false); err != nil && ctx.Err() == nil {
			r.log.Error("retention sweep failed", "err", err)
		}
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(RetentionFirstSweep):
		sweep(ctx)
	}
	clock.Every(ctx, every, sweep)
}

// RunCategory is what one run did to one category: the owners whose data
// had expired, what it purged (records, as the purger counts them), the
// owners it skipped under a legal hold, and the audit entries of its
// purges (each purge is a gate decision, in the audit log).
type RunCategory struct {
	Category  datamap.CategoryID `json:"category"`
	Owners    int                `json:"owners"`
	Purged    int64              `json:"purged"`
	Held      int                `json:"held"`
	AuditSeqs []int64            `json:"audit_seqs"`
}

// RetentionRun is one sweep as kept.
type RetentionRun struct {
	ID         string        `json:"id"`
	Trigger    string        `json:"trigger"` // schedule or cli
	DryRun     bool          `json:"dry_run"`
	StartedAt  time.Time     `json:"started_at"`
	FinishedAt time.Time     `json:"finished_at"`
	Categories []RunCategory `json:"categories"`
	NoPurger   []string      `json:"no_purger"`
	Error      string        `json:"error,omitempty"`
}

// RunOnce sweeps now and keeps the run, dry runs included; a failed sweep
// is kept with its error.
func (r *Retention) RunOnce(ctx context.Context, trigger string, dry bool) (RetentionRun, error) {
	run := RetentionRun{ID: id.New("ret"), Trigger: trigger, DryRun: dry, StartedAt: r.clk.Now().UTC().Truncate(time.Microsecond)}
	sw, cats, err := r.sweep(ctx, dry)
	run.FinishedAt = r.clk.Now().UTC().Truncate(time.Microsecond)
	run.Categories = []RunCategory{}
	for _, c := range r.dm.Categories() {
		if rc := cats[c.ID]; rc != nil {
			run.Categories = append(run.Categories, *rc)
		}
	}
	run.NoPurger = []string{}
	for _, c := range sw.Skipped {
		run.NoPurger = append(run.NoPurger, string(c))
	}
	if err != nil {
		run.Error = errs.MessageOf(err)
	}
	if serr := r.store.RecordRetentionRun(context.WithoutCancel(ctx), run); serr != nil {
		return run, errors.Join(err, serr)
	}
	return run, err
}

// Trigger runs a sweep now at a staff member's asking (security officer,
// DPO), a dry run only counting what has expired; the run is kept like
// the scheduled ones, with trigger "console".
func (r *Retention) Trigger(ctx context.Context, p access.Principal, dry bool) (RetentionRun, error) {
	if err := requireStaff(p, access.StaffSecurity, access.StaffDPO); err != nil {
		return RetentionRun{}, err
	}
	return r.RunOnce(ctx, "console", dry)
}

// Runs lists the latest retention runs, newest first (security officer
// and DPO): counts and audit entry numbers, no personal data.
func (r *Retention) Runs(ctx context.Context, p access.Principal, limit int) ([]RetentionRun, error) {
	if err := requireStaff(p, access.StaffSecurity, access.StaffDPO); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return r.store.RetentionRuns(ctx, limit)
}

// PlaceHold puts an owner's data under a legal hold (security officer or
// above).
func (r *Retention) PlaceHold(ctx context.Context, p access.Principal, owner string, until time.Time, reason string) (Hold, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) < 3 || len(reason) > 500 {
		return Hold{}, errs.E(errs.Invalid, "give the hold's reason as a case reference (3 to 500 characters)")
	}
	now := r.clk.Now().UTC()
	if !until.After(now) {
		return Hold{}, errs.E(errs.Invalid, "a hold must last into the future")
	}
	d, err := r.gate.Check(ctx, p, access.Create, access.Resource{Category: datamap.PrivacyHold}, datamap.PurposeService)
	if err != nil {
		return Hold{}, err
	}
	h := Hold{ID: id.New("hold"), OwnerID: owner, Until: until.UTC(), Reason: reason, CreatedBy: p.ID, CreatedAt: now}
	return h, r.store.AddHold(ctx, d, h)
}

// Holds lists the holds.
func (r *Retention) Holds(ctx context.Context, p access.Principal) ([]Hold, error) {
	d, err := r.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.PrivacyHold}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	return r.store.Holds(ctx, d)
}

// EndHold lifts a hold at once.
func (r *Retention) EndHold(ctx context.Context, p access.Principal, id string) error {
	d, err := r.gate.Check(ctx, p, access.Update, access.Resource{Category: datamap.PrivacyHold}, datamap.PurposeService)
	if err != nil {
		return err
	}
	return r.store.EndHold(ctx, d, id)
}

// Held reports whether owner is under a hold now.
func (r *Retention) Held(ctx context.Context, owner string) (bool, error) {
	held, err := r.store.HeldOwners(ctx, r.clk.Now().UTC())
	return held[owner], err
}

// Statistics returns people and accounts per region and per region and
// role, computed from pseudonymised memberships (random IDs, region, role:
// nothing that names anyone), for internal analysis (U-E). A group of fewer
// than k people is not shown, and neither is its size; suppressed says how
// many groups were withheld.
func (r *Retention) Statistics(ctx context.Context, p access.Principal) (groups []Group, suppressed int, err error) {
	d, err := r.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.AccountProfile}, datamap.PurposeAnalytics)
	if err != nil {
		return nil, 0, err
	}
	type key struct{ region, role string }
	people := map[key]map[string]bool{}
	accts := map[key]map[string]bool{}
	add := func(k key, user, acct string) {
		if people[k] == nil {
			people[k], accts[k] = map[string]bool{}, map[string]bool{}
		}
		people[k][user], accts[k][acct] = true, true
	}
	err = r.store.ScanMemberships(ctx, d, func(m Membership) error {
		add(key{m.Region, ""}, m.UserID, m.AccountID)
		add(key{m.Region, m.Role}, m.UserID, m.AccountID)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	for k, ps := range people {
		if len(ps) < r.k {
			suppressed++
			continue
		}
		groups = append(groups, Group{Region: k.region, Role: k.role, People: len(ps), Accounts: len(accts[k])})
	}
	slices.SortFunc(groups, func(a, b Group) int {
		if c := strings.Compare(a.Region, b.Region); c != 0 {
			return c
		}
		return strings.Compare(a.Role, b.Role)
	})
	return groups, suppressed, nil
}

// RegisterOwn registers the purgers of the privacy centre's own categories:
// closed requests, their packages and documents, and ended holds.
func RegisterOwn(r *fulfil.Registry, st RetentionStore, blobs *blob.Sealed, k RequestKeys) error {
	for c, h := range map[datamap.CategoryID]fulfil.Handlers{
		datamap.PrivacyRequest:  {Purge: requestPurger{st, blobs, k, ClosedAny}},
		datamap.PrivacyExport:   {Purge: requestPurger{st, blobs, k, ClosedPackages}},
		datamap.PrivacyDocument: {Purge: requestPurger{st, blobs, k, ClosedDocuments}},
		datamap.PrivacyHold:     {Purge: holdPurger{st}},
	} {
		if err := r.Register(c, h); err != nil {
			return err
		}
	}
	return nil
}

type requestPurger struct {
	st    RetentionStore
	blobs *blob.Sealed
	keys  RequestKeys
	what  string
}

func (p requestPurger) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return p.st.ClosedRequestOwners(ctx, cutoff, p.what)
}

func (p requestPurger) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	ids, err := p.st.ClosedRequests(ctx, d, owner, cutoff, p.what)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, id := range ids {
		switch p.what {
		case ClosedPackages:
			if err := p.blobs.Delete(ctx, exportOwner(id), packageKey); err != nil {
				return n, err
			}
			if err := p.keys.Destroy(ctx, keys.ScopeAccount, exportOwner(id)); err != nil {
				return n, err
			}
			if err := p.st.ClearPackage(ctx, d, id); err != nil {
				return n, err
			}
			n++
		case ClosedDocuments:
			var names []string
			if err := p.blobs.List(ctx, docsOwner(id), "", func(k string) error { names = append(names, k); return nil }); err != nil {
				return n, err
			}
			for _, k := range names {
				if err := p.blobs.Delete(ctx, docsOwner(id), k); err != nil {
					return n, err
				}
			}
			if err := p.keys.Destroy(ctx, keys.ScopeAccount, docsOwner(id)); err != nil {
				return n, err
			}
			m, err := p.st.DeleteDocuments(ctx, d, id)
			if err != nil {
				return n, err
			}
			n += m
		default:
			if err := p.st.DeleteRequest(ctx, d, id); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

type holdPurger struct{ st RetentionStore }

func (p holdPurger) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return p.st.ExpiredHoldOwners(ctx, cutoff)
}

func (p holdPurger) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	return p.st.PurgeHolds(ctx, d, owner, cutoff)
}
