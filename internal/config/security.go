package config

import (
	"net/mail"
	"regexp"
	"time"
)

// Security configures vulnerability intake: what /.well-known/security.txt
// says and how much the public report form takes.
type Security struct {
	// Mailbox is the security team's address, given in security.txt beside
	// the report form; empty names the form only.
	Mailbox string `yaml:"mailbox" env:"VIGIL_SECURITY_MAILBOX"`
	// Languages the team reads reports in (security.txt's
	// Preferred-Languages), as language tags.
	Languages []string `yaml:"languages"`
	// TxtValidity is how far ahead of now security.txt's Expires lies:
	// more than a day, less than a year (RFC 9116 advises under a year).
	TxtValidity time.Duration `yaml:"txt_validity" env:"VIGIL_SECURITY_TXT_VALIDITY"`
	// ReportsPerHour is how many reports one client network (an IPv4
	// address, an IPv6 /64) may file an hour through the public form.
	ReportsPerHour int `yaml:"reports_per_hour" env:"VIGIL_SECURITY_REPORTS_PER_HOUR"`
	// MaxAttachments and MaxAttachmentKiB bound the files sent with one
	// report.
	MaxAttachments   int `yaml:"max_attachments"`
	MaxAttachmentKiB int `yaml:"max_attachment_kib"`
}

// DefaultSecurity returns the built-in intake settings.
func DefaultSecurity() Security {
	return Security{Languages: []string{"en"}, TxtValidity: 180 * 24 * time.Hour, ReportsPerHour: 5, MaxAttachments: 3, MaxAttachmentKiB: 2048}
}

var langTagRE = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

func (c Config) validateSecurity(bad func(setting, format string, args ...any)) {
	s := c.Security
	if s.Mailbox != "" {
		if a, err := mail.ParseAddress(s.Mailbox); err != nil || a.Address != s.Mailbox {
			bad("security.mailbox", "want a plain e-mail address, got %q", s.Mailbox)
		}
	}
	if len(s.Languages) == 0 {
		bad("security.languages", "name at least one language (e.g. en)")
	}
	for _, l := range s.Languages {
		if !langTagRE.MatchString(l) {
			bad("security.languages", "%q is not a language tag", l)
		}
	}
	if s.TxtValidity < 24*time.Hour || s.TxtValidity >= 365*24*time.Hour {
		bad("security.txt_validity", "want more than a day and less than a year, got %s", s.TxtValidity)
	}
	if s.ReportsPerHour < 1 || s.ReportsPerHour > 1000 {
		bad("security.reports_per_hour", "want 1-1000, got %d", s.ReportsPerHour)
	}
	if s.MaxAttachments < 0 || s.MaxAttachments > 10 || s.MaxAttachmentKiB < 1 || s.MaxAttachmentKiB > 20*1024 {
		bad("security.max_attachments", "want 0-10 attachments of 1 KiB to 20 MiB each")
	}
}
