package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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
		Replicas:  1,
	})
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return nil, fmt.Errorf("bus: MQTT stream: %w", err)
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, mqttMsgsStream, jetstream.ConsumerConfig{
		Durable:       captureConsumer,
		FilterSubject: mqttMsgsPrefix + uplinkSubjects,
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       moveAckWait,
		MaxAckPending: 4096,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: capture consumer: %w", err)
	}
	return cons, nil
}

// move copies messages of cons to the stream behind js under the subject
// to(subject), with message IDs idPrefix+sequence, and acknowledges each
// at the source only once the target stored it.
func (b *Bus) move(ctx context.Context, cons jetstream.Consumer, js jetstream.JetStream, to func(string) string, idPrefix string, moved func()) {
	type pending struct {
		m   jetstream.Msg
		ack jetstream.PubAckFuture
	}
	for ctx.Err() == nil {
		var sent []pending
		err := pull(ctx, cons, 256, func(m jetstream.Msg) {
			meta, err := m.Metadata()
			if err != nil {
				m.Term() //nolint:errcheck // not a stream message
				return
			}
			out := &nats.Msg{Subject: to(m.Subject()), Data: m.Data(), Header: nats.Header{}}
			out.Header.Set(nats.MsgIdHdr, idPrefix+strconv.FormatUint(meta.Sequence.Stream, 10))
			f, err := js.PublishMsgAsync(out)
			if err != nil {
				m.NakWithDelay(time.Second) //nolint:errcheck // redelivered after AckWait if lost
				return
			}
			sent = append(sent, pending{m, f})
		})
		if err != nil && ctx.Err() == nil {
			b.log.Warn("bus: move fetch", "err", err)
			sleep(ctx, time.Second)
		}
		// The consumer acknowledges cumulatively: acknowledge the last of
		// the messages stored in order, and deliver the rest again.
		wait, cancel := context.WithTimeout(ctx, moveAckWait/2)
		stored := 0
		for _, p := range sent {
			ok := false
			select {
			case <-p.ack.Ok():
				ok = true
			case err := <-p.ack.Err():
				b.log.Warn("bus: move", "err", err)
			case <-wait.Done():
				// Not stored in time, or closing.
			}
			if !ok {
				break
			}
			stored++
			if moved != nil {
				moved()
			}
		}
		if stored > 0 {
			last := sent[stored-1].m
			if err := last.DoubleAck(ctx); err != nil {
				b.log.Warn("bus: move acknowledgement", "err", err)
			} else if meta, err := last.Metadata(); err == nil {
				b.purgeConsumed(ctx, meta.Sequence.Stream)
			}
		}
		for _, p := range sent[stored:] {
			p.m.NakWithDelay(time.Second) //nolint:errcheck // redelivered after AckWait if lost
		}
		cancel()
	}
}
