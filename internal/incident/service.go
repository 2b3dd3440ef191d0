package incident

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

func checkText(field, v string, min, max int) error {
	n := utf8.RuneCountInString(v)
	if !utf8.ValidString(v) || n < min || n > max {
		return errs.E(errs.Invalid, "%s must be %d to %d characters", field, min, max)
	}
	return nil
}

func checkStaffID(field, v string) error {
	if !id.Valid(v) || !strings.HasPrefix(v, "stf_") {
		return errs.E(errs.Invalid, "%s must be a staff member's identifier", field)
	}
	return nil
}

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// slugOf makes the public notice's stable name: the date and the title's
// words, with a few random characters so two notices never share one.
func slugOf(title string, at time.Time, idv string) string {
	s := strings.Trim(slugUnsafe.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-")
	}
	if s == "" {
		s = "incident"
	}
	return fmt.Sprintf("%s-%s-%s", at.UTC().Format("2006-01-02"), s, idv[len(idv)-6:])
}

func (s *Service) checkCriteria(c *Criteria) error {
	if c.PeopleAffected < 0 || c.Accounts < 0 {
		return errs.E(errs.Invalid, "counts cannot be negative")
	}
	for _, cat := range c.Categories {
		if _, ok := s.reg.Category(cat); !ok {
			return errs.E(errs.Invalid, "unknown data category %q", cat)
		}
	}
	slices.Sort(c.Categories)
	c.Categories = slices.Compact(c.Categories)
	if c.Categories == nil {
		c.Categories = []datamap.CategoryID{}
	}
	return nil
}

