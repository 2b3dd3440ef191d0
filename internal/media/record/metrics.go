package record

import "github.com/prometheus/client_golang/prometheus"

// metrics count what the recorder does; no label names a device or an
// account.
type metrics struct {
	segments prometheus.Counter
	bytes    prometheus.Counter
	skipped  prometheus.Counter
	failed   prometheus.Counter
	purged   *prometheus.CounterVec
	write    prometheus.Histogram
	dropped  prometheus.Counter
	queued   prometheus.Gauge
	lag      prometheus.Gauge
	commits  prometheus.Counter // index transactions
	steps    prometheus.Counter // index steps they carried
}

func newMetrics() *metrics {
	return &metrics{
		segments: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_recording_segments_total", Help: "Segments recorded (sealed and indexed)."}),
		bytes:    prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_recording_bytes_total", Help: "Bytes of video recorded, before sealing."}),
		skipped:  prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_recording_segments_skipped_total", Help: "Segments not kept: mode off, or events mode with no event near."}),
		failed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_recording_failures_total", Help: "Segments that could not be recorded."}),
		purged:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_recording_purged_segments_total", Help: "Segments purged, by reason."}, []string{"reason"}),
		write: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vigil_recording_write_seconds", Help: "Time to seal, store and index one segment.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_recording_segments_dropped_total",
			Help: "Whole segments dropped, oldest first, because storage fell behind the cameras (each shows as a gap with dropped_before)."}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigil_recording_queued_segments", Help: "Segments waiting to be recorded, all streams."}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigil_recording_lag_seconds",
			Help: "How long the last recorded segment waited in its stream's queue: recording's lag behind the cameras."}),
		commits: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_recording_index_commits_total",
			Help: "Transactions that wrote the recordings index (group commits, and steps retried alone)."}),
		steps: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_recording_index_steps_total",
			Help: "Index steps (a segment's intent row, or its stored mark) those transactions carried; steps/commits is the mean group."}),
	}
}

// Register adds the recorder's metrics to reg.
func (r *Recorder) Register(reg prometheus.Registerer) error {
	m := r.m
	for _, c := range []prometheus.Collector{m.segments, m.bytes, m.skipped, m.failed, m.purged, m.write, m.dropped, m.queued, m.lag, m.commits, m.steps} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
