// Package record is the recorded side of vigil's video path: it takes the
// fMP4 segments the live side cuts (media.Sink), keeps them per each
// device channel's recording mode, seals each one under its account's key
// before it reaches the blob store, indexes them, merges them into the
// ranges a timeline lists, purges them when their retention ends or a quota
// is exceeded, and serves them back as HLS VOD and MP4 exports to holders
// of a stream token.
//
// record never writes a byte of video to the blob store in clear (only
// through blob.Sealed), and never leaves an index row without its blob or a
// blob without its row after a crash: a row is written before its blob and
// marked stored after it, and start-up resolves the rows left unmarked.
package record

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media"
)

// Mode is how a device channel records.
type Mode string

// Recording modes.
const (
	Continuous Mode = "continuous" // every segment
	Events     Mode = "events"     // only segments around event marks (pre-roll and post-roll)
	Off        Mode = "off"        // nothing
)

// Valid reports whether m is a mode.
func (m Mode) Valid() bool { return m == Continuous || m == Events || m == Off }

// State of an index row.
const (
	StateWriting  = 0 // the row is written, its blob may be absent or partial
	StateStored   = 1 // the blob is stored and the row is listed
	StateDeleting = 2 // the row is being purged: its blob may already be gone
)

// InitRow is the stored init (ftyp+moov) of one publishing session.
type InitRow struct {
	ID        int64
	AccountID string
	DeviceID  string
	Channel   int
	Session   string
	Bytes     int64
	CreatedAt time.Time
	ClaimedAt time.Time // the claim the session was opened under; see media.Segment
}

// SegmentRow is one stored segment.
type SegmentRow struct {
	// DroppedBefore is how many segments of the stream were dropped just
	// before this one (storage behind); it opens a new range saying so.
	DroppedBefore int       `json:"-"`
	ID            int64     `json:"id"`
	AccountID     string    `json:"-"`
	DeviceID      string    `json:"device_id"`
	Channel       int       `json:"channel"`
	InitID        int64     `json:"session"`
	Seq           uint64    `json:"seq"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Bytes         int64     `json:"bytes"`
	HasAudio      bool      `json:"has_audio"`
	Codecs        string    `json:"codecs"`
	Marked        bool      `json:"event_marked"`
	ClaimedAt     time.Time `json:"-"` // the claim the session was opened under; see media.Segment
}

// Range is a stretch of contiguous segments of one session.
type Range struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	HasAudio bool      `json:"has_audio"`
	// DroppedBefore counts the segments dropped just before the range
	// because storage fell behind the camera: the gap before it is
	// vigil's, not the camera's.
	DroppedBefore int   `json:"dropped_before"`
	InitID        int64 `json:"-"`
}

// MarkRow is a stored event mark.
type MarkRow struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
	Ref  string    `json:"ref"`
}

// Settings are recording settings at one level: an account (DeviceID ""),
// a device (Channel AllChannels) or a device channel. Zero values inherit
// from the level above.
type Settings struct {
	DeviceID       string        `json:"device_id,omitempty"`
	Channel        int           `json:"channel"`
	Mode           Mode          `json:"mode,omitempty"`
	Retention      time.Duration `json:"-"`
	EventRetention time.Duration `json:"-"`
	QuotaBytes     int64         `json:"quota_bytes,omitempty"`
	UpdatedBy      string        `json:"updated_by,omitempty"`
	UpdatedAt      time.Time     `json:"updated_at,omitzero"`
}

// AllChannels is the channel of settings that apply to every channel of a
// device, and of an account's settings.
const AllChannels = -1

// Intent is a row not in StateStored: its blob must be deleted, then the
// row.
type Intent struct {
	Init      bool // a session init, else a segment
	ID        int64
	AccountID string
	DeviceID  string
	Channel   int
	Writer    string // the node that wrote it; "" when it was being deleted
}

// IndexStep is one step of a segment's index: its intent row written, or
// (Complete) marked stored.
type IndexStep struct {
	Complete bool
	Row      SegmentRow
	Err      error // the step's own refusal, set by Store.IndexSegments
}

// Purge is one entry of the purge log.
type Purge struct {
	ID       int64     `json:"id"`
	DeviceID string    `json:"device_id"`
	Reason   string    `json:"reason"`
	Segments int64     `json:"segments"`
	Bytes    int64     `json:"bytes"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	AuditSeq int64     `json:"audit_seq"`
	At       time.Time `json:"at"`
}

