package notify

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

func messageRes(accountID, id string) access.Resource {
	return access.Resource{Category: datamap.NotifyMessage, AccountID: accountID, ID: id}
}

func contentAD(accountID, id string) string { return accountID + "/" + id }

func checkMessage(m Message) error {
	switch {
	case m.ID == "" || len(m.ID) > 128:
		return errs.E(errs.Invalid, "message id must be 1-128 bytes")
	case m.AccountID == "":
		return errs.E(errs.Invalid, "message account is required")
	case !m.Kind.Valid():
		return errs.E(errs.Invalid, "unknown message kind %q", m.Kind)
	case m.Title == "":
		return errs.E(errs.Invalid, "message title is required")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"title", m.Title, 200}, {"body", m.Body, 4000}, {"url", m.URL, 2048}, {"device id", m.DeviceID, 128},
		{"alarm type", m.AlarmType, 64}, {"snapshot id", m.SnapshotID, 128}} {
		if err := checkText(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	return nil
}

// Enqueue queues msg for each user on the channels that user chose for
// msg.Kind, and for the account's webhooks of that kind. It is durable when
// it returns nil, and idempotent: the same msg.ID for the same user (and
// endpoint) is queued once. Users who are not members of msg.AccountID are
// left out.
func (s *Service) Enqueue(ctx context.Context, msg Message, userIDs []string) error {
	if err := checkMessage(msg); err != nil {
		return err
	}
	if msg.Time.IsZero() {
		msg.Time = s.clk.Now().UTC()
	}
	purpose := purposeOf(msg.Kind)
	d, err := s.check(ctx, worker, access.Create, messageRes(msg.AccountID, ""), purpose)
	if err != nil {
		return err
	}
	users := slices.Clone(userIDs)
	slices.Sort(users)
	users = slices.Compact(users)
	members, err := s.store.Members(ctx, msg.AccountID, users)
	if err != nil {
		return err
	}
	var ds []DeliveryRow
	for _, u := range members {
		more, err := s.endpoints(ctx, u, msg.Kind, purpose)
		if err != nil {
			return err
		}
		ds = append(ds, more...)
	}
	for _, ch := range channels() {
		if ch.chosen() {
			continue
		}
		more, err := ch.targets(ctx, s, target{accountID: msg.AccountID, kind: msg.Kind, purpose: purpose})
		if err != nil {
			return err
		}
		ds = append(ds, more...)
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return errs.Wrap(err, errs.Internal, "encode message")
	}
	sealed, err := s.sealAccount(ctx, msg.AccountID, "notify_messages.content_sealed", contentAD(msg.AccountID, msg.ID), b)
	if err != nil {
		return err
	}
	added, err := s.commit(ctx, EnqueueItem{Decision: d, Message: MessageRow{AccountID: msg.AccountID, ID: msg.ID, Kind: msg.Kind, Sealed: sealed}, Deliveries: ds})
	if err != nil {
		return err
	}
	if added > 0 {
		s.Wake()
	}
	return nil
}

// pendingEnqueue is an Enqueue waiting for its commit.
type pendingEnqueue struct {
	item  EnqueueItem
	added int
	err   error
	done  chan struct{}
}

// commit stores one enqueued message durably. Concurrent callers share a
// transaction (group commit): the first to arrive writes everything waiting,
// as many rounds as needed, while the others wait for their own result. A
// round that fails is written again item by item, so one bad item fails
// alone.
func (s *Service) commit(ctx context.Context, it EnqueueItem) (int, error) {
	p := &pendingEnqueue{item: it, done: make(chan struct{})}
	s.enqMu.Lock()
	s.enqWaiting = append(s.enqWaiting, p)
	if s.enqLeader {
		s.enqMu.Unlock()
		<-p.done
		return p.added, p.err
	}
	s.enqLeader = true
	for len(s.enqWaiting) > 0 {
		batch := s.enqWaiting
		s.enqWaiting = nil
		s.enqMu.Unlock()
		s.writeBatch(context.WithoutCancel(ctx), batch)
		s.enqMu.Lock()
	}
	s.enqLeader = false
	s.enqMu.Unlock()
	return p.added, p.err
}

func (s *Service) writeBatch(ctx context.Context, batch []*pendingEnqueue) {
	items := make([]EnqueueItem, len(batch))
	for i, p := range batch {
		items[i] = p.item
	}
	added, err := s.store.Enqueue(ctx, items)
	if err != nil && len(batch) > 1 {
		for _, p := range batch {
			s.writeBatch(ctx, []*pendingEnqueue{p})
		}
		return
	}
	for i, p := range batch {
		if err == nil {
			p.added = added[i]
		}
		p.err = err
		close(p.done)
	}
}

// Wake tells the worker that deliveries are due.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// endpoints lists the deliveries a person's choices for kind ask for.
func (s *Service) endpoints(ctx context.Context, userID string, kind Kind, purpose datamap.Purpose) ([]DeliveryRow, error) {
	d, err := s.check(ctx, worker, access.Read, prefsRes(userID), purpose)
	if err != nil {
		return nil, err
	}
	stored, err := s.store.Prefs(ctx, d, userID)
	if err != nil {
		return nil, err
	}
	chans, ok := stored[kind]
	if !ok {
		chans = DefaultChannels(kind)
	}
	if kind == KindIncident {
		// A breach notice is owed to the person (GDPR Art. 34): it goes on
		// every default channel whatever the person chose for the kind.
		for _, c := range DefaultChannels(kind) {
			if !slices.Contains(chans, c) {
				chans = append(slices.Clone(chans), c)
			}
		}
	}
	t := target{userID: userID, kind: kind, purpose: purpose, prefs: d}
	var out []DeliveryRow
	for _, c := range chans {
		ch, ok := channelNamed(c)
		if !ok || !ch.chosen() {
			continue
		}
		more, err := ch.targets(ctx, s, t)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// Run sends due deliveries until ctx ends; at start it resumes whatever an
// earlier run (on any node) left pending once its lease lapsed. It keeps up
// to Workers sends in flight, claiming more as sends finish, and records
// outcomes in group commits.
func (s *Service) Run(ctx context.Context) {
	results := make(chan Outcome, 4*s.opts.Workers)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s.finisher(results)
	}()
	slots := make(chan struct{}, s.opts.Workers)
	freed := make(chan struct{}, 1)
	lanes := &pushLanes{lease: s.opts.Lease, waiting: map[string][]laneRow{}}
	var wg sync.WaitGroup
	var claimed time.Time
	for ctx.Err() == nil {
		var rows []DeliveryRow
		// Claim in batches: each claim is a write transaction (a commit
		// and an fsync), so wait for half the slots unless none is busy,
		// and let what becomes due within claimGap of the last claim go
		// with the next.
		idle := s.opts.Poll // with sends in flight, until one ends
		if free := cap(slots) - len(slots); free > 0 && (free >= (cap(slots)+1)/2 || free == cap(slots)) {
			if wait := claimGap - time.Since(claimed); wait > 0 {
				clock.Pause(ctx, wait)
			}
			var err error
			if rows, err = s.store.ClaimDue(ctx, free, s.opts.Lease); err != nil && ctx.Err() == nil {
				s.log.Error("notification worker", "err", err)
			}
			if len(rows) > 0 {
				claimed = time.Now()
			} else if err == nil && len(slots) == 0 {
				// Nothing in flight either: no send's end will wake the
				// worker, so it sleeps until the next delivery is due.
				idle = s.untilDue(ctx)
			}
		}
		if len(rows) == 0 {
			t := time.NewTimer(idle) // transport pacing, not a deadline: wall clock
			select {
			case <-ctx.Done():
			case <-s.wake:
			case <-freed:
			case <-clock.Moved(s.clk): // what is due is judged by s.clk
			case <-t.C:
			}
			t.Stop()
			continue
		}
		// The deliveries of one claim share the worker's decisions: one
		// audit entry per account's messages and per person's settings
		// read, not one per delivery.
		bctx, began := access.Batch(ctx), time.Now()
		open := s.opener(bctx)
		for _, send := range sendsOf(rows) {
			lane := laneOf(send)
			if lane != "" && lanes.join(lane, send) {
				continue // goes with the push after the one in flight
			}
			slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, o := range s.attemptAll(bctx, send, open) {
					results <- o
				}
				// What came for the same browser meanwhile goes now, in
				// one push: under the claim's decisions while they are
				// fresh (a pass of the worker), then under new ones.
				nctx, nopen, since := bctx, open, began
				for next := lanes.next(lane); len(next) > 0; next = lanes.next(lane) {
					if time.Since(since) > passLife {
						nctx, since = access.Batch(ctx), time.Now()
						nopen = s.opener(nctx)
					}
					for _, o := range s.attemptAll(nctx, next, nopen) {
						results <- o
					}
				}
				<-slots
				select {
				case freed <- struct{}{}:
				default:
				}
			}()
		}
	}
	wg.Wait()
	close(results)
	<-finished
}

// untilDue is how long the worker may sleep when nothing is due: until
// the next pending delivery is (a retry's time, a lapsed lease), at most
// idlePoll. Enqueue wakes it, so at idle it does not look every second;
// idlePoll bounds how late it sees what another node enqueued and left.
func (s *Service) untilDue(ctx context.Context) time.Duration {
	next, ok, err := s.store.NextDue(ctx)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			s.log.Warn("notification worker: next due delivery", "err", err)
		}
		return s.opts.Poll
	case !ok:
		return max(idlePoll, s.opts.Poll)
	}
	return min(max(next.Sub(s.clk.Now()), claimGap), max(idlePoll, s.opts.Poll))
}

