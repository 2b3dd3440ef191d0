package app

import (
	"github.com/vigil-cloud/vigil/internal/incident"
	"github.com/vigil-cloud/vigil/internal/store"
)

// openIncidents builds the incident room on the access log, the
// notification outbox and the disclosure ledger, and registers its
// categories with the privacy centre.
func (a *App) openIncidents() error {
	a.Incidents = incident.New(store.NewIncidentStore(a.DB), a.Gate, a.Registry, a.Audit, a.Notify, a.Privacy, a.Clock, a.Log,
		incident.Options{IndividualLimit: a.Config.Incident.IndividualLimit, Windows: a.Config.Incident.Windows(), Contact: a.Config.Incident.Contact})
	a.Incidents.SetMailer(a.Accounts)
	return a.Incidents.RegisterPrivacy(a.Fulfil)
}
