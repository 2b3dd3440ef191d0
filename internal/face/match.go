package face

import (
	"context"
	"io"
	"slices"
	"strings"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/device"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/face/engine"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/keys"
)

// Picture kinds a camera uploads on the face uplink.
const (
	KindSnapshot = "snapshot" // a whole picture: every face in it is looked for
	KindCrop     = "crop"     // one face the camera's own detector cut out
)

// Result is what the face uplink answers a camera: never who was seen.
type Result struct {
	Processed bool   `json:"processed"`
	Reason    string `json:"reason,omitempty"` // why not: off, protocol, region_stopped
	Faces     int    `json:"faces"`
	Matches   int    `json:"matches"`
	Unknown   int    `json:"unknown"` // faces that matched no one
}

// Upload takes a picture from a camera's face uplink, authenticated by its
// own credential, and matches it where recognition is active at the
// camera's site; elsewhere it is dropped unread (F1, F5). The picture is
// never stored.
func (s *Service) Upload(ctx context.Context, credID, secret, pathDevice, eventID, kind string, body io.Reader) (Result, error) {
	dev, err := s.devices.Authenticate(ctx, credID, secret)
	if err != nil {
		return Result{}, errs.E(errs.Unauthenticated, "device credential refused")
	}
	if dev.DeviceID != pathDevice {
		return Result{}, errs.E(errs.Forbidden, "a device uploads only its own pictures")
	}
	if dev.AccountID == "" {
		return Result{}, errs.E(errs.NotFound, "device is not claimed")
	}
	if eventID == "" || len(eventID) > 64 || strings.ContainsAny(eventID, "\x00\r\n/") {
		return Result{}, errs.E(errs.Invalid, "event ID must be 1 to 64 characters")
	}
	if kind != KindSnapshot && kind != KindCrop {
		return Result{}, errs.E(errs.Invalid, "kind must be snapshot or crop")
	}
	ref, err := s.store.DeviceSite(ctx, dev.DeviceID)
	if err != nil {
		return Result{}, err
	}
	st, err := s.status(ctx, ref.AccountID, ref.SiteID, ref.Region)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return Result{}, err
	}
	if !st.Active {
		// Not read, not kept: the body is discarded by the server.
		return Result{Reason: st.Reason}, nil
	}
	data, err := io.ReadAll(io.LimitReader(body, s.opts.PictureMax+1))
	if err != nil {
		return Result{}, errs.E(errs.Invalid, "picture cut short")
	}
	if int64(len(data)) > s.opts.PictureMax {
		return Result{}, errs.E(errs.TooLarge, "a picture may be at most %d bytes", s.opts.PictureMax)
	}
	return s.match(ctx, dev.DeviceID, eventID, kind, ref, data)
}

// SnapshotStored is the alarm pipeline's hook: the snapshot of a `face`
// alarm is matched where recognition is active at the camera's site.
func (s *Service) SnapshotStored(ctx context.Context, accountID, deviceID, eventID string, jpeg []byte) {
	if typ, err := s.store.AlarmType(ctx, deviceID, eventID); err != nil || typ != "face" {
		return
	}
	ref, err := s.store.DeviceSite(ctx, deviceID)
	if err != nil || ref.AccountID != accountID {
		return
	}
	st, err := s.status(ctx, ref.AccountID, ref.SiteID, ref.Region)
	if err != nil || !st.Active {
		return
	}
	if _, err := s.match(ctx, deviceID, eventID, KindSnapshot, ref, jpeg); err != nil {
		s.log.Warn("face snapshot not matched", "device", deviceID, "err", err)
	}
}

// CollectsFaces reports whether face data from a device is collected at
// all: recognition is active at its site. Device ingest refuses `face`
// alarms elsewhere.
func (s *Service) CollectsFaces(ctx context.Context, deviceID string) (bool, error) {
	ref, err := s.store.DeviceSite(ctx, deviceID)
	if err != nil {
		return false, err
	}
	st, err := s.status(ctx, ref.AccountID, ref.SiteID, ref.Region)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return false, err
	}
	return st.Active, nil
}

type candidate struct {
	personID string
	emb      engine.Embedding
}

