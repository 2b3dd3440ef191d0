// Package revoke is vigil's one revocation signal. Every kind of trust that
// can be withdrawn has a key (a device's credential and claim, a person's
// membership of an account, everything a person holds, a staff grant or a
// share) and a counter, its epoch, that only grows. Withdrawing the trust
// bumps the epoch: in the database, so it survives restarts and every node
// reads it, and over the bus, so every node hears it at once.
//
// Short-lived capabilities carry a stamp of the epochs they were issued
// under (stream tokens, live sessions) and are refused as soon as one has
// moved; long-running work for a key (a camera's publishing session, a
// WebRTC viewer) listens with OnRevoke and stops. A check is a comparison
// with epochs cached in memory, refreshed from the database after a few
// seconds; it never costs a query per media request.
//
// revoke must never lower an epoch, and never let a stamp pass whose keys
// it could not read: an unreadable epoch refuses.
package revoke

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Key names one revocable trust.
type Key string

// Device is a device's credential and claim: bumped when its credential is
// rotated or revoked, when it is reported lost and when it is released.
func Device(id string) Key { return Key("dev:" + id) }

// Member is a person's place in an account: bumped when their role there
// changes or they leave it.
func Member(accountID, userID string) Key { return Key("mem:" + accountID + ":" + userID) }

// Person is everything one person holds: bumped when their password
// changes, their sessions are all ended, or their staff role changes.
func Person(id string) Key { return Key("per:" + id) }

// Via is an entrustment that opens data to someone outside the account's
// roles (a staff grant, a share): bumped when it is revoked.
func Via(id string) Key { return Key("via:" + id) }

// DeviceID returns the device a Device key names.
func (k Key) DeviceID() (string, bool) { return strings.CutPrefix(string(k), "dev:") }

// Stamp is the sum of the epochs of a set of keys when a capability was
// issued. Epochs only grow, so any revocation of any of the keys moves the
// sum.
type Stamp uint64

// Revoker withdraws trusts (Epochs does): capabilities take it to say what
// they withdraw, without depending on the rest of the signal.
type Revoker interface {
	Revoke(ctx context.Context, keys ...Key) error
}

// Store keeps epochs durably.
type Store interface {
	// Bump adds one to each key's epoch and returns the new values.
	Bump(ctx context.Context, keys []Key) (map[Key]uint64, error)
	// Epochs reads the epochs of keys; a key never bumped is 0.
	Epochs(ctx context.Context, keys []Key) (map[Key]uint64, error)
}

// Fanout carries bumps to the other nodes, which call Apply.
type Fanout interface {
	PublishRevoke(key string, epoch uint64) error
}

// DefaultTTL is how long a cached epoch is trusted before it is read again:
// the bound on a revocation whose broadcast a node missed.
const DefaultTTL = 5 * time.Second

// Epochs is the revocation signal of one node.
type Epochs struct {
	st  Store
	clk clock.Clock
	log *slog.Logger
	ttl time.Duration

	mu    sync.RWMutex
	cache map[Key]entry
	fan   Fanout

	subMu sync.Mutex
	subs  []func(Key)
}

type entry struct {
	epoch  uint64
	readAt time.Time
}

// New returns the signal over st. ttl <= 0 uses DefaultTTL.
func New(st Store, clk clock.Clock, log *slog.Logger, ttl time.Duration) *Epochs {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Epochs{st: st, clk: clk, log: log, ttl: ttl, cache: map[Key]entry{}}
}

// SetFanout connects the signal to the bus once it is up.
func (e *Epochs) SetFanout(f Fanout) {
	e.mu.Lock()
	e.fan = f
	e.mu.Unlock()
}

// OnRevoke adds fn to what runs when a key is revoked, here or on another
// node. fn must not block: it is called on the revoking goroutine or the
// bus's.
func (e *Epochs) OnRevoke(fn func(Key)) {
	e.subMu.Lock()
	e.subs = append(e.subs, fn)
	e.subMu.Unlock()
}

