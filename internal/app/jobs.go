package app

import (
	"context"
	"time"
)

// startJobs runs vigil's background work until Close, every job through
// run: storing device messages, flushing the app access log, the privacy
// centre's jobs (packages of granted requests, deadline reminders,
// retention), staff training reminders, recording retention, alarm fan-out and notification
// delivery.
func (a *App) startJobs() {
	ctx, cancel := context.WithCancel(context.Background())
	a.stopJobs = cancel
	a.recoverNode(ctx)
	a.run(ctx, "node liveness", a.keepNodeAlive)
	a.run(ctx, "device ingest", a.consumeUplink)
	a.run(ctx, "app access log", func(ctx context.Context) error { a.Activity.Run(ctx, 2*time.Second); return nil })
	a.run(ctx, "privacy request jobs", func(ctx context.Context) error { a.Requests.RunJobs(ctx, time.Minute); return nil })
	// Deadline reminders (and closing transferred accounts) and retention
	// sweeps, hourly by the wall clock, judged by the injected one; the
	// first retention sweep runs a minute after start.
	a.run(ctx, "privacy reminders", func(ctx context.Context) error { a.Requests.Run(ctx, time.Hour); return nil })
	a.run(ctx, "retention", func(ctx context.Context) error { a.Retention.Run(ctx, time.Hour); return nil })
	// Regulators' clocks run in hours: their reminders are looked at
	// every ten minutes.
	a.run(ctx, "incident deadline reminders", func(ctx context.Context) error { a.Incidents.RunReminders(ctx, 10*time.Minute); return nil })
	a.run(ctx, "staff training reminders", func(ctx context.Context) error { a.Accounts.RunTrainingReminders(ctx, time.Hour); return nil })
	every := a.Config.Record.SweepEvery
	if every <= 0 {
		every = time.Minute
	}
	a.run(ctx, "recording retention", func(ctx context.Context) error { a.RecordingRetention.Run(ctx, every); return nil })
	// Alarms: pending ones (those a crash left first) fan out, and offline
	// alarms are raised.
	a.run(ctx, "alarm fan-out", func(ctx context.Context) error { a.Alarms.Run(ctx); return nil })
	// Face recognition: the rules of regions where the operator stopped
	// it; the stops are rows, so a restart carries on.
	a.run(ctx, "face region rules", func(ctx context.Context) error { a.Face.Run(ctx, time.Minute); return nil })
	// Notifications: the worker resumes what an earlier run left pending.
	a.run(ctx, "notification delivery", func(ctx context.Context) error { a.Notify.Run(ctx); return nil })
}

// run starts one background job; Close stops it and waits for it. A job
// that ends with an error before vigil stops is logged.
func (a *App) run(ctx context.Context, name string, job func(context.Context) error) {
	a.jobsDone.Add(1)
	go func() {
		defer a.jobsDone.Done()
		if err := job(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error(name+" stopped", "err", err)
		}
	}()
}
