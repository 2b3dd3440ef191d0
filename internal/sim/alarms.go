package sim

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// AlarmConfig says how an alarm load behaves.
type AlarmConfig struct {
	Members []Member
	// Rate is alarms per second across all devices.
	Rate     float64
	Duration time.Duration
	TLS      *tls.Config
	// Tag makes the alarms' event IDs unique to this run.
	Tag string
	// Receiver, when set, is where notifications arrive; the report then
	// gives the alarm -> notification latency.
	Receiver *Receiver
	// Drain is how long to wait for notifications after the last alarm.
	Drain time.Duration
}

// AlarmReport is what an alarm load did.
type AlarmReport struct {
	Connected          int
	Sent, Accepted     int64
	Failed             int64
	Elapsed            time.Duration
	AckP50, AckP99     time.Duration // publish -> PUBACK
	Notified           int           // alarms whose notification arrived
	NotifyP50          time.Duration // alarm sent -> notification received
	NotifyP99          time.Duration
	NotifyMax          time.Duration
	ReceiverConfigured bool
}

func (r AlarmReport) String() string {
	s := fmt.Sprintf("%d devices; %d alarms sent in %s (%.0f/s), %d accepted (PUBACK), %d failed; PUBACK p50 %s p99 %s",
		r.Connected, r.Sent, r.Elapsed.Round(time.Millisecond), float64(r.Sent)/r.Elapsed.Seconds(), r.Accepted, r.Failed,
		r.AckP50.Round(10*time.Microsecond), r.AckP99.Round(10*time.Microsecond))
	if !r.ReceiverConfigured {
		return s + "; no receiver: notification latency not measured"
	}
	return s + fmt.Sprintf("\nalarm -> notification: %d of %d accepted alarms notified; latency p50 %s p99 %s max %s",
		r.Notified, r.Accepted, r.NotifyP50.Round(100*time.Microsecond), r.NotifyP99.Round(100*time.Microsecond), r.NotifyMax.Round(100*time.Microsecond))
}

// Receiver takes notifications over HTTP (a webhook, a push endpoint or
// vigil's load sink POST them) and measures, for each alarm, the time from
// its sending (the alarm's time, which every notification carries) to the
// first arrival of its notification. A body is JSON with the message's ID
// and time, as fields "id"/"time" (any letter case) at its top or under
// "message".
type Receiver struct {
	mu    sync.Mutex
	first map[string]time.Duration
	srv   *http.Server
	ln    net.Listener
}

// Listen starts a receiver on addr (host:port; port 0 picks one).
func Listen(addr string) (*Receiver, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := &Receiver{first: map[string]time.Duration{}, ln: ln}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go r.srv.Serve(ln) //nolint:errcheck // ends with Close
	return r, nil
}

// URL is where to send notifications.
func (r *Receiver) URL() string { return "http://" + r.ln.Addr().String() + "/" }

// Close stops the receiver.
func (r *Receiver) Close() error { return r.srv.Close() }

type noticeBody struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	Message *struct {
		ID   string    `json:"id"`
		Time time.Time `json:"time"`
	} `json:"message"`
}

// ServeHTTP records one notification.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	b, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	var n noticeBody
	if err != nil || json.Unmarshal(b, &n) != nil {
		http.Error(w, "want a JSON notification", http.StatusBadRequest)
		return
	}
	id, at := n.ID, n.Time
	if n.Message != nil {
		id, at = n.Message.ID, n.Message.Time
	}
	if id != "" && !at.IsZero() {
		r.Observe(id, now.Sub(at))
	}
	w.WriteHeader(http.StatusNoContent)
}

// Observe records that the notification of id arrived after d.
func (r *Receiver) Observe(id string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.first[id]; !ok {
		r.first[id] = d
	}
}

func (r *Receiver) latencies() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]time.Duration, 0, len(r.first))
	for _, d := range r.first {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

// RunAlarms connects every member and has them publish alarms at the
// configured total rate, each carrying its send time.
func RunAlarms(ctx context.Context, c AlarmConfig) (AlarmReport, error) {
	var rep AlarmReport
	rep.ReceiverConfigured = c.Receiver != nil
	devs := make([]*Device, 0, len(c.Members))
	var firstErr error
	for _, m := range c.Members {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		d, err := Connect(cctx, Config{URL: m.URL, DeviceID: m.DeviceID, Secret: m.Secret, Channels: m.Channels, Firmware: "1.0.0", TLS: c.TLS})
		cancel()
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		devs = append(devs, d)
	}
	defer func() {
		for _, d := range devs {
			d.Close()
		}
	}()
	rep.Connected = len(devs)
	if len(devs) == 0 {
		return rep, fmt.Errorf("sim: no device connected: %w", firstErr)
	}
	if c.Rate <= 0 {
		return rep, fmt.Errorf("sim: the alarm rate must be positive")
	}
	types := []string{"motion", "person", "vehicle", "line_crossing", "doorbell"}
	var sent, accepted, failed atomic.Int64
	var mu sync.Mutex
	var acks []time.Duration
	var wg sync.WaitGroup
	every := time.Duration(float64(time.Second) / c.Rate)
	begin := time.Now()
	next := begin
	runCtx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	for n := 0; runCtx.Err() == nil; n++ {
		next = next.Add(every)
		if wait := time.Until(next); wait > 0 {
			select {
			case <-runCtx.Done():
			case <-time.After(wait):
			}
			if runCtx.Err() != nil {
				break
			}
		}
		d := devs[n%len(devs)]
		sent.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := time.Now()
			pctx, pcancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer pcancel()
			err := d.Publish(pctx, "alarm", map[string]any{"id": fmt.Sprintf("sim-%s-%d", c.Tag, n), "type": types[n%len(types)],
				"time": at.UTC().Format(time.RFC3339Nano)})
			if err != nil {
				failed.Add(1)
				return
			}
			accepted.Add(1)
			mu.Lock()
			acks = append(acks, time.Since(at))
			mu.Unlock()
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(begin)
	rep.Sent, rep.Accepted, rep.Failed = sent.Load(), accepted.Load(), failed.Load()
	slices.Sort(acks)
	rep.AckP50, rep.AckP99 = percentile(acks, 0.50), percentile(acks, 0.99)
	if c.Receiver == nil {
		return rep, nil
	}
	drain := c.Drain
	if drain <= 0 {
		drain = 10 * time.Second
	}
	deadline := time.Now().Add(drain)
	for time.Now().Before(deadline) && int64(len(c.Receiver.latencies())) < rep.Accepted {
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	lat := c.Receiver.latencies()
	rep.Notified = len(lat)
	rep.NotifyP50, rep.NotifyP99 = percentile(lat, 0.50), percentile(lat, 0.99)
	if len(lat) > 0 {
		rep.NotifyMax = lat[len(lat)-1]
	}
	return rep, nil
}
