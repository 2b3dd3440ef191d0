// Package fulfil is the privacy contract every capability signs: the
// vocabulary of a data-subject request (its scope, who asks, what for, about
// whom) and the handlers through which a capability exports, corrects and
// erases its categories of personal data for a request, and purges them
// when their retention ends. Each capability registers its own handlers in
// the Registry at start-up; the privacy centre iterates the data map and
// asks the registry, so adding a category needs no change in privacy.
//
// fulfil is a leaf: it imports only the data map, the gate's decision and
// key names, never a capability. A capability imports fulfil, never all of
// privacy. An exporter never emits another person's records; a declared
// category without its handlers is a start-up error (Registry.Check).
package fulfil

import (
	"context"
	"io"
	"slices"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/keys"
)

// Jobs name the system principals of the privacy centre in the audit log.
const (
	JobRequests  = "privacy-requests" // fulfils granted requests for the requester
	JobRetention = "retention"        // purges data whose retention ended
)

// RequestKind is what a request asks for.
type RequestKind string

// Request kinds.
const (
	KindAccess      RequestKind = "access"      // a copy of the data
	KindPortability RequestKind = "portability" // the data in a machine-readable package to take elsewhere
	KindCorrection  RequestKind = "correction"  // fix inaccurate fields
	KindDeletion    RequestKind = "deletion"    // erase the data
)

// Valid reports whether k is a known kind.
func (k RequestKind) Valid() bool {
	return slices.Contains([]RequestKind{KindAccess, KindPortability, KindCorrection, KindDeletion}, k)
}

// RequesterKind says whether the requester has a vigil account.
type RequesterKind string

// Requester kinds.
const (
	RequesterUser   RequesterKind = "user"   // a signed-in customer user
	RequesterPerson RequesterKind = "person" // anyone else: someone filmed, an agent, a guardian
)

// Scope is what a request covers. It must be specific enough to execute
// (R4): data categories from the data map, and for recordings the devices
// and a time range.
type Scope struct {
	Categories []datamap.CategoryID `json:"categories"`
	Devices    []string             `json:"devices,omitempty"`
	From       time.Time            `json:"from,omitzero"`
	To         time.Time            `json:"to,omitzero"`
}

// Includes reports whether the scope names category c.
func (s Scope) Includes(c datamap.CategoryID) bool { return slices.Contains(s.Categories, c) }

// InRange reports whether t lies in the scope's time range (an open bound
// admits everything on its side).
func (s Scope) InRange(t time.Time) bool {
	return (s.From.IsZero() || !t.Before(s.From)) && (s.To.IsZero() || t.Before(s.To))
}

// Subject is the person a request is about, as the exporters and erasers
// see them.
type Subject struct {
	Kind RequesterKind
	ID   string // the person's random ID (a user ID, or the ID given to a person without an account)
	// Memberships are a user's roles; empty for a person without an account.
	Memberships []access.Membership
	// Redact, when set, hides everyone but the subject in the media an
	// exporter writes (R7): the privacy centre sets it from the selfie the
	// requester gave for this request.
	Redact Redactor
	// Footage are the snapshots camera owners released to a person
	// without an account who searched for themselves (find footage of
	// me); media exporters write these, redacted, for such a person.
	Footage []FootageRef
	// Withhold records a media file an exporter left out and why (a video
	// that cannot be redacted here); the letter says so.
	Withhold func(cat datamap.CategoryID, name, reason string)
}

// Redactor blurs every face but the requester's (R7). A media exporter
// passes pictures through RedactJPEG and video through RedactVideo; when
// CanRedactVideo is false it withholds the video instead.
type Redactor interface {
	RedactJPEG(ctx context.Context, jpeg []byte) ([]byte, error)
	CanRedactVideo() bool
	RedactVideo(ctx context.Context, src io.Reader, dst io.Writer) error
}

// WithheldReason is what a letter says of a withheld video.
const WithheldReason = "video cannot be redacted on this server (no video decoder), so it is withheld rather than show other people"

// Withheld calls s.Withhold when set.
func (s Subject) Withheld(cat datamap.CategoryID, name, reason string) {
	if s.Withhold != nil {
		s.Withhold(cat, name, reason)
	}
}

// OwnedAccounts returns the accounts in which the subject is an
// account-wide owner: account-level data of those is the subject's to see.
func (s Subject) OwnedAccounts() []string {
	var out []string
	for _, m := range s.Memberships {
		if m.Role == access.RoleOwner && m.SiteID == "" {
			out = append(out, m.AccountID)
		}
	}
	return out
}

// Record is one record of a category in an export. ID is stable, so that a
// record marked confidential or privileged can be recognised and left out.
type Record struct {
	ID   string `json:"id"`
	Data any    `json:"data"`
	// Derived marks a record that answering requests itself produced (the
	// access-log entries of the export job); it is exported but not counted
	// when checking whether the data changed since an earlier answer.
	Derived bool `json:"-"`
}

// Exporter writes a category's records about a subject, within the scope
// (its time range and devices), one at a time: exports stream and never hold
// a category in memory. It must emit only the subject's own records, never
// another person's (R7). d is the gate's decision to export the category for
// the subject; store methods require it.
type Exporter interface {
	Export(ctx context.Context, d access.Decision, s Subject, sc Scope, emit func(Record) error) error
}

// MediaExporter is implemented by exporters of media categories: each file
// is streamed into the package under media/<category>/<name>.
type MediaExporter interface {
	ExportMedia(ctx context.Context, d access.Decision, s Subject, sc Scope, put func(name string, r io.Reader) error) error
}

// Erased is what an eraser did.
type Erased struct {
	Rows  int64 // rows deleted
	Blobs int   // blobs deleted
	// Shred lists the keys to destroy once every eraser has run; destroying
	// them makes every copy of what they sealed unreadable.
	Shred []KeyRef
	// Kept says what the law requires to keep and how it is pseudonymised;
	// empty when nothing is kept.
	Kept string
}

// KeyRef names a data key.
type KeyRef struct {
	Scope keys.Scope `json:"scope"`
	Owner string     `json:"owner"`
}

// Eraser erases a category's data about a subject within the scope.
type Eraser interface {
	Erase(ctx context.Context, d access.Decision, s Subject, sc Scope) (Erased, error)
}

// Corrector replaces one correctable field of a category and returns the
// value it had.
type Corrector interface {
	Correct(ctx context.Context, d access.Decision, s Subject, field, value string) (before string, err error)
}

// Purger purges a category's data once its retention ended.
type Purger interface {
	// Expired lists the owners (accounts or persons) holding data of the
	// category that ended before cutoff.
	Expired(ctx context.Context, cutoff time.Time) ([]string, error)
	// Purge erases owner's data of the category that ended before cutoff
	// and returns how many records went.
	Purge(ctx context.Context, d access.Decision, owner string, cutoff time.Time) (int64, error)
}

// Handlers are what one capability provides for one of its categories.
// One left nil must be excused by the data map (datamap.Category.Exempt).
type Handlers struct {
	Export  Exporter
	Erase   Eraser
	Correct Corrector
	Purge   Purger
}
