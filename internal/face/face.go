// Package face is vigil's face recognition capability (F1–F6, R7): a
// customer turns it on per site after accepting the current face
// recognition protocol, enrols people only with a consent record for each,
// and cameras' face snapshots and crops are matched against the site's
// templates, giving "Alice at Front door" events on the alarm timeline.
//
// Each enrolled person's label, consent record, evidence and templates are
// sealed under that person's own data key, never the account's: destroying
// it (withdrawal, deletion, end of retention, feature turned off, a region's
// rule after the operator's stop) makes every copy unreadable. face never
// stores a face picture, never returns or logs a template, and never
// processes a picture where the feature is not on (site enabled, protocol
// accepted, region not stopped) at the moment it arrives.
package face

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/keys"
)

// ConsentPurpose is the optional purpose (the privacy centre's) whose live
// consent, under the current face recognition protocol, keeps a site's
// recognition working.
const ConsentPurpose = "face_recognition"

// Alarm types of face recognition: a recognised person, and a face that
// matched no one enrolled.
const (
	TypeMatch   = "face_match"
	TypeUnknown = "face_unknown"
)

// Why recognition is not working at a site; the app shows Notice.
const (
	ReasonOff           = "off"            // nobody turned it on for the site
	ReasonProtocol      = "protocol"       // the person who turned it on has not accepted the current protocol (or withdrew)
	ReasonRegionStopped = "region_stopped" // the operator stopped it in the account's region
)

// Site is a site where face recognition was turned on.
type Site struct {
	AccountID   string    `json:"account_id"`
	SiteID      string    `json:"site_id"`
	EnabledBy   string    `json:"enabled_by"`
	EnabledAt   time.Time `json:"enabled_at"`
	LawfulBasis string    `json:"lawful_basis"`
}

// Status is what the app shows about face recognition at a site.
type Status struct {
	Enabled bool `json:"enabled"` // someone turned it on
	Active  bool `json:"active"`  // pictures are processed right now
	// Reason and Notice say why it is not active; empty when it is.
	Reason string `json:"reason,omitempty"`
	Notice string `json:"notice,omitempty"`
	Region string `json:"region"`
	Site   *Site  `json:"site,omitempty"`
}

// Consent is the record of an enrolled person's consent.
type Consent struct {
	GivenBy string    `json:"given_by"` // who consented (the person, or their guardian)
	Method  string    `json:"method"`   // written, electronic or verbal
	GivenAt time.Time `json:"given_at"`
	// Evidence is the consent document (a signed form, a recording's
	// transcript); sealed, never listed.
	Evidence     []byte `json:"evidence,omitempty"`
	EvidenceType string `json:"evidence_type,omitempty"`
}

