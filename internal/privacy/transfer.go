package privacy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Transfers of control (T1). An account's owner may hand the whole account
// to another organisation (a merger, an acquisition, a move to another
// vigil) only by confirming it themselves after a fresh second factor. The
// package holds the account's data, in the open JSON layout of access
// packages, with transfer.json: the account, its sites, its people and the
// obligations still open. Each other member is asked (by mail and in the
// app): their own records, and what they accepted and consented to, go
// only once they agree; until then transfer.json carries only their
// address and roles, so the receiving side can invite them anew. No one's
// sign-in history, access log, privacy requests or messages travel: they
// are each person's own dealings with this vigil, and may concern other
// accounts. It is signed like every package. Every member finds the
// transfer in their ledger.
//
// Consents never travel as given: a consent is given to whoever asked for
// it, so the receiving side invites every person again and applies none of
// their earlier choices; transfer.json carries them only as a record of what
// was agreed here.

// JobTransfer names the system principal that writes transfer packages.
const JobTransfer = "privacy-transfer"

const (
	transferFormat = "vigil-transfer/v1"
	transferFile   = "transfer.json"
)

// Tenants is what transfers need of the account capability; the account
// service implements it.
type Tenants interface {
	Account(ctx context.Context, p access.Principal, id string) (account.Account, error)
	Sites(ctx context.Context, p access.Principal, accountID string) ([]account.Site, error)
	Members(ctx context.Context, p access.Principal, accountID string) ([]account.Member, error)
	ImportAccount(ctx context.Context, p access.Principal, in account.Imported) (account.ImportedAccount, error)
}

// TransferInput is an owner's decision to hand the account over.
type TransferInput struct {
	Recipient string `json:"recipient"` // the organisation the account goes to
	Reason    string `json:"reason"`
	Confirm   bool   `json:"confirm"`
}

// TransferStarted is a started transfer, as its owner sees it.
type TransferStarted struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Recipient string    `json:"recipient"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
	Members   int       `json:"members"`
	Files     int       `json:"files"`
	Package   string    `json:"package"` // where to download it
}

// TransferDocument is transfer.json.
type TransferDocument struct {
	Format      string              `json:"format"`
	TransferID  string              `json:"transfer_id"`
	CreatedAt   time.Time           `json:"created_at"`
	Recipient   string              `json:"recipient"`
	Reason      string              `json:"reason"`
	ConfirmedBy string              `json:"confirmed_by"` // the owner who consented to the transfer
	Account     TransferAccount     `json:"account"`
	Sites       []TransferSite      `json:"sites"`
	Members     []TransferMember    `json:"members"`
	Obligations TransferObligations `json:"obligations"`
	LeftOut     []TransferLeftOut   `json:"left_out"`
	// ConsentNote says how the receiving side must treat the consents.
	ConsentNote string `json:"consent_note"`
}

// TransferAccount is the account moved.
type TransferAccount struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Region    string    `json:"region"`
	CreatedAt time.Time `json:"created_at"`
}

// TransferSite is one of its sites.
type TransferSite struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

// TransferMember is one person of the account: their roles, what they
// accepted and consented to here, and where their own data is.
type TransferMember struct {
	UserID string         `json:"user_id"`
	Email  string         `json:"email"`
	Name   string         `json:"name,omitempty"`
	Roles  []TransferRole `json:"roles"`
	// Consented: the member agreed that their own records go; without it
	// only their address and roles travel, to invite them anew.
	Consented   bool                 `json:"consented"`
	Data        string               `json:"data,omitempty"` // folder of the member's own records
	Acceptances []TransferAcceptance `json:"acceptances"`
	Consents    []TransferConsent    `json:"consents"`
}

// TransferRole is a role in the account, or in one site of it.
type TransferRole struct {
	Role   access.Role `json:"role"`
	SiteID string      `json:"site_id,omitempty"`
}

// TransferAcceptance is a notice version a member accepted.
type TransferAcceptance struct {
	NoticeID   string    `json:"notice_id"`
	Kind       Kind      `json:"kind"`
	Version    int       `json:"version"`
	TextHash   string    `json:"text_hash"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// TransferConsent is a member's consent to an optional purpose, as it