// Purge reasons.
const (
	ReasonAge      = "age"            // older than the retention
	ReasonEventAge = "event_age"      // event-marked, older than the event retention
	ReasonQuota    = "quota"          // over the account's or device's quota, oldest first
	ReasonReleased = "device_release" // the device left the account
	ReasonErasure  = "erasure"        // a data-subject erasure
)

// Usage is the space one device's recordings take.
type Usage struct {
	DeviceID string
	Bytes    int64
	Segments int64
}

// Victim is a segment chosen for purging.
type Victim struct {
	ID       int64
	DeviceID string
	Channel  int
	InitID   int64
	Start    time.Time
	End      time.Time
	Bytes    int64
}

// VictimFilter narrows the segments to purge; zero fields admit all.
type VictimFilter struct {
	Marked     *bool     // marked or not
	EndBefore  time.Time // ending before
	StartFrom  time.Time // starting at or after
	StartUntil time.Time // starting before
}

// Store keeps the recordings index. The write path acts for the
// publishing device and takes no decision; reads of recordings take the
// gate's decision, or the stream grant the gate's decision produced.
type Store interface {
	// BeginInit writes the intent row of a session's init and returns its
	// ID; errs.Conflict when the session's init is already stored.
	BeginInit(ctx context.Context, r InitRow, writer string) (int64, error)
	// FindInit returns the stored init of a session; errs.NotFound if none.
	FindInit(ctx context.Context, accountID, deviceID string, channel int, session string) (InitRow, error)
	// CompleteInit marks an init stored; errs.NotFound when its intent was
	// resolved meanwhile.
	CompleteInit(ctx context.Context, id int64) error
	// IndexSegments takes the index steps of many segments (of any
	// streams) in one transaction: writing a segment's intent row (and
	// setting its Row.ID), or marking one stored, extending or opening its
	// range and counting its bytes. A step refused on its own says why in
	// its Err (errs.Gone when the device's claim ended, errs.NotFound when
	// the intent was resolved meanwhile) and the others are taken; an error
	// returned is the transaction's, and then no step was taken.
	IndexSegments(ctx context.Context, steps []IndexStep, writer string) error
	// Intents lists the rows not stored, with their writers ("" for rows
	// being deleted, which anyone may finish).
	Intents(ctx context.Context) ([]Intent, error)
	// DropIntent deletes a row not stored.
	DropIntent(ctx context.Context, in Intent) error
	// AddMarks stores event marks, in one transaction, and marks the
	// stored segments of each mark's channel overlapping [At-before,
	// At+after].
	AddMarks(ctx context.Context, ms []media.Mark, before, after time.Duration) error
	// Settings returns the stored settings of the account, the device and
	// the channel (zero values where none are stored).
	Settings(ctx context.Context, accountID, deviceID string, channel int) (acct, dev, ch Settings, err error)
	PutSettings(ctx context.Context, d access.Decision, accountID string, s Settings) error
	// DeviceSite returns the site of a device the account owns;
	// errs.NotFound when it does not own it.
	DeviceSite(ctx context.Context, accountID, deviceID string) (string, error)

	Ranges(ctx context.Context, d access.Decision, accountID, deviceID string, channel int, from, to time.Time) ([]Range, error)
	Marks(ctx context.Context, d access.Decision, accountID, deviceID string, channel int, from, to time.Time) ([]MarkRow, error)
	// GrantSegments streams the stored segments of the grant's channel
	// overlapping its range, oldest first.
	GrantSegments(ctx context.Context, g media.Grant, fn func(SegmentRow) error) error
	// GrantSegment returns one stored segment of the grant's channel and
	// range; errs.NotFound otherwise.
	GrantSegment(ctx context.Context, g media.Grant, id int64) (SegmentRow, error)
	// GrantInit returns a stored init of the grant's channel.
	GrantInit(ctx context.Context, g media.Grant, id int64) (InitRow, error)

	// Retention.
	Accounts(ctx context.Context) ([]string, error)
	Usage(ctx context.Context, accountID string) ([]Usage, error)
	// Orphans lists devices with recordings in the account that the
	// account no longer owns.
	Orphans(ctx context.Context, accountID string) ([]string, error)
	// Victims lists stored segments of the device (all when "") to purge,
	// oldest first, at most limit.
	Victims(ctx context.Context, accountID, deviceID string, f VictimFilter, limit int) ([]Victim, error)
	// StartPurge moves segments to StateDeleting (so they are no longer
	// listed) and fixes the ranges and usage they leave.
	StartPurge(ctx context.Context, d access.Decision, accountID, deviceID string, vs []Victim) error
	// FinishPurge deletes the rows of purged segments whose blobs are
	// gone, writes the purge log entry, and returns the inits made before
	// initsBefore that no segment refers to any more, moved to
	// StateDeleting, so their blobs can go too.
	FinishPurge(ctx context.Context, d access.Decision, accountID, deviceID string, ids []int64, p Purge, initsBefore time.Time) (inits []Intent, err error)
	DeleteInit(ctx context.Context, in Intent) error
	Purges(ctx context.Context, d access.Decision, accountID string, limit int) ([]Purge, error)
	// Filtered lists stored segments of the account for export or erasure.
	ExportSegments(ctx context.Context, d access.Decision, subjectID, accountID string, devices []string, from, to time.Time, fn func(SegmentRow) error) error
	ExportMarks(ctx context.Context, d access.Decision, subjectID, accountID string, devices []string, from, to time.Time, fn func(deviceID string, channel int, m MarkRow) error) error
}

