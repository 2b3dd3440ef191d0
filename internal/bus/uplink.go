package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// Message is one uplink message from a device.
type Message struct {
	DeviceID string
	// Topic is the part after dev/<id>/up/, e.g. "info" or "ch/2/shadow/reported".
	Topic    string
	Payload  []byte
	Received time.Time // when the stream stored it
	// Node is the ID of the vigil node whose listener the device sent it
	// through (NodeID of that node's bus); empty when unknown (leaf mode,
	// consumed by a node the device is not connected to).
	Node string
}

// UplinkRetention is how long the edge and the external cluster keep
// uplink messages, consumed or not.
const UplinkRetention = 24 * time.Hour

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: ConsumeUplink rejects the
// message instead of delivering it again.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// ensureNodeID reads, or makes once, the random ID of this edge, kept in
// its data directory: it makes the message IDs it forwards unique across
// nodes and restarts.
func (b *Bus) ensureNodeID() (err error) {
	b.nodeID, err = NodeID(b.opts.DataDir)
	return err
}

// NodeID reads, or makes once, the random ID of the node whose bus keeps
// its store in dataDir (Options.DataDir), the same across restarts; other
// parts of vigil name the node with it before the bus opens.
func NodeID(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "node-id")
	if raw, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(raw)) == 16 {
		return string(bytes.TrimSpace(raw)), nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("bus: node ID: %w", err)
	}
	id := randomHex(8)
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("bus: node ID: %w", err)
	}
	return id, nil
}

// NodeID is this node's random identifier (see Message.Node).
func (b *Bus) NodeID() string { return b.nodeID }

// nodeOf tells which node's listener a message came through: this one's on
// the edge stream, or the node named by the message ID the forwarder gave
// it on the external stream. In leaf mode the cluster's MQTT stream does
// not say: a message is this node's when the device is connected here, and
// unknown ("") otherwise.
func (b *Bus) nodeOf(m jetstream.Msg, deviceID string) string {
	if b.leaf() {
		if b.Connections(deviceID) > 0 {
			return b.nodeID
		}
		return ""
	}
	if b.extJS == nil {
		return b.nodeID
	}
	if h := m.Headers(); h != nil {
		if node, _, ok := strings.Cut(h.Get(nats.MsgIdHdr), "-"); ok {
			return node
		}
	}
	return ""
}

// ConsumeUplink delivers uplink messages to handle through the durable
// consumer name until ctx ends, then returns nil. A nil result
// acknowledges the message; an error marked Permanent rejects it for good
// (counted); any other error delivers it again later, with a growing
// delay. In external mode it reads the external stream, so consumers with
// the same name on several nodes share the work. Delivery is at least
// once: handle must be idempotent.
func (b *Bus) ConsumeUplink(ctx context.Context, name string, handle func(context.Context, Message) error) error {
	return b.ConsumeUplinkBatch(ctx, name, 1, func(ctx context.Context, ms []Message) []error {
		out := make([]error, len(ms))
		for i, m := range ms {
			if handle != nil {
				out[i] = handle(ctx, m)
			}
		}
		return out
	})
}

