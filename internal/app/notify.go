package app

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/mail"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/store"
)

// noticeRelay hands published privacy notices to notification delivery,
// which is built after the privacy centre it depends on.
type noticeRelay struct{ a *App }

func (r noticeRelay) NoticePublished(ctx context.Context, n privacy.Notice) error {
	if r.a.Notify == nil {
		return nil
	}
	return r.a.Notify.NoticePublished(ctx, n)
}

// startNotify builds notification delivery: preferences, endpoints, the
// outbox and its channels.
func (a *App) startNotify(mailer mail.Mailer) error {
	c := a.Config.Notify
	a.Notify = notify.New(store.NewNotifyStore(a.DB), a.Keys, a.Gate, a.Privacy, mailer, a.Clock, a.Log, notify.Options{
		PublicURL: a.Config.PublicURL, Workers: c.Workers, MaxAttempts: c.MaxAttempts, AllowLoopback: c.AllowLoopback,
		EmailProcessor: c.EmailProcessor, SMS: c.SMS,
	})
	return a.Notify.RegisterPrivacy(a.Fulfil)
}