// InitKey is the blob key of a session init in its account.
func InitKey(deviceID string, channel int, id int64) string {
	return "rec/" + deviceID + "/" + strconv.Itoa(channel) + "/i" + strconv.FormatInt(id, 10) + ".mp4"
}

// SegmentKey is the blob key of a segment in its account.
func SegmentKey(deviceID string, channel int, id int64) string {
	return "rec/" + deviceID + "/" + strconv.Itoa(channel) + "/s" + strconv.FormatInt(id, 10) + ".m4s"
}

func (in Intent) key() string {
	if in.Init {
		return InitKey(in.DeviceID, in.Channel, in.ID)
	}
	return SegmentKey(in.DeviceID, in.Channel, in.ID)
}

// checkSegment refuses a segment the index cannot hold.
func checkSegment(s media.Segment) error {
	switch {
	case s.AccountID == "" || s.DeviceID == "":
		return errs.E(errs.Invalid, "segment without account or device")
	case s.Channel < 0:
		return errs.E(errs.Invalid, "segment channel must be 0 or more")
	case len(s.Init) == 0 || s.Fragments.Len() == 0:
		return errs.E(errs.Invalid, "segment without init or fragments")
	case s.Start.IsZero() || s.Duration <= 0 || s.Duration > time.Hour:
		return errs.E(errs.Invalid, "segment without start or with a duration outside (0, 1h]")
	case len(s.Session) > 200:
		return errs.E(errs.Invalid, "segment session name too long")
	}
	if err := blob.ValidKey(SegmentKey(s.DeviceID, s.Channel, 1)); err != nil || strings.Contains(s.DeviceID, "/") {
		return errs.E(errs.Invalid, "segment device ID cannot name a blob")
	}
	if err := blob.ValidKey("acct/" + s.AccountID); err != nil || strings.Contains(s.AccountID, "/") {
		return errs.E(errs.Invalid, "segment account ID cannot name a blob")
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
