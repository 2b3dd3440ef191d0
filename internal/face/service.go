package face

import (
	"context"
	"encoding/binary"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/face/engine"
	"github.com/vigil-cloud/vigil/internal/keys"
)

// Options tune the capability.
type Options struct {
	// PictureMax bounds an uploaded snapshot, crop or enrolment photo
	// (2 MiB).
	PictureMax int64
	// Retention is how long a person's enrolment lasts (365 days, the data
	// map's figure).
	Retention time.Duration
}

// Service is the face recognition capability.
type Service struct {
	store    Store
	gate     *access.Gate
	keys     Keys
	consents Consents
	devices  DeviceAuth
	alarms   AlarmIntake
	loadEng  func() (*engine.Engine, error)
	engOnce  sync.Once
	eng      *engine.Engine
	engErr   error
	clk      clock.Clock
	log      *slog.Logger
	opts     Options
	rulesMu  sync.Mutex // one run of the regions' rules at a time
	// snapshots are the alarm pipeline's, for find footage of me.
	snapshots SnapshotSource
	// ownerNotice tells camera owners of a filmed person's asks.
	ownerNotice OwnerNotice
}

// New returns the service. alarms may be nil (matches then wait for the
// fan-out's poll). loadEngine is called once, when a picture first needs
// it: vigil starts without loading 30 MB of weights nobody may use.
func New(st Store, gate *access.Gate, k Keys, consents Consents, devices DeviceAuth, alarms AlarmIntake, loadEngine func() (*engine.Engine, error),
	clk clock.Clock, log *slog.Logger, o Options) *Service {
	if o.PictureMax <= 0 {
		o.PictureMax = 2 << 20
	}
	if o.Retention <= 0 {
		o.Retention = 365 * 24 * time.Hour
	}
	return &Service{store: st, gate: gate, keys: k, consents: consents, devices: devices, alarms: alarms, loadEng: loadEngine,
		clk: clk, log: log, opts: o}
}

// engine returns the loaded models.
func (s *Service) engine() (*engine.Engine, error) {
	s.engOnce.Do(func() { s.eng, s.engErr = s.loadEng() })
	if s.engErr != nil {
		return nil, errs.Wrap(s.engErr, errs.Unavailable, "face recognition models unavailable")
	}
	return s.eng, nil
}

// system principals of face's own work, as the audit log names them.
var (
	matcher     = access.System("face-matcher")
	regionRules = access.System("face-region-rules")
)

func templateRes(accountID, siteID, id string) access.Resource {
	return access.Resource{Category: datamap.FaceTemplate, AccountID: accountID, SiteID: siteID, ID: id}
}

func (s *Service) check(ctx context.Context, p access.Principal, a access.Action, r access.Resource) (access.Decision, error) {
	return s.gate.Check(ctx, p, a, r, datamap.PurposeConsented)
}

// lawfulBases are the grounds a customer may record for recognising people.
var lawfulBases = []string{"consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests"}

func checkBasis(b string) error {
	if !slices.Contains(lawfulBases, b) {
		return errs.E(errs.Invalid, "lawful_basis must be one of %s", strings.Join(lawfulBases, ", "))
	}
	return nil
}

// status works out whether recognition runs at a site now, and why not.
func (s *Service) status(ctx context.Context, accountID, siteID, region string) (Status, error) {
	st := Status{Region: region}
	if stop, err := s.store.RegionStop(ctx, region); err == nil {
		st.Reason = ReasonRegionStopped
		st.Notice = "Face recognition is stopped in your region (" + region + ") since " + stop.StoppedAt.UTC().Format("2 January 2006") +
			": " + stop.Reason
	} else if !errs.Is(err, errs.NotFound) {
		return st, err
	}
	site, known, err := s.store.SiteOf(ctx, accountID, siteID)
	if !known {
		if st.Reason == "" {
			st.Reason, st.Notice = ReasonOff, "Face recognition is off: the camera belongs to no site."
		}
		return st, errs.E(errs.NotFound, "site not found")
	}
	if errs.Is(err, errs.NotFound) {
		if st.Reason == "" {
			st.Reason, st.Notice = ReasonOff, "Face recognition is off for this site."
		}
		return st, nil
	} else if err != nil {
		return st, err
	}
	st.Enabled, st.Site = true, &site
	if st.Reason != "" {
		return st, nil
	}
	ok, err := s.consents.HasConsent(ctx, site.EnabledBy, ConsentPurpose)
	if err != nil {
		return st, err
	}
	if !ok {
		st.Reason = ReasonProtocol
		st.Notice = "Face recognition is paused: the person who turned it on must accept the current face recognition protocol."
		return st, nil
	}
	st.Active = true
	return st, nil
}

// encodeTemplate and decodeTemplate turn an embedding into the bytes that
// are sealed, and back.
func encodeTemplate(e engine.Embedding) []byte {
	b := make([]byte, 4*len(e))
	for i, v := range e {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func decodeTemplate(b []byte) (engine.Embedding, bool) {
	var e engine.Embedding
	if len(b) != 4*len(e) {
		return e, false
	}
	for i := range e {
		e[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return e, true
}

// shred destroys people's keys: whatever was sealed under them, in the
// database, its backups or anywhere else, becomes unreadable.
func (s *Service) shred(ctx context.Context, people []string) error {
	var first error
	for _, id := range people {
		if err := s.keys.Destroy(ctx, keys.ScopeSubject, id); err != nil && !errs.Is(err, errs.NotFound) {
			s.log.Error("face person key not destroyed", "person", id, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

func ad(column, rowID string) []byte { return keys.FieldAD(column, rowID) }
