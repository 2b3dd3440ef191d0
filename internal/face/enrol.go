package face

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/face/engine"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/names"
)

// SiteStatus says whether recognition runs at a site and, if not, why (the
// app shows Notice).
func (s *Service) SiteStatus(ctx context.Context, p access.Principal, accountID, siteID string) (Status, error) {
	if _, err := s.check(ctx, p, access.Read, templateRes(accountID, siteID, "")); err != nil {
		return Status{}, err
	}
	region, err := s.store.AccountRegion(ctx, accountID)
	if err != nil {
		return Status{}, err
	}
	return s.status(ctx, accountID, siteID, region)
}

// EnableSite turns recognition on for a site (admins). The caller must
// have accepted the current face recognition protocol and consented to the
// purpose (F1); a stopped region refuses (F5).
func (s *Service) EnableSite(ctx context.Context, p access.Principal, accountID, siteID, basis string) (Status, error) {
	d, err := s.check(ctx, p, access.Create, templateRes(accountID, siteID, ""))
	if err != nil {
		return Status{}, err
	}
	region, err := s.store.AccountRegion(ctx, accountID)
	if err != nil {
		return Status{}, err
	}
	if err := checkBasis(basis); err != nil {
		return Status{}, err
	}
	if stop, err := s.store.RegionStop(ctx, region); err == nil {
		return Status{}, errs.E(errs.Forbidden, "face recognition is stopped in region %s: %s", region, stop.Reason)
	} else if !errs.Is(err, errs.NotFound) {
		return Status{}, err
	}
	ok, err := s.consents.HasConsent(ctx, p.ID, ConsentPurpose)
	if err != nil {
		return Status{}, err
	}
	if !ok {
		return Status{}, errs.E(errs.ConsentRequired, "accept the current face recognition protocol and agree to face recognition first")
	}
	if _, known, err := s.store.SiteOf(ctx, accountID, siteID); !known {
		return Status{}, errs.E(errs.NotFound, "site not found")
	} else if err == nil {
		return Status{}, errs.E(errs.Conflict, "face recognition is already on for this site")
	} else if !errs.Is(err, errs.NotFound) {
		return Status{}, err
	}
	site := Site{AccountID: accountID, SiteID: siteID, EnabledBy: p.ID, EnabledAt: s.clk.Now().UTC().Truncate(time.Microsecond), LawfulBasis: basis}
	if err := s.store.EnableSite(ctx, d, site); err != nil {
		return Status{}, err
	}
	return s.status(ctx, accountID, siteID, region)
}

// DisableSite turns recognition off for a site: every enrolled person's key
// is destroyed and their rows deleted (F4).
func (s *Service) DisableSite(ctx context.Context, p access.Principal, accountID, siteID string) error {
	d, err := s.check(ctx, p, access.Delete, templateRes(accountID, siteID, ""))
	if err != nil {
		return err
	}
	people, err := s.store.DisableSite(ctx, d, accountID, siteID)
	if err != nil {
		return err
	}
	return s.shred(ctx, people)
}

// EnrolInput is an enrolment: the person, their photos, their consent and
// the customer's lawful basis.
type EnrolInput struct {
	Label       string   `json:"label"`
	LawfulBasis string   `json:"lawful_basis"`
	Photos      [][]byte `json:"photos"` // JPEG, base64 in JSON
	Consent     *Consent `json:"consent"`
}

// MaxPhotos bounds the photos of one enrolment.
const MaxPhotos = 5

// maxEvidence bounds the consent evidence document.
const maxEvidence = 1 << 20