// ConsumeUplinkBatch is ConsumeUplink for handlers that take up to max
// messages at once (one database transaction for many messages). It
// returns one result per message, with ConsumeUplink's meaning. Under load
// batches fill up; when messages trickle in, each is handed over at once.
func (b *Bus) ConsumeUplinkBatch(ctx context.Context, name string, max int, handle func(context.Context, []Message) []error) error {
	if !prefixRE.MatchString(name) {
		return errs.E(errs.Invalid, "bus: consumer name %q is not a plain name", name)
	}
	if max < 1 {
		max = 1
	}
	max = min(max, 1024)
	// Embedded, the uplink is read where the server stored it, through the
	// consumer made at Open (before any device could connect), so nothing
	// is stored twice; the name only matters for an external cluster.
	cons, strip := b.capture, mqttMsgsPrefix
	if b.forwarding() {
		var err error
		// Nodes share this consumer, so each message is acknowledged on
		// its own; the work-queue stream drops it once acknowledged.
		cons, err = b.extJS.CreateOrUpdateConsumer(ctx, b.extStream(), jetstream.ConsumerConfig{
			Durable:       name,
			FilterSubject: b.extSubject(uplinkSubjects),
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       30 * time.Second,
			MaxAckPending: 4096,
		})
		if err != nil {
			return fmt.Errorf("bus: uplink consumer %s: %w", name, err)
		}
		strip = b.prefix + "."
	}
	wait := idleFetch
	if !b.forwarding() && !b.leaf() {
		b.awaitStranded(ctx, cons)
		wait = idleFetchLocal
	}
	// The next batch is fetched while this one is handled, so the stream's
	// round trip overlaps the handler's commit. Batches are still handled
	// and settled one after another, in order: a batch is acknowledged only
	// once the one before it is settled, which the edge's cumulative
	// acknowledgement needs.
	fetched := make(chan fetch, 1)
	prefetch := func() {
		msgs, err := next(ctx, cons, max, wait)
		fetched <- fetch{msgs, err}
	}
	go prefetch()
	for {
		f := <-fetched
		if ctx.Err() != nil {
			return nil
		}
		if f.err != nil {
			b.log.Warn("bus: uplink fetch", "consumer", name, "err", f.err)
			clock.Pause(ctx, time.Second)
		}
		go prefetch()
		if len(f.msgs) > 0 {
			b.handleUplink(ctx, f.msgs, strip, handle)
		}
	}
}

// fetch is one batch fetched from the uplink, or why none was.
type fetch struct {
	msgs []jetstream.Msg
	err  error
}

// awaitStranded waits, at start-up, until the uplink a killed process had
// fetched but not acknowledged is due again. The edge consumer acknowledges
// cumulatively: acknowledging a newer message first would settle, and
// purge, those unread. Once due, they are delivered before new messages.
func (b *Bus) awaitStranded(ctx context.Context, cons jetstream.Consumer) {
	info, err := cons.Info(ctx)
	if err != nil || info.NumAckPending == 0 {
		return
	}
	b.log.Info("bus: waiting for the uplink a previous run left unacknowledged", "messages", info.NumAckPending)
	clock.Pause(ctx, info.Config.AckWait+time.Second)
}

// handleUplink hands a batch to handle and settles it with the stream:
// a nil result acknowledges the message, a permanent error rejects it for
// good (counted and logged), any other error delivers it again after a
// delay.
//
// Embedded, the edge's consumer acknowledges cumulatively (one
// acknowledgement per batch): every message up to the first that failed
// for a passing reason is settled at once. The rest cannot be handed back
// for later, since the next batch's acknowledgement would settle them
// unread; they are handed over again here, with a growing delay, until
// they pass or vigil stops (then the next run gets them). What was settled
// is purged from the edge store, so a device's raw message, undeclared
// fields and all, does not outlive its ingest.
func (b *Bus) handleUplink(ctx context.Context, raw []jetstream.Msg, strip string, handle func(context.Context, []Message) []error) {
	metas := make([]*jetstream.MsgMetadata, len(raw))
	for i, m := range raw {
		if meta, err := m.Metadata(); err == nil {
			metas[i] = meta
		}
	}
	if b.extJS != nil { // several nodes share the consumer: settle each message
		for i, err := range b.handOver(ctx, raw, metas, strip, handle) {
			b.settleOne(raw[i], metas[i], err)
		}
		return
	}
	for attempt := uint64(1); len(raw) > 0; attempt++ {
		results := b.handOver(ctx, raw, metas, strip, handle)
		settled := len(raw)
		for i, err := range results {
			if err != nil && !IsPermanent(err) {
				settled = i
				break
			}
		}
		for i := range settled {
			b.count(raw[i], results[i])
		}
		if settled > 0 && !b.ackThrough(ctx, raw[settled-1], metas[settled-1]) {
			return
		}
		raw, metas = raw[settled:], metas[settled:]
		if len(raw) == 0 || ctx.Err() != nil {
			return
		}
		b.metrics.uplink.WithLabelValues("nak").Add(float64(len(raw)))
		b.log.Warn("bus: uplink not ingested, handing it over again", "messages", len(raw), "err", results[settled])
		for _, m := range raw {
			m.InProgress() //nolint:errcheck // at worst redelivered after AckWait, and ingest is idempotent
		}
		clock.Pause(ctx, backoff(attempt))
	}
}

