// Package activity keeps the app access log: for each person, how many
// requests they made each hour and from which address. It is what lets a
// person see when and from where their account was used. Counts are
// gathered in memory and written every few seconds, so the log costs one
// write per person, hour and address rather than one per request.
package activity

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/netaddr"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Keys seals addresses under the person's key and fingerprints them.
type Keys interface {
	SealSubject(ctx context.Context, subjectID string, plaintext, ad []byte) ([]byte, error)
	OpenSubject(ctx context.Context, subjectID string, ciphertext, ad []byte) ([]byte, error)
	BlindIndex(ctx context.Context, domain string, value []byte) ([]byte, error)
}

// Hit is the requests of one person in one hour from one address.
type Hit struct {
	UserID   string
	Hour     time.Time
	IPIndex  []byte
	IPSealed []byte
	Prefix   string
	Requests int64
	First    time.Time
	Last     time.Time
}

// Store keeps the log.
type Store interface {
	AddHits(ctx context.Context, hits []Hit) error
	Hits(ctx context.Context, d access.Decision, userID string, limit int) ([]Hit, error)
	// ExportHits streams a person's whole log, for an access request.
	ExportHits(ctx context.Context, d access.Decision, userID string, fn func(Hit) error) error
	EraseHits(ctx context.Context, d access.Decision, userID string) (int64, error)
	// ExpiredHits lists the people with full addresses of hours before cutoff.
	ExpiredHits(ctx context.Context, cutoff time.Time) ([]string, error)
	// Pseudonymise erases a person's full addresses of hours before cutoff
	// and deletes their hours before purge. It returns the rows changed.
	Pseudonymise(ctx context.Context, d access.Decision, userID string, cutoff, purge time.Time) (int64, error)
}

type key struct {
	user string
	hour int64
	ip   string
}

// Log gathers and stores the access log.
type Log struct {
	store Store
	keys  Keys
	gate  *access.Gate
	reg   *datamap.Registry
	clk   clock.Clock
	log   *slog.Logger

	mu       sync.Mutex
	pending  map[key]*Hit
	gathered chan struct{} // told when counts start to gather
}

// New returns the log.
func New(st Store, k Keys, gate *access.Gate, reg *datamap.Registry, clk clock.Clock, log *slog.Logger) *Log {
	return &Log{store: st, keys: k, gate: gate, reg: reg, clk: clk, log: log, pending: map[key]*Hit{}, gathered: make(chan struct{}, 1)}
}

// Record counts one request of a signed-in person.
func (l *Log) Record(userID, ip string) {
	now := l.clk.Now().UTC()
	k := key{user: userID, hour: now.Truncate(time.Hour).Unix(), ip: ip}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) == 0 {
		l.tell()
	}
	h, ok := l.pending[k]
	if !ok {
		h = &Hit{UserID: userID, Hour: now.Truncate(time.Hour), First: now}
		l.pending[k] = h
	}
	h.Requests++
	h.Last = now
}

// Flush writes what was gathered. Counts that could not be written are
// kept for the next flush.
func (l *Log) Flush(ctx context.Context) error {
	l.mu.Lock()
	batch := l.pending
	l.pending = map[key]*Hit{}
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	hits := make([]Hit, 0, len(batch))
	for k, h := range batch {
		if err := l.address(ctx, k.ip, h); err != nil {
			l.requeue(batch)
			return err
		}
		hits = append(hits, *h)
	}
	if err := l.store.AddHits(ctx, hits); err != nil {
		l.requeue(batch)
		return err
	}
	return nil
}

func (l *Log) requeue(batch map[key]*Hit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, h := range batch {
		if cur, ok := l.pending[k]; ok {
			cur.Requests += h.Requests
			cur.First = h.First
		} else {
			l.pending[k] = h
		}
	}
}

func ad(userID string) []byte { return keys.FieldAD("app_access.ip_sealed", userID) }

func (l *Log) address(ctx context.Context, ip string, h *Hit) error {
	var err error
	if h.IPIndex, err = l.keys.BlindIndex(ctx, "access-ip", []byte(ip)); err != nil {
		return err
	}
	if h.IPSealed, err = l.keys.SealSubject(ctx, h.UserID, []byte(ip), ad(h.UserID)); err != nil {
		return err
	}
	h.Prefix = netaddr.Prefix(ip)
	return nil
}

