package config

import "time"

// Alarm tunes the alarm pipeline.
type Alarm struct {
	// OfflineAfter is how long a device must stay offline before vigil
	// raises an offline alarm; 0 means the default, 2 minutes.
	OfflineAfter time.Duration `yaml:"offline_after" env:"VIGIL_ALARM_OFFLINE_AFTER"`
	// SnapshotMaxKiB bounds one snapshot upload; 0 means the default,
	// 2048 KiB.
	SnapshotMaxKiB int `yaml:"snapshot_max_kib" env:"VIGIL_ALARM_SNAPSHOT_MAX_KIB"`
	// Poll is how often fan-out looks for pending alarms when nothing
	// woke it; 0 means the default, 1 second.
	Poll time.Duration `yaml:"poll" env:"VIGIL_ALARM_POLL"`
	// LoadSinkURL, for load tests only, is a loopback http:// address that
	// every alarm notice's ID and time is also POSTed to (vigil sim
	// --alarms --receiver runs one). Empty: none.
	LoadSinkURL string `yaml:"load_sink_url" env:"VIGIL_ALARM_LOAD_SINK"`
}
