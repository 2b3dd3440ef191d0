package vuln

import (
	"strings"
	"time"
)

// SecurityTxt renders /.well-known/security.txt (RFC 9116): where to
// report (the form, and the mailbox when one is configured), the policy,
// the languages, the canonical address, and an expiry always ahead of
// now and less than a year away, so the file never goes stale unnoticed.
func (s *Service) SecurityTxt() string {
	base := strings.TrimRight(s.opts.PublicURL, "/")
	validity := min(s.opts.TxtValidity, 364*24*time.Hour)
	expires := s.clk.Now().UTC().Add(validity).Truncate(time.Second)
	var b strings.Builder
	b.WriteString("# Security contact for vigil: report weaknesses here. Advisories: " + base + "/#/security\n")
	if s.opts.Mailbox != "" {
		b.WriteString("Contact: mailto:" + s.opts.Mailbox + "\n")
	}
	b.WriteString("Contact: " + base + "/#/security/report\n")
	b.WriteString("Expires: " + expires.Format(time.RFC3339) + "\n")
	b.WriteString("Policy: " + base + "/#/security/policy\n")
	b.WriteString("Preferred-Languages: " + strings.Join(s.opts.Languages, ", ") + "\n")
	b.WriteString("Canonical: " + base + "/.well-known/security.txt\n")
	return b.String()
}
