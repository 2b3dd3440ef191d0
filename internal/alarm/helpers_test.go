package alarm_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/media"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
)

// recorder is an in-memory Notifier: the seam to the delivery side.
type recorder struct {
	mu   sync.Mutex
	sent []sent
	fail error
}

type sent struct {
	msg   notify.Message
	users []string
}

var _ alarm.Notifier = (*recorder)(nil)

func (r *recorder) Enqueue(_ context.Context, msg notify.Message, users []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.sent = append(r.sent, sent{msg, slices.Clone(users)})
	return nil
}

func (r *recorder) all() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sent)
}

// to returns the messages queued for user.
func (r *recorder) to(user string) []notify.Message {
	var out []notify.Message
	for _, s := range r.all() {
		if slices.Contains(s.users, user) {
			out = append(out, s.msg)
		}
	}
	return out
}

// marks records the video event marks the pipeline asks for.
type marks struct {
	mu  sync.Mutex
	got []media.Mark
}

func (m *marks) Mark(_ context.Context, mk media.Mark) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, mk)
	return nil
}

func (m *marks) all() []media.Mark {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.got)
}

func connect(t *testing.T, cred device.Credential, channels int) *sim.Device {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	d, err := sim.Connect(ctx, sim.Config{URL: cred.MQTTURL, DeviceID: cred.DeviceID, Secret: cred.Secret, Channels: channels, Firmware: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

func listAlarms(t *testing.T, c *vigiltest.Client, query string) []alarm.Alarm {
	t.Helper()
	var out struct{ Alarms []alarm.Alarm }
	c.Must(http.StatusOK, "GET", "/api/v1/accounts/"+c.AccountID+"/alarms"+query, nil).Decode(t, &out)
	return out.Alarms
}

// ingestCount reads vigil_ingest_messages_total for a topic and result.
func ingestCount(t *testing.T, e *vigiltest.Env, topic, result string) float64 {
	t.Helper()
	mfs, err := e.App.Metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "vigil_ingest_messages_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["topic"] == topic && labels["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// jpeg is a small but real JPEG file's head and tail around payload.
func jpeg(payload string) []byte {
	b := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00}
	b = append(b, payload...)
	return append(b, 0xFF, 0xD9)
}