// Revoke withdraws the trust of keys: their epochs move in the database,
// then on this node, then on every other node.
func (e *Epochs) Revoke(ctx context.Context, keys ...Key) error {
	if len(keys) == 0 {
		return nil
	}
	now, err := e.st.Bump(ctx, keys)
	if err != nil {
		// What runs on this node for the keys still stops; capabilities
		// stamped before keep their stamps until the bump succeeds.
		for _, k := range keys {
			e.notify(k)
		}
		return errs.Wrap(err, errs.Unavailable, "revoke")
	}
	e.mu.RLock()
	fan := e.fan
	e.mu.RUnlock()
	for k, v := range now {
		e.Apply(string(k), v)
		if fan != nil {
			if err := fan.PublishRevoke(string(k), v); err != nil {
				// The other nodes read it again within the TTL.
				e.log.Warn("revocation not broadcast", "err", err)
			}
		}
	}
	return nil
}

// Apply records that key's epoch is at least epoch (a bump heard from
// another node, or made here) and tells the listeners when it moved.
func (e *Epochs) Apply(key string, epoch uint64) {
	k := Key(key)
	e.mu.Lock()
	cur, ok := e.cache[k]
	moved := !ok || epoch > cur.epoch
	if moved {
		e.cache[k] = entry{epoch: epoch, readAt: e.clk.Now()}
	}
	e.mu.Unlock()
	if !moved {
		return
	}
	e.subMu.Lock()
	subs := slices.Clone(e.subs)
	e.subMu.Unlock()
	for _, fn := range subs {
		fn(k)
	}
}

// Stamp returns the stamp of keys now, for a capability being issued.
func (e *Epochs) Stamp(ctx context.Context, keys ...Key) (Stamp, error) {
	return e.sum(ctx, keys, false)
}

// Valid reports whether a capability stamped st over keys still holds: no
// key was revoked since. It reads the database only for keys this node has
// not read within the TTL, or when the stamp is newer than what it knows.
func (e *Epochs) Valid(ctx context.Context, st Stamp, keys ...Key) bool {
	got, err := e.sum(ctx, keys, false)
	if err != nil {
		return false
	}
	if got < st {
		// Issued on a node that saw a bump this one has not heard yet.
		if got, err = e.sum(ctx, keys, true); err != nil {
			return false
		}
	}
	return got == st
}

// sum adds the epochs of keys, reading those missing or stale (or all, with
// fresh) from the database.
func (e *Epochs) sum(ctx context.Context, keys []Key, fresh bool) (Stamp, error) {
	now := e.clk.Now()
	var total uint64
	var missing []Key
	e.mu.RLock()
	for _, k := range keys {
		c, ok := e.cache[k]
		if fresh || !ok || now.Sub(c.readAt) >= e.ttl || now.Before(c.readAt) {
			missing = append(missing, k)
			continue
		}
		total += c.epoch
	}
	e.mu.RUnlock()
	if len(missing) == 0 {
		return Stamp(total), nil
	}
	got, err := e.st.Epochs(ctx, missing)
	if err != nil {
		return 0, errs.Wrap(err, errs.Unavailable, "read revocations")
	}
	for _, k := range missing {
		v := got[k]
		e.mu.Lock()
		if c, ok := e.cache[k]; ok && c.epoch > v {
			v = c.epoch // a broadcast overtook the read
		}
		e.mu.Unlock()
		moved := e.observe(k, v, now)
		if moved {
			e.notify(k)
		}
		total += v
	}
	return Stamp(total), nil
}

// observe caches a read epoch and reports whether it moved past a cached
// one (a revocation this node had missed).
func (e *Epochs) observe(k Key, v uint64, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.cache) >= maxCached {
		// Forget what was not read lately: it is read again when needed.
		for ck, c := range e.cache {
			if now.Sub(c.readAt) >= e.ttl {
				delete(e.cache, ck)
			}
		}
	}
	c, ok := e.cache[k]
	e.cache[k] = entry{epoch: max(v, c.epoch), readAt: now}
	return ok && v > c.epoch
}

// maxCached is how many epochs a node keeps before forgetting stale ones.
const maxCached = 100_000

func (e *Epochs) notify(k Key) {
	e.subMu.Lock()
	subs := slices.Clone(e.subs)
	e.subMu.Unlock()
	for _, fn := range subs {
		fn(k)
	}
}