// Person is an enrolled person as the customer sees them: never a template.
type Person struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account_id"`
	SiteID      string    `json:"site_id"`
	Label       string    `json:"label"`
	Consent     Consent   `json:"consent"`
	LawfulBasis string    `json:"lawful_basis"`
	Templates   int       `json:"templates"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// PersonRow is a person as stored: everything identifying is sealed under
// the person's key.
type PersonRow struct {
	ID, AccountID, SiteID      string
	LabelSealed, ConsentSealed []byte
	EvidenceSealed             []byte
	ConsentMethod, LawfulBasis string
	ConsentedAt                time.Time
	CreatedBy                  string
	CreatedAt, ExpiresAt       time.Time
	Templates                  int
}

// TemplateRow is one sealed template.
type TemplateRow struct {
	ID, PersonID, AccountID, SiteID string
	Sealed                          []byte
	CreatedAt                       time.Time
}

// Match is a recognised face.
type Match struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	SiteID    string    `json:"site_id"`
	DeviceID  string    `json:"device_id"`
	EventID   string    `json:"event_id"`
	PersonID  string    `json:"person_id"`
	Score     float64   `json:"score"`
	At        time.Time `json:"at"`
	// Text is "<label> at <camera>", for the timeline.
	Text string `json:"text"`
	// LabelSealed and CameraSealed are the person's label and the camera's
	// name as the store read them, to open for Text.
	LabelSealed  []byte `json:"-"`
	CameraSealed []byte `json:"-"`
}

// DeviceRef is what matching needs to know of a camera.
type DeviceRef struct {
	AccountID, SiteID, Region string
	NameSealed                []byte
}

// RegionStop is the operator's stop of face recognition in a region, with
// the region's rule for data collected under it: erased DeleteAfterDays
// after the stop (0: at the next run of the job).
type RegionStop struct {
	Region          string    `json:"region"`
	Reason          string    `json:"reason"`
	StoppedAt       time.Time `json:"stopped_at"`
	StoppedBy       string    `json:"stopped_by,omitempty"`
	DeleteAfterDays int       `json:"delete_after_days"`
	DueAt           time.Time `json:"due_at"`
	DoneAt          time.Time `json:"done_at,omitzero"`
	ErasedPeople    int64     `json:"erased_people"`
}

// Store keeps face data. Methods serving people take the gate's decision.
type Store interface {
	// SiteOf returns the account's site where recognition is on;
	// errs.NotFound when it is off. known is false when the account has
	// no such site at all.
	SiteOf(ctx context.Context, accountID, siteID string) (s Site, known bool, err error)
	EnableSite(ctx context.Context, d access.Decision, s Site) error
	// DisableSite turns recognition off and deletes the site's people,
	// templates and matches; it returns the people whose keys must go.
	DisableSite(ctx context.Context, d access.Decision, accountID, siteID string) ([]string, error)

	CreatePerson(ctx context.Context, d access.Decision, p PersonRow, ts []TemplateRow) error
	People(ctx context.Context, d access.Decision, accountID, siteID string) ([]PersonRow, error)
	Person(ctx context.Context, d access.Decision, accountID, id string) (PersonRow, error)
	// DeletePerson deletes the person, templates and matches.
	DeletePerson(ctx context.Context, d access.Decision, accountID, id string) error

	// AccountRegion returns the region whose law governs the account.
	AccountRegion(ctx context.Context, accountID string) (string, error)
	DeviceSite(ctx context.Context, deviceID string) (DeviceRef, error)
	// AlarmType returns the type of the device's alarm eventID.
	AlarmType(ctx context.Context, deviceID, eventID string) (string, error)
	Templates(ctx context.Context, d access.Decision, accountID, siteID string) ([]TemplateRow, error)
	// RecordMatch stores the match and its alarm in one transaction.
	RecordMatch(ctx context.Context, d access.Decision, m Match, a device.Alarm) (bool, error)
	// RaiseAlarm stores an alarm of the device once per event ID.
	RaiseAlarm(ctx context.Context, a device.Alarm) (bool, error)
	Matches(ctx context.Context, d access.Decision, accountID string, limit int) ([]Match, error)

	RegionStop(ctx context.Context, region string) (RegionStop, error)
	StopRegion(ctx context.Context, s RegionStop) error
	ResumeRegion(ctx context.Context, region string) error
	DueStops(ctx context.Context, now time.Time) ([]RegionStop, error)
	// ErasePeopleInRegion deletes every person, template, match and site
	// setting of accounts in region and returns the people whose keys must
	// go.
	ErasePeopleInRegion(ctx context.Context, d access.Decision, region string) ([]string, error)
	FinishStop(ctx context.Context, region string, erased int64) error
	// EraseOrphans deletes the people, templates, matches and settings of
	// sites that no longer exist and returns the people whose keys must go.
	EraseOrphans(ctx context.Context, d access.Decision) ([]string, error)

	PrivacyStore
	FootageStore
}

// PrivacyStore serves the privacy centre.
type PrivacyStore interface {
	// Each method requires the decision for the category and subjectID
	// (the requester, or the account for retention).
	ExportPeople(ctx context.Context, d access.Decision, subjectID, accountID string, emit func(PersonRow) error) error
	ExportMatches(ctx context.Context, d access.Decision, subjectID, accountID string, emit func(Match) error) error
	// ErasePeople deletes an account's people (created before cutoff,
	// when cutoff is set) and returns their IDs.
	ErasePeople(ctx context.Context, d access.Decision, subjectID, accountID string, cutoff time.Time) ([]string, error)
	EraseMatches(ctx context.Context, d access.Decision, subjectID, accountID string, cutoff time.Time) (int64, error)
	ExpiredPeople(ctx context.Context, cutoff time.Time) ([]string, error)
	ExpiredMatches(ctx context.Context, cutoff time.Time) ([]string, error)
}

// Keys seals people's data under their own keys; keys.Keyring implements it.
type Keys interface {
	SealSubject(ctx context.Context, subjectID string, plaintext, ad []byte) ([]byte, error)
	OpenSubject(ctx context.Context, subjectID string, ciphertext, ad []byte) ([]byte, error)
	OpenAccount(ctx context.Context, accountID string, ciphertext, ad []byte) ([]byte, error)
	SealAccount(ctx context.Context, accountID string, plaintext, ad []byte) ([]byte, error)
	Destroy(ctx context.Context, scope keys.Scope, owner string) error
}

// Consents answers whether a person's consent to a purpose holds under the
// current protocol; the privacy centre implements it.
type Consents interface {
	HasConsent(ctx context.Context, userID, purpose string) (bool, error)
}

// DeviceAuth checks a device credential; device.Service implements it.
type DeviceAuth interface {
	Authenticate(ctx context.Context, deviceID, secret string) (device.Identity, error)
}

// AlarmIntake hurries the fan-out of stored match alarms.
type AlarmIntake interface {
	Accepted(ctx context.Context, alarms []device.Alarm)
}
