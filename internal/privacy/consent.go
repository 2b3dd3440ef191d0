package privacy

import (
	"context"
	"slices"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// Optional purposes: uses of personal data beyond what the service needs,
// each only with the person's consent (U-I).
const (
	FaceRecognition = "face_recognition"
	ProductResearch = "product_research"
	ProductNews     = "product_news"
)

// Purpose is an optional use people may agree to.
type Purpose struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Notice is the document whose current version must be accepted for
	// the consent to hold; "" for none.
	Notice Kind `json:"notice,omitempty"`
}

var purposes = []Purpose{
	{ID: FaceRecognition, Title: "Recognise the faces you enrol on your cameras", Notice: FaceProtocol},
	{ID: ProductResearch, Title: "Let vigil study how you use the app to improve it, beyond pseudonymised statistics"},
	{ID: ProductNews, Title: "Receive news about vigil products by e-mail"},
}

// Purposes lists the optional purposes.
func Purposes() []Purpose { return slices.Clone(purposes) }

func purposeOf(id string) (Purpose, error) {
	for _, p := range purposes {
		if p.ID == id {
			return p, nil
		}
	}
	return Purpose{}, errs.E(errs.Invalid, "unknown purpose %q", id)
}

// Consent is a person's consent to an optional purpose.
type Consent struct {
	ID          string     `json:"id"`
	Purpose     string     `json:"purpose"`
	NoticeID    string     `json:"notice_id,omitempty"`
	GrantedAt   time.Time  `json:"granted_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
	IP          string     `json:"ip"`
	Method      string     `json:"method"`
}

// GiveConsent records the person's consent to purpose. A purpose governed
// by a document (face recognition) needs the current version accepted first.
func (s *Service) GiveConsent(ctx context.Context, p access.Principal, purpose, method string) (Consent, error) {
	d, err := s.gate.Check(ctx, p, access.Create, consentRes(p.ID), datamap.PurposeService)
	if err != nil {
		return Consent{}, err
	}
	pur, err := purposeOf(purpose)
	if err != nil {
		return Consent{}, err
	}
	row := ConsentRow{ID: id.New("cns"), UserID: p.ID, Purpose: pur.ID, GrantedAt: s.clk.Now().UTC().Truncate(time.Microsecond), Method: method}
	if pur.Notice != "" {
		sts, err := s.standings(ctx, p.ID, pur.Notice, true)
		if err != nil {
			return Consent{}, err
		}
		for _, st := range sts {
			if st.due() || st.accepted == 0 {
				return Consent{}, errs.E(errs.ConsentRequired, "accept the current %s (notice %s) first", kindTitles[pur.Notice], st.current.ID)
			}
			row.NoticeID = st.current.ID
		}
	}
	if _, err := s.store.LiveConsent(ctx, p.ID, pur.ID); err == nil {
		return Consent{}, errs.E(errs.Conflict, "you have already agreed to %s", pur.ID)
	} else if !errs.Is(err, errs.NotFound) {
		return Consent{}, err
	}
	if row.IPSealed, err = s.sealSubject(ctx, p.ID, "privacy_consents.ip_sealed", row.ID, p.IP); err != nil {
		return Consent{}, err
	}
	if err := s.store.CreateConsent(ctx, d, row); err != nil {
		return Consent{}, err
	}
	return s.consent(ctx, row), nil
}

// WithdrawConsent withdraws the person's consent to purpose; it takes
// effect at once: the next HasConsent answers no.
func (s *Service) WithdrawConsent(ctx context.Context, p access.Principal, purpose string) error {
	d, err := s.gate.Check(ctx, p, access.Update, consentRes(p.ID), datamap.PurposeService)
	if err != nil {
		return err
	}
	if _, err := purposeOf(purpose); err != nil {
		return err
	}
	return s.store.WithdrawConsent(ctx, d, p.ID, purpose)
}

// HasConsent reports whether the person has a live consent to purpose and,
// for a purpose governed by a document, has accepted its current material
// version. Code that uses personal data for an optional purpose calls it
// each time, so a withdrawal or an unaccepted update stops it at once.
func (s *Service) HasConsent(ctx context.Context, userID, purpose string) (bool, error) {
	pur, err := purposeOf(purpose)
	if err != nil {
		return false, err
	}
	if _, err := s.store.LiveConsent(ctx, userID, pur.ID); errs.Is(err, errs.NotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if pur.Notice != "" {
		if err := s.requireCurrent(ctx, userID, pur.Notice, true); errs.Is(err, errs.ConsentRequired) {
			return false, nil
		} else if err != nil {
			return false, err
		}
	}
	return true, nil
}

// Consents lists a person's consents, live and withdrawn, oldest first.
func (s *Service) Consents(ctx context.Context, p access.Principal, userID string) ([]Consent, error) {
	d, err := s.gate.Check(ctx, p, access.List, consentRes(userID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Consents(ctx, d, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Consent, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.consent(ctx, r))
	}
	return out, nil
}

func (s *Service) consent(ctx context.Context, r ConsentRow) Consent {
	c := Consent{ID: r.ID, Purpose: r.Purpose, NoticeID: r.NoticeID, GrantedAt: r.GrantedAt, Method: r.Method,
		IP: s.openSubject(ctx, r.UserID, "privacy_consents.ip_sealed", r.ID, r.IPSealed)}
	if !r.WithdrawnAt.IsZero() {
		t := r.WithdrawnAt
		c.WithdrawnAt = &t
	}
	return c
}
