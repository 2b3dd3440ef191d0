package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// Message is one uplink message from a device.
type Message struct {
	DeviceID string
	// Topic is the part after dev/<id>/up/, e.g. "info" or "ch/2/shadow/reported".
	Topic    string
	Payload  []byte
	Received time.Time // when the stream stored it
}

// UplinkRetention is how long the edge stream keeps uplink messages.
const UplinkRetention = 7 * 24 * time.Hour

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

// nodeMetaKey holds, in the edge stream's metadata, the random ID that
// makes this edge's forwarded message IDs unique across nodes and restarts.
const nodeMetaKey = "vigil_node"

func (b *Bus) ensureLocalStream(ctx context.Context) error {
	s, err := b.js.Stream(ctx, localUplinkStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = b.js.CreateStream(ctx, jetstream.StreamConfig{
			Name:        localUplinkStream,
			Description: "device uplink captured at the edge",
			Subjects:    []string{edgePrefix + uplinkSubjects},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			MaxAge:      UplinkRetention,
			Discard:     jetstream.DiscardOld,
			Metadata:    map[string]string{nodeMetaKey: randomHex(8)},
		})
	}
	if err != nil {
		return fmt.Errorf("bus: edge uplink stream: %w", err)
	}
	b.nodeID = s.CachedInfo().Config.Metadata[nodeMetaKey]
	if b.nodeID == "" {
		return errors.New("bus: edge uplink stream has no node ID")
	}
	return nil
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
	js, stream, filter, strip := b.js, localUplinkStream, edgePrefix+uplinkSubjects, edgePrefix
	if b.extJS != nil {
		js, stream, filter, strip = b.extJS, b.extStream(), b.extSubject(uplinkSubjects), b.prefix+"."
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable:       name,
		FilterSubject: filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxAckPending: 4096,
	})
	if err != nil {
		return fmt.Errorf("bus: uplink consumer %s: %w", name, err)
	}
	for ctx.Err() == nil {
		msgs, err := next(ctx, cons, max)
		if err != nil && ctx.Err() == nil {
			b.log.Warn("bus: uplink fetch", "consumer", name, "err", err)
			sleep(ctx, time.Second)
		}
		if len(msgs) > 0 {
			b.handleUplink(ctx, msgs, strip, handle)
		}
	}
	return nil
}

func (b *Bus) handleUplink(ctx context.Context, raw []jetstream.Msg, strip string, handle func(context.Context, []Message) []error) {
	msgs := make([]Message, 0, len(raw))
	keep := make([]jetstream.Msg, 0, len(raw))
	metas := make([]*jetstream.MsgMetadata, 0, len(raw))
	for _, m := range raw {
		msg, ok := parseUplink(strings.TrimPrefix(m.Subject(), strip))
		if !ok {
			b.metrics.uplink.WithLabelValues("term").Inc()
			m.Term() //nolint:errcheck // redelivered if lost
			continue
		}
		msg.Payload = m.Data()
		meta, err := m.Metadata()
		if err == nil {
			msg.Received = meta.Timestamp
		}
		msgs, keep, metas = append(msgs, msg), append(keep, m), append(metas, meta)
	}
	if len(msgs) == 0 {
		return
	}
	results := handle(ctx, msgs)
	for i, m := range keep {
		var herr error
		if i < len(results) {
			herr = results[i]
		}
		switch {
		case herr == nil:
			b.metrics.uplink.WithLabelValues("ack").Inc()
			m.Ack() //nolint:errcheck // redelivered if lost
		case IsPermanent(herr):
			b.metrics.uplink.WithLabelValues("term").Inc()
			b.log.Warn("bus: uplink message rejected", "device", msgs[i].DeviceID, "topic", msgs[i].Topic, "err", herr)
			m.Term() //nolint:errcheck // redelivered if lost
		default:
			b.metrics.uplink.WithLabelValues("nak").Inc()
			var n uint64 = 1
			if metas[i] != nil {
				n = metas[i].NumDelivered
			}
			m.NakWithDelay(backoff(n)) //nolint:errcheck // redelivered after AckWait if lost
		}
	}
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
// are some; otherwise it waits up to a second for the next one.
func next(ctx context.Context, cons jetstream.Consumer, n int) ([]jetstream.Msg, error) {
	batch, err := cons.FetchNoWait(n)
	if err != nil {
		return nil, err
	}
	msgs := drain(batch)
	if len(msgs) > 0 || ctx.Err() != nil {
		return msgs, nil
	}
	fctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	batch, err = cons.Fetch(1, jetstream.FetchContext(fctx))
	if err != nil {
		return nil, err
	}
	msgs = drain(batch)
	if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return msgs, err
	}
	return msgs, nil
}

// pull passes the messages next returns to fn.
func pull(ctx context.Context, cons jetstream.Consumer, n int, fn func(jetstream.Msg)) error {
	msgs, err := next(ctx, cons, n)
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

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
