package privacy

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Submission is what a requester sends.
type Submission struct {
	Kind        fulfil.RequestKind `json:"kind"`
	Region      string             `json:"region"`
	Scope       fulfil.Scope       `json:"scope"`
	Description string             `json:"description,omitempty"`
	Corrections []Correction       `json:"corrections,omitempty"`
}

// PublicSubmission is what a person without an account sends, with how to
// reach them and for whom they act.
type PublicSubmission struct {
	Submission
	Email      string   `json:"email"`
	Name       string   `json:"name"`
	Relation   Relation `json:"relation"`
	OnBehalfOf string   `json:"on_behalf_of,omitempty"`
}

// Secret lifetimes.
const confirmTTL = 48 * time.Hour

var deviceID = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// checkScope refuses a request that cannot be executed as it stands (R4),
// saying what is missing. A request is valid without citing any law (R2).
func (s *Requests) checkScope(in Submission, kind fulfil.RequesterKind) error {
	if !in.Kind.Valid() {
		return errs.E(errs.Invalid, "not specific: kind must be access, portability, correction or deletion")
	}
	if len(in.Scope.Categories) == 0 {
		return errs.E(errs.Invalid, "not specific: name the data categories the request covers (see GET /api/v1/datamap)")
	}
	if len(in.Scope.Categories) > 64 || len(in.Scope.Devices) > 256 {
		return errs.E(errs.Invalid, "not specific: too many categories or devices")
	}
	if strings.TrimSpace(in.Region) == "" || len(in.Region) > 16 {
		return errs.E(errs.Invalid, "not specific: name your region (for example eu or us-ca); its law sets the deadline")
	}
	allowed := s.fulfil.SubjectCategories()
	needsRange := false
	for _, c := range in.Scope.Categories {
		i := slices.IndexFunc(allowed, func(x *datamap.Category) bool { return x.ID == c })
		if i < 0 {
			return errs.E(errs.Invalid, "not specific: %q is not a data category vigil keeps", c)
		}
		if allowed[i].Sensitivity >= datamap.Media {
			needsRange = true
		}
	}
	for _, d := range in.Scope.Devices {
		if !deviceID.MatchString(d) {
			return errs.E(errs.Invalid, "not specific: device identifiers are letters, digits and ._:- only")
		}
	}
	sc := in.Scope
	if !sc.From.IsZero() && !sc.To.IsZero() && !sc.From.Before(sc.To) {
		return errs.E(errs.Invalid, "not specific: the time range must start before it ends")
	}
	if !sc.From.IsZero() && sc.From.After(s.clk.Now()) {
		return errs.E(errs.Invalid, "not specific: the time range starts in the future")
	}
	// Recordings and face data are found by camera and time: someone filmed
	// must say where and when, or the request cannot be executed.
	if needsRange && (sc.From.IsZero() || sc.To.IsZero()) {
		return errs.E(errs.Invalid, "not specific: for recordings, snapshots or face data give the time range (from and to)")
	}
	if needsRange && kind == fulfil.RequesterPerson && len(sc.Devices) == 0 {
		return errs.E(errs.Invalid, "not specific: for recordings of you, name the cameras (devices) that filmed you")
	}
	if len(in.Description) > 4000 {
		return errs.E(errs.Invalid, "description is longer than 4000 characters")
	}
	switch {
	case in.Kind == fulfil.KindCorrection && len(in.Corrections) == 0:
		return errs.E(errs.Invalid, "not specific: a correction request lists the fields to correct and their right values")
	case in.Kind != fulfil.KindCorrection && len(in.Corrections) > 0:
		return errs.E(errs.Invalid, "corrections belong to a correction request")
	}
	for _, c := range in.Corrections {
		cat, ok := s.reg.Category(c.Category)
		if !ok || !in.Scope.Includes(c.Category) {
			return errs.E(errs.Invalid, "not specific: correction of %q is outside the request's categories", c.Category)
		}
		f, ok := cat.Field(c.Field)
		if !ok || !f.Correctable {
			return errs.E(errs.Invalid, "not specific: field %q of %s cannot be corrected through a request", c.Field, c.Category)
		}
		if s.fulfil.Handlers(c.Category).Correct == nil {
			return errs.E(errs.Invalid, "not specific: vigil holds no correctable %s data", c.Category)
		}
		if len(c.Value) > 500 {
			return errs.E(errs.Invalid, "a corrected value is longer than 500 characters")
		}
	}
	return nil
}