// idlePoll is the longest the worker sleeps with nothing due.
const idlePoll = 30 * time.Second

// claimGap is the least time between two claims under load; passLife
// how long one claim's decisions serve the pushes that follow it on its
// browsers' lanes.
const (
	claimGap = 20 * time.Millisecond
	passLife = time.Second
)

// maxPushGroup bounds the alarms one push carries, well inside the 4 KiB
// a push record holds (RFC 8291).
const maxPushGroup = 20

// sendsOf splits claimed deliveries into sends, in claim order: each
// delivery alone, except alarms due to the same browser, which share one
// push (at most maxPushGroup). A burst of alarms buzzes a phone once, with
// all of them, and costs the push service one request, not one each.
func sendsOf(rows []DeliveryRow) [][]DeliveryRow {
	var out [][]DeliveryRow
	open := map[string]int{} // lane -> its group in out still taking alarms
	for _, r := range rows {
		lane := laneOf([]DeliveryRow{r})
		if lane == "" {
			out = append(out, []DeliveryRow{r})
			continue
		}
		if i, ok := open[lane]; ok && len(out[i]) < maxPushGroup {
			out[i] = append(out[i], r)
			continue
		}
		open[lane] = len(out)
		out = append(out, []DeliveryRow{r})
	}
	return out
}

