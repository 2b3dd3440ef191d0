package app

import (
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vuln"
)

// openVuln builds vulnerability intake and advisories and registers the
// reports' category with the privacy centre. Triage into an incident
// needs the incident register, handed over with SetIncidents once it is
// built.
func (a *App) openVuln() error {
	c := a.Config.Security
	a.Vuln = vuln.New(store.NewVulnStore(a.DB), a.Gate, a.Keys, a.Blobs, a.Clock, a.Log, vuln.Options{
		PublicURL: a.Config.PublicURL, Mailbox: c.Mailbox, Languages: c.Languages, TxtValidity: c.TxtValidity,
		ReportsPerHour: c.ReportsPerHour, MaxAttachments: c.MaxAttachments, MaxAttachmentBytes: int64(c.MaxAttachmentKiB) << 10,
	})
	return a.Vuln.RegisterPrivacy(a.Fulfil)
}