// Open opens an incident: its type from the taxonomy, its severity graded
// from the declared criteria, the plan of its type with the opener (or the
// named officer) owning each stage, and the regulators' clocks started at
// AwareAt. The triage of a vulnerability report calls it with Source
// "vulnerability_report".
func (s *Service) Open(ctx context.Context, p access.Principal, in OpenInput) (Incident, error) {
	ti, ok := typeInfo(Type(in.Type))
	if !ok {
		return Incident{}, errs.E(errs.Invalid, "unknown incident type %q (see GET /api/v1/staff/incident-taxonomy)", in.Type)
	}
	in.Title, in.Summary, in.SourceRef = strings.TrimSpace(in.Title), strings.TrimSpace(in.Summary), strings.TrimSpace(in.SourceRef)
	if err := checkText("title", in.Title, 3, 200); err != nil {
		return Incident{}, err
	}
	if err := checkText("summary", in.Summary, 0, 4000); err != nil {
		return Incident{}, err
	}
	if err := checkText("source_ref", in.SourceRef, 0, 200); err != nil {
		return Incident{}, err
	}
	if in.Source == "" {
		in.Source = SourceStaff
	}
	if !slices.Contains(Sources(), in.Source) {
		return Incident{}, errs.E(errs.Invalid, "unknown source %q (want %s)", in.Source, strings.Join(Sources(), ", "))
	}
	if err := s.checkCriteria(&in.Criteria); err != nil {
		return Incident{}, err
	}
	if in.Responsible == "" {
		in.Responsible = p.ID
	}
	if err := checkStaffID("responsible", in.Responsible); err != nil {
		return Incident{}, err
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	aware := in.AwareAt.UTC().Truncate(time.Microsecond)
	if aware.IsZero() {
		aware = now
	}
	if aware.After(now) {
		return Incident{}, errs.E(errs.Invalid, "aware_at cannot be in the future")
	}
	d, err := s.check(ctx, p, access.Create, collection)
	if err != nil {
		return Incident{}, err
	}
	incID := id.New("inc")
	inc := Incident{ID: incID, Slug: slugOf(in.Title, aware, incID), Type: ti.ID, Title: in.Title, Summary: in.Summary,
		Source: in.Source, SourceRef: in.SourceRef, Status: StatusOpen, Criteria: in.Criteria, Responsible: in.Responsible,
		OpenedBy: p.ID, AwareAt: aware, OpenedAt: now, Stages: newStages(ti, in.Responsible), Reports: []Report{}}
	inc.Severity, inc.Grading = Grade(inc.Criteria, s.reg)
	inc.Timeline = []Event{{At: aware, By: p.ID, Kind: "aware", Note: "vigil became aware (" + in.Source + ")"},
		{At: now, By: p.ID, Kind: "opened", Note: fmt.Sprintf("opened as %s, graded %s", ti.Title, inc.Severity)}}
	if err := s.store.CreateIncident(ctx, d, inc); err != nil {
		return Incident{}, err
	}
	s.log.Info("incident opened", "incident", inc.ID, "type", inc.Type, "severity", inc.Severity, "source", inc.Source)
	return s.view(inc), nil
}

// Get returns one incident with the regulators' clocks as of now.
func (s *Service) Get(ctx context.Context, p access.Principal, incID string) (Incident, error) {
	d, err := s.check(ctx, p, access.Read, one(incID))
	if err != nil {
		return Incident{}, err
	}
	inc, err := s.store.Incident(ctx, d, incID)
	return s.view(inc), err
}

// List returns the register, newest first.
func (s *Service) List(ctx context.Context, p access.Principal) ([]Incident, error) {
	d, err := s.check(ctx, p, access.List, collection)
	if err != nil {
		return nil, err
	}
	incs, err := s.store.Incidents(ctx, d)
	for i := range incs {
		incs[i] = s.view(incs[i])
	}
	return incs, err
}

// update changes one incident under an Update decision and adds the
// timeline lines fn returns.
func (s *Service) update(ctx context.Context, p access.Principal, incID string, fn func(inc *Incident, now time.Time) ([]Event, error)) (Incident, error) {
	d, err := s.check(ctx, p, access.Update, one(incID))
	if err != nil {
		return Incident{}, err
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	inc, err := s.store.UpdateIncident(ctx, d, incID, func(inc *Incident) error {
		evs, err := fn(inc, now)
		inc.Timeline = append(inc.Timeline, evs...)
		return err
	})
	return s.view(inc), err
}

// CriteriaInput changes what the officer declares of the grading criteria.
type CriteriaInput struct {
	LeftVendor       *bool                `json:"left_vendor"`
	BiometricOrVideo *bool                `json:"biometric_or_video"`
	Categories       []datamap.CategoryID `json:"categories"` // added to those computed
	PeopleAffected   *int                 `json:"people_affected"`
}

// Regrade changes the declared criteria and grades the incident again.
func (s *Service) Regrade(ctx context.Context, p access.Principal, incID string, in CriteriaInput) (Incident, error) {
	return s.update(ctx, p, incID, func(inc *Incident, now time.Time) ([]Event, error) {
		if inc.Status == StatusClosed {
			return nil, errs.E(errs.Conflict, "the incident is closed")
		}
		c := inc.Criteria
		if in.LeftVendor != nil {
			c.LeftVendor = *in.LeftVendor
		}
		if in.BiometricOrVideo != nil {
			c.BiometricOrVideo = *in.BiometricOrVideo
		}
		if in.PeopleAffected != nil {
			c.PeopleAffected = *in.PeopleAffected
		}
		c.Categories = append(slices.Clone(c.Categories), in.Categories...)
		if err := s.checkCriteria(&c); err != nil {
			return nil, err
		}
		return s.regrade(inc, c, now, p.ID), nil
	})
}

func (s *Service) regrade(inc *Incident, c Criteria, now time.Time, by string) []Event {
	before := inc.Severity
	inc.Criteria = c
	inc.Severity, inc.Grading = Grade(c, s.reg)
	note := fmt.Sprintf("graded %s (rules %s)", inc.Severity, strings.Join(inc.Grading, ", "))
	if before != inc.Severity {
		note = fmt.Sprintf("regraded from %s to %s (rules %s)", before, inc.Severity, strings.Join(inc.Grading, ", "))
	}
	return []Event{{At: now, By: by, Kind: "graded", Note: note}}
}

// Note adds a line to the timeline.
func (s *Service) Note(ctx context.Context, p access.Principal, incID, note string) (Incident, error) {
	note = strings.TrimSpace(note)
	if err := checkText("note", note, 1, 2000); err != nil {
		return Incident{}, err
	}
	return s.update(ctx, p, incID, func(inc *Incident, now time.Time) ([]Event, error) {
		return []Event{{At: now, By: p.ID, Kind: "note", Note: note}}, nil
	})
}

// UpdateStage changes one stage of the plan (I2).
func (s *Service) UpdateStage(ctx context.Context, p access.Principal, incID string, stage StageID, in StageInput) (Incident, error) {
	return s.update(ctx, p, incID, func(inc *Incident, now time.Time) ([]Event, error) {
		return applyStage(inc, stage, in, now, p.ID)
	})
}

// Close closes the incident; it refuses while a stage is open or the
// retrospective is missing.
func (s *Service) Close(ctx context.Context, p access.Principal, incID string) (Incident, error) {
	return s.update(ctx, p, incID, func(inc *Incident, now time.Time) ([]Event, error) {
		if err := closable(*inc); err != nil {
			return nil, err
		}
		inc.Status, inc.ClosedAt = StatusClosed, now
		return []Event{{At: now, By: p.ID, Kind: "closed", Note: "incident closed"}}, nil
	})
}

// view adds what is computed on reading: the regulators' time left.
func (s *Service) view(inc Incident) Incident {
	now := s.clk.Now()
	for i := range inc.Reports {
		inc.Reports[i].clock(now)
	}
	return inc
}

// Taxonomy returns the declared types, grading rules, regimes and sources
// to those who may read the register.
func (s *Service) Taxonomy(ctx context.Context, p access.Principal) (Taxonomy, error) {
	if _, err := s.check(ctx, p, access.List, collection); err != nil {
		return Taxonomy{}, err
	}
	return Taxonomy{Types: Types(), GradingRules: GradingRules(), Regimes: s.Regimes(), Sources: Sources()}, nil
}