// tell wakes Run: counts are gathering.
func (l *Log) tell() {
	select {
	case l.gathered <- struct{}{}:
	default:
	}
}

// Run writes what gathered, every interval while requests come, until ctx
// ends, then once more. With no request it sleeps.
func (l *Log) Run(ctx context.Context, every time.Duration) {
	for {
		select {
		case <-ctx.Done():
			l.flushAtEnd(ctx)
			return
		case <-l.gathered:
		}
		t := time.NewTimer(every) // pacing, not a deadline: wall clock
		select {
		case <-ctx.Done():
			t.Stop()
			l.flushAtEnd(ctx)
			return
		case <-t.C:
		}
		if err := l.Flush(ctx); err != nil {
			l.log.Warn("access log flush failed; will retry", "err", err)
			l.tell()
		}
	}
}

func (l *Log) flushAtEnd(ctx context.Context) {
	if err := l.Flush(context.WithoutCancel(ctx)); err != nil {
		l.log.Error("access log not flushed at shutdown", "err", err)
	}
}

// Entry is one hour of a person's use, as they see it.
type Entry struct {
	Hour     time.Time `json:"hour"`
	Requests int64     `json:"requests"`
	IP       string    `json:"ip,omitempty"`
	Prefix   string    `json:"ip_prefix"`
	First    time.Time `json:"first_at"`
	Last     time.Time `json:"last_at"`
}

// Mine returns the caller's own access log, newest first.
func (l *Log) Mine(ctx context.Context, p access.Principal) ([]Entry, error) {
	if err := l.Flush(ctx); err != nil {
		return nil, err
	}
	r := access.Resource{Category: datamap.LogAccess, SubjectID: p.ID}
	d, err := l.gate.Check(ctx, p, access.List, r, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	hits, err := l.store.Hits(ctx, d, p.ID, 500)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(hits))
	for _, h := range hits {
		e := Entry{Hour: h.Hour, Requests: h.Requests, Prefix: h.Prefix, First: h.First, Last: h.Last}
		if len(h.IPSealed) > 0 {
			if b, err := l.keys.OpenSubject(ctx, p.ID, h.IPSealed, ad(p.ID)); err == nil {
				e.IP = string(b)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// RegisterPrivacy gives the privacy centre the export, erasure and
// retention of the access log.
func (l *Log) RegisterPrivacy(r *fulfil.Registry) error {
	return r.Register(datamap.LogAccess, fulfil.Handlers{Export: l, Erase: l, Purge: l})
}

// Export writes the subject's own access log.
func (l *Log) Export(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	if err := l.Flush(ctx); err != nil {
		return err
	}
	return l.store.ExportHits(ctx, d, s.ID, func(h Hit) error {
		if !sc.InRange(h.Hour) {
			return nil
		}
		e := Entry{Hour: h.Hour, Requests: h.Requests, Prefix: h.Prefix, First: h.First, Last: h.Last}
		if len(h.IPSealed) > 0 {
			if b, err := l.keys.OpenSubject(ctx, s.ID, h.IPSealed, ad(s.ID)); err == nil {
				e.IP = string(b)
			}
		}
		return emit(fulfil.Record{ID: fmt.Sprintf("hour-%d-%s", h.Hour.Unix(), h.Prefix), Data: e})
	})
}

// Erase deletes the subject's access log.
func (l *Log) Erase(ctx context.Context, d access.Decision, s fulfil.Subject, _ fulfil.Scope) (fulfil.Erased, error) {
	if err := l.Flush(ctx); err != nil {
		return fulfil.Erased{}, err
	}
	n, err := l.store.EraseHits(ctx, d, s.ID)
	return fulfil.Erased{Rows: n}, err
}

// Expired lists the people with hours past the retention of their address.
func (l *Log) Expired(ctx context.Context, cutoff time.Time) ([]string, error) {
	return l.store.ExpiredHits(ctx, cutoff)
}

// Purge applies the retention of the access log to one person: full
// addresses of hours before cutoff go (the network prefix stays), and
// hours older than six retention periods go entirely.
func (l *Log) Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error) {
	c, _ := l.reg.Category(datamap.LogAccess)
	return l.store.Pseudonymise(ctx, d, owner, cutoff, cutoff.Add(-5*c.Retention.Period))
}