func (s *Service) match(ctx context.Context, deviceID, eventID, kind string, ref DeviceRef, data []byte) (Result, error) {
	eng, err := s.engine()
	if err != nil {
		return Result{}, err
	}
	m, err := eng.Decode(data)
	if err != nil {
		return Result{}, errs.E(errs.Invalid, "picture: %v", err)
	}
	var faces []engine.Face
	if kind == KindCrop {
		faces = []engine.Face{eng.DetectCrop(m)}
	} else {
		faces = eng.Detect(m)
	}
	res := Result{Processed: true, Faces: len(faces)}
	if len(faces) == 0 {
		return res, nil
	}
	d, err := s.check(ctx, matcher, access.Read, templateRes(ref.AccountID, ref.SiteID, ""))
	if err != nil {
		return Result{}, err
	}
	rows, err := s.store.Templates(ctx, d, ref.AccountID, ref.SiteID)
	if err != nil {
		return Result{}, err
	}
	cands := make([]candidate, 0, len(rows))
	for _, t := range rows {
		b, err := s.keys.OpenSubject(ctx, t.PersonID, t.Sealed, ad("face_templates.template_sealed", t.ID))
		if err != nil {
			continue // the person's key is gone: erased
		}
		if e, ok := decodeTemplate(b); ok {
			cands = append(cands, candidate{t.PersonID, e})
		}
	}
	seen := map[string]bool{}
	var alarms []device.Alarm
	unknown := 0
	for _, f := range faces {
		e := eng.Describe(m, f)
		best, score := "", float32(engine.MatchThreshold)
		for _, c := range cands {
			if sim := engine.Similarity(e, c.emb); sim >= score {
				best, score = c.personID, sim
			}
		}
		if best == "" {
			unknown++
			continue
		}
		if seen[best] {
			continue
		}
		seen[best] = true
		now := s.clk.Now().UTC()
		mt := Match{ID: id.New("fmt"), AccountID: ref.AccountID, SiteID: ref.SiteID, DeviceID: deviceID, EventID: eventID,
			PersonID: best, Score: float64(score), At: now}
		a := device.Alarm{ID: id.New("alm"), AccountID: ref.AccountID, DeviceID: deviceID, EventID: "face-" + mt.ID,
			Type: TypeMatch, At: now, ReceivedAt: now}
		dm, err := s.check(ctx, matcher, access.Create, access.Resource{Category: datamap.FaceMatch, AccountID: ref.AccountID, SiteID: ref.SiteID})
		if err != nil {
			return Result{}, err
		}
		stored, err := s.store.RecordMatch(ctx, dm, mt, a)
		if err != nil {
			return Result{}, err
		}
		if stored {
			res.Matches++
			alarms = append(alarms, a)
		}
	}
	if unknown > 0 {
		// Someone nobody enrolled: a face_unknown alarm, once per picture,
		// for rules such as "tell me when an unknown face is at the door".
		// It names no one and keeps nothing of the face.
		res.Unknown = unknown
		now := s.clk.Now().UTC()
		a := device.Alarm{ID: id.New("alm"), AccountID: ref.AccountID, DeviceID: deviceID, EventID: "face-unknown-" + eventID,
			Type: TypeUnknown, At: now, ReceivedAt: now}
		stored, err := s.store.RaiseAlarm(ctx, a)
		if err != nil {
			return Result{}, err
		}
		if stored {
			alarms = append(alarms, a)
		}
	}
	if len(alarms) > 0 && s.alarms != nil {
		s.alarms.Accepted(ctx, alarms)
	}
	return res, nil
}

// Matches lists an account's recent match events, newest first, each as
// "<label> at <camera>".
func (s *Service) Matches(ctx context.Context, p access.Principal, accountID string, limit int) ([]Match, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	// People whose role covers some sites list those sites' matches.
	wheres := p.ListScopes(access.Resource{Category: datamap.FaceMatch, AccountID: accountID})
	var ms []Match
	for _, where := range wheres {
		d, err := s.check(ctx, p, access.List, where)
		if err != nil {
			return nil, err
		}
		got, err := s.store.Matches(ctx, d, accountID, limit)
		if err != nil {
			return nil, err
		}
		ms = append(ms, got...)
	}
	if len(wheres) > 1 { // newest first across the sites, one page
		slices.SortFunc(ms, func(a, b Match) int { return b.At.Compare(a.At) })
		ms = ms[:min(len(ms), limit)]
	}
	if ms == nil {
		ms = []Match{}
	}
	for i := range ms {
		ms[i].Text = s.matchText(ctx, ms[i])
	}
	return ms, nil
}

func (s *Service) matchText(ctx context.Context, m Match) string {
	label := "Someone erased"
	if len(m.LabelSealed) > 0 {
		if b, err := s.keys.OpenSubject(ctx, m.PersonID, m.LabelSealed, ad("face_people.label_sealed", m.PersonID)); err == nil {
			label = string(b)
		}
	}
	camera := "a camera"
	if len(m.CameraSealed) > 0 {
		if b, err := s.keys.OpenAccount(ctx, m.AccountID, m.CameraSealed, keys.FieldAD("devices.name_sealed", m.DeviceID)); err == nil && len(b) > 0 {
			camera = string(b)
		}
	}
	return label + " at " + camera
}