// SubmitAsUser files a request of a signed-in user. Identity is verified by
// a recent sign-in with a second factor (R3): the session must have passed
// it within FreshMFA. sessionToken is the session secret (API tokens never
// qualify).
func (s *Requests) SubmitAsUser(ctx context.Context, p access.Principal, sessionToken string, in Submission) (Request, error) {
	if p.Kind != access.KindUser {
		return Request{}, errs.E(errs.Forbidden, "only customer users file requests here; others use the public form")
	}
	if err := s.checkFresh(ctx, sessionToken); err != nil {
		return Request{}, err
	}
	if err := s.checkScope(in, fulfil.RequesterUser); err != nil {
		return Request{}, err
	}
	me, err := s.contactOfUser(ctx, p)
	if err != nil {
		return Request{}, err
	}
	now := s.clk.Now().UTC()
	row := RequestRow{ID: id.New("dsr"), Kind: in.Kind, Status: StatusOpen, Region: strings.ToLower(in.Region),
		RequesterKind: fulfil.RequesterUser, RequesterID: p.ID, Relation: RelationSelf, Scope: in.Scope,
		SubmittedAt: now, VerifiedAt: now, VerifiedBy: "second-factor"}
	row.DueAt = s.opts.Deadlines.For(row.Region).Respond.After(now)
	if row.ContactIndex, err = s.keys.BlindIndex(ctx, "privacy-requester", []byte(strings.ToLower(me.Email))); err != nil {
		return Request{}, err
	}
	if err := s.create(ctx, p, &row, me, Details{Description: in.Description, Corrections: in.Corrections}); err != nil {
		return Request{}, err
	}
	s.send(ctx, me.Email, "We received your request "+row.ID, s.receiptLetter(row, me))
	s.notifyDPO(ctx, "New privacy request "+row.ID, "A verified "+string(row.Kind)+" request is due on "+day(row.DueAt)+".")
	return s.view(ctx, row, true)
}

func (s *Requests) checkFresh(ctx context.Context, token string) error {
	if token == "" {
		return errs.E(errs.MFARequired, "file requests from a signed-in session, not with an API token")
	}
	at, err := s.store.SessionMFAAt(ctx, account.HashSecret(token))
	if err != nil {
		return err
	}
	if at.IsZero() {
		return errs.E(errs.MFARequired, "to prove it is you, set up a second factor and sign in again with it; or use the public request form")
	}
	if s.clk.Now().Sub(at) > s.opts.FreshMFA {
		return errs.E(errs.MFARequired, "to prove it is you, sign in again with your second factor (within the last %d minutes)", int(s.opts.FreshMFA/time.Minute))
	}
	return nil
}

// contactOfUser reads the user's e-mail and name for the letters.
func (s *Requests) contactOfUser(ctx context.Context, p access.Principal) (Contact, error) {
	if s.profiles == nil {
		return Contact{}, errs.E(errs.Internal, "privacy: no profile source")
	}
	u, err := s.profiles.Me(ctx, p)
	if err != nil {
		return Contact{}, err
	}
	return Contact{Email: u.Email, Name: u.Name}, nil
}

func (s *Requests) create(ctx context.Context, p access.Principal, row *RequestRow, c Contact, det Details) error {
	d, err := s.gate.Check(ctx, p, access.Create, access.Resource{Category: datamap.PrivacyRequest, SubjectID: row.RequesterID, ID: row.ID}, datamap.PurposeService)
	if err != nil {
		return err
	}
	if row.ContactSealed, err = s.sealJSON(ctx, row.RequesterID, "privacy_requests.contact_sealed", row.ID, c); err != nil {
		return err
	}
	if row.DetailsSealed, err = s.sealJSON(ctx, row.RequesterID, "privacy_requests.details_sealed", row.ID, det); err != nil {
		return err
	}
	return s.store.CreateRequest(ctx, d, *row)
}

