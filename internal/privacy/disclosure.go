package privacy

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// DisclosureKind says why data left vigil.
type DisclosureKind string

// The kinds of disclosure.
const (
	ToProcessor DisclosureKind = "processor" // a company working for the vendor (mail, SMS, support)
	Share       DisclosureKind = "share"     // a third party a user designated
	Legal       DisclosureKind = "legal"     // an authority's request or a dispute
	Transfer    DisclosureKind = "transfer"  // a transfer of control (merger, move)
)

// MaxLegalHold bounds how long a legal request may stay hidden from the
// people it concerns without being recorded again.
const MaxLegalHold = 2 * 365 * 24 * time.Hour

// Processor is a company in the registry of processors.
type Processor struct {
	ID                  string               `json:"id"`
	Name                string               `json:"name"`
	Service             string               `json:"service"`
	Categories          []datamap.CategoryID `json:"categories"`
	AgreementSignedAt   time.Time            `json:"agreement_signed_at"`
	AgreementExpiresAt  time.Time            `json:"agreement_expires_at"`
	AssessedAt          time.Time            `json:"assessed_at"`
	AssessmentExpiresAt time.Time            `json:"assessment_expires_at"`
	Current             bool                 `json:"current"` // agreement and assessment both in force now
}

// ProcessorInput describes a processor to register or update.
type ProcessorInput struct {
	Name                string               `json:"name"`
	Service             string               `json:"service"`
	Categories          []datamap.CategoryID `json:"categories"`
	AgreementSignedAt   time.Time            `json:"agreement_signed_at"`
	AgreementExpiresAt  time.Time            `json:"agreement_expires_at"`
	AssessedAt          time.Time            `json:"assessed_at"`
	AssessmentExpiresAt time.Time            `json:"assessment_expires_at"`
}

func (r ProcessorRow) lapse(at time.Time) string {
	switch {
	case at.Before(r.AgreementSignedAt) || !at.Before(r.AgreementExpiresAt):
		return "its agreement is not in force"
	case at.Before(r.AssessedAt) || !at.Before(r.AssessmentExpiresAt):
		return "its assessment is not current"
	}
	return ""
}

func (s *Service) processor(r ProcessorRow) Processor {
	return Processor{ID: r.ID, Name: r.Name, Service: r.Service, Categories: r.Categories, AgreementSignedAt: r.AgreementSignedAt,
		AgreementExpiresAt: r.AgreementExpiresAt, AssessedAt: r.AssessedAt, AssessmentExpiresAt: r.AssessmentExpiresAt,
		Current: r.lapse(s.clk.Now()) == ""}
}

// PutProcessor registers a processor (id "") or updates one, for instance
// with a renewed agreement or assessment (operator admin).
func (s *Service) PutProcessor(ctx context.Context, p access.Principal, processorID string, in ProcessorInput) (Processor, error) {
	if err := requireStaff(p, access.StaffOperatorAdmin); err != nil {
		return Processor{}, err
	}
	if err := checkText("name", in.Name, 1, 100); err != nil {
		return Processor{}, err
	}
	if err := checkText("service", in.Service, 1, 500); err != nil {
		return Processor{}, err
	}
	cats, err := s.checkCategories(in.Categories)
	if err != nil {
		return Processor{}, err
	}
	switch {
	case in.AgreementSignedAt.IsZero() || !in.AgreementExpiresAt.After(in.AgreementSignedAt):
		return Processor{}, errs.E(errs.Invalid, "agreement_signed_at and a later agreement_expires_at are required")
	case in.AssessedAt.IsZero() || !in.AssessmentExpiresAt.After(in.AssessedAt):
		return Processor{}, errs.E(errs.Invalid, "assessed_at and a later assessment_expires_at are required")
	}
	row := ProcessorRow{ID: processorID, Name: strings.TrimSpace(in.Name), Service: strings.TrimSpace(in.Service), Categories: cats,
		AgreementSignedAt: in.AgreementSignedAt.UTC(), AgreementExpiresAt: in.AgreementExpiresAt.UTC(),
		AssessedAt: in.AssessedAt.UTC(), AssessmentExpiresAt: in.AssessmentExpiresAt.UTC()}
	if row.ID == "" {
		row.ID = id.New("prc")
	}
	if err := s.store.PutProcessor(ctx, row); err != nil {
		return Processor{}, err
	}
	row, err = s.store.Processor(ctx, row.ID)
	return s.processor(row), err
}

