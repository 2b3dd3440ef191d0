package bus

import (
	"context"
	"errors"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// The edge server's MQTT internals that downlink relies on (nats-server
// v2.15): MQTT QoS 1/2 subscriptions read the "$MQTT_msgs" stream under
// "$MQTT.msgs.<subject>", and the "Nmqtt-Pub" header carries the QoS.
const (
	mqttMsgsPrefix = "$MQTT.msgs."
	mqttQoSHeader  = "Nmqtt-Pub"
)

// SendToDevice publishes payload on MQTT topic dev/<deviceID>/down/<topic>
// at QoS 1. A device subscribed at QoS 1 gets it with retries until it
// acknowledges, also after a reconnect when its session is persistent
// (clean session off); a device subscribed at QoS 0 gets it once if
// online. Nothing is kept for a device that has no session: vigil's shadow
// protocol has the device ask for its state on connect. In external mode
// the message goes to every vigil node, and the node the device is
// connected to delivers it.
func (b *Bus) SendToDevice(ctx context.Context, deviceID, topic string, payload []byte) error {
	if !ValidDeviceID(deviceID) {
		return errs.E(errs.Invalid, "bus: malformed device ID")
	}
	if !validTopic(topic) {
		return errs.E(errs.Invalid, "bus: malformed downlink topic %q", topic)
	}
	subject := "dev." + deviceID + ".down." + strings.ReplaceAll(topic, "/", ".")
	if b.forwarding() {
		if err := b.ext.Publish(b.extSubject(subject), payload); err != nil {
			return errs.Wrap(err, errs.Unavailable, "bus: send to device")
		}
		return nil
	}
	return b.deliverLocal(ctx, subject, payload)
}

// deliverLocal does for a message from vigil what the server does for an
// MQTT QoS 1 PUBLISH: it stores it for the QoS 1 subscriptions and
// publishes it for the QoS 0 ones (which skip messages marked QoS 1 that
// arrive on the core subject, expecting them from the stream).
func (b *Bus) deliverLocal(ctx context.Context, subject string, payload []byte) error {
	m := &nats.Msg{Subject: mqttMsgsPrefix + subject, Data: payload, Header: nats.Header{}}
	m.Header.Set(mqttQoSHeader, "1")
	if _, err := b.js.PublishMsg(ctx, m); err != nil && !errors.Is(err, jetstream.ErrNoStreamResponse) {
		// ErrNoStreamResponse: no device has connected yet, so there is no
		// MQTT stream and no session to deliver to.
		return errs.Wrap(err, errs.Unavailable, "bus: send to device")
	}
	m.Subject = subject
	if err := b.nc.PublishMsg(m); err != nil {
		return errs.Wrap(err, errs.Unavailable, "bus: send to device")
	}
	return nil
}

// validTopic accepts "/"-separated levels of letters, digits, '-' and '_'.
func validTopic(t string) bool {
	if t == "" || len(t) > 200 {
		return false
	}
	for _, level := range strings.Split(t, "/") {
		if level == "" {
			return false
		}
		for _, r := range level {
			ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}