// SubmitPublic files a request of a person without an account. It mails a
// confirmation link; nothing happens until the address is confirmed and the
// documents are reviewed. The answer is the same whatever the address.
func (s *Requests) SubmitPublic(ctx context.Context, p access.Principal, in PublicSubmission) error {
	addr, err := mail.ParseAddress(strings.TrimSpace(in.Email))
	if err != nil || len(in.Email) > 254 {
		return errs.E(errs.Invalid, "e-mail address is not valid")
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 200 {
		return errs.E(errs.Invalid, "give your name (up to 200 characters)")
	}
	switch in.Relation {
	case RelationSelf:
		if in.OnBehalfOf != "" {
			return errs.E(errs.Invalid, "on_behalf_of is for agents and guardians")
		}
	case RelationAgent, RelationGuardian:
		if strings.TrimSpace(in.OnBehalfOf) == "" || len(in.OnBehalfOf) > 200 {
			return errs.E(errs.Invalid, "an agent or guardian names the person they act for")
		}
	default:
		return errs.E(errs.Invalid, "relation must be self, agent or guardian")
	}
	if err := s.checkScope(in.Submission, fulfil.RequesterPerson); err != nil {
		return err
	}
	now := s.clk.Now().UTC()
	secret, hash := newSecret("dc_")
	c := Contact{Email: strings.ToLower(addr.Address), Name: name, OnBehalfOf: strings.TrimSpace(in.OnBehalfOf)}
	// The same address keeps the same pseudonym, so a repeated request is
	// recognised; the address must still be confirmed and the documents
	// reviewed each time.
	idx, err := s.keys.BlindIndex(ctx, "privacy-requester", []byte(c.Email))
	if err != nil {
		return err
	}
	person, err := s.store.PersonByContact(ctx, idx)
	if errs.Is(err, errs.NotFound) {
		person = id.New("prs")
	} else if err != nil {
		return err
	}
	row := RequestRow{ID: id.New("dsr"), Kind: in.Kind, Status: StatusAwaitingEmail, Region: strings.ToLower(in.Region),
		RequesterKind: fulfil.RequesterPerson, RequesterID: person, Relation: in.Relation, Scope: in.Scope,
		SubmittedAt: now, ConfirmHash: hash, ContactIndex: idx}
	row.DueAt = s.opts.Deadlines.For(row.Region).Respond.After(now)
	if err := s.create(ctx, p, &row, c, Details{Description: in.Description, Corrections: in.Corrections}); err != nil {
		return err
	}
	s.send(ctx, c.Email, "Confirm your request to vigil",
		"Dear "+c.Name+",\n\nSomeone, hopefully you, asked vigil about personal data using this address. To go on, confirm it "+
			"within two days by opening this link:\n\n"+s.link("privacy-request/confirm", secret)+
			"\n\nYou will then be asked for a copy of an identity document"+authorityHint(row.Relation)+
			", which our data-protection officer reviews. If you did not ask, ignore this message.\n")
	return nil
}

func authorityHint(r Relation) string {
	if r == RelationSelf {
		return ""
	}
	return " and a document proving you may act for the person concerned (a power of attorney, or proof of guardianship)"
}

// ConfirmEmail spends a confirmation secret and returns the request with
// an access token that lets the person upload documents and follow the
// request. The token is shown once.
func (s *Requests) ConfirmEmail(ctx context.Context, p access.Principal, secret string) (Request, string, error) {
	id, err := s.store.RequestIDByConfirmHash(ctx, account.HashSecret(secret))
	if err != nil {
		return Request{}, "", errs.E(errs.NotFound, "the link is unknown, used or expired")
	}
	row, err := s.asAnonymous(ctx, p, access.Update, id)
	if err != nil {
		return Request{}, "", err
	}
	if row.Status != StatusAwaitingEmail || s.clk.Now().Sub(row.SubmittedAt) > confirmTTL {
		return Request{}, "", errs.E(errs.NotFound, "the link is unknown, used or expired")
	}
	token, hash := newSecret("dt_")
	if err := s.store.ConfirmEmail(ctx, id, hash); err != nil {
		return Request{}, "", err
	}
	row.Status = StatusAwaitingReview
	v, err := s.view(ctx, row, true)
	return v, token, err
}

// ByToken returns the request a person without an account holds the
// access token of.
func (s *Requests) ByToken(ctx context.Context, p access.Principal, id, token string) (Request, error) {
	row, err := s.tokenRequest(ctx, p, access.Read, id, token)
	if err != nil {
		return Request{}, err
	}
	return s.view(ctx, row, true)
}

func (s *Requests) tokenRequest(ctx context.Context, p access.Principal, a access.Action, id, token string) (RequestRow, error) {
	if token == "" {
		return RequestRow{}, errs.E(errs.Unauthenticated, "send the request's access token")
	}
	got, err := s.store.RequestIDByAccessHash(ctx, account.HashSecret(token))
	if err != nil || got != id {
		return RequestRow{}, errs.E(errs.NotFound, "request not found")
	}
	return s.asAnonymous(ctx, p, a, id)
}

func (s *Requests) asAnonymous(ctx context.Context, p access.Principal, a access.Action, id string) (RequestRow, error) {
	owner, err := s.store.RequestOwner(ctx, id)
	if err != nil {
		return RequestRow{}, err
	}
	d, err := s.gate.Check(ctx, p, a, access.Resource{Category: datamap.PrivacyRequest, SubjectID: owner, ID: id}, datamap.PurposeService)
	if err != nil {
		return RequestRow{}, err
	}
	return s.store.Request(ctx, d, id)
}

// UploadDocument stores a proof of identity or authority, sealed under a
// key of the request's own, for the data-protection officer to review.
func (s *Requests) UploadDocument(ctx context.Context, p access.Principal, requestID, token, kind, contentType string, r io.Reader) (Document, error) {
	if kind != DocIdentity && kind != DocAuthority {
		return Document{}, errs.E(errs.Invalid, "document kind must be identity or authority")
	}
	switch contentType {
	case "application/pdf", "image/jpeg", "image/png":
	default:
		return Document{}, errs.E(errs.Invalid, "send a PDF, JPEG or PNG file")
	}
	row, err := s.tokenRequest(ctx, p, access.Update, requestID, token)
	if err != nil {
		return Document{}, err
	}
	if row.Status != StatusAwaitingReview {
		return Document{}, errs.E(errs.Conflict, "this request takes no more documents")
	}
	d, err := s.gate.Check(ctx, p, access.Create, access.Resource{Category: datamap.PrivacyDocument, SubjectID: row.RequesterID, ID: requestID}, datamap.PurposeService)
	if err != nil {
		return Document{}, err
	}
	doc := Document{ID: id.New("doc"), Kind: kind, ContentType: contentType, CreatedAt: s.clk.Now().UTC()}
	lr := &limitedReader{r: r, left: s.opts.MaxDocument}
	if err := s.blobs.Put(ctx, docsOwner(requestID), "doc/"+doc.ID, lr); err != nil {
		if lr.over {
			return Document{}, errs.E(errs.TooLarge, "the document is larger than %d bytes", s.opts.MaxDocument)
		}
		return Document{}, err
	}
	doc.Size = lr.n
	if err := s.store.AddDocument(ctx, d, requestID, doc); err != nil {
		return Document{}, err
	}
	s.notifyDPO(ctx, "Documents to review for "+requestID, "A "+kind+" document arrived for request "+requestID+".")
	return doc, nil
}

// docsOwner and exportOwner name the keys, each of the request alone, that
// seal its documents and its package; destroying one shreds just that.
func docsOwner(requestID string) string   { return requestID + ".docs" }
func exportOwner(requestID string) string { return requestID + ".export" }

type limitedReader struct {
	r    io.Reader
	left int64
	n    int64
	over bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			l.over = true
			return 0, errs.E(errs.TooLarge, "document too large")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	l.n += int64(n)
	return n, err
}

func newSecret(prefix string) (string, []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	secret := prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, account.HashSecret(secret)
}

func (s *Requests) link(path, token string) string {
	return strings.TrimRight(s.opts.PublicURL, "/") + "/#/" + path + "?token=" + token
}

func (s *Requests) sealJSON(ctx context.Context, subject, column, id string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "encode %s", column)
	}
	return s.keys.SealSubject(ctx, subject, b, keys.FieldAD(column, id))
}