// Processors lists the registry; it holds no personal data and anyone
// signed in may read it.
func (s *Service) Processors(ctx context.Context) ([]Processor, error) {
	rows, err := s.store.Processors(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Processor, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.processor(r))
	}
	return out, nil
}

// MayDisclose returns nil when category may go to the processor at a time,
// and errs.Forbidden when the processor does not receive that category or
// its agreement or assessment is not in force. Every channel that hands data
// to a processor (mail, SMS, support tools) asks first.
func (s *Service) MayDisclose(ctx context.Context, processorID string, category datamap.CategoryID, at time.Time) error {
	r, err := s.store.Processor(ctx, processorID)
	if errs.Is(err, errs.NotFound) {
		return errs.E(errs.Forbidden, "processor %s is not registered; no data goes to it", processorID)
	} else if err != nil {
		return err
	}
	if why := r.lapse(at); why != "" {
		return errs.E(errs.Forbidden, "no data goes to %s: %s", r.Name, why)
	}
	if !slices.Contains(r.Categories, category) {
		return errs.E(errs.Forbidden, "%s does not receive %s", r.Name, category)
	}
	return nil
}

// Disclosure is a ledger entry.
type Disclosure struct {
	ID          string               `json:"id"`
	AccountID   string               `json:"account_id"`
	SubjectID   string               `json:"subject_id,omitempty"`
	Kind        DisclosureKind       `json:"kind"`
	ProcessorID string               `json:"processor_id,omitempty"`
	Recipient   string               `json:"recipient"`
	Reference   string               `json:"reference,omitempty"`
	Details     string               `json:"details,omitempty"`
	Categories  []datamap.CategoryID `json:"categories"`
	Resources   []string             `json:"resources"`
	DisclosedAt time.Time            `json:"disclosed_at"`
	Until       *time.Time           `json:"until,omitempty"`
	RevokedAt   *time.Time           `json:"revoked_at,omitempty"`
	HoldUntil   *time.Time           `json:"hold_until,omitempty"` // shown to staff only
}

func ledgerRes(accountID string) access.Resource {
	return access.Resource{Category: datamap.PrivacyDisclosure, AccountID: accountID}
}

// VendorLedger names the vendor's own view of an account's ledger, where
// legal requests are recorded and read. It is kept out of the account's
// access log on purpose: an entry there would tell the customer of a request
// the law forbids telling them of yet. The decision is in the vendor's log.
func VendorLedger(accountID string) access.Resource {
	return access.Resource{Category: datamap.PrivacyDisclosure, ID: accountID}
}

func (s *Service) record(ctx context.Context, d access.Decision, r DisclosureRow, recipient, reference, details string) (Disclosure, error) {
	var err error
	if r.RecipientSealed, err = s.sealAccount(ctx, r.AccountID, "privacy_disclosures.recipient_sealed", r.ID, recipient); err != nil {
		return Disclosure{}, err
	}
	if r.ReferenceSealed, err = s.sealAccount(ctx, r.AccountID, "privacy_disclosures.reference_sealed", r.ID, reference); err != nil {
		return Disclosure{}, err
	}
	if r.DetailsSealed, err = s.sealAccount(ctx, r.AccountID, "privacy_disclosures.details_sealed", r.ID, details); err != nil {
		return Disclosure{}, err
	}
	if err := s.store.CreateDisclosure(ctx, d, r); err != nil {
		return Disclosure{}, err
	}
	return s.disclosure(ctx, r, true), nil
}

