package app

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/store"
)

// openAlarms builds the alarm pipeline, hooks it into device ingest and the
// privacy centre. Notices wait pending until a notifier is set
// (Alarms.SetNotifier); the delivery side sets it.
func (a *App) openAlarms() error {
	c := a.Config.Alarm
	a.Alarms = alarm.New(store.NewAlarmStore(a.DB), a.Blobs, a.Devices, a.Gate, a.Clock, a.Log, a.Metrics, alarm.Options{
		OfflineAfter: c.OfflineAfter,
		SnapshotMax:  int64(c.SnapshotMaxKiB) << 10,
		Poll:         c.Poll,
		PublicURL:    a.Config.PublicURL,
	})
	a.Devices.SetAlarms(a.Alarms)
	// Alarms mark the recordings around them (and keep them, for cameras
	// recording on events only).
	a.Alarms.SetMarker(a.Recorder)
	if c.LoadSinkURL != "" {
		sink, err := alarm.NewLoadSink(c.LoadSinkURL)
		if err != nil {
			return err
		}
		// Until the delivery side is wired, the load sink is the notifier;
		// with it, use alarm.Tee{deliveries, sink}.
		a.Alarms.SetNotifier(sink)
	}
	return a.Alarms.RegisterPrivacy(a.Fulfil)
}

// runAlarms fans out pending alarms (those a crash left first) and raises
// offline alarms until ctx ends.
func (a *App) runAlarms(ctx context.Context) {
	a.jobsDone.Add(1)
	go func() {
		defer a.jobsDone.Done()
		a.Alarms.Run(ctx)
	}()
}
