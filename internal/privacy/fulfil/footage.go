package fulfil

import (
	"context"
	"time"
)

// Footage is "find footage of me": someone filmed by a customer's camera
// gives a selfie, with their consent to this one search, and vigil looks
// for them in the stored event snapshots of the cameras and times their
// request names. Face recognition provides it; the privacy centre drives
// it from the request: the selfie is taken with the consent, the search
// runs once the requester's identity is verified, the data-protection
// officer forwards what was found to the camera owners, their decision is
// carried out by the package, and everything is dropped when the request
// closes.
type Footage interface {
	// Prepare computes the selfie's template for requestID alone, sealed
	// under the request's selfie key, and records the consent (the
	// fingerprint of the wording agreed to). errs.Invalid when the selfie
	// does not show exactly one face.
	Prepare(ctx context.Context, requestID, subjectID string, selfie []byte, consentHash string) error
	// Search runs the search over the scope's cameras and times, replacing
	// the hits of an earlier run. by is the staff member who ran it.
	Search(ctx context.Context, requestID, subjectID string, sc Scope, by string) (FootageSearch, error)
	// Status returns the search and its hits; errs.NotFound without one.
	Status(ctx context.Context, requestID string) (FootageSearch, error)
	// Forward asks the camera owners about the hits named; the others are
	// dropped.
	Forward(ctx context.Context, requestID string, hitIDs []string) (FootageSearch, error)
	// Released returns the snapshots the camera owners released.
	Released(ctx context.Context, requestID string) ([]FootageRef, error)
	// Drop deletes the search of a closed request (its template's key is
	// destroyed with the selfie's).
	Drop(ctx context.Context, requestID string) error
}

// FootageSearch is a search's state as the data-protection officer sees
// it: never the template, never a picture.
type FootageSearch struct {
	RequestID string `json:"request_id"`
	// Asked is false when the requester gave no selfie for a search.
	Asked       bool         `json:"asked"`
	ConsentedAt time.Time    `json:"consented_at"`
	SearchedAt  time.Time    `json:"searched_at,omitzero"`
	SearchedBy  string       `json:"searched_by,omitempty"`
	Snapshots   int          `json:"snapshots_searched"`
	Skipped     []string     `json:"skipped,omitempty"` // cameras not searched, and why
	Hits        []FootageHit `json:"hits"`
}

// FootageHit is one event where the requester was found.
type FootageHit struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	DeviceID  string    `json:"device_id"`
	EventID   string    `json:"event_id"`
	At        time.Time `json:"at"`
	Score     float64   `json:"score"`
	// State is found (waiting for the officer), asked (waiting for the
	// camera owner), released or refused (with the owner's Reason).
	State     string    `json:"state"`
	Reason    string    `json:"reason,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
}

// Hit states.
const (
	HitFound    = "found"
	HitAsked    = "asked"
	HitReleased = "released"
	HitRefused  = "refused"
)

// FootageRef is a snapshot a camera owner released to a requester.
type FootageRef struct {
	AccountID  string
	DeviceID   string
	SnapshotID string
}

// SetFootage registers the footage search (face recognition provides it).
func (r *Registry) SetFootage(f Footage) { r.footage = f }

// Footage returns the footage search; nil when none is registered.
func (r *Registry) Footage() Footage { return r.footage }

// SelfieKeyOwner names the key, of one request alone, that seals the
// requester's selfie and what is computed from it; destroying it when the
// request closes shreds them wherever a copy went.
func SelfieKeyOwner(requestID string) string { return requestID + ".selfie" }
