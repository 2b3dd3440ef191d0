package device

import (
	"context"
	"time"

	"golang.org/x/mod/semver"

	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// AlarmTypes are the alarm types a device may raise; vigil itself raises
// "offline".
var AlarmTypes = []string{"motion", "person", "vehicle", "face", "tamper", "line_crossing", "doorbell"}

// alarmSpec is the alarm topic (dev/<id>/up/alarm and, for NVR channels,
// dev/<id>/up/ch/<n>/alarm).
var alarmSpec = spec{category: datamap.AlarmEvent, max: maxPayload, fields: map[string]value{
	"id": text(64), "type": oneOf(AlarmTypes...), "time": timestamp, "snapshot": boolean,
}}

// Alarm is one alarm as stored: raised by a device (or by vigil for a
// device that stays offline), identified by the device's own event ID.
type Alarm struct {
	ID         string    `json:"id"`
	AccountID  string    `json:"account_id"`
	DeviceID   string    `json:"device_id"`
	EventID    string    `json:"event_id"`
	Channel    int       `json:"channel"`
	Type       string    `json:"type"`
	At         time.Time `json:"time"`
	ReceivedAt time.Time `json:"received_at"`
	Snapshot   bool      `json:"snapshot"` // the device said it took one
}

// AlarmIntake is the alarm pipeline as the device service sees it.
type AlarmIntake interface {
	// Accepted is told of the alarms a batch stored, once the batch is
	// committed (before the bus acknowledges it). They are durable already:
	// Accepted only hurries their fan-out.
	Accepted(ctx context.Context, alarms []Alarm)
	// ReleaseOffered is told that a firmware release was published or its
	// rollout changed, so that owners of devices it reaches are told.
	ReleaseOffered(ctx context.Context, r Release)
}

// FaceGate says whether face data from a device is collected at all: face
// recognition is on, and allowed, at its site. The face capability
// implements it.
type FaceGate interface {
	CollectsFaces(ctx context.Context, deviceID string) (bool, error)
}

// SetFaceGate connects face recognition; without it no `face` alarm is
// stored.
func (s *Service) SetFaceGate(g FaceGate) { s.faces.Store(&faceGateBox{g}) }

type faceGateBox struct{ FaceGate }

func (s *Service) collectsFaces(ctx context.Context, deviceID string) (bool, error) {
	b := s.faces.Load()
	if b == nil {
		return false, nil
	}
	return b.CollectsFaces(ctx, deviceID)
}

// SetAlarms connects the alarm pipeline.
func (s *Service) SetAlarms(a AlarmIntake) { s.alarms = a }

func (s *Service) ingestAlarm(tx IngestTx, dev Row, d decoded, received time.Time, out *[]Alarm) error {
	eventID, _ := d.fields["id"].(string)
	typ, _ := d.fields["type"].(string)
	if eventID == "" || typ == "" {
		return errs.E(errs.Invalid, "fields id and type are required")
	}
	at, _ := d.fields["time"].(time.Time)
	if at.IsZero() || at.After(received.Add(24*time.Hour)) || at.Before(received.AddDate(-1, 0, 0)) {
		at = received // a device clock far off is not trusted
	}
	snap, _ := d.fields["snapshot"].(bool)
	a := Alarm{ID: id.New("alm"), AccountID: dev.AccountID, DeviceID: dev.ID, EventID: eventID, Channel: d.channel,
		Type: typ, At: at.UTC(), ReceivedAt: received.UTC(), Snapshot: snap}
	stored, err := tx.AddAlarm(a)
	if err != nil {
		return err
	}
	if stored {
		*out = append(*out, a)
	}
	return nil
}

// Reaches reports whether the release is offered to a device with the
// given ID running firmware: its rollout reached the device and it is
// newer than what the device runs.
func (r Release) Reaches(deviceID, firmware string) bool {
	v, cur := canonical(r.Version), canonical(firmware)
	if v == "" || (cur != "" && semver.Compare(v, cur) <= 0) {
		return false
	}
	return bucket(deviceID, r.ID) < r.RolloutPercent
}

func (s *Service) releaseOffered(ctx context.Context, r Release) {
	if s.alarms != nil {
		s.alarms.ReleaseOffered(context.WithoutCancel(ctx), r)
	}
}
