package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/notify"
)

// LoadSink is an alarm notifier for load tests: it POSTs each message's ID, kind,
// time and recipient count (never its text, device or people) as JSON to
// a receiver on this machine, such as the one `vigil sim --alarms` runs.
// It is not a delivery channel.
type LoadSink struct {
	url string
	hc  *http.Client
}

// NewLoadSink returns a sink posting to rawURL, which must be an http URL
// on a loopback address.
func NewLoadSink(rawURL string) (*LoadSink, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" {
		return nil, errs.E(errs.Invalid, "alarm.load_sink_url must be an http:// URL on a loopback address")
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, errs.E(errs.Invalid, "alarm.load_sink_url must be on a loopback address")
	}
	return &LoadSink{url: rawURL, hc: &http.Client{Timeout: 5 * time.Second}}, nil
}

// Enqueue posts the message's identity to the receiver.
func (l *LoadSink) Enqueue(ctx context.Context, msg notify.Message, users []string) error {
	b, _ := json.Marshal(map[string]any{"id": msg.ID, "kind": msg.Kind, "time": msg.Time, "recipients": len(users)})
	req, err := http.NewRequestWithContext(ctx, "POST", l.url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := l.hc.Do(req)
	if err != nil {
		return fmt.Errorf("load sink: %w", err)
	}
	res.Body.Close()
	if res.StatusCode >= 300 {
		return fmt.Errorf("load sink: status %d", res.StatusCode)
	}
	return nil
}