// Enrol enrols a person at a site (admins), only with a consent record for
// that person and where recognition is active (F2). Each photo must show
// exactly one face. Nothing of the photos is kept but their templates,
// sealed under the person's own key (F4).
func (s *Service) Enrol(ctx context.Context, p access.Principal, accountID, siteID string, in EnrolInput) (Person, error) {
	d, err := s.check(ctx, p, access.Create, templateRes(accountID, siteID, ""))
	if err != nil {
		return Person{}, err
	}
	region, err := s.store.AccountRegion(ctx, accountID)
	if err != nil {
		return Person{}, err
	}
	c := in.Consent
	if c == nil || strings.TrimSpace(c.GivenBy) == "" || c.GivenAt.IsZero() || len(c.Evidence) == 0 {
		return Person{}, errs.E(errs.ConsentRequired, "enrolment needs the person's consent record: who consented, how, when, and the evidence document")
	}
	switch c.Method {
	case "written", "electronic", "verbal":
	default:
		return Person{}, errs.E(errs.Invalid, "consent.method must be written, electronic or verbal")
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	if c.GivenAt.After(now.Add(time.Minute)) {
		return Person{}, errs.E(errs.Invalid, "consent.given_at is in the future")
	}
	if len(c.Evidence) > maxEvidence {
		return Person{}, errs.E(errs.TooLarge, "the consent evidence may be at most %d bytes", maxEvidence)
	}
	label, err := names.Clean("label", in.Label, 1, 64)
	if err != nil {
		return Person{}, err
	}
	givenBy, err := names.Clean("consent.given_by", c.GivenBy, 1, 128)
	if err != nil {
		return Person{}, err
	}
	if err := checkBasis(in.LawfulBasis); err != nil {
		return Person{}, err
	}
	if len(in.Photos) == 0 || len(in.Photos) > MaxPhotos {
		return Person{}, errs.E(errs.Invalid, "send 1 to %d photos", MaxPhotos)
	}
	st, err := s.status(ctx, accountID, siteID, region)
	if err != nil {
		return Person{}, err
	}
	if !st.Active {
		return Person{}, errs.E(errs.ConsentRequired, "face recognition is not active for this site: %s", st.Notice)
	}
	eng, err := s.engine()
	if err != nil {
		return Person{}, err
	}
	embs := make([]engine.Embedding, 0, len(in.Photos))
	for i, photo := range in.Photos {
		if int64(len(photo)) > s.opts.PictureMax {
			return Person{}, errs.E(errs.TooLarge, "photo %d is over %d bytes", i+1, s.opts.PictureMax)
		}
		m, err := eng.Decode(photo)
		if err != nil {
			return Person{}, errs.E(errs.Invalid, "photo %d: %v", i+1, err)
		}
		faces := eng.Detect(m)
		if len(faces) != 1 {
			return Person{}, errs.E(errs.Invalid, "photo %d must show exactly one face (found %d)", i+1, len(faces))
		}
		embs = append(embs, eng.Describe(m, faces[0]))
	}
	row := PersonRow{ID: id.New("fpn"), AccountID: accountID, SiteID: siteID, ConsentMethod: c.Method,
		ConsentedAt: c.GivenAt.UTC().Truncate(time.Microsecond), LawfulBasis: in.LawfulBasis, CreatedBy: p.ID,
		CreatedAt: now, ExpiresAt: now.Add(s.opts.Retention)}
	consent, _ := json.Marshal(map[string]string{"given_by": givenBy, "evidence_type": c.EvidenceType})
	seal := func(column string, v []byte) ([]byte, error) {
		return s.keys.SealSubject(ctx, row.ID, v, ad(column, row.ID))
	}
	if row.LabelSealed, err = seal("face_people.label_sealed", []byte(label)); err != nil {
		return Person{}, err
	}
	if row.ConsentSealed, err = seal("face_people.consent_sealed", consent); err != nil {
		return Person{}, err
	}
	if row.EvidenceSealed, err = seal("face_people.evidence_sealed", c.Evidence); err != nil {
		return Person{}, err
	}
	ts := make([]TemplateRow, 0, len(embs))
	for _, e := range embs {
		t := TemplateRow{ID: id.New("ftp"), PersonID: row.ID, AccountID: accountID, SiteID: siteID, CreatedAt: now}
		if t.Sealed, err = s.keys.SealSubject(ctx, row.ID, encodeTemplate(e), ad("face_templates.template_sealed", t.ID)); err != nil {
			return Person{}, err
		}
		ts = append(ts, t)
	}
	if err := s.store.CreatePerson(ctx, d, row, ts); err != nil {
		_ = s.shred(context.WithoutCancel(ctx), []string{row.ID})
		return Person{}, err
	}
	row.Templates = len(ts)
	return s.person(ctx, row), nil
}

// person opens a row for display; a destroyed key reads as erased.
func (s *Service) person(ctx context.Context, r PersonRow) Person {
	p := Person{ID: r.ID, AccountID: r.AccountID, SiteID: r.SiteID, LawfulBasis: r.LawfulBasis, Templates: r.Templates,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		Consent: Consent{Method: r.ConsentMethod, GivenAt: r.ConsentedAt}}
	if b, err := s.keys.OpenSubject(ctx, r.ID, r.LabelSealed, ad("face_people.label_sealed", r.ID)); err == nil {
		p.Label = string(b)
	}
	if b, err := s.keys.OpenSubject(ctx, r.ID, r.ConsentSealed, ad("face_people.consent_sealed", r.ID)); err == nil {
		var c struct {
			GivenBy      string `json:"given_by"`
			EvidenceType string `json:"evidence_type"`
		}
		if json.Unmarshal(b, &c) == nil {
			p.Consent.GivenBy, p.Consent.EvidenceType = c.GivenBy, c.EvidenceType
		}
	}
	return p
}

// People lists a site's enrolled people (admins; staff only with a grant
// that names face.template). Templates are counted, never shown.
func (s *Service) People(ctx context.Context, p access.Principal, accountID, siteID string) ([]Person, error) {
	d, err := s.check(ctx, p, access.List, templateRes(accountID, siteID, ""))
	if err != nil {
		return nil, err
	}
	rows, err := s.store.People(ctx, d, accountID, siteID)
	if err != nil {
		return nil, err
	}
	out := make([]Person, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.person(ctx, r))
	}
	return out, nil
}

// Remove deletes an enrolled person, on their withdrawal of consent or the
// customer's decision: their key is destroyed first, so nothing sealed
// under it is readable even before the rows go (F4).
func (s *Service) Remove(ctx context.Context, p access.Principal, accountID, personID string) error {
	d, err := s.check(ctx, p, access.Delete, templateRes(accountID, "", personID))
	if err != nil {
		return err
	}
	if _, err := s.store.Person(ctx, d, accountID, personID); err != nil {
		return err
	}
	if err := s.shred(ctx, []string{personID}); err != nil {
		return err
	}
	return s.store.DeletePerson(ctx, d, accountID, personID)
}
