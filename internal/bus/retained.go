package bus

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Retained messages: the server keeps an MQTT message published with the
// retain flag in its "$MQTT_rmsgs" stream, one per topic, without limit,
// and hands it to every later subscriber of the topic. vigil's protocol
// uses none, and a device could park any amount of data there, under as
// many topics of its own tree as it likes. So bus creates that stream
// itself, before any device connects, with the configuration the server
// expects (one message per subject) and a largest message of one byte:
// every retained message is refused at the store. The publish itself goes
// on as a normal message (the server only logs the refused store), and
// what an older vigil let devices park is purged.
const (
	mqttRetainedStream  = "$MQTT_rmsgs"
	mqttRetainedSubject = "$MQTT.rmsgs.>"
)

func (b *Bus) refuseRetained(ctx context.Context) error {
	cfg := jetstream.StreamConfig{
		Name:              mqttRetainedStream,
		Subjects:          []string{mqttRetainedSubject},
		Storage:           jetstream.FileStorage,
		Retention:         jetstream.LimitsPolicy,
		MaxMsgsPerSubject: 1,
		MaxMsgSize:        1,
		Replicas:          b.mqttReplicas(),
	}
	s, err := b.js.CreateOrUpdateStream(ctx, cfg)
	if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return fmt.Errorf("bus: retained messages stream: %w", err)
	}
	if s != nil {
		if err := s.Purge(ctx); err != nil {
			return fmt.Errorf("bus: purge retained messages: %w", err)
		}
	}
	return nil
}
