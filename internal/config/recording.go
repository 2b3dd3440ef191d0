package config

import "time"

// Record tunes the recorded video path; zero values take the defaults.
type Record struct {
	// DefaultMode is how a channel records until its owner chooses:
	// continuous (default), events or off.
	DefaultMode string `yaml:"default_mode" env:"VIGIL_RECORDING_MODE"`
	// PreRoll and PostRoll are kept around an event mark in events mode
	// (10s and 20s).
	PreRoll  time.Duration `yaml:"pre_roll"`
	PostRoll time.Duration `yaml:"post_roll"`
	// MarkDelay is how late an alarm may mark the video it concerns and
	// still get its pre-roll in events mode (5s); it is held in memory too.
	MarkDelay time.Duration `yaml:"mark_delay"`
	// EventRetention is the longest event-marked recordings are kept
	// (90 days); accounts may set less.
	EventRetention time.Duration `yaml:"event_retention"`
	// SweepEvery is how often retention and quotas are enforced (1m).
	SweepEvery time.Duration `yaml:"sweep_every"`
}

func (c Config) validateRecording(bad func(setting, format string, args ...any)) {
	r := c.Record
	switch r.DefaultMode {
	case "", "continuous", "events", "off":
	default:
		bad("recording.default_mode", "want continuous, events or off, got %q", r.DefaultMode)
	}
	for name, d := range map[string]time.Duration{"recording.pre_roll": r.PreRoll, "recording.post_roll": r.PostRoll, "recording.mark_delay": r.MarkDelay} {
		if d < 0 || d > 10*time.Minute {
			bad(name, "want between 0 (default) and 10m, got %s", d)
		}
	}
	if r.EventRetention < 0 || r.SweepEvery < 0 {
		bad("recording", "durations must not be negative")
	}
}
