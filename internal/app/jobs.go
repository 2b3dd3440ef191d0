package app

import (
	"context"
	"time"
)

// startJobs runs vigil's background work until Close: flushing the app
// access log, storing device messages,
// and the privacy centre's jobs (packages of granted requests).
func (a *App) startJobs() {
	ctx, cancel := context.WithCancel(context.Background())
	a.stopJobs = cancel
	a.jobsDone.Add(3)
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
	a.runRecordingRetention(ctx)
	a.runAlarms(ctx)
	a.runNotify(ctx)
}