// laneOf names the browser an alarm push goes to; "" for any other send.
func laneOf(send []DeliveryRow) string {
	r := send[0]
	if r.Channel != ChannelPush || r.Kind != KindAlarm {
		return ""
	}
	return r.UserID + "/" + r.EndpointID
}

// pushLanes keeps one alarm push in flight per browser: alarms due to a
// browser while a push to it is in flight wait, and go together in the
// next push as soon as it returns. Under light load every alarm goes at
// once; under a burst, pushes carry many alarms each instead of queueing
// one request per alarm at the push service. A delivery that waited past
// half its lease is left for the next claim (its lease lapses, and it is
// claimed again), so no delivery is sent under a lease another worker may
// hold.
type pushLanes struct {
	lease   time.Duration
	mu      sync.Mutex
	waiting map[string][]laneRow // present while a push to the lane is in flight
}

type laneRow struct {
	DeliveryRow
	claimed time.Time
}

// join takes the lane for send, or queues send behind the push in flight
// (and reports true).
func (l *pushLanes) join(lane string, send []DeliveryRow) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, busy := l.waiting[lane]
	if !busy {
		l.waiting[lane] = nil
		return false
	}
	now := time.Now() // leases are wall-clock durations
	for _, r := range send {
		w = append(w, laneRow{r, now})
	}
	l.waiting[lane] = w
	return true
}

// next returns the next push's deliveries of the lane, or frees the lane
// and returns none.
func (l *pushLanes) next(lane string) []DeliveryRow {
	if lane == "" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []DeliveryRow
	w := l.waiting[lane]
	for len(w) > 0 && len(out) < maxPushGroup {
		if time.Since(w[0].claimed) < l.lease/2 {
			out = append(out, w[0].DeliveryRow)
		}
		w = w[1:]
	}
	if len(out) == 0 {
		delete(l.waiting, lane)
		return nil
	}
	l.waiting[lane] = w
	return out
}

// opener opens each message of a claim once, however many deliveries
// carry it.
func (s *Service) opener(ctx context.Context) func(DeliveryRow) *Message {
	var mu sync.Mutex
	opened := map[string]*openedMessage{}
	return func(r DeliveryRow) *Message {
		key := contentAD(r.AccountID, r.MessageID)
		mu.Lock()
		o := opened[key]
		if o == nil {
			o = &openedMessage{}
			opened[key] = o
		}
		mu.Unlock()
		o.once.Do(func() { o.m = s.openMessage(ctx, r) })
		return o.m
	}
}

type openedMessage struct {
	once sync.Once
	m    *Message
}

// finisher records outcomes as they come, as many as are waiting in one
// transaction. An outcome that cannot be recorded is retried once its
// lease lapses: delivery stays at least once.
func (s *Service) finisher(results <-chan Outcome) {
	for o := range results {
		batch := []Outcome{o}
	more:
		for len(batch) < 256 {
			select {
			case o, ok := <-results:
				if !ok {
					break more
				}
				batch = append(batch, o)
			default:
				break more
			}
		}
		if err := s.store.Finish(context.Background(), batch); err != nil {
			s.log.Error("notification outcomes not recorded", "deliveries", len(batch), "err", err)
		}
	}
}