// stands; it is a record, never a consent the receiving side may rely on.
type TransferConsent struct {
	Purpose     string     `json:"purpose"`
	GrantedAt   time.Time  `json:"granted_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
	Live        bool       `json:"live"`
}

// TransferObligations are the commitments still running on the account.
type TransferObligations struct {
	StaffGrants  []TransferGrant   `json:"staff_grants"`
	Shares       []TransferShare   `json:"shares"`
	LegalHold    bool              `json:"legal_hold"`
	OpenRequests []TransferRequest `json:"open_privacy_requests"`
}

// TransferGrant is a live or scheduled entrustment grant to vendor staff.
type TransferGrant struct {
	ID         string               `json:"id"`
	Categories []datamap.CategoryID `json:"categories"`
	From       time.Time            `json:"from"`
	Until      time.Time            `json:"until"`
	Status     string               `json:"status"`
}

// TransferShare is a live share with a third party a user designated.
type TransferShare struct {
	ID         string               `json:"id"`
	Recipient  string               `json:"recipient"`
	Categories []datamap.CategoryID `json:"categories"`
	Until      *time.Time           `json:"until,omitempty"`
}

// TransferRequest is a data-subject request not yet answered of a member
// who agreed to the transfer: what it asks and when it is due, never its
// identifier or content (this vigil answers it).
type TransferRequest struct {
	MemberID string             `json:"member_id"`
	Kind     fulfil.RequestKind `json:"kind"`
	Status   Status             `json:"status"`
	DueAt    time.Time          `json:"due_at"`
}

// TransferLeftOut is a category deliberately not in the package.
type TransferLeftOut struct {
	Category datamap.CategoryID `json:"category"`
	Why      string             `json:"why"`
}

const consentNote = "These consents and acceptances were given to this vigil. A consent belongs to whoever asked for it: " +
	"they do not carry over. The receiving side must ask every person again and apply none of them until they do."

func transferOwner(id string) string { return id + ".transfer" }

// ownDealings are categories that record a person's own dealings with this
// vigil rather than the account: they never travel with an account.
var ownDealings = map[datamap.CategoryID]string{
	datamap.AuditTrail:     "who did what, when and from where is each person's own record; each reads theirs here",
	datamap.LogAccess:      "each person's sign-ins and app use (addresses, browsers) are their own; each reads theirs here",
	datamap.PrivacyRequest: "each person's privacy requests are their own; this vigil answers those still open",
	datamap.PrivacyConsent: "consents do not carry over; transfer.json records the choices of members who agreed",
	datamap.NotifyMessage:  "a person's messages may concern their other accounts; the receiving side sends its own",
}

// transferCategories are the categories a transfer carries: every one with
// an exporter, except sign-in credentials and sessions, which are bound to
// this vigil and never leave their owner, and each person's own dealings
// with this vigil.
func (s *Requests) transferCategories() (in []datamap.CategoryID, out []TransferLeftOut) {
	for _, c := range s.fulfil.SubjectCategories() {
		switch {
		case c.Sensitivity == datamap.Credential || c.ID == datamap.AccountSession:
			out = append(out, TransferLeftOut{Category: c.ID, Why: "sign-in credentials and sessions never leave vigil; each person signs in anew"})
		case ownDealings[c.ID] != "":
			out = append(out, TransferLeftOut{Category: c.ID, Why: ownDealings[c.ID]})
		case s.fulfil.Handlers(c.ID).Export != nil:
			in = append(in, c.ID)
		}
	}
	return in, out
}

// StartTransfer records an owner's consent to hand the whole account to
// recipient, builds the signed package into the blob store, and records
// the transfer in the ledger for the account and for every member.
// sessionToken must be a session that passed a second factor within
// FreshMFA.
func (s *Requests) StartTransfer(ctx context.Context, p access.Principal, sessionToken, accountID string, in TransferInput) (TransferStarted, error) {
	if p.Kind != access.KindUser {
		return TransferStarted{}, errs.E(errs.Forbidden, "only the account's owner transfers it")
	}
	// Only an owner may move the whole account; the decision is in the log.
	if _, err := s.gate.Check(ctx, p, access.Export, access.Resource{Category: datamap.AccountProfile, AccountID: accountID}, datamap.PurposeService); err != nil {
		return TransferStarted{}, err
	}
	if err := checkText("recipient", in.Recipient, 1, 200); err != nil {
		return TransferStarted{}, err
	}
	if err := checkText("reason", in.Reason, 1, 2000); err != nil {
		return TransferStarted{}, err
	}
	if !in.Confirm {
		return TransferStarted{}, errs.E(errs.Invalid, "confirm must be true: a transfer hands every member's data to the recipient, and happens only with your explicit consent")
	}
	if err := s.checkFresh(ctx, sessionToken); err != nil {
		return TransferStarted{}, err
	}
	if s.tenants == nil || s.ledger == nil {
		return TransferStarted{}, errs.E(errs.Internal, "privacy: transfers are not set up")
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	doc := TransferDocument{Format: transferFormat, TransferID: id.New("dsc"), CreatedAt: now, Recipient: strings.TrimSpace(in.Recipient),
		Reason: strings.TrimSpace(in.Reason), ConfirmedBy: p.ID, ConsentNote: consentNote}
	m, subjects, err := s.buildTransfer(ctx, p, accountID, &doc)
	if err != nil {
		return TransferStarted{}, err
	}
	cats, _ := s.transferCategories()
	// Every member finds the transfer in their ledger, and each other
	// member is asked whether their own records go with it.
	all := make([]fulfil.Subject, 0, len(doc.Members))
	for _, mb := range doc.Members {
		all = append(all, fulfil.Subject{Kind: fulfil.RequesterUser, ID: mb.UserID})
	}
	if err := s.recordTransfer(ctx, p, doc, all, cats); err != nil {
		return TransferStarted{}, errors.Join(err, s.dropTransfer(ctx, doc.TransferID))
	}
	if err := s.askMembers(ctx, doc); err != nil {
		return TransferStarted{}, err
	}
	_ = subjects
	return TransferStarted{ID: doc.TransferID, AccountID: accountID, Recipient: doc.Recipient, Reason: doc.Reason, CreatedAt: now,
		Members: len(doc.Members), Files: len(m.Files), Package: "/api/v1/accounts/" + accountID + "/transfers/" + doc.TransferID + "/package"}, nil
}

// buildTransfer describes the account as it is now, with the records of
// the members who agreed so far, and stores the signed package.
func (s *Requests) buildTransfer(ctx context.Context, p access.Principal, accountID string, doc *TransferDocument) (Manifest, []fulfil.Subject, error) {
	cats, leftOut := s.transferCategories()
	doc.LeftOut = leftOut
	subjects, err := s.describe(ctx, p, accountID, doc)
	if err != nil {
		return Manifest{}, nil, err
	}
	if _, err := s.gate.Check(ctx, access.System(JobTransfer), access.Create,
		access.Resource{Category: datamap.PrivacyExport, AccountID: accountID, ID: doc.TransferID}, datamap.PurposeService); err != nil {
		return Manifest{}, nil, err
	}
	// The package lives in the blob store, which takes no decision; the
	// entry above records its making.
	m, err := s.storePackage(ctx, transferOwner(doc.TransferID), func(w io.Writer) (Manifest, error) {
		return s.writeTransfer(ctx, w, *doc, subjects, fulfil.Scope{Categories: cats})
	})
	return m, subjects, err
}

// describe fills transfer.json from the account, its members and their
// records, and returns the members as subjects whose roles are limited to
// this account, so that nothing of another account goes with them.
func (s *Requests) describe(ctx context.Context, p access.Principal, accountID string, doc *TransferDocument) ([]fulfil.Subject, error) {
	acct, err := s.tenants.Account(ctx, p, accountID)
	if err != nil {
		return nil, err
	}
	doc.Account = TransferAccount{ID: acct.ID, Name: acct.Name, Region: acct.Region, CreatedAt: acct.CreatedAt}
	sites, err := s.tenants.Sites(ctx, p, accountID)
	if err != nil {
		return nil, err
	}
	doc.Sites = make([]TransferSite, 0, len(sites))
	for _, st := range sites {
		doc.Sites = append(doc.Sites, TransferSite{ID: st.ID, Name: st.Name, TimeZone: st.TimeZone})
	}
	members, err := s.tenants.Members(ctx, p, accountID)
	if err != nil {
		return nil, err
	}
	answers, err := s.store.TransferAnswers(ctx, doc.TransferID)
	if err != nil {
		return nil, err
	}
	agreed := func(userID string) bool { return userID == doc.ConfirmedBy || answers[userID] == AnswerAgreed }
	var subjects []fulfil.Subject
	for _, mb := range members {
		i := slices.IndexFunc(doc.Members, func(x TransferMember) bool { return x.UserID == mb.UserID })
		if i < 0 {
			tm := TransferMember{UserID: mb.UserID, Email: mb.Email, Consented: agreed(mb.UserID),
				Acceptances: []TransferAcceptance{}, Consents: []TransferConsent{}}
			if tm.Consented {
				tm.Name, tm.Data = mb.Name, "members/"+mb.UserID+"/"
				subjects = append(subjects, fulfil.Subject{Kind: fulfil.RequesterUser, ID: mb.UserID})
			}
			doc.Members = append(doc.Members, tm)
			i = len(doc.Members) - 1
		}
		sites := mb.Sites
		if len(sites) == 0 {
			sites = []string{""} // the whole account
		}
		j := slices.IndexFunc(subjects, func(x fulfil.Subject) bool { return x.ID == mb.UserID })
		for _, site := range sites {
			doc.Members[i].Roles = append(doc.Members[i].Roles, TransferRole{Role: mb.Role, SiteID: site})
			if j >= 0 {
				subjects[j].Memberships = append(subjects[j].Memberships, access.Membership{AccountID: accountID, SiteID: site, Role: mb.Role})
			}
		}
	}
	for i := range doc.Members {
		if !doc.Members[i].Consented {
			continue
		}
		if err := s.consentsOf(ctx, &doc.Members[i]); err != nil {
			return nil, err
		}
	}
	return subjects, s.obligations(ctx, p, accountID, subjects, doc)
}

func (s *Requests) consentsOf(ctx context.Context, m *TransferMember) error {
	d, err := s.gate.Check(ctx, access.System(JobTransfer), access.Export,
		access.Resource{Category: datamap.PrivacyConsent, SubjectID: m.UserID}, datamap.PurposeService)
	if err != nil {
		return err
	}
	acc, err := s.ledger.store.Acceptances(ctx, d, m.UserID)
	if err != nil {
		return err
	}
	m.Acceptances = make([]TransferAcceptance, 0, len(acc))
	for _, a := range acc {
		m.Acceptances = append(m.Acceptances, TransferAcceptance{NoticeID: a.NoticeID, Kind: a.Kind, Version: a.Version,
			TextHash: hex.EncodeToString(a.TextHash), AcceptedAt: a.AcceptedAt})
	}
	cs, err := s.ledger.store.Consents(ctx, d, m.UserID)
	if err != nil {
		return err
	}
	m.Consents = make([]TransferConsent, 0, len(cs))
	for _, c := range cs {
		tc := TransferConsent{Purpose: c.Purpose, GrantedAt: c.GrantedAt, Live: c.WithdrawnAt.IsZero()}
		if !c.WithdrawnAt.IsZero() {
			t := c.WithdrawnAt
			tc.WithdrawnAt = &t
		}
		m.Consents = append(m.Consents, tc)
	}
	return nil
}

// obligations lists what still runs on the account: staff grants not
// ended, live shares, legal holds, and members' requests not answered.
func (s *Requests) obligations(ctx context.Context, p access.Principal, accountID string, subjects []fulfil.Subject, doc *TransferDocument) error {
	o := TransferObligations{StaffGrants: []TransferGrant{}, Shares: []TransferShare{}, OpenRequests: []TransferRequest{}}
	grants, err := s.ledger.Grants(ctx, p, accountID)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if g.Status == "active" || g.Status == "scheduled" {
			o.StaffGrants = append(o.StaffGrants, TransferGrant{ID: g.ID, Categories: g.Categories, From: g.From, Until: g.Until, Status: g.Status})
		}
	}
	ledger, err := s.ledger.AccountLedger(ctx, p, accountID)
	if err != nil {
		return err
	}
	now := s.clk.Now()
	for _, e := range ledger {
		if e.Kind == Share && e.RevokedAt == nil && (e.Until == nil || now.Before(*e.Until)) {
			o.Shares = append(o.Shares, TransferShare{ID: e.ID, Recipient: e.Recipient, Categories: e.Categories, Until: e.Until})
		}
	}
	owners := []string{accountID}
	for _, subj := range subjects {
		owners = append(owners, subj.ID)
		d, err := s.gate.Check(ctx, access.System(JobTransfer), access.List,
			access.Resource{Category: datamap.PrivacyRequest, SubjectID: subj.ID}, datamap.PurposeService)
		if err != nil {
			return err
		}
		rows, err := s.store.RequestsOf(ctx, d, subj.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Status != StatusClosed {
				o.OpenRequests = append(o.OpenRequests, TransferRequest{MemberID: subj.ID, Kind: r.Kind, Status: r.Status, DueAt: r.Deadline()})
			}
		}
	}
	if s.holds != nil {
		for _, owner := range owners {
			held, err := s.holds.Held(ctx, owner)
			if err != nil {
				return err
			}
			o.LegalHold = o.LegalHold || held
		}
	}
	doc.Obligations = o
	return nil
}

// writeTransfer streams the transfer package: transfer.json, then each
// member's own records under members/<id>/, then the signed manifest.
func (s *Requests) writeTransfer(ctx context.Context, w io.Writer, doc TransferDocument, subjects []fulfil.Subject, sc fulfil.Scope) (Manifest, error) {
	m := Manifest{Format: transferFormat, RequestID: doc.TransferID, SubjectID: doc.Account.ID, CreatedAt: doc.CreatedAt, Scope: sc}
	zw := newPackageZip(w)
	fp := sha256.New()
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return m, errs.Wrap(err, errs.Internal, "encode transfer.json")
	}
	f, err := writeFile(zw, transferFile, datamap.AccountProfile, bytes.NewReader(body), m.CreatedAt)
	if err != nil {
		return m, err
	}
	m.Files = append(m.Files, f)
	io.WriteString(fp, f.SHA256) //nolint:errcheck // a hash never fails
	for _, subj := range subjects {
		if err := s.writeSubject(ctx, zw, "members/"+subj.ID+"/", JobTransfer, subj, sc, &m, fp); err != nil {
			return m, err
		}
	}
	return m, s.sealPackage(ctx, zw, &m, fp)
}

// recordTransfer writes the ledger entries: one for the account, holding
// the transfer's ID, and one for each member, so each finds it in theirs.
func (s *Requests) recordTransfer(ctx context.Context, p access.Principal, doc TransferDocument, subjects []fulfil.Subject, cats []datamap.CategoryID) error {
	d, err := s.gate.Check(ctx, access.System(JobTransfer), access.Create, ledgerRes(doc.Account.ID), datamap.PurposeService)
	if err != nil {
		return err
	}
	ref := "transfer " + doc.TransferID + ", confirmed by the owner " + p.ID
	ids := append([]string{""}, make([]string, len(subjects))...)
	for i, subj := range subjects {
		ids[i+1] = subj.ID
	}
	for i, subjectID := range ids {
		rowID := doc.TransferID
		if i > 0 {
			rowID = id.New("dsc")
		}
		row := DisclosureRow{ID: rowID, AccountID: doc.Account.ID, SubjectID: subjectID, Kind: Transfer, Categories: cats,
			Resources: []string{doc.Account.ID}, DisclosedAt: doc.CreatedAt, RecordedBy: p.ID}
		if _, err := s.ledger.record(ctx, d, row, doc.Recipient, ref, doc.Reason); err != nil {
			return err
		}
	}
	return nil
}

func (s *Requests) dropTransfer(ctx context.Context, id string) error {
	return s.dropBlob(ctx, transferOwner(id))
}

// TransferPackage opens the package of a transfer of the account (owner,
// with a fresh second factor).
func (s *Requests) TransferPackage(ctx context.Context, p access.Principal, sessionToken, accountID, transferID string) (io.ReadCloser, error) {
	if _, err := s.gate.Check(ctx, p, access.Export, access.Resource{Category: datamap.AccountProfile, AccountID: accountID, ID: transferID}, datamap.PurposeService); err != nil {
		return nil, err
	}
	if err := s.checkFresh(ctx, sessionToken); err != nil {
		return nil, err
	}
	d, err := s.gate.Check(ctx, p, access.List, ledgerRes(accountID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.ledger.store.Disclosures(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(rows, func(r DisclosureRow) bool { return r.ID == transferID && r.Kind == Transfer && r.SubjectID == "" })
	if i < 0 {
		return nil, errs.E(errs.NotFound, "transfer not found")
	}
	// Rebuilt at each download: it carries the records of the members who
	// agreed by now, and nothing of those who did not.
	entry := s.ledger.disclosure(ctx, rows[i], true)
	doc := TransferDocument{Format: transferFormat, TransferID: transferID, CreatedAt: rows[i].DisclosedAt, Recipient: entry.Recipient,
		Reason: entry.Details, ConfirmedBy: rows[i].RecordedBy, ConsentNote: consentNote}
	if _, _, err := s.buildTransfer(ctx, p, accountID, &doc); err != nil {
		return nil, err
	}
	rc, err := s.blobs.Open(ctx, transferOwner(transferID), packageKey)
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Gone) {
		return nil, errs.E(errs.NotFound, "the package of this transfer is no longer kept")
	}
	return rc, err
}
