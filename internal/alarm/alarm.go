// Package alarm is vigil's alarm pipeline: it takes the alarms devices raise
// over MQTT (stored durably in the ingest batch that the bus acknowledges),
// raises "offline" alarms for devices that stay offline, keeps their JPEG
// snapshots encrypted under the account's key, decides from the account's
// rules who is told (types, schedules, quiet hours, cooldown, who sees
// snapshots) and hands each notice to the notifier, at least once and
// always under the alarm's own ID. It also tells owners of firmware
// releases offered to their devices.
//
// alarm never writes a snapshot unencrypted, never sends a snapshot to a
// person the rules do not let see it, and never acknowledges an alarm it has
// not stored.
package alarm

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/notify"
)

// Notifier queues msg for each user on the channels that user chose for msg.Kind.
// It is durable when it returns nil, and idempotent: the same msg.ID for the same user is queued once.
type Notifier interface {
	Enqueue(ctx context.Context, msg notify.Message, userIDs []string) error
}

// TypeOffline is the alarm type vigil raises for a device that stays
// offline.
const TypeOffline = "offline"

// TypeFaceMatch is the alarm type face recognition raises when it
// recognises an enrolled person (who, only on the face timeline).
const TypeFaceMatch = "face_match"

// TypeFaceUnknown is the alarm type face recognition raises for a face
// that matches no one enrolled at the site.
const TypeFaceUnknown = "face_unknown"

// Fan-out states of an alarm.
const (
	StatePending  = "pending"  // stored, not yet handed to the notifier
	StateNotified = "notified" // handed to the notifier for at least one person
	StateQuiet    = "quiet"    // no rule, schedule, cooldown or quiet hours let anyone be told
)

// Alarm is one stored alarm: the alarm as the device raised it (or vigil,
// for a device that stays offline), which ingest stores in the one shape
// device.Alarm, and what became of it.
type Alarm struct {
	device.Alarm
	HasSnapshot bool      `json:"snapshot_uploaded"` // the picture arrived
	State       string    `json:"state"`
	FannedOutAt time.Time `json:"fanned_out_at,omitzero"`
	AckedAt     time.Time `json:"acked_at,omitzero"`
	AckedBy     string    `json:"acked_by,omitempty"`
	// Recording is the stretch of the channel's recording around the
	// alarm, to ask for playback of; none for an offline alarm.
	Recording *RecordingLink `json:"recording,omitempty"`
}

// Filter narrows a listing of an account's alarms.
type Filter struct {
	DeviceID string
	Type     string
	From, To time.Time // received in [From, To); zero bounds are open
	Before   string    // paging: alarms older than this alarm ID's receipt
	Limit    int
}

// Snapshot is the stored record of one alarm snapshot; the picture is a
// sealed blob under the account.
type Snapshot struct {
	ID        string
	AccountID string
	DeviceID  string
	EventID   string
	Size      int64
	CreatedAt time.Time
}

func (s Snapshot) blobKey() string { return "alarm-snapshots/" + s.ID }

// Member is one membership of an account, for choosing recipients.
type Member struct {
	UserID string
	SiteID string
	Role   access.Role
}

// Audience is what fan-out needs to know of one account.
type Audience struct {
	Members   []Member
	Rules     []Rule
	Quiet     map[string]QuietHours // by user
	Sites     map[string]string     // device -> site
	Cooldowns map[cooldownKey]time.Time
}

type cooldownKey struct{ rule, device, typ string }

// SetCooldowns loads the cooldowns started so far.
func (au *Audience) SetCooldowns(cs []Cooldown) {
	au.Cooldowns = make(map[cooldownKey]time.Time, len(cs))
	for _, c := range cs {
		au.Cooldowns[cooldownKey{c.RuleID, c.DeviceID, c.Type}] = c.At
	}
}

// Cooldown records that a rule notified of a device's alarm type.
type Cooldown struct {
	RuleID, DeviceID, Type string
	At                     time.Time
}

// DeviceRef is a claimed device, for firmware notices.
type DeviceRef struct {
	ID, AccountID, Model, Firmware string
}

// Store keeps alarms. Methods that serve people take the gate's decision;
// intake, fan-out and retention, which act for vigil, do not.
type Store interface {
	// AlarmSite returns the site of the camera that raised an alarm.
	AlarmSite(ctx context.Context, accountID, id string) (string, error)
	// Pending returns up to limit alarms not yet fanned out, oldest first.
	Pending(ctx context.Context, limit int) ([]Alarm, error)
	// Audience returns the account's members, rules, quiet hours, device
	// sites and cooldowns.
	Audience(ctx context.Context, accountID string) (Audience, error)
	// FinishFanOut records the outcome of fan-out for alarms (ID -> state)
	// and the cooldowns it started, in one transaction.
	FinishFanOut(ctx context.Context, states map[string]string, cooldowns []Cooldown) error
	// RaiseOffline stores an offline alarm for every claimed device offline
	// since before cutoff (and after since) that has none for this absence.
	RaiseOffline(ctx context.Context, since, cutoff time.Time) ([]Alarm, error)

	// PutSnapshot records an uploaded snapshot; created is false when the
	// device had already uploaded one for the event.
	PutSnapshot(ctx context.Context, s Snapshot) (created bool, err error)
	// Snapshot returns the snapshot of an alarm of the account.
	Snapshot(ctx context.Context, d access.Decision, accountID, alarmID string) (Snapshot, error)

	Alarms(ctx context.Context, d access.Decision, accountID string, f Filter) ([]Alarm, error)
	Alarm(ctx context.Context, d access.Decision, accountID, id string) (Alarm, error)
	Ack(ctx context.Context, d access.Decision, accountID, id, userID string) (Alarm, error)

	Rules(ctx context.Context, d access.Decision, accountID string) ([]Rule, error)
	PutRule(ctx context.Context, d access.Decision, r Rule) error
	DeleteRule(ctx context.Context, d access.Decision, accountID, id string) error
	QuietHours(ctx context.Context, d access.Decision, accountID, userID string) (QuietHours, error)
	PutQuietHours(ctx context.Context, d access.Decision, accountID string, q QuietHours) error
	DeleteQuietHours(ctx context.Context, d access.Decision, accountID, userID string) error

	// EraseDevice deletes a released device's alarms and snapshot records
	// in the account and returns the snapshots whose blobs must go.
	EraseDevice(ctx context.Context, accountID, deviceID string) ([]Snapshot, error)

	// DevicesOfModel lists the claimed devices of a model.
	DevicesOfModel(ctx context.Context, model string) ([]DeviceRef, error)
	// ReleasesSince lists the firmware releases published after t.
	ReleasesSince(ctx context.Context, t time.Time) ([]device.Release, error)

	PrivacyStore
}

// RecordingLink names the recording around an alarm: the channel's
// timeline and the range to ask playback (or export) for.
type RecordingLink struct {
	Timeline string    `json:"timeline"`
	Playback string    `json:"playback"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}
