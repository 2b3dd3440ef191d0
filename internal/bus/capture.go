package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigil-cloud/vigil/internal/clock"
)

// Why uplink goes through the server's own MQTT stream: nats-server v2.15
// sends the PUBACK of a QoS 1 PUBLISH once the message is stored in the
// "$MQTT_msgs" stream (under "$MQTT.msgs.<subject>"), not once other
// streams capturing the subject have stored it; a stream capturing
// dev.*.up.> is fed through an in-memory queue, so a crash or shutdown
// right after the PUBACK lost acknowledged messages
// (TestExternalCloseMidFlowLosesNothing caught it). So bus creates
// "$MQTT_msgs" itself, before any device connects, with the configuration
// the server uses, holds a durable consumer on its uplink subjects (the
// stream keeps a message until every consumer has acknowledged it). vigil
// ingests from that consumer directly (embedded), or moves each message to
// the external cluster and acknowledges only once the cluster stored it
// (external mode): a message is written once at the edge. QoS 0 uplink is
// never stored by the server and is not captured: devices send uplink at
// QoS 1.
const (
	mqttMsgsStream  = "$MQTT_msgs"
	captureConsumer = "vigil-capture"
	// moveAckWait is when a message moved but not acknowledged (after a
	// crash) is delivered again.
	moveAckWait = 10 * time.Second
)

func (b *Bus) ensureCapture(ctx context.Context) (jetstream.Consumer, error) {
	_, err := b.js.CreateStream(ctx, jetstream.StreamConfig{
		Name:     mqttMsgsStream,
		Subjects: []string{mqttMsgsPrefix + ">"},
		Storage:  jetstream.FileStorage,
		// Limits, not the server's interest retention: removing each
		// message as it is consumed costs a synced write per message and
		// halved ingest; consumed uplink is purged in bulk instead
		// (purgeConsumed). Uplink not consumed within UplinkRetention
		// (vigil down that long) expires.
		Retention: jetstream.LimitsPolicy,
		MaxAge:    UplinkRetention,
		Replicas:  b.mqttReplicas(),
	})
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return nil, fmt.Errorf("bus: MQTT stream: %w", err)
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       captureConsumer,
		FilterSubject: mqttMsgsPrefix + uplinkSubjects,
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       moveAckWait,
		MaxAckPending: 4096,
	}
	if b.leaf() {
		// Every node pulls from this consumer: a cumulative acknowledgement
		// would settle what another node is still ingesting.
		cfg.AckPolicy, cfg.AckWait, cfg.Replicas = jetstream.AckExplicitPolicy, leafAckWait, b.mqttReplicas()
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, mqttMsgsStream, cfg)
	if err != nil {
		return nil, fmt.Errorf("bus: capture consumer: %w", err)
	}
	return cons, nil
}

// move copies messages of cons to the stream behind js under the subject
// to(subject), with message IDs idPrefix+sequence, and acknowledges each
// at the source only once the target stored it.
//
// The capture consumer acknowledges cumulatively, so a message not stored
// must never be left behind for a later one to settle: the unstored tail of
// a batch stays with this loop, sent again (same message IDs, so the target
// drops what it already has) until stored or until the bus closes, before
// anything newer is fetched. Nothing is negatively acknowledged; after a
// crash the consumer delivers again from its acknowledgement floor.
func (b *Bus) move(ctx context.Context, cons jetstream.Consumer, js jetstream.JetStream, to func(string) string, idPrefix string, moved func()) {
	for ctx.Err() == nil {
		var batch []jetstream.Msg
		err := pull(ctx, cons, 256, func(m jetstream.Msg) {
			if _, err := m.Metadata(); err != nil {
				m.Term() //nolint:errcheck // not a stream message
				return
			}
			batch = append(batch, m)
		})
		if err != nil && ctx.Err() == nil {
			b.log.Warn("bus: move fetch", "err", err)
			clock.Pause(ctx, time.Second)
		}
		for attempt := uint64(1); len(batch) > 0 && ctx.Err() == nil; attempt++ {
			stored := b.copyInOrder(ctx, batch, js, to, idPrefix)
			for range stored {
				if moved != nil {
					moved()
				}
			}
			if stored > 0 {
				last := batch[stored-1]
				meta, _ := last.Metadata()
				b.ackThrough(ctx, last, meta)
			}
			batch = batch[stored:]
			if len(batch) == 0 {
				break
			}
			if stored > 0 {
				attempt = 0 // progress: the next wait is the shortest again
			}
			b.metrics.uplink.WithLabelValues("retry").Add(float64(len(batch)))
			for _, m := range batch {
				m.InProgress() //nolint:errcheck // at worst delivered again after AckWait; the target drops duplicates
			}
			clock.Pause(ctx, backoff(attempt))
		}
	}
}

// copyInOrder publishes batch to js and returns how many of its first
// messages the target confirmed storing, in order.
func (b *Bus) copyInOrder(ctx context.Context, batch []jetstream.Msg, js jetstream.JetStream, to func(string) string, idPrefix string) int {
	acks := make([]jetstream.PubAckFuture, 0, len(batch))
	for _, m := range batch {
		meta, _ := m.Metadata() // checked when fetched
		out := &nats.Msg{Subject: to(m.Subject()), Data: m.Data(), Header: nats.Header{}}
		out.Header.Set(nats.MsgIdHdr, idPrefix+strconv.FormatUint(meta.Sequence.Stream, 10))
		f, err := js.PublishMsgAsync(out)
		if err != nil {
			b.log.Warn("bus: move", "err", err)
			break
		}
		acks = append(acks, f)
	}
	wait, cancel := context.WithTimeout(ctx, moveAckWait/2)
	defer cancel()
	for i, f := range acks {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			b.log.Warn("bus: move", "err", err)
			return i
		case <-wait.Done():
			return i // not stored in time, or closing
		}
	}
	return len(acks)
}
