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
	}
}

// Register adds the recorder's metrics to reg.
func (r *Recorder) Register(reg prometheus.Registerer) error {
	m := r.m
	for _, c := range []prometheus.Collector{m.segments, m.bytes, m.skipped, m.failed, m.purged, m.write} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
