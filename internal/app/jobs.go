package app

import (
	"context"
	"time"
)

// startJobs runs vigil's background work until Close: flushing the app
// access log, storing device messages, shortening addresses whose retention ended,
// and the privacy centre's jobs (packages of granted requests).
func (a *App) startJobs() {
	ctx, cancel := context.WithCancel(context.Background())
	a.stopJobs = cancel
	a.jobsDone.Add(4)
	go func() {
		defer a.jobsDone.Done()
		a.Requests.RunJobs(ctx, time.Minute)
	}()
	go func() {
		defer a.jobsDone.Done()
		if err := a.consumeUplink(ctx); err != nil {
			a.Log.Error("device ingest stopped", "err", err)
		}
	}()
	go func() {
		defer a.jobsDone.Done()
		a.Activity.Run(ctx, 2*time.Second)
	}()
	go func() {
		defer a.jobsDone.Done()
		a.every(ctx, time.Hour, a.Pseudonymise)
	}()
}

// every runs job now and then at each interval until ctx ends.
func (a *App) every(ctx context.Context, interval time.Duration, job func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := job(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("background job failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Pseudonymise shortens the device and app addresses whose retention ended.
func (a *App) Pseudonymise(ctx context.Context) error {
	n, err := a.Devices.PseudonymiseIPs(ctx)
	if err != nil {
		return err
	}
	m, err := a.Activity.Pseudonymise(ctx)
	if err != nil {
		return err
	}
	if n+m > 0 {
		a.Log.Info("addresses pseudonymised", "device_addresses", n, "access_log_rows", m)
	}
	return nil
}
