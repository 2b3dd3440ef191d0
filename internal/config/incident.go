package config

import (
	"strings"
	"time"
)

// Incident tunes the incident room.
type Incident struct {
	// IndividualLimit is how many affected people vigil tells one by one;
	// above it a public notice is due instead.
	IndividualLimit int `yaml:"individual_limit" env:"VIGIL_INCIDENT_INDIVIDUAL_LIMIT"`
	// RegulatorWindows replace the notification window of a regulator
	// regime, each "regime=duration", e.g. "us-state=45d" or
	// "us-ca-1798.82=30d" (US states' laws differ and change).
	RegulatorWindows []string `yaml:"regulator_windows"`
	// Contact is the address incident notices give for questions.
	Contact string `yaml:"contact" env:"VIGIL_INCIDENT_CONTACT"`
}

// DefaultIncident returns the incident room's defaults.
func DefaultIncident() Incident {
	return Incident{IndividualLimit: 10000, Contact: "security@vigil.example"}
}

// Windows returns the configured regulator windows by regime.
func (i Incident) Windows() map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, w := range i.RegulatorWindows {
		k, v, ok := strings.Cut(w, "=")
		if d, err := parseWindow(v); ok && err == nil {
			out[strings.TrimSpace(k)] = d
		}
	}
	return out
}

func parseWindow(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if n, ok := strings.CutSuffix(v, "d"); ok {
		d, err := time.ParseDuration(n + "h")
		return d * 24, err
	}
	return time.ParseDuration(v)
}

func (c Config) validateIncident(bad func(setting, format string, args ...any)) {
	if c.Incident.IndividualLimit < 1 {
		bad("incident.individual_limit", "must be at least 1")
	}
	for _, w := range c.Incident.RegulatorWindows {
		k, v, ok := strings.Cut(w, "=")
		d, err := parseWindow(v)
		if !ok || strings.TrimSpace(k) == "" || err != nil || d <= 0 {
			bad("incident.regulator_windows", "%q: write regime=duration, e.g. us-state=45d", w)
		}
	}
}
