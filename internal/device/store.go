package device

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
)

// Model is a hardware model of the vendor's catalogue.
type Model struct {
	Model        string    `json:"model"`
	Kind         Kind      `json:"kind"`
	Channels     int       `json:"channels"` // attached camera channels of an NVR; 0 for a camera
	ConfigSchema string    `json:"config_schema"`
	CreatedAt    time.Time `json:"created_at"`
}

// Registration is one device entered at manufacture.
type Registration struct {
	ID         string
	Serial     string
	Model      string
	ClaimIndex []byte // keyed fingerprint of the claim code
	// FactoryIndex is the keyed fingerprint of the factory secret; nil
	// when the device has none.
	FactoryIndex []byte
}

// Row is a stored device.
type Row struct {
	ID, Serial, Model string
	Kind              Kind
	Channels          int
	AccountID         string
	SiteID            string
	ClaimedAt         time.Time
	LostAt            time.Time
	NameSealed        []byte
	ErrorDetails      bool
	CredIssuedAt      time.Time
	Info              Info
	InfoAt            time.Time
	Online            bool
	LastSeenAt        time.Time
	DroppedFields     int64
	RejectedMessages  int64
}

// Info is what a device reports about itself.
type Info struct {
	FirmwareVersion string `json:"firmware_version"`
	AppVersion      string `json:"app_version"`
	SoftwareID      string `json:"software_id"`
	Region          string `json:"region"`
	Language        string `json:"language"`
	TimeZone        string `json:"time_zone"`
	Font            string `json:"font"`
}

// Claim is a claim of one device into an account.
type Claim struct {
	AccountID string
	SiteID    string
	Name      func(accountID string, r Row) ([]byte, error) // seals the name once the device is known
	CredHash  []byte
}

// Identity is what a device credential authenticates.
type Identity struct {
	DeviceID  string
	AccountID string
	Kind      Kind
	Channels  int
	ClaimedAt time.Time // the claim the credential belongs to
}

// Proof is what a pairing device presented, as the keyed fingerprints the
// registry keeps: it matches when it is the device's claim code or its
// factory secret.
type Proof struct {
	ClaimIndex   []byte
	FactoryIndex []byte
}

// Pairing is a single-use token an owner hands to a device.
type Pairing struct {
	TokenHash []byte
	AccountID string
	SiteID    string
	CreatedBy string
	ExpiresAt time.Time
}

// EventRow is one stored device event.
type EventRow struct {
	ID         int64     `json:"id"`
	DeviceID   string    `json:"device_id"`
	EventID    string    `json:"event_id,omitempty"` // the device's own identifier, if it sent one
	Channel    int       `json:"channel"`
	Kind       string    `json:"kind"`
	Code       string    `json:"code,omitempty"`
	Version    string    `json:"version,omitempty"`
	At         time.Time `json:"at"`
	ReceivedAt time.Time `json:"received_at"`
}

// IPRow is one address a device connected from.
type IPRow struct {
	ID          int64
	IPSealed    []byte
	Prefix      string
	FirstSeenAt time.Time
	LastSeenAt  time.Time
}

// ShadowRow is the stored state of one shadow.
type ShadowRow struct {
	AccountID      string
	DeviceID       string
	Channel        int
	Version        int64
	DesiredSealed  []byte
	ReportedSealed []byte
	DesiredAt      time.Time
	ReportedAt     time.Time
}

// ReportRow is one error report.
type ReportRow struct {
	ID         string
	AccountID  string
	DeviceID   string
	UserID     string
	Kind       string
	BodySealed []byte
	ReceivedAt time.Time
}

// Release is a firmware release of one model.
type Release struct {
	ID             string    `json:"id"`
	Model          string    `json:"model"`
	Version        string    `json:"version"`
	Notes          string    `json:"notes"`
	SHA256         string    `json:"sha256"`
	Signature      string    `json:"signature"`
	URL            string    `json:"url"`
	RolloutPercent int       `json:"rollout_percent"`
	PublishedAt    time.Time `json:"published_at"`
}

// AppRelease is the current app version of one platform.
type AppRelease struct {
	Platform  string    `json:"platform"`
	Latest    string    `json:"latest"`
	Minimum   string    `json:"minimum"`
	Notes     string    `json:"notes"`
	UpdatedAt time.Time `json:"updated_at"`
}

// IngestTx is the write side of ingest, for the device itself.
type IngestTx interface {
	// Device returns the device's row; errs.NotFound for an unknown one.
	Device(id string) (Row, error)
	// ApplyInfo sets the reported info fields named in fields (keys are
	// Info's JSON names); nameSealed, when not nil, replaces the name.
	ApplyInfo(id string, fields map[string]string, nameSealed []byte) error
	// AddEvent stores an event; one the device already sent with the same
	// identifier is not stored again.
	AddEvent(accountID string, e EventRow) error
	// Seen marks the device heard from now, online or not, through node
	// ("" when unknown), and says whether it was online before.
	Seen(id string, online bool, node string) (wasOnline bool, err error)
	// Count adds to the device's minimisation counters.
	Count(id string, dropped, rejected int) error
	AddReport(r ReportRow) error
	// AddAlarm stores an alarm unless the device already sent one with the
	// same event ID; stored says whether it was new.
	AddAlarm(a Alarm) (stored bool, err error)
	// Shadow returns a shadow; ok is false when none was stored yet.
	Shadow(deviceID string, channel int) (row ShadowRow, ok bool, err error)
	PutReported(row ShadowRow) error
}