// ProcessDue sends every delivery due now, up to a batch, waits for them,
// records their outcomes, and returns how many it attempted. Tests drive
// the worker with it step by step.
func (s *Service) ProcessDue(ctx context.Context) (int, error) {
	rows, err := s.store.ClaimDue(ctx, s.opts.Workers*4, s.opts.Lease)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	sem := make(chan struct{}, s.opts.Workers)
	var wg sync.WaitGroup
	outcomes := make([]Outcome, 0, len(rows))
	var mu sync.Mutex
	ctx = access.Batch(ctx)
	open := s.opener(ctx)
	for _, send := range sendsOf(rows) {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			got := s.attemptAll(ctx, send, open)
			mu.Lock()
			outcomes = append(outcomes, got...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	// A cancelled worker still records what it did.
	if err := s.store.Finish(context.WithoutCancel(ctx), outcomes); err != nil {
		return len(rows), err
	}
	return len(rows), nil
}

// openMessage reads a message's content for sending, nil when it cannot
// (the account's key destroyed, say).
func (s *Service) openMessage(ctx context.Context, r DeliveryRow) *Message {
	// One decision for the account's messages: under a batch it covers
	// every message of the account the claim holds.
	if _, err := s.check(ctx, worker, access.Read, messageRes(r.AccountID, ""), purposeOf(r.Kind)); err != nil {
		s.log.Error("notification message not readable", "message", r.MessageID, "code", errs.CodeOf(err))
		return nil
	}
	b, err := s.openAccount(ctx, r.AccountID, "notify_messages.content_sealed", contentAD(r.AccountID, r.MessageID), r.Sealed)
	if err != nil {
		s.log.Error("notification message does not open", "message", r.MessageID, "code", errs.CodeOf(err))
		return nil
	}
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return nil
	}
	return &m
}

// sendError is a failed attempt with a message safe to store and show: it
// names no address, number or secret.
type sendError struct {
	msg    string
	status Status // a final status (gone, skipped, dead); "" to retry
}

func (e *sendError) Error() string { return e.msg }

func retryable(format string, args ...any) error {
	return &sendError{msg: sprintf(format, args...)}
}

func final(st Status, format string, args ...any) error {
	return &sendError{msg: sprintf(format, args...), status: st}
}

// attemptAll makes one send: a delivery, or alarm pushes to one browser
// in one push (each delivery gets the push's outcome).
func (s *Service) attemptAll(ctx context.Context, send []DeliveryRow, open func(DeliveryRow) *Message) []Outcome {
	out := make([]Outcome, 0, len(send))
	var rows []DeliveryRow
	var ms []Message
	for _, r := range send {
		m := open(r)
		if m == nil {
			out = append(out, s.outcome(r, final(StatusDead, "the message can no longer be read")))
			continue
		}
		rows, ms = append(rows, r), append(ms, *m)
	}
	if len(rows) == 0 {
		return out
	}
	// One push lists its alarms oldest first, whatever order they were
	// claimed in (its deliveries all get its outcome, in any order).
	slices.SortStableFunc(ms, func(a, b Message) int { return a.Time.Compare(b.Time) })
	var err error
	if len(rows) == 1 {
		err = s.send(ctx, rows[0], ms[0])
	} else {
		err = s.sendPush(ctx, rows[0], ms...)
	}
	for _, r := range rows {
		out = append(out, s.outcome(r, err))
	}
	return out
}

// outcome records what an attempt at r came to.
func (s *Service) outcome(r DeliveryRow, err error) Outcome {
	attempts := r.Attempts + 1
	now := s.clk.Now().UTC()
	st, next, why := StatusSent, now, ""
	if err != nil {
		var se *sendError
		if !errors.As(err, &se) {
			se = &sendError{msg: "internal error"}
			s.log.Error("notification send failed", "delivery", r.ID, "channel", r.Channel, "err", err)
		}
		why = se.msg
		switch {
		case se.status != "":
			st = se.status
		case attempts >= s.opts.MaxAttempts:
			st = StatusDead
		default:
			st, next = StatusPending, now.Add(s.Backoff(attempts))
		}
		s.log.Warn("notification not delivered", "delivery", r.ID, "channel", r.Channel, "attempt", attempts, "status", st, "why", why)
	}
	return Outcome{ID: r.ID, Status: st, Attempts: attempts, Next: next, LastErr: why}
}

// Backoff is how long to wait after the n-th failed attempt: exponential
// from BaseDelay, capped at MaxDelay, with half of it jittered so that many
// failures do not retry in step.
func (s *Service) Backoff(n int) time.Duration {
	d := s.opts.BaseDelay
	for i := 1; i < n && d < s.opts.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, s.opts.MaxDelay)
	return d/2 + time.Duration(s.opts.Jitter()*float64(d/2))
}

func (s *Service) send(ctx context.Context, r DeliveryRow, m Message) error {
	ch, ok := channelNamed(r.Channel)
	if !ok {
		return final(StatusDead, "unknown channel %s", r.Channel)
	}
	return ch.send(ctx, s, r, m)
}
