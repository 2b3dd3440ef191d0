package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
// stream keeps a message until every consumer has acknowledged it), and
// moves each message into the edge stream, acknowledging only after the
// edge stream stored it. QoS 0 uplink is never stored by the server and is
// not captured: devices send uplink at QoS 1.
const (
	mqttMsgsStream  = "$MQTT_msgs"
	captureConsumer = "vigil-capture"
	// edgePrefix puts captured uplink under subjects no device can publish on.
	edgePrefix = "edge."
	// moveAckWait is when a message moved but not acknowledged (after a
	// crash) is delivered again.
	moveAckWait = 10 * time.Second
)

func (b *Bus) ensureCapture(ctx context.Context) (jetstream.Consumer, error) {
	_, err := b.js.CreateStream(ctx, jetstream.StreamConfig{
		Name:      mqttMsgsStream,
		Subjects:  []string{mqttMsgsPrefix + ">"},
		Storage:   jetstream.FileStorage,
		Retention: jetstream.InterestPolicy,
		Replicas:  1,
	})
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return nil, fmt.Errorf("bus: MQTT stream: %w", err)
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, mqttMsgsStream, jetstream.ConsumerConfig{
		Durable:       captureConsumer,
		FilterSubject: mqttMsgsPrefix + uplinkSubjects,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       moveAckWait,
		MaxAckPending: 4096,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: capture consumer: %w", err)
	}
	return cons, nil
}

// capture moves device uplink from the MQTT stream into the edge stream.
// A redelivery after a crash carries the same Nats-Msg-Id, which the edge
// stream drops as a duplicate within its window.
func (b *Bus) capture(ctx context.Context, cons jetstream.Consumer) {
	b.move(ctx, cons, b.js, func(subject string) string {
		return edgePrefix + strings.TrimPrefix(subject, mqttMsgsPrefix)
	}, "m-", nil)
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
		wait, cancel := context.WithTimeout(ctx, moveAckWait/2)
		for _, p := range sent {
			select {
			case <-p.ack.Ok():
				if moved != nil {
					moved()
				}
				p.m.Ack() //nolint:errcheck // redelivered and deduplicated if lost
			case err := <-p.ack.Err():
				b.log.Warn("bus: move", "err", err)
				p.m.NakWithDelay(time.Second) //nolint:errcheck // redelivered after AckWait if lost
			case <-wait.Done():
				// Not stored in time, or closing: deliver again (now, not
				// after AckWait, when the next Open is quick).
				p.m.Nak() //nolint:errcheck // redelivered after AckWait if lost
			}
		}
		cancel()
	}
}