// openJSON opens a sealed field; ok is false once the requester's key is
// destroyed (the field is erased).
func (s *Requests) openJSON(ctx context.Context, subject, column, id string, sealed []byte, v any) (bool, error) {
	if len(sealed) == 0 {
		return false, nil
	}
	b, err := s.keys.OpenSubject(ctx, subject, sealed, keys.FieldAD(column, id))
	if errs.Is(err, errs.Gone) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal(b, v)
}

func (s *Requests) openText(ctx context.Context, subject, column, id string, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	b, err := s.keys.OpenSubject(ctx, subject, sealed, keys.FieldAD(column, id))
	if errs.Is(err, errs.Gone) {
		return "[erased]", nil
	}
	return string(b), err
}

// view turns a row into what its reader sees; personal fields only when
// personal is set (the requester, or the officer deciding).
func (s *Requests) view(ctx context.Context, row RequestRow, personal bool) (Request, error) {
	v := Request{ID: row.ID, Kind: row.Kind, Status: row.Status, Region: row.Region, RequesterKind: row.RequesterKind,
		RequesterID: row.RequesterID, Relation: row.Relation, Scope: row.Scope, SubmittedAt: row.SubmittedAt, DueAt: row.DueAt,
		ExtendedDueAt: row.ExtendedDueAt, ExtensionReason: row.ExtensionReason, VerifiedAt: row.VerifiedAt,
		DecidedAt: row.DecidedAt, Outcome: row.Outcome, DenialReason: row.DenialReason, ReferenceID: row.ReferenceID,
		Certificate: row.Certificate, PackageReady: row.ExportBlob != ""}
	if !personal {
		return v, nil
	}
	var c Contact
	if ok, err := s.openJSON(ctx, row.RequesterID, "privacy_requests.contact_sealed", row.ID, row.ContactSealed, &c); err != nil {
		return v, err
	} else if ok {
		v.Contact = &c
	}
	var det Details
	if ok, err := s.openJSON(ctx, row.RequesterID, "privacy_requests.details_sealed", row.ID, row.DetailsSealed, &det); err != nil {
		return v, err
	} else if ok {
		v.Details = &det
	}
	letter, err := s.openText(ctx, row.RequesterID, "privacy_requests.letter_sealed", row.ID, row.LetterSealed)
	if err != nil {
		return v, err
	}
	v.Letter = letter
	return v, nil
}

// Mine lists the caller's own requests.
func (s *Requests) Mine(ctx context.Context, p access.Principal) ([]Request, error) {
	d, err := s.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.PrivacyRequest, SubjectID: p.ID}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.RequestsOf(ctx, d, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(rows))
	for _, r := range rows {
		v, err := s.view(ctx, r, true)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// MineOne returns one of the caller's own requests.
func (s *Requests) MineOne(ctx context.Context, p access.Principal, id string) (Request, error) {
	row, err := s.ownRequest(ctx, p, access.Read, id)
	if err != nil {
		return Request{}, err
	}
	return s.view(ctx, row, true)
}

func (s *Requests) ownRequest(ctx context.Context, p access.Principal, a access.Action, id string) (RequestRow, error) {
	owner, err := s.store.RequestOwner(ctx, id)
	if err != nil {
		return RequestRow{}, err
	}
	if owner != p.ID {
		return RequestRow{}, errs.E(errs.NotFound, "request not found")
	}
	d, err := s.gate.Check(ctx, p, a, access.Resource{Category: datamap.PrivacyRequest, SubjectID: owner, ID: id}, datamap.PurposeService)
	if err != nil {
		return RequestRow{}, err
	}
	return s.store.Request(ctx, d, id)
}