func (s *Service) disclosure(ctx context.Context, r DisclosureRow, staff bool) Disclosure {
	out := Disclosure{ID: r.ID, AccountID: r.AccountID, SubjectID: r.SubjectID, Kind: r.Kind, ProcessorID: r.ProcessorID,
		Categories: r.Categories, Resources: r.Resources, DisclosedAt: r.DisclosedAt,
		Recipient: s.openAccount(ctx, r.AccountID, "privacy_disclosures.recipient_sealed", r.ID, r.RecipientSealed),
		Reference: s.openAccount(ctx, r.AccountID, "privacy_disclosures.reference_sealed", r.ID, r.ReferenceSealed),
		Details:   s.openAccount(ctx, r.AccountID, "privacy_disclosures.details_sealed", r.ID, r.DetailsSealed)}
	for _, t := range []struct {
		src time.Time
		dst **time.Time
	}{{r.ExpiresAt, &out.Until}, {r.RevokedAt, &out.RevokedAt}} {
		if !t.src.IsZero() {
			v := t.src
			*t.dst = &v
		}
	}
	if staff && !r.HoldUntil.IsZero() {
		v := r.HoldUntil
		out.HoldUntil = &v
	}
	return out
}

// ProcessorDisclosure is data handed to a processor about an account (and
// one person of it, when it concerns one).
type ProcessorDisclosure struct {
	AccountID   string
	SubjectID   string
	ProcessorID string
	Categories  []datamap.CategoryID
	Details     string // what was sent and why, e.g. "alarm e-mail"
}

