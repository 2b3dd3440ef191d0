package app

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/incident"
	"github.com/vigil-cloud/vigil/internal/store"
	"github.com/vigil-cloud/vigil/internal/vuln"
)

// openVuln builds vulnerability intake and advisories, registers the
// reports' category with the privacy centre, and hands it the incident
// register (built before it) for triage into an incident.
func (a *App) openVuln() error {
	c := a.Config.Security
	a.Vuln = vuln.New(store.NewVulnStore(a.DB), a.Gate, a.Keys, a.Blobs, a.Clock, a.Log, vuln.Options{
		PublicURL: a.Config.PublicURL, Mailbox: c.Mailbox, Languages: c.Languages, TxtValidity: c.TxtValidity,
		ReportsPerHour: c.ReportsPerHour, MaxAttachments: c.MaxAttachments, MaxAttachmentBytes: int64(c.MaxAttachmentKiB) << 10,
		Limits: a.rateLimits(),
	})
	if a.Incidents != nil {
		a.Vuln.SetIncidents(incidentOpener{a.Incidents})
	}
	return a.Vuln.RegisterPrivacy(a.Fulfil)
}

// incidentOpener opens a report's incident in the register, naming the
// report as its source; the finder's contact stays with the report.
type incidentOpener struct{ s *incident.Service }

func (o incidentOpener) Open(ctx context.Context, p access.Principal, in vuln.IncidentSeed) (string, error) {
	inc, err := o.s.Open(ctx, p, incident.OpenInput{Type: in.Type, Title: in.Title, Summary: in.Summary,
		Source: incident.SourceVulnerability, SourceRef: in.ReportID})
	return inc.ID, err
}
