package app

import (
	"github.com/vigil-cloud/vigil/internal/alarm"
	"github.com/vigil-cloud/vigil/internal/sim"
	"github.com/vigil-cloud/vigil/internal/store"
)

// openAlarms builds the alarm pipeline, hooks it into device ingest and the
// privacy centre, and hands its notices to notification delivery.
func (a *App) openAlarms() error {
	c := a.Config.Alarm
	// Alarms and update notices reach people through notification
	// delivery; a load sink (loopback only, for vigil sim) sees them too.
	var n alarm.Notifier = a.Notify
	if c.LoadSinkURL != "" {
		sink, err := sim.NewLoadSink(c.LoadSinkURL)
		if err != nil {
			return err
		}
		n = alarm.Tee{a.Notify, sink}
	}
	a.Alarms = alarm.New(store.NewAlarmStore(a.DB), a.Blobs, a.Devices, a.Gate, a.Clock, a.Log, a.Metrics, alarm.Options{
		OfflineAfter: c.OfflineAfter,
		SnapshotMax:  int64(c.SnapshotMaxKiB) << 10,
		Poll:         c.Poll,
		PublicURL:    a.Config.PublicURL,
		Before:       a.Config.Record.PreRoll,
		After:        a.Config.Record.PostRoll,
		Notifier:     n,
		// Alarms mark the recordings around them (and keep them, for
		// cameras recording on events only).
		Marker: a.Recorder,
	})
	// Devices are built before alarms (alarms check device credentials),
	// so the device service learns of the pipeline here.
	a.Devices.SetAlarms(a.Alarms)
	a.Alarms.SetNames(a.Devices)
	// A released device's alarms and snapshots go with it.
	a.Devices.OnRelease(a.Alarms.Released)
	return a.Alarms.RegisterPrivacy(a.Fulfil)
}
