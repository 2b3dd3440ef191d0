package vuln

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// Advisory states.
const (
	AdvisoryDraft     = "draft"
	AdvisoryPublished = "published"
)

// Severities, lowest first.
var severities = []string{"low", "medium", "high", "critical"}

// FirmwareRange is the firmware of one model an advisory affects: From
// (inclusive, empty for every earlier version) up to Fixed (the version
// that fixes it, exclusive; empty while no fix is released).
type FirmwareRange struct {
	Model string `json:"model"`
	From  string `json:"from,omitempty"`
	Fixed string `json:"fixed,omitempty"`
	// Release is the fixing firmware release, once published.
	Release *Release `json:"release,omitempty"`
}

// AppRange is the app versions of one platform an advisory affects.
type AppRange struct {
	Platform string `json:"platform"`
	From     string `json:"from,omitempty"`
	Fixed    string `json:"fixed,omitempty"`
}

// Release is a firmware release's public facts.
type Release struct {
	ID          string    `json:"id"`
	Model       string    `json:"model"`
	Version     string    `json:"version"`
	Notes       string    `json:"notes,omitempty"`
	PublishedAt time.Time `json:"published_at"`
}

// AdvisoryInput is what the security officer writes.
type AdvisoryInput struct {
	Slug       string          `json:"slug"`
	Title      string          `json:"title"`
	Summary    string          `json:"summary"`
	Severity   string          `json:"severity"`
	CVSSVector string          `json:"cvss_vector,omitempty"`
	Firmware   []FirmwareRange `json:"firmware,omitempty"`
	Apps       []AppRange      `json:"apps,omitempty"`
	Credits    []string        `json:"credits,omitempty"`
}

// Advisory is a security advisory.
type Advisory struct {
	AdvisoryInput
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	ReportID    string    `json:"report_id,omitempty"`
	CreatedBy   string    `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	PublishedBy string    `json:"published_by,omitempty"`
	URL         string    `json:"url,omitempty"`
}

// PublicAdvisory is an advisory as anyone reads it: no staff names, no
// report number.
type PublicAdvisory struct {
	AdvisoryInput
	PublishedAt time.Time `json:"published_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	URL         string    `json:"url"`
}