// handOver parses raw into uplink messages, hands those to handle, and
// returns one result per message of raw.
func (b *Bus) handOver(ctx context.Context, raw []jetstream.Msg, metas []*jetstream.MsgMetadata, strip string, handle func(context.Context, []Message) []error) []error {
	results := make([]error, len(raw))
	var msgs []Message
	var at []int // index in raw of each message handed over
	for i, m := range raw {
		msg, ok := parseUplink(strings.TrimPrefix(m.Subject(), strip))
		if !ok {
			results[i] = Permanent(errs.E(errs.Invalid, "not an uplink subject"))
			continue
		}
		msg.Payload = m.Data()
		msg.Node = b.nodeOf(m, msg.DeviceID)
		if metas[i] != nil {
			msg.Received = metas[i].Timestamp
		}
		msgs, at = append(msgs, msg), append(at, i)
	}
	if len(msgs) > 0 {
		got := handle(ctx, msgs)
		for j, i := range at {
			if j < len(got) {
				results[i] = got[j]
			}
		}
	}
	return results
}

// count records how a message was settled.
func (b *Bus) count(m jetstream.Msg, err error) {
	switch {
	case err == nil:
		b.metrics.uplink.WithLabelValues("ack").Inc()
	case IsPermanent(err):
		b.metrics.uplink.WithLabelValues("term").Inc()
		b.log.Warn("bus: uplink message rejected", "subject", m.Subject(), "err", err)
	default:
		b.metrics.uplink.WithLabelValues("nak").Inc()
	}
}

// settleOne settles a message of the external work queue on its own.
func (b *Bus) settleOne(m jetstream.Msg, meta *jetstream.MsgMetadata, err error) {
	b.count(m, err)
	switch {
	case err == nil:
		m.Ack() //nolint:errcheck // redelivered if lost
		b.signalSettled()
	case IsPermanent(err):
		m.Term() //nolint:errcheck // redelivered if lost
		b.signalSettled()
	default:
		var n uint64 = 1
		if meta != nil {
			n = meta.NumDelivered
		}
		m.NakWithDelay(backoff(n)) //nolint:errcheck // redelivered after AckWait if lost
	}
}

// ackThrough acknowledges the edge's uplink up to and including last, then
// purges it; it reports whether the acknowledgement was confirmed.
func (b *Bus) ackThrough(ctx context.Context, last jetstream.Msg, meta *jetstream.MsgMetadata) bool {
	// Settle what was handled even when closing, or it comes again.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := last.DoubleAck(actx); err != nil {
		b.log.Warn("bus: uplink acknowledgement", "err", err)
		return false
	}
	if meta != nil {
		b.schedulePurge(meta.Sequence.Stream)
	}
	return true
}

// purger purges the edge's consumed uplink in the background, so the
// consumer does not wait for a purge between batches; purges waiting are
// done as one, up to the newest sequence acknowledged.
type purger struct {
	mu     sync.Mutex
	upTo   uint64 // acknowledged through here
	purged uint64
	wake   chan struct{}
	stream jetstream.Stream // the MQTT stream, looked up once; the purger's own
	// settled is signalled when this node acknowledges or ends uplink of
	// the shared stream (leaf mode), for purgeAcknowledged.
	settled chan struct{}
}

// signalSettled tells purgeAcknowledged that the consumer's floor may have
// moved.
func (b *Bus) signalSettled() {
	select {
	case b.purge.settled <- struct{}{}:
	default:
	}
}

// schedulePurge asks for the uplink through seq, acknowledged, to go.
func (b *Bus) schedulePurge(seq uint64) {
	b.purge.mu.Lock()
	b.purge.upTo = max(b.purge.upTo, seq)
	b.purge.mu.Unlock()
	select {
	case b.purge.wake <- struct{}{}:
	default:
	}
}

