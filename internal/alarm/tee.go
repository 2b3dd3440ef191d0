package alarm

import (
	"context"
	"errors"

	"github.com/vigil-cloud/vigil/internal/notify"
)

// Tee is a Notifier that queues each message on every notifier, in order;
// it fails if any fails (the fan-out then repeats, under the same ID).
type Tee []Notifier

// Enqueue queues msg on each notifier.
func (t Tee) Enqueue(ctx context.Context, msg notify.Message, users []string) error {
	var err error
	for _, n := range t {
		err = errors.Join(err, n.Enqueue(ctx, msg, users))
	}
	return err
}
