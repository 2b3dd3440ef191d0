package app

import (
	"errors"
	"fmt"
	"time"

	"github.com/vigil-cloud/vigil/internal/mail"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
	"github.com/vigil-cloud/vigil/internal/safedial"
	"github.com/vigil-cloud/vigil/internal/store"
)

// startPrivacy builds the data-subject request service and the retention
// engine with the exporters, erasers and purgers of every capability.
func (a *App) startPrivacy(mailer mail.Mailer) error {
	deadlines, err := privacy.DefaultDeadlines().Override(a.Config.Privacy.Deadlines)
	if err != nil {
		return fmt.Errorf("privacy.deadlines: %w", err)
	}
	ps := store.NewPrivacyStore(a.DB)
	a.Fulfil = fulfil.NewRegistry(a.Registry)
	if err := errors.Join(a.Accounts.RegisterPrivacy(a.Fulfil, ps, a.Blobs), a.Audit.RegisterPrivacy(a.Fulfil)); err != nil {
		return err
	}
	if err := privacy.RegisterOwn(a.Fulfil, ps, a.Blobs, a.Keys); err != nil {
		return err
	}
	if err := privacy.RegisterConsentProofs(a.Fulfil, ps, a.Keys); err != nil {
		return err
	}
	a.Retention = privacy.NewRetention(ps, a.Registry, a.Fulfil, a.Gate, a.Clock, a.Log)
	if k := a.Config.Privacy.StatisticsMinGroup; k > 0 {
		a.Retention.SetMinGroup(k)
	}
	dpo := a.Config.Privacy.DPOMailbox
	var exporters []privacy.TrustedExporter
	for _, x := range a.Config.Privacy.TrustedExporters {
		exporters = append(exporters, privacy.TrustedExporter{Name: x.Name, PublicKey: x.PublicKey, KeyURL: x.KeyURL})
	}
	a.Requests = privacy.NewRequests(privacy.Deps{Store: ps, Keys: a.Keys, Blobs: a.Blobs, Gate: a.Gate, DataMap: a.Registry,
		Fulfil: a.Fulfil, Profiles: a.Accounts, Holds: a.Retention, Mailer: mailer, Clock: a.Clock, Log: a.Log,
		Jobs: ps, Notices: ps, Ledger: a.Privacy, Tenants: a.Accounts},
		privacy.RequestOptions{PublicURL: a.Config.PublicURL, Deadlines: deadlines, DPOMailbox: dpo,
			Exporters: exporters, KeyClient: safedial.Client(a.Config.Privacy.AllowLoopbackKeyURLs, 15*time.Second)})
	return nil
}