var (
	slugRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{2,63}$`)
	modelRE    = regexp.MustCompile(`^[a-z0-9-]{2,40}$`)
	platformRE = regexp.MustCompile(`^(ios|android|web|desktop)$`)
	// cvssRE is a CVSS v3.x or v4.0 vector's shape (its metrics are not
	// scored here).
	cvssRE = regexp.MustCompile(`^CVSS:(3\.[01]|4\.0)(/[A-Za-z]{1,3}:[A-Za-z]{1,2}){4,40}$`)
)

// canonical turns "1.2.3" into "v1.2.3", or "" when it is no version.
func canonical(v string) string {
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if !semver.IsValid(v) {
		return ""
	}
	return v
}

func checkRange(what, from, fixed string) error {
	if from != "" && canonical(from) == "" {
		return errs.E(errs.Invalid, "%s: from must be a version such as 1.2.0", what)
	}
	if fixed != "" && canonical(fixed) == "" {
		return errs.E(errs.Invalid, "%s: fixed must be a version such as 1.2.1", what)
	}
	if from != "" && fixed != "" && semver.Compare(canonical(from), canonical(fixed)) >= 0 {
		return errs.E(errs.Invalid, "%s: the fixed version must come after the first affected one", what)
	}
	return nil
}

func (in *AdvisoryInput) check() error {
	in.Slug, in.Title, in.Summary = strings.TrimSpace(in.Slug), strings.TrimSpace(in.Title), strings.TrimSpace(in.Summary)
	in.CVSSVector = strings.TrimSpace(in.CVSSVector)
	switch {
	case !slugRE.MatchString(in.Slug):
		return errs.E(errs.Invalid, "slug must be 3 to 64 lowercase letters, digits or dashes, e.g. vigil-2026-001")
	case !slices.Contains(severities, in.Severity):
		return errs.E(errs.Invalid, "severity must be low, medium, high or critical")
	case in.CVSSVector != "" && !cvssRE.MatchString(in.CVSSVector):
		return errs.E(errs.Invalid, "cvss_vector must be a CVSS 3.x or 4.0 vector such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	case len(in.Firmware)+len(in.Apps) == 0:
		return errs.E(errs.Invalid, "name the firmware or app versions the advisory affects")
	case len(in.Firmware) > 50 || len(in.Apps) > 10 || len(in.Credits) > 20:
		return errs.E(errs.Invalid, "too many firmware ranges, app ranges or credits")
	}
	if err := bounded("title", in.Title, 5, 200); err != nil {
		return err
	}
	if err := bounded("summary", in.Summary, 20, 10000); err != nil {
		return err
	}
	for i, f := range in.Firmware {
		if !modelRE.MatchString(f.Model) {
			return errs.E(errs.Invalid, "firmware %d: model is required (as in the catalogue, e.g. vc-100)", i+1)
		}
		if err := checkRange("firmware "+f.Model, f.From, f.Fixed); err != nil {
			return err
		}
		in.Firmware[i].Release = nil
	}
	for _, a := range in.Apps {
		if !platformRE.MatchString(a.Platform) {
			return errs.E(errs.Invalid, "apps: platform must be ios, android, web or desktop")
		}
		if err := checkRange("app "+a.Platform, a.From, a.Fixed); err != nil {
			return err
		}
	}
	for i, c := range in.Credits {
		in.Credits[i] = strings.TrimSpace(c)
		if err := bounded("a credit", c, 1, 200); err != nil {
			return err
		}
	}
	return nil
}

// Draft creates (id "") or changes a draft advisory, optionally from a
// report.
func (s *Service) Draft(ctx context.Context, p access.Principal, advisoryID string, in AdvisoryInput, reportID string) (Advisory, error) {
	if err := officer(p); err != nil {
		return Advisory{}, err
	}
	if err := in.check(); err != nil {
		return Advisory{}, err
	}
	now := s.clk.Now().UTC()
	a := Advisory{AdvisoryInput: in, ID: advisoryID, Status: AdvisoryDraft, ReportID: reportID, CreatedBy: p.ID, CreatedAt: now, UpdatedAt: now}
	if advisoryID == "" {
		a.ID = id.New("adv")
	} else {
		old, err := s.store.Advisory(ctx, advisoryID)
		if err != nil {
			return Advisory{}, err
		}
		if old.Status != AdvisoryDraft {
			return Advisory{}, errs.E(errs.Conflict, "a published advisory is not changed here")
		}
		a.ReportID, a.CreatedBy, a.CreatedAt = old.ReportID, old.CreatedBy, old.CreatedAt
	}
	if err := s.store.PutAdvisory(ctx, a); err != nil {
		return Advisory{}, err
	}
	return s.staffAdvisory(ctx, a.ID)
}

// Publish publishes a draft: from then on it is on the public list.
func (s *Service) Publish(ctx context.Context, p access.Principal, advisoryID string) (Advisory, error) {
	if err := officer(p); err != nil {
		return Advisory{}, err
	}
	if err := s.store.PublishAdvisory(ctx, advisoryID, p.ID, s.clk.Now().UTC()); err != nil {
		return Advisory{}, err
	}
	s.log.Info("security advisory published", "advisory", advisoryID, "by", p.ID)
	return s.staffAdvisory(ctx, advisoryID)
}

// StaffAdvisories lists every advisory, drafts too, for the officer.
func (s *Service) StaffAdvisories(ctx context.Context, p access.Principal) ([]Advisory, error) {
	if err := officer(p); err != nil {
		return nil, err
	}
	as, err := s.store.Advisories(ctx, true)
	if err != nil {
		return nil, err
	}
	as = append(make([]Advisory, 0, len(as)), as...) // [] in JSON, never null
	for i := range as {
		s.withReleases(ctx, &as[i])
	}
	return as, nil
}

func (s *Service) staffAdvisory(ctx context.Context, id string) (Advisory, error) {
	a, err := s.store.Advisory(ctx, id)
	if err != nil {
		return Advisory{}, err
	}
	s.withReleases(ctx, &a)
	return a, nil
}

// withReleases fills in the fixing firmware releases vigil has published.
func (s *Service) withReleases(ctx context.Context, a *Advisory) {
	for i, f := range a.Firmware {
		if f.Fixed == "" {
			continue
		}
		for _, v := range []string{f.Fixed, strings.TrimPrefix(canonical(f.Fixed), "v")} {
			if r, err := s.store.ReleaseOf(ctx, f.Model, v); err == nil {
				a.Firmware[i].Release = &r
				break
			}
		}
	}
	if a.Status == AdvisoryPublished {
		a.URL = s.advisoryURL(a.Slug)
	}
}

func (s *Service) advisoryURL(slug string) string {
	return strings.TrimRight(s.opts.PublicURL, "/") + "/#/security/advisories/" + slug
}

func (s *Service) public(ctx context.Context, a Advisory) PublicAdvisory {
	s.withReleases(ctx, &a)
	return PublicAdvisory{AdvisoryInput: a.AdvisoryInput, PublishedAt: a.PublishedAt, UpdatedAt: a.UpdatedAt, URL: a.URL}
}

// Filter narrows the public list: advisories affecting a model's
// firmware version, or fixed by a release.
type Filter struct {
	Model    string
	Firmware string
	Release  string
}

// Published lists the published advisories, newest first.
func (s *Service) Published(ctx context.Context, f Filter) ([]PublicAdvisory, error) {
	if f.Firmware != "" && (f.Model == "" || canonical(f.Firmware) == "") {
		return nil, errs.E(errs.Invalid, "firmware needs model, and must be a version such as 1.2.0")
	}
	as, err := s.store.Advisories(ctx, false)
	if err != nil {
		return nil, err
	}
	out := []PublicAdvisory{}
	for _, a := range as {
		p := s.public(ctx, a)
		if f.Firmware != "" && !p.Affects(f.Model, f.Firmware) {
			continue
		}
		if f.Model != "" && f.Firmware == "" && !slices.ContainsFunc(p.Firmware, func(r FirmwareRange) bool { return r.Model == f.Model }) {
			continue
		}
		if f.Release != "" && !slices.ContainsFunc(p.Firmware, func(r FirmwareRange) bool { return r.Release != nil && r.Release.ID == f.Release }) {
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// PublishedOne returns one published advisory by its slug.
func (s *Service) PublishedOne(ctx context.Context, slug string) (PublicAdvisory, error) {
	a, err := s.store.AdvisoryBySlug(ctx, slug)
	if err != nil {
		return PublicAdvisory{}, err
	}
	return s.public(ctx, a), nil
}

// ReleaseFixes is a firmware release with the advisories it fixes.
type ReleaseFixes struct {
	Release
	Fixes []PublicAdvisory `json:"fixes"`
}

// FirmwareRelease returns a release and the published advisories it
// fixes.
func (s *Service) FirmwareRelease(ctx context.Context, releaseID string) (ReleaseFixes, error) {
	r, err := s.store.Release(ctx, releaseID)
	if err != nil {
		return ReleaseFixes{}, err
	}
	fixes, err := s.Published(ctx, Filter{Release: releaseID})
	return ReleaseFixes{Release: r, Fixes: fixes}, err
}

// Affects reports whether the advisory affects a model's firmware
// version.
func (a PublicAdvisory) Affects(model, version string) bool {
	v := canonical(version)
	if v == "" {
		return false
	}
	for _, f := range a.Firmware {
		if f.Model != model {
			continue
		}
		if f.From != "" && semver.Compare(v, canonical(f.From)) < 0 {
			continue
		}
		if f.Fixed != "" && semver.Compare(v, canonical(f.Fixed)) >= 0 {
			continue
		}
		return true
	}
	return false
}
