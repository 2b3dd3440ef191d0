package face

import (
	"context"
	"slices"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/face/engine"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Find footage of me. A person filmed by a customer's camera, without an
// account, asks for the events where they appear, with a selfie and their
// consent to this one search. This is vigil's data-subject service, run
// for the request, not the camera owner's face recognition: it runs
// whether or not the owner turned recognition on, because the right of
// access does not depend on the owner's features; but it is biometric
// processing, so it is held to more than the owner's feature is:
//
//   - the selfie's template exists for this request alone, sealed under the
//     request's selfie key (privacy destroys it when the request closes);
//   - it is compared with faces in the stored snapshots of the cameras and
//     times the request names, nothing else: never with enrolled people, and
//     no enrolment, match event or alarm comes of it;
//   - every other face is described in memory, compared once and dropped;
//     nothing of anyone else is kept, logged or shown;
//   - it runs only once the data-protection officer verified the
//     requester's identity (a selfie of someone else is the stalker's way
//     in), and not on cameras in a region where the operator stopped face
//     recognition;
//   - what it finds goes to the officer, then to the camera owner, who
//     releases or keeps back each event; only released events reach the
//     package, with everyone else blurred (R7).

// SearchRow is a search as stored.
type SearchRow struct {
	RequestID, SubjectID string
	TemplateSealed       []byte
	ConsentHash          string
	ConsentedAt          time.Time
	SearchedAt           time.Time
	SearchedBy           string
	Snapshots            int
	Skipped              []string
}

// HitRow is a hit as stored.
type HitRow struct {
	fulfil.FootageHit
	RequestID  string
	SnapshotID string
	DecidedBy  string
}

// FootageAsk is a hit as the camera owner sees it: when and on which
// camera, never who asked or their face.
type FootageAsk struct {
	ID        string    `json:"id"`
	DeviceID  string    `json:"device_id"`
	Camera    string    `json:"camera"`
	EventID   string    `json:"event_id"`
	At        time.Time `json:"at"`
	State     string    `json:"state"`
	Reason    string    `json:"reason,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	// CameraSealed is the camera's name as stored, to open for Camera.
	CameraSealed []byte `json:"-"`
}

// FootageStore keeps searches and their hits. Methods take the gate's
// decision on face.search.
type FootageStore interface {
	// AccountAdmins returns the account's owners and admins.
	AccountAdmins(ctx context.Context, accountID string) ([]string, error)
	// SearchSubject returns the requester of a request's search, or
	// errs.NotFound.
	SearchSubject(ctx context.Context, requestID string) (string, error)
	// PutSearch stores a search, replacing an earlier one of the request
	// with its hits.
	PutSearch(ctx context.Context, d access.Decision, r SearchRow) error
	Search(ctx context.Context, d access.Decision, requestID string) (SearchRow, []HitRow, error)
	// ReplaceHits records a run and its hits, dropping the earlier run's.
	ReplaceHits(ctx context.Context, d access.Decision, r SearchRow, hits []HitRow) error
	// ForwardHits marks the named found hits asked and deletes the other
	// found ones.
	ForwardHits(ctx context.Context, d access.Decision, requestID string, ids []string) error
	DropSearch(ctx context.Context, d access.Decision, requestID string) error
	AccountAsks(ctx context.Context, d access.Decision, accountID string) ([]FootageAsk, error)
	// DecideHit records the owner's decision on an asked hit.
	DecideHit(ctx context.Context, d access.Decision, accountID, hitID, state, reason, by string, at time.Time) error
	// ExpiredSearches lists requesters with searches consented before
	// cutoff; EraseSearches deletes a requester's searches (consented
	// before cutoff, when set) and returns their request IDs.
	ExpiredSearches(ctx context.Context, cutoff time.Time) ([]string, error)
	EraseSearches(ctx context.Context, d access.Decision, subjectID string, cutoff time.Time) ([]string, error)
}

// SnapshotSource reads the stored event snapshots of a camera; the alarm
// pipeline implements it.
type SnapshotSource interface {
	SearchSnapshots(ctx context.Context, d access.Decision, subjectID, accountID, deviceID string, from, to time.Time,
		fn func(snapshotID, eventID string, at time.Time, jpeg []byte) error) error
}

// footageSearcher is the request job's principal for searches.
var footageSearcher = access.System("face-footage-search")

// SetSnapshots hands over the alarm pipeline's snapshots (built after
// face's dependencies; see app).
func (s *Service) SetSnapshots(src SnapshotSource) { s.snapshots = src }

// Footage returns the footage search the privacy centre drives.
func (s *Service) Footage() fulfil.Footage { return footage{s} }

type footage struct{ s *Service }

func searchRes(subjectID, requestID string) access.Resource {
	return access.Resource{Category: datamap.FaceSearch, SubjectID: subjectID, ID: requestID}
}

func (f footage) decide(ctx context.Context, a access.Action, subjectID, requestID string) (access.Decision, error) {
	return f.s.gate.Check(ctx, footageSearcher, a, searchRes(subjectID, requestID), datamap.PurposeService)
}

func (f footage) Prepare(ctx context.Context, requestID, subjectID string, selfie []byte, consentHash string) error {
	d, err := f.decide(ctx, access.Create, subjectID, requestID)
	if err != nil {
		return err
	}
	// A selfie may be replaced until the search runs, not after: its hits
	// and the owners' decisions belong to the selfie that found them.
	if _, row, _, err := f.load(ctx, access.Read, requestID); err == nil && !row.SearchedAt.IsZero() {
		return errs.E(errs.Conflict, "the search with your selfie has already run; a new selfie is not taken")
	} else if err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	eng, err := f.s.engine()
	if err != nil {
		return err
	}
	m, err := eng.Decode(selfie)
	if err != nil {
		return errs.E(errs.Invalid, "selfie: %v", err)
	}
	faces := eng.Detect(m)
	if len(faces) != 1 {
		return errs.E(errs.Invalid, "the selfie must show exactly one face (found %d)", len(faces))
	}
	sealed, err := f.s.keys.SealAccount(ctx, fulfil.SelfieKeyOwner(requestID), encodeTemplate(eng.Describe(m, faces[0])),
		ad("face_searches.template_sealed", requestID))
	if err != nil {
		return err
	}
	return f.s.store.PutSearch(ctx, d, SearchRow{RequestID: requestID, SubjectID: subjectID, TemplateSealed: sealed,
		ConsentHash: consentHash, ConsentedAt: f.s.clk.Now().UTC().Truncate(time.Microsecond)})
}

func (f footage) load(ctx context.Context, a access.Action, requestID string) (access.Decision, SearchRow, []HitRow, error) {
	subject, err := f.s.store.SearchSubject(ctx, requestID)
	if err != nil {
		return access.Decision{}, SearchRow{}, nil, err
	}
	d, err := f.decide(ctx, a, subject, requestID)
	if err != nil {
		return d, SearchRow{}, nil, err
	}
	rd := d
	if a != access.Read {
		if rd, err = f.decide(ctx, access.Read, subject, requestID); err != nil {
			return d, SearchRow{}, nil, err
		}
	}
	row, hits, err := f.s.store.Search(ctx, rd, requestID)
	return d, row, hits, err
}

func view(row SearchRow, hits []HitRow) fulfil.FootageSearch {
	v := fulfil.FootageSearch{RequestID: row.RequestID, Asked: true, ConsentedAt: row.ConsentedAt, SearchedAt: row.SearchedAt,
		SearchedBy: row.SearchedBy, Snapshots: row.Snapshots, Skipped: row.Skipped, Hits: []fulfil.FootageHit{}}
	for _, h := range hits {
		v.Hits = append(v.Hits, h.FootageHit)
	}
	return v
}

func (f footage) Search(ctx context.Context, requestID, subjectID string, sc fulfil.Scope, by string) (fulfil.FootageSearch, error) {
	d, row, old, err := f.load(ctx, access.Update, requestID)
	if err != nil {
		return fulfil.FootageSearch{}, err
	}
	if row.SubjectID != subjectID {
		return fulfil.FootageSearch{}, errs.E(errs.NotFound, "no search for this request")
	}
	// A new run replaces the hits: not once camera owners were asked,
	// whose decisions it would erase.
	if slices.ContainsFunc(old, func(h HitRow) bool { return h.State != fulfil.HitFound }) {
		return fulfil.FootageSearch{}, errs.E(errs.Conflict, "the camera owners were already asked about this search's events; it does not run again")
	}
	if f.s.snapshots == nil {
		return fulfil.FootageSearch{}, errs.E(errs.Unavailable, "snapshots cannot be searched on this server")
	}
	b, err := f.s.keys.OpenAccount(ctx, fulfil.SelfieKeyOwner(requestID), row.TemplateSealed, ad("face_searches.template_sealed", requestID))
	if err != nil {
		return fulfil.FootageSearch{}, errs.E(errs.Gone, "the selfie of this request is gone")
	}
	selfie, ok := decodeTemplate(b)
	if !ok {
		return fulfil.FootageSearch{}, errs.E(errs.Internal, "stored search template is malformed")
	}
	eng, err := f.s.engine()
	if err != nil {
		return fulfil.FootageSearch{}, err
	}
	// The snapshots are read as the request's export reads them, for the
	// purpose they were kept for (alarms).
	snapD, err := f.s.gate.Check(ctx, footageSearcher, access.Export, access.Resource{Category: datamap.MediaSnapshot, SubjectID: subjectID},
		datamap.PurposeAlarms)
	if err != nil {
		return fulfil.FootageSearch{}, err
	}
	row.Snapshots, row.Skipped = 0, nil
	var hits []HitRow
	for _, dev := range slices.Compact(slices.Sorted(slices.Values(sc.Devices))) {
		ref, err := f.s.store.DeviceSite(ctx, dev)
		if errs.Is(err, errs.NotFound) {
			row.Skipped = append(row.Skipped, dev+": no camera of a customer has this identifier")
			continue
		} else if err != nil {
			return fulfil.FootageSearch{}, err
		}
		if _, err := f.s.store.RegionStop(ctx, ref.Region); err == nil {
			row.Skipped = append(row.Skipped, dev+": face recognition is stopped in the camera's region")
			continue
		} else if !errs.Is(err, errs.NotFound) {
			return fulfil.FootageSearch{}, err
		}
		err = f.s.snapshots.SearchSnapshots(ctx, snapD, subjectID, ref.AccountID, dev, sc.From, sc.To,
			func(snapshotID, eventID string, at time.Time, pic []byte) error {
				row.Snapshots++
				if score, found := findIn(eng, pic, selfie); found {
					hits = append(hits, HitRow{RequestID: requestID, SnapshotID: snapshotID, FootageHit: fulfil.FootageHit{
						ID: id.New("fsh"), AccountID: ref.AccountID, DeviceID: dev, EventID: eventID, At: at.UTC(),
						Score: float64(score), State: fulfil.HitFound}})
				}
				return ctx.Err()
			})
		if err != nil {
			return fulfil.FootageSearch{}, err
		}
	}
	row.SearchedAt, row.SearchedBy = f.s.clk.Now().UTC().Truncate(time.Microsecond), by
	if err := f.s.store.ReplaceHits(ctx, d, row, hits); err != nil {
		return fulfil.FootageSearch{}, err
	}
	return view(row, hits), nil
}

// findIn reports whether the selfie's face is in the picture, and how
// closely. Every face found is described, compared once and forgotten.
func findIn(eng *engine.Engine, pic []byte, selfie engine.Embedding) (float32, bool) {
	m, err := eng.Decode(pic)
	if err != nil {
		return 0, false
	}
	best, found := float32(engine.MatchThreshold), false
	for _, fc := range eng.Detect(m) {
		if sim := engine.Similarity(eng.Describe(m, fc), selfie); sim >= best {
			best, found = sim, true
		}
	}
	return best, found
}

func (f footage) Status(ctx context.Context, requestID string) (fulfil.FootageSearch, error) {
	_, row, hits, err := f.load(ctx, access.Read, requestID)
	if err != nil {
		return fulfil.FootageSearch{}, err
	}
	return view(row, hits), nil
}

func (f footage) Forward(ctx context.Context, requestID string, hitIDs []string) (fulfil.FootageSearch, error) {
	d, row, _, err := f.load(ctx, access.Update, requestID)
	if err != nil {
		return fulfil.FootageSearch{}, err
	}
	if row.SearchedAt.IsZero() {
		return fulfil.FootageSearch{}, errs.E(errs.Conflict, "run the search first")
	}
	if err := f.s.store.ForwardHits(ctx, d, requestID, hitIDs); err != nil {
		return fulfil.FootageSearch{}, err
	}
	fs, err := f.Status(ctx, requestID)
	if err == nil {
		f.tellOwners(ctx, requestID, fs)
	}
	return fs, err
}

func (f footage) Released(ctx context.Context, requestID string) ([]fulfil.FootageRef, error) {
	_, _, hits, err := f.load(ctx, access.Read, requestID)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []fulfil.FootageRef
	for _, h := range hits {
		if h.State == fulfil.HitReleased {
			out = append(out, fulfil.FootageRef{AccountID: h.AccountID, DeviceID: h.DeviceID, SnapshotID: h.SnapshotID})
		}
	}
	return out, nil
}

func (f footage) Drop(ctx context.Context, requestID string) error {
	subject, err := f.s.store.SearchSubject(ctx, requestID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	d, err := f.decide(ctx, access.Delete, subject, requestID)
	if err != nil {
		return err
	}
	if err := f.s.keys.Destroy(ctx, keys.ScopeAccount, fulfil.SelfieKeyOwner(requestID)); err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	return f.s.store.DropSearch(ctx, d, requestID)
}
