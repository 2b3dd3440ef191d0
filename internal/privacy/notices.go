package privacy

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// Kind is a kind of document people accept.
type Kind string

// The documents.
const (
	PrivacyStatement Kind = "privacy_statement"
	FaceProtocol     Kind = "face_protocol"
	Terms            Kind = "terms"
)

var kindTitles = map[Kind]string{
	PrivacyStatement: "privacy statement",
	FaceProtocol:     "face recognition terms",
	Terms:            "terms of service",
}

// Kinds lists the documents in a fixed order.
func Kinds() []Kind { return []Kind{PrivacyStatement, Terms, FaceProtocol} }

// Valid reports whether k is a known document.
func (k Kind) Valid() bool { _, ok := kindTitles[k]; return ok }

// DefaultRegion holds the texts that apply where a region has none of its own.
const DefaultRegion = "default"

// Acceptance methods.
const (
	MethodWeb = "web"
	MethodAPI = "api"
)

//go:embed notices/*.md
var defaultTexts embed.FS

// Notice is a published version of a document.
type Notice struct {
	ID          string    `json:"id"`
	Kind        Kind      `json:"kind"`
	Region      string    `json:"region"`
	Language    string    `json:"language"`
	Version     int       `json:"version"`
	Text        string    `json:"text,omitempty"`
	TextHash    string    `json:"text_hash"` // hex SHA-256 of Text
	Material    bool      `json:"material"`
	Summary     string    `json:"summary,omitempty"`
	PublishedAt time.Time `json:"published_at"`
}

func notice(r NoticeRow, withText bool) Notice {
	n := Notice{ID: r.ID, Kind: r.Kind, Region: r.Region, Language: r.Language, Version: r.Version,
		TextHash: hex.EncodeToString(r.TextHash), Material: r.Material, Summary: r.Summary, PublishedAt: r.PublishedAt}
	if withText {
		n.Text = r.Body
	}
	return n
}

// Notifier tells people that a document changed. The alarm and
// notification capability implements it with its channels (e-mail, push);
// until then people learn of it from their in-app notices list, which always
// shows what awaits their acceptance.
type Notifier interface {
	NoticePublished(ctx context.Context, n Notice) error
}

// Seed publishes vigil's own default texts as version 1 of each document,
// where no version exists yet.
func (s *Service) Seed(ctx context.Context) error {
	for _, k := range Kinds() {
		body, err := defaultTexts.ReadFile("notices/" + string(k) + ".default.en.md")
		if err != nil {
			return fmt.Errorf("default %s: %w", k, err)
		}
		rows, err := s.store.Notices(ctx, k)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(rows, func(r NoticeRow) bool { return r.Region == DefaultRegion && r.Language == "en" }) {
			continue
		}
		err = s.store.PublishNotice(ctx, newNotice(k, DefaultRegion, "en", 1, string(body), true, "", "", s.clk.Now()))
		if err != nil && !errs.Is(err, errs.Conflict) { // another node seeded it first
			return err
		}
	}
	return nil
}

func newNotice(k Kind, region, lang string, version int, body string, material bool, summary, by string, at time.Time) NoticeRow {
	h := sha256.Sum256([]byte(body))
	return NoticeRow{ID: id.New("ntc"), Kind: k, Region: region, Language: lang, Version: version, Body: body,
		TextHash: h[:], Material: material, Summary: summary, PublishedAt: at.UTC().Truncate(time.Microsecond), PublishedBy: by}
}

// NoticeInput is a new version of a document.
type NoticeInput struct {
	Kind     Kind   `json:"kind"`
	Region   string `json:"region"`
	Language string `json:"language"`
	Text     string `json:"text"`
	Material bool   `json:"material"`
	Summary  string `json:"summary"`
}

var languagePattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Z]{2})?$`)

// Publish makes a new version of a document current (DPO). A material
// version must be accepted again by everyone it applies to before the
// features it governs work for them.
func (s *Service) Publish(ctx context.Context, p access.Principal, in NoticeInput, regions []string) (Notice, error) {
	if err := requireStaff(p, access.StaffDPO); err != nil {
		return Notice{}, err
	}
	switch {
	case !in.Kind.Valid():
		return Notice{}, errs.E(errs.Invalid, "kind must be privacy_statement, face_protocol or terms")
	case in.Region != DefaultRegion && !slices.Contains(regions, in.Region):
		return Notice{}, errs.E(errs.Invalid, "region must be %s or one of %s", DefaultRegion, strings.Join(regions, ", "))
	case !languagePattern.MatchString(in.Language):
		return Notice{}, errs.E(errs.Invalid, "language must be a language tag such as en or pt-BR")
	}
	if err := checkText("text", in.Text, 20, 50000); err != nil {
		return Notice{}, err
	}
	if err := checkText("summary", in.Summary, 0, 1000); err != nil {
		return Notice{}, err
	}
	if in.Material && strings.TrimSpace(in.Summary) == "" {
		return Notice{}, errs.E(errs.Invalid, "a material change needs a summary of what changed")
	}
	rows, err := s.store.Notices(ctx, in.Kind)
	if err != nil {
		return Notice{}, err
	}
	version := 1
	for _, r := range rows {
		if r.Region == in.Region && r.Language == in.Language {
			version = max(version, r.Version+1)
		}
	}
	row := newNotice(in.Kind, in.Region, in.Language, version, in.Text, in.Material, strings.TrimSpace(in.Summary), p.ID, s.clk.Now())
	if err := s.store.PublishNotice(ctx, row); err != nil {
		return Notice{}, err
	}
	n := notice(row, true)
	if s.notifier != nil {
		if err := s.notifier.NoticePublished(ctx, n); err != nil {
			// Publishing stands: the in-app list shows the change anyway.
			s.log.Error("notice published but not announced", "notice", n.ID, "err", err)
		}
	}
	return n, nil
}

// series picks, from every version of a kind, those of the text that applies
// in region and language: the region's own text in that language, else in
// English, else the default text in that language, else in English. Only
// versions already published count; the result is oldest first.
func series(rows []NoticeRow, region, lang string, now time.Time) []NoticeRow {
	for _, want := range [][2]string{{region, lang}, {region, "en"}, {DefaultRegion, lang}, {DefaultRegion, "en"}} {
		var out []NoticeRow
		for _, r := range rows {
			if r.Region == want[0] && r.Language == want[1] && !r.PublishedAt.After(now) {
				out = append(out, r)
			}
		}
		if len(out) > 0 {
			slices.SortFunc(out, func(a, b NoticeRow) int { return a.Version - b.Version })
			return out
		}
	}
	return nil
}

// standing is where a person stands with one applicable text.
type standing struct {
	current  NoticeRow
	required *NoticeRow // the latest material version they must have accepted
	accepted int        // the newest version of the series they accepted; 0 for none
}

func (st standing) due() bool { return st.required != nil && st.accepted < st.required.Version }

// standings returns, for each region the person's accounts are in, the
// text of kind that applies to them and whether they must accept it. With
// strict, they must have accepted the current material version themselves
// (a feature that needs an explicit yes); otherwise a material version
// published before they joined counts as seen at sign-up.
func (s *Service) standings(ctx context.Context, userID string, kind Kind, strict bool) ([]standing, error) {
	subj, err := s.store.NoticeSubject(ctx, userID)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Notices(ctx, kind)
	if err != nil {
		return nil, err
	}
	accepted, err := s.store.AcceptedNotices(ctx, userID, kind)
	if err != nil {
		return nil, err
	}
	regions := subj.Regions
	if len(regions) == 0 {
		regions = []string{DefaultRegion}
	}
	now := s.clk.Now()
	var out []standing
	seen := map[string]bool{}
	for _, region := range regions {
		ser := series(rows, region, subj.Language, now)
		if len(ser) == 0 {
			continue
		}
		cur := ser[len(ser)-1]
		if seen[cur.ID] {
			continue
		}
		seen[cur.ID] = true
		st := standing{current: cur}
		for i := range ser {
			r := &ser[i]
			if slices.Contains(accepted, r.ID) {
				st.accepted = r.Version
			}
			if r.Material && (strict || r.PublishedAt.After(subj.CreatedAt)) {
				st.required = r
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// RequireCurrent returns errs.ConsentRequired when a material change of
// kind awaits the person's acceptance, and nil when they may go on. Features
// that a document governs call it before they act for a person.
func (s *Service) RequireCurrent(ctx context.Context, userID string, kind Kind) error {
	return s.requireCurrent(ctx, userID, kind, false)
}

func (s *Service) requireCurrent(ctx context.Context, userID string, kind Kind, strict bool) error {
	sts, err := s.standings(ctx, userID, kind, strict)
	if err != nil {
		return err
	}
	for _, st := range sts {
		if st.due() {
			return errs.E(errs.ConsentRequired, "accept the updated %s (version %d, notice %s) to continue",
				kindTitles[kind], st.required.Version, st.current.ID)
		}
	}
	return nil
}

// PublishedNotices lists the current version of every document in every
// region and language, without texts; anyone may read them.
func (s *Service) PublishedNotices(ctx context.Context) ([]Notice, error) {
	now := s.clk.Now()
	var out []Notice
	for _, k := range Kinds() {
		rows, err := s.store.Notices(ctx, k)
		if err != nil {
			return nil, err
		}
		latest := map[[2]string]NoticeRow{}
		for _, r := range rows {
			key := [2]string{r.Region, r.Language}
			if cur, ok := latest[key]; !r.PublishedAt.After(now) && (!ok || r.Version > cur.Version) {
				latest[key] = r
			}
		}
		for _, r := range latest {
			out = append(out, notice(r, false))
		}
	}
	slices.SortFunc(out, func(a, b Notice) int {
		return strings.Compare(string(a.Kind)+"/"+a.Region+"/"+a.Language, string(b.Kind)+"/"+b.Region+"/"+b.Language)
	})
	return out, nil
}

// NoticeByID returns one version of a document with its text.
func (s *Service) NoticeByID(ctx context.Context, id string) (Notice, error) {
	r, err := s.store.Notice(ctx, id)
	if err != nil || r.PublishedAt.After(s.clk.Now()) {
		return Notice{}, errs.E(errs.NotFound, "notice not found")
	}
	return notice(r, true), nil
}

// MyNotice is a document as it applies to one person.
type MyNotice struct {
	Notice
	AcceptedVersion int  `json:"accepted_version"`
	ActionRequired  bool `json:"action_required"` // a material change awaits acceptance
	Updated         bool `json:"updated"`         // a newer version than the one accepted exists
}

// MyNotices is the in-app notices list: every document that applies to the
// person, what they accepted, and what awaits them.
func (s *Service) MyNotices(ctx context.Context, p access.Principal) ([]MyNotice, error) {
	if p.Kind != access.KindUser {
		return nil, errs.E(errs.Forbidden, "notices are for customer accounts")
	}
	_, err := s.store.LiveConsent(ctx, p.ID, FaceRecognition)
	usesFaces := err == nil
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	var out []MyNotice
	for _, k := range Kinds() {
		sts, err := s.standings(ctx, p.ID, k, k == FaceProtocol)
		if err != nil {
			return nil, err
		}
		for _, st := range sts {
			out = append(out, MyNotice{Notice: notice(st.current, false), AcceptedVersion: st.accepted,
				ActionRequired: st.due() && (k != FaceProtocol || usesFaces), Updated: st.accepted > 0 && st.accepted < st.current.Version})
		}
	}
	return out, nil
}

// Acceptance is a person's recorded acceptance of a document version.
type Acceptance struct {
	ID         string    `json:"id"`
	NoticeID   string    `json:"notice_id"`
	Kind       Kind      `json:"kind"`
	Version    int       `json:"version"`
	TextHash   string    `json:"text_hash"`
	AcceptedAt time.Time `json:"accepted_at"`
	IP         string    `json:"ip"`
	Method     string    `json:"method"`
}

func consentRes(userID string) access.Resource {
	return access.Resource{Category: datamap.PrivacyConsent, SubjectID: userID}
}

// Accept records that the person accepted a document version. textHash, when
// given, must be the hash of the text they were shown, so a version that
// changed under them is not accepted by mistake.
func (s *Service) Accept(ctx context.Context, p access.Principal, noticeID, textHash, method string) (Acceptance, error) {
	d, err := s.gate.Check(ctx, p, access.Create, consentRes(p.ID), datamap.PurposeService)
	if err != nil {
		return Acceptance{}, err
	}
	n, err := s.NoticeByID(ctx, noticeID)
	if err != nil {
		return Acceptance{}, err
	}
	if textHash != "" && textHash != n.TextHash {
		return Acceptance{}, errs.E(errs.Conflict, "the text you were shown is not this version; reload it and accept again")
	}
	h, _ := hex.DecodeString(n.TextHash)
	row := AcceptanceRow{ID: id.New("acc"), UserID: p.ID, NoticeID: n.ID, Kind: n.Kind, Version: n.Version, TextHash: h,
		AcceptedAt: s.clk.Now().UTC().Truncate(time.Microsecond), Method: method}
	if row.IPSealed, err = s.sealSubject(ctx, p.ID, "privacy_acceptances.ip_sealed", row.ID, p.IP); err != nil {
		return Acceptance{}, err
	}
	if err := s.store.CreateAcceptance(ctx, d, row); err != nil {
		return Acceptance{}, err
	}
	return s.acceptance(ctx, row), nil
}

func (s *Service) acceptance(ctx context.Context, r AcceptanceRow) Acceptance {
	return Acceptance{ID: r.ID, NoticeID: r.NoticeID, Kind: r.Kind, Version: r.Version, TextHash: hex.EncodeToString(r.TextHash),
		AcceptedAt: r.AcceptedAt, Method: r.Method, IP: s.openSubject(ctx, r.UserID, "privacy_acceptances.ip_sealed", r.ID, r.IPSealed)}
}

// Acceptances lists what a person accepted, oldest first: theirs, or any
// person's for the DPO proving consent.
func (s *Service) Acceptances(ctx context.Context, p access.Principal, userID string) ([]Acceptance, error) {
	d, err := s.gate.Check(ctx, p, access.List, consentRes(userID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Acceptances(ctx, d, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Acceptance, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.acceptance(ctx, r))
	}
	return out, nil
}

// AcceptanceCounts tells the DPO how many people accepted each published
// version (by notice ID): numbers only, for following a material change.
func (s *Service) AcceptanceCounts(ctx context.Context, p access.Principal) (map[string]int, error) {
	if err := requireStaff(p, access.StaffDPO); err != nil {
		return nil, err
	}
	return s.store.AcceptanceCounts(ctx)
}