// Store keeps devices. Methods that read or change a customer's device data
// take the gate's decision; the ingest and authentication paths, which act
// for the device itself, do not.
type Store interface {
	PutModel(ctx context.Context, m Model) error
	Model(ctx context.Context, model string) (Model, error)
	Models(ctx context.Context) ([]Model, error)
	Register(ctx context.Context, regs []Registration) error

	// ClaimDevice binds the device with serial and claim fingerprint to an
	// account; errs.NotFound when serial and code do not match, errs.Conflict
	// when it is owned or reported lost.
	ClaimDevice(ctx context.Context, d access.Decision, serial string, claimIndex []byte, c Claim) (deviceID string, err error)
	CreatePairing(ctx context.Context, d access.Decision, p Pairing) error
	// Pairing returns an unspent, unexpired pairing token.
	Pairing(ctx context.Context, tokenHash []byte) (Pairing, error)
	// Pair spends the pairing token and claims the device with serial into
	// its account, in one transaction.
	// Pair spends a pairing token and claims the device with serial, if
	// the device proved itself: proof holds the fingerprints of what it
	// presented, read as its claim code and as its factory secret.
	Pair(ctx context.Context, d access.Decision, serial string, tokenHash []byte, proof Proof, c Claim) (deviceID string, err error)

	Device(ctx context.Context, d access.Decision, accountID, id string) (Row, error)
	// DeviceSite is the site a device of the account is in ("" for none).
	DeviceSite(ctx context.Context, accountID, id string) (string, error)
	Devices(ctx context.Context, d access.Decision, accountID string) ([]Row, error)
	UpdateDevice(ctx context.Context, d access.Decision, accountID, id string, nameSealed []byte, siteID string) error
	SetErrorDetails(ctx context.Context, d access.Decision, accountID, id string, on bool) error
	// Release unbinds the device and erases its data in the account.
	Release(ctx context.Context, d access.Decision, accountID, id string) error
	SetLost(ctx context.Context, d access.Decision, accountID, id string) error
	SetCredential(ctx context.Context, d access.Decision, accountID, id string, credHash []byte) error

	Authenticate(ctx context.Context, credHash []byte) (Identity, error)

	// Ingest runs fn in one write transaction for a batch of device
	// messages: group commit keeps ingest fast on every database.
	Ingest(ctx context.Context, fn func(IngestTx) error) error
	RecordIP(ctx context.Context, accountID, deviceID string, prefix string, same func(sealed []byte) bool, seal func() ([]byte, error)) error
	// AddReport stores an error report from the app, under the decision to
	// create one in its account.
	AddReport(ctx context.Context, d access.Decision, r ReportRow) error

	Events(ctx context.Context, d access.Decision, accountID, deviceID string, before int64, limit int) ([]EventRow, error)
	IPs(ctx context.Context, d access.Decision, accountID, deviceID string) ([]IPRow, error)
	Reports(ctx context.Context, d access.Decision, accountID string, limit int) ([]ReportRow, error)

	// Device returns one device of the account under a decision to read,
	// change or create it (a write covers reading back what it wrote).
	// Shadow returns a shadow (version 0 when unset) with the device's
	// model under a decision to read or change the device's configuration;
	// errs.NotFound for a device not in the account.
	Shadow(ctx context.Context, d access.Decision, accountID, deviceID string, channel int) (ShadowRow, Model, error)
	// DeviceShadow reads a shadow for the device's own link.
	DeviceShadow(ctx context.Context, accountID, deviceID string, channel int) (ShadowRow, error)
	// PutDesired stores a new desired state if the shadow is still at
	// version expect; errs.Conflict otherwise. It returns the new version.
	PutDesired(ctx context.Context, d access.Decision, row ShadowRow, expect int64) (int64, error)
	// UpdateReported applies fn to the reported state under a row lock.
	UpdateReported(ctx context.Context, accountID, deviceID string, channel int, fn func(ShadowRow) ([]byte, error)) error

	PutRelease(ctx context.Context, r Release) error
	SetRollout(ctx context.Context, id string, percent int) (Release, error)
	Releases(ctx context.Context, model string) ([]Release, error)
	// OnlineDevicesOfModel lists the claimed devices of a model that are
	// connected now.
	OnlineDevicesOfModel(ctx context.Context, model string) ([]Row, error)
	// RegisteredSerials returns which of serials are in the registry.
	RegisteredSerials(ctx context.Context, serials []string) (map[string]bool, error)
	// DevicesBySerial lists up to limit registry rows whose serial starts
	// with prefix, in serial order.
	DevicesBySerial(ctx context.Context, prefix string, limit int) ([]Row, error)
	// RolloutFacts returns the firmware version each claimed device of
	// model runs, by device ID, and per version the number of devices that
	// reported a failed upgrade to it.
	RolloutFacts(ctx context.Context, model string) (running map[string]string, failed map[string]int, err error)
	PutAppRelease(ctx context.Context, r AppRelease) error
	AppRelease(ctx context.Context, platform string) (AppRelease, error)
	// AppReleases lists every platform's app versions, by platform.
	AppReleases(ctx context.Context) ([]AppRelease, error)

	PrefErrorDetails(ctx context.Context, userID string) (bool, error)
	SetPrefErrorDetails(ctx context.Context, d access.Decision, userID string, on bool) error
}
