package sim

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Member is one device of a fleet: its credential and how many channels
// it has.
type Member struct {
	DeviceID, Secret, URL string
	Channels              int
}

// FleetConfig says how a fleet behaves.
type FleetConfig struct {
	Members []Member
	// Rate is messages per second per device; 0 sends as fast as the
	// broker acknowledges, InFlight at a time per device.
	Rate     float64
	InFlight int
	Duration time.Duration
	// ConnectRate bounds new connections per second (0: 500).
	ConnectRate int
	Apply       bool // apply pushed settings
	Upgrade     bool // install offered firmware
	TLS         *tls.Config
	Progress    io.Writer // a line every 5 seconds; nil for none
}

// Report is what a fleet run did.
type Report struct {
	Devices       int
	Connected     int
	ConnectErrors int
	ConnectTime   time.Duration
	Published     int64
	Errors        int64
	Elapsed       time.Duration
	PerSec        float64
}

func (r Report) String() string {
	return fmt.Sprintf("%d of %d devices connected in %s (%d refused); %d messages acknowledged in %s = %.0f msg/s; %d publish errors",
		r.Connected, r.Devices, r.ConnectTime.Round(time.Millisecond), r.ConnectErrors, r.Published, r.Elapsed.Round(time.Millisecond), r.PerSec, r.Errors)
}

// message returns the n-th message (from 1) of a device: its info first
// and every 50 messages, an event every 10, heartbeats otherwise.
func message(n int, firmware string) (string, any) {
	switch {
	case n%50 == 1:
		return "info", map[string]string{"firmware_version": firmware, "time_zone": "Europe/Berlin", "language": "de"}
	case n%10 == 0:
		kinds := []string{"error", "restart", "crash"}
		return "event", map[string]string{"id": fmt.Sprintf("e%d", n), "kind": kinds[n/10%3], "code": fmt.Sprintf("E%03d", n%997)}
	}
	return "heartbeat", struct{}{}
}

// RunFleet connects every member, has each publish for the duration, and
// disconnects them.
func RunFleet(ctx context.Context, c FleetConfig) (Report, error) {
	rep := Report{Devices: len(c.Members)}
	if c.InFlight <= 0 {
		c.InFlight = 1
	}
	if c.ConnectRate <= 0 {
		c.ConnectRate = 500
	}
	devs := make([]*Device, len(c.Members))
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	tick := time.NewTicker(time.Second / time.Duration(c.ConnectRate))
	var wg sync.WaitGroup
	for i, m := range c.Members {
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-tick.C:
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			d, err := Connect(cctx, Config{URL: m.URL, DeviceID: m.DeviceID, Secret: m.Secret, Channels: m.Channels,
				Firmware: "1.0.0", Apply: c.Apply, Upgrade: c.Upgrade, TLS: c.TLS})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				rep.ConnectErrors++
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			devs[i] = d
			rep.Connected++
		}()
	}
	tick.Stop()
	wg.Wait()
	rep.ConnectTime = time.Since(start)
	defer func() {
		for _, d := range devs {
			if d != nil {
				d.Close()
			}
		}
	}()
	if rep.Connected == 0 {
		return rep, fmt.Errorf("sim: no device connected: %w", firstErr)
	}

	var published, failed atomic.Int64
	runCtx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	if c.Progress != nil {
		go progress(runCtx, c.Progress, &published, &failed)
	}
	begin := time.Now()
	for _, d := range devs {
		if d == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.publishLoop(runCtx, c.Rate, c.InFlight, &published, &failed)
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(begin)
	rep.Published, rep.Errors = published.Load(), failed.Load()
	rep.PerSec = float64(rep.Published) / rep.Elapsed.Seconds()
	return rep, nil
}

func (d *Device) publishLoop(ctx context.Context, rate float64, inflight int, ok, failed *atomic.Int64) {
	var every time.Duration
	if rate > 0 {
		every = time.Duration(float64(time.Second) / rate)
		// Spread the devices over the first interval.
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(rand.Int64N(int64(every) + 1))):
		}
	}
	sem := make(chan struct{}, inflight)
	var wg sync.WaitGroup
	defer wg.Wait()
	next := time.Now()
	for n := 1; ctx.Err() == nil; n++ {
		if every > 0 {
			next = next.Add(every)
			if wait := time.Until(next); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case sem <- struct{}{}:
		}
		topic, v := message(n, d.Firmware())
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			pctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := d.Publish(pctx, topic, v); err != nil {
				failed.Add(1)
				return
			}
			ok.Add(1)
		}()
	}
}

func progress(ctx context.Context, w io.Writer, ok, failed *atomic.Int64) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	var last int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n := ok.Load()
			fmt.Fprintf(w, "  %d messages acknowledged (%.0f/s), %d errors\n", n, float64(n-last)/5, failed.Load())
			last = n
		}
	}
}