// RecordProcessorDisclosure checks that every category may go to the
// processor now (MayDisclose) and records the disclosure in the ledger. A
// channel calls it before it sends; a refusal means it must not send.
func (s *Service) RecordProcessorDisclosure(ctx context.Context, p access.Principal, in ProcessorDisclosure) (Disclosure, error) {
	d, err := s.gate.Check(ctx, p, access.Create, ledgerRes(in.AccountID), datamap.PurposeService)
	if err != nil {
		return Disclosure{}, err
	}
	cats, err := s.checkCategories(in.Categories)
	if err != nil {
		return Disclosure{}, err
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	for _, c := range cats {
		if err := s.MayDisclose(ctx, in.ProcessorID, c, now); err != nil {
			return Disclosure{}, err
		}
	}
	proc, err := s.store.Processor(ctx, in.ProcessorID)
	if err != nil {
		return Disclosure{}, err
	}
	row := DisclosureRow{ID: id.New("dsc"), AccountID: in.AccountID, SubjectID: in.SubjectID, Kind: ToProcessor,
		ProcessorID: proc.ID, Categories: cats, Resources: []string{}, DisclosedAt: now, RecordedBy: p.ID}
	return s.record(ctx, d, row, proc.Name, "", in.Details)
}

// LegalInput is a disclosure on legal grounds: an authority's request or a
// dispute.
type LegalInput struct {
	SubjectID   string               `json:"subject_id"` // the person concerned; "" for the whole account
	Authority   string               `json:"authority"`
	Reference   string               `json:"reference"` // the legal reference: order, statute, case number
	Scope       string               `json:"scope"`     // what was disclosed
	Categories  []datamap.CategoryID `json:"categories"`
	Resources   []string             `json:"resources"`
	DisclosedAt time.Time            `json:"disclosed_at"`
	// HoldUntil is the date before which the law forbids telling the people
	// concerned; zero when they may be told at once.
	HoldUntil time.Time `json:"hold_until"`
}

// RecordLegal records a disclosure on legal grounds (security or DPO).
func (s *Service) RecordLegal(ctx context.Context, p access.Principal, accountID string, in LegalInput) (Disclosure, error) {
	d, err := s.gate.Check(ctx, p, access.Create, VendorLedger(accountID), datamap.PurposeService)
	if err != nil {
		return Disclosure{}, err
	}
	if in.SubjectID != "" {
		if err := checkID("subject_id", in.SubjectID); err != nil {
			return Disclosure{}, err
		}
	}
	for _, f := range []struct{ name, v string }{{"authority", in.Authority}, {"reference", in.Reference}, {"scope", in.Scope}} {
		if err := checkText(f.name, f.v, 1, 1000); err != nil {
			return Disclosure{}, err
		}
	}
	cats, err := s.checkCategories(in.Categories)
	if err != nil {
		return Disclosure{}, err
	}
	res, err := checkResources(in.Resources)
	if err != nil {
		return Disclosure{}, err
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	at := in.DisclosedAt.UTC()
	if at.IsZero() {
		at = now
	}
	switch {
	case at.After(now):
		return Disclosure{}, errs.E(errs.Invalid, "disclosed_at cannot be in the future")
	case !in.HoldUntil.IsZero() && !in.HoldUntil.After(now):
		return Disclosure{}, errs.E(errs.Invalid, "hold_until must be in the future, or left out")
	case in.HoldUntil.Sub(now) > MaxLegalHold:
		return Disclosure{}, errs.E(errs.Invalid, "a hold lasts at most two years; record it again if the law extends it")
	}
	row := DisclosureRow{ID: id.New("dsc"), AccountID: accountID, SubjectID: in.SubjectID, Kind: Legal, Categories: cats,
		Resources: res, DisclosedAt: at, HoldUntil: in.HoldUntil.UTC(), RecordedBy: p.ID}
	return s.record(ctx, d, row, strings.TrimSpace(in.Authority), strings.TrimSpace(in.Reference), strings.TrimSpace(in.Scope))
}

// AccountLedger lists every disclosure of an account's data, newest first.
// Customers (admins) do not see entries under a legal hold until it ends;
// security and the DPO see all of them, through the vendor's ledger.
func (s *Service) AccountLedger(ctx context.Context, p access.Principal, accountID string) ([]Disclosure, error) {
	res := ledgerRes(accountID)
	if p.Kind == access.KindStaff {
		res = VendorLedger(accountID)
	}
	d, err := s.gate.Check(ctx, p, access.List, res, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Disclosures(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	return s.visible(ctx, rows, p.Kind == access.KindStaff), nil
}

// LedgerFilter narrows the vendor's whole ledger: one kind, one
// processor, an authority (a part of a legal request's recipient, any
// case); Limit bounds the entries read (default and most 5000).
type LedgerFilter struct {
	Kind        DisclosureKind
	ProcessorID string
	Authority   string
	Limit       int
}

// Ledger lists the whole disclosure ledger across accounts, newest first,
// legal requests under a hold included (security officer, DPO).
func (s *Service) Ledger(ctx context.Context, p access.Principal, f LedgerFilter) ([]Disclosure, error) {
	switch f.Kind {
	case "", ToProcessor, Share, Legal, Transfer:
	default:
		return nil, errs.E(errs.Invalid, "kind must be processor, share, legal or transfer")
	}
	if f.ProcessorID != "" {
		if err := checkID("processor", f.ProcessorID); err != nil {
			return nil, err
		}
	}
	if len(f.Authority) > 200 {
		return nil, errs.E(errs.Invalid, "authority must be at most 200 characters")
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 5000
	}
	d, err := s.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.PrivacyDisclosure}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	kind := f.Kind
	if f.Authority != "" {
		kind = Legal
	}
	rows, err := s.store.AllDisclosures(ctx, d, kind, f.ProcessorID, f.Limit)
	if err != nil {
		return nil, err
	}
	out := s.visible(ctx, rows, true)
	if f.Authority != "" {
		want := strings.ToLower(strings.TrimSpace(f.Authority))
		out = slices.DeleteFunc(out, func(x Disclosure) bool { return !strings.Contains(strings.ToLower(x.Recipient), want) })
	}
	return out, nil
}

// MyLedger lists every disclosure that concerned the caller, except those
// the law keeps from them for now.
func (s *Service) MyLedger(ctx context.Context, p access.Principal) ([]Disclosure, error) {
	d, err := s.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.PrivacyDisclosure, SubjectID: p.ID}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.SubjectDisclosures(ctx, d, p.ID)
	if err != nil {
		return nil, err
	}
	return s.visible(ctx, rows, false), nil
}

func (s *Service) visible(ctx context.Context, rows []DisclosureRow, staff bool) []Disclosure {
	now := s.clk.Now()
	out := make([]Disclosure, 0, len(rows))
	for _, r := range rows {
		if !staff && now.Before(r.HoldUntil) {
			continue
		}
		out = append(out, s.disclosure(ctx, r, staff))
	}
	return out
}

// Processor returns one processor of the registry.
func (s *Service) Processor(ctx context.Context, id string) (Processor, error) {
	r, err := s.store.Processor(ctx, id)
	return s.processor(r), err
}
