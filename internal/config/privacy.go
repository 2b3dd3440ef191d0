package config

import (
	"encoding/base64"
	"net/url"
)

// Privacy tunes the privacy centre's data-subject requests.
type Privacy struct {
	// Deadlines add or replace rows of the built-in per-region table, each
	// "region=respond+extend", e.g. "us-ca=45d+45d" or "default=1mo+2mo".
	Deadlines []string `yaml:"deadlines"`
	// DPOMailbox receives new-request notices and deadline reminders.
	DPOMailbox string `yaml:"dpo_mailbox" env:"VIGIL_DPO_MAILBOX"`
	// TrustedExporters are the vigils whose account transfer packages this
	// one imports; a package signed by any other key is refused.
	TrustedExporters []TrustedExporter `yaml:"trusted_exporters"`
	// AllowLoopbackKeyURLs lets a key_url name a loopback address (tests
	// and demos only); otherwise key URLs are https:// on public addresses.
	AllowLoopbackKeyURLs bool `yaml:"allow_loopback_key_urls"`
	// StatisticsMinGroup is k of the vendor's k-anonymous statistics: a
	// group of fewer people is never shown, nor its size. 0 means 10; at
	// least 5.
	StatisticsMinGroup int `yaml:"statistics_min_group" env:"VIGIL_STATISTICS_MIN_GROUP"`
}

// TrustedExporter is a vigil whose transfer packages this one imports:
// its signing key as its GET /api/v1/privacy/signing-key publishes it, or
// that address, fetched when a package comes.
type TrustedExporter struct {
	Name      string `yaml:"name"`
	PublicKey string `yaml:"public_key"`
	KeyURL    string `yaml:"key_url"`
}

func (c Config) validatePrivacy(bad func(setting, format string, args ...any)) {
	if k := c.Privacy.StatisticsMinGroup; k != 0 && (k < 5 || k > 1000) {
		bad("privacy.statistics_min_group", "must be 5 to 1000 (0 means 10)")
	}
	for i, x := range c.Privacy.TrustedExporters {
		if x.Name == "" || (x.PublicKey == "") == (x.KeyURL == "") {
			bad("privacy.trusted_exporters", "entry %d: give a name and either public_key or key_url", i+1)
			continue
		}
		if x.PublicKey != "" {
			if k, err := base64.StdEncoding.DecodeString(x.PublicKey); err != nil || len(k) != 32 {
				bad("privacy.trusted_exporters", "entry %d: public_key must be an ed25519 key in base64, as the exporter publishes it", i+1)
			}
		}
		if x.KeyURL != "" {
			u, err := url.Parse(x.KeyURL)
			if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && c.Privacy.AllowLoopbackKeyURLs)) {
				bad("privacy.trusted_exporters", "entry %d: key_url must be an https:// URL", i+1)
			}
		}
	}
}
