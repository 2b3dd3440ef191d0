package app

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/face"
	"github.com/vigil-cloud/vigil/internal/face/engine"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
	"github.com/vigil-cloud/vigil/internal/store"
)

// openFace builds face recognition on the alarm pipeline and the privacy
// centre: device ingest asks it before storing a `face` alarm, the alarm
// pipeline hands it face snapshots, and it registers its categories.
func (a *App) openFace() error {
	a.Face = face.New(store.NewFaceStore(a.DB), a.Gate, a.Keys, a.Privacy, a.Devices, a.Alarms,
		func() (*engine.Engine, error) { return engine.New(engine.Options{}) }, a.Clock, a.Log,
		face.Options{PictureMax: int64(a.Config.Alarm.SnapshotMaxKiB) << 10})
	a.Devices.SetFaceGate(a.Face)
	a.Alarms.SetFaceHook(a.Face)
	// Exports for one person blur everyone else, matched with the selfie
	// given for the request (R7).
	a.Fulfil.SetRedaction(func(_ context.Context, selfie []byte) (fulfil.Redactor, error) {
		return a.Face.NewRedactor(selfie, "")
	})
	// Find footage of me searches the alarm snapshots for a filmed person.
	a.Face.SetSnapshots(a.Alarms)
	a.Face.SetOwnerNotice(func(ctx context.Context, accountID string, userIDs []string, id, title, body, url string) error {
		return a.Notify.Enqueue(ctx, notify.Message{ID: id, AccountID: accountID, Kind: notify.KindNotice, Title: title, Body: body, URL: url}, userIDs)
	})
	a.Fulfil.SetFootage(a.Face.Footage())
	return a.Face.RegisterPrivacy(a.Fulfil)
}