// runPurger purges what is asked for until ctx ends, and once more then.
func (b *Bus) runPurger(ctx context.Context) {
	for {
		select {
		case <-b.purge.wake:
			b.purgeAsked(ctx)
		case <-ctx.Done():
			b.purgeAsked(context.WithoutCancel(ctx))
			return
		}
	}
}

func (b *Bus) purgeAsked(ctx context.Context) {
	b.purge.mu.Lock()
	seq, done := b.purge.upTo, b.purge.purged
	b.purge.mu.Unlock()
	if seq <= done {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if b.purgeConsumed(pctx, seq) {
		b.purge.mu.Lock()
		b.purge.purged = max(b.purge.purged, seq)
		b.purge.mu.Unlock()
	}
}

// purgeConsumed removes device uplink up to and including seq from the
// edge store once it has been consumed.
func (b *Bus) purgeConsumed(ctx context.Context, seq uint64) bool {
	var err error
	if b.purge.stream == nil {
		b.purge.stream, err = b.js.Stream(ctx, mqttMsgsStream)
	}
	if err == nil {
		err = b.purge.stream.Purge(ctx, jetstream.WithPurgeSubject(mqttMsgsPrefix+uplinkSubjects), jetstream.WithPurgeSequence(seq+1))
	}
	switch {
	case errors.Is(err, context.Canceled):
		return false // stopping: the purge on the way out does it again
	case err != nil:
		b.log.Warn("bus: purge consumed uplink", "err", err)
		return false
	}
	return true
}

// parseUplink splits "dev.<id>.up.<rest>" into the device and the topic.
func parseUplink(subject string) (Message, bool) {
	tok := strings.SplitN(subject, ".", 4)
	if len(tok) != 4 || tok[0] != "dev" || tok[2] != "up" || !ValidDeviceID(tok[1]) || tok[3] == "" {
		return Message{}, false
	}
	return Message{DeviceID: tok[1], Topic: strings.ReplaceAll(tok[3], ".", "/")}, true
}

// backoff is the redelivery delay after the n-th failed delivery: 1s,
// doubling, at most a minute.
func backoff(n uint64) time.Duration {
	d := time.Second
	for i := uint64(1); i < n && d < time.Minute; i++ {
		d *= 2
	}
	return min(d, time.Minute)
}

// next returns the messages waiting, up to n, without waiting when there
// are some; otherwise it waits for the next one, up to wait.
func next(ctx context.Context, cons jetstream.Consumer, n int, wait time.Duration) ([]jetstream.Msg, error) {
	batch, err := cons.FetchNoWait(n)
	if err != nil {
		return nil, err
	}
	msgs := drain(batch)
	if len(msgs) > 0 || ctx.Err() != nil {
		return msgs, nil
	}
	fctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	batch, err = cons.Fetch(1, jetstream.FetchContext(fctx), jetstream.FetchHeartbeat(wait/6))
	if err != nil {
		return nil, err
	}
	msgs = drain(batch)
	if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return msgs, err
	}
	return msgs, nil
}

// idleFetch is how long a fetch waits for a message when none is there: a
// message ends it at once, so a long wait costs no latency, and an idle
// server does not ask the stream every few seconds (each fetch is a
// subscription, a request and several wake-ups). The server's heartbeats,
// six per wait, end a fetch whose server went away well before that.
// idleFetchLocal is the wait on the edge server in this process, which
// cannot go away on its own: its heartbeats would only wake an idle vigil.
const (
	idleFetch      = 30 * time.Second
	idleFetchLocal = 5 * time.Minute
)

// pull passes the messages next returns to fn; cons is the edge's own.
func pull(ctx context.Context, cons jetstream.Consumer, n int, fn func(jetstream.Msg)) error {
	msgs, err := next(ctx, cons, n, idleFetchLocal)
	for _, m := range msgs {
		fn(m)
	}
	return err
}

func drain(batch jetstream.MessageBatch) []jetstream.Msg {
	var out []jetstream.Msg
	for m := range batch.Messages() {
		out = append(out, m)
	}
	return out
}
