package privacy

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// staffRequest loads a request for a staff member after the gate allowed
// action on it; the entry lands in the requester's own access log.
func (s *Requests) staffRequest(ctx context.Context, p access.Principal, a access.Action, id string) (RequestRow, access.Decision, error) {
	owner, err := s.store.RequestOwner(ctx, id)
	if err != nil {
		return RequestRow{}, access.Decision{}, err
	}
	d, err := s.gate.Check(ctx, p, a, access.Resource{Category: datamap.PrivacyRequest, SubjectID: owner, ID: id}, datamap.PurposeService)
	if err != nil {
		return RequestRow{}, access.Decision{}, err
	}
	row, err := s.store.Request(ctx, s.readDecision(ctx, d, p, owner, id), id)
	return row, d, err
}

// readDecision returns d when it is a read, else a read decision of the
// same principal, so a decision-taking call can load the row it changes.
func (s *Requests) readDecision(ctx context.Context, d access.Decision, p access.Principal, owner, id string) access.Decision {
	if d.Require(access.Read, access.Resource{Category: datamap.PrivacyRequest, SubjectID: owner, ID: id}) == nil {
		return d
	}
	rd, err := s.gate.Check(ctx, p, access.Read, access.Resource{Category: datamap.PrivacyRequest, SubjectID: owner, ID: id}, datamap.PurposeService)
	if err != nil {
		return access.Decision{}
	}
	return rd
}

// Queue lists the open requests for the data-protection officer, earliest
// deadline first, without the requesters' personal details.
func (s *Requests) Queue(ctx context.Context, p access.Principal, limit int) ([]Request, error) {
	d, err := s.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.PrivacyRequest}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Queue(ctx, d, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(rows))
	for _, r := range rows {
		v, _ := s.view(ctx, r, false)
		out = append(out, v)
	}
	return out, nil
}

// StaffRequest returns one request with its requester's details and
// documents, for the officer deciding it.
func (s *Requests) StaffRequest(ctx context.Context, p access.Principal, id string) (Request, error) {
	row, d, err := s.staffRequest(ctx, p, access.Read, id)
	if err != nil {
		return Request{}, err
	}
	v, err := s.view(ctx, row, true)
	if err != nil {
		return v, err
	}
	v.Documents, err = s.store.Documents(ctx, d, id)
	return v, err
}

// ReadDocument opens an uploaded proof for the officer reviewing it.
func (s *Requests) ReadDocument(ctx context.Context, p access.Principal, id, docID string) (Document, io.ReadCloser, error) {
	owner, err := s.store.RequestOwner(ctx, id)
	if err != nil {
		return Document{}, nil, err
	}
	d, err := s.gate.Check(ctx, p, access.Read, access.Resource{Category: datamap.PrivacyDocument, SubjectID: owner, ID: id}, datamap.PurposeService)
	if err != nil {
		return Document{}, nil, err
	}
	docs, err := s.store.Documents(ctx, d, id)
	if err != nil {
		return Document{}, nil, err
	}
	i := slices.IndexFunc(docs, func(x Document) bool { return x.ID == docID })
	if i < 0 {
		return Document{}, nil, errs.E(errs.NotFound, "document not found")
	}
	rc, err := s.blobs.Open(ctx, docsOwner(id), "doc/"+docID)
	return docs[i], rc, err
}

// Verify records the officer's review of a person's documents: accepted,
// the request opens; refused, it is denied as identity not verified, with
// the letter saying why.
func (s *Requests) Verify(ctx context.Context, p access.Principal, id string, accept bool, note string) (Request, error) {
	row, d, err := s.staffRequest(ctx, p, access.Update, id)
	if err != nil {
		return Request{}, err
	}
	if row.Status != StatusAwaitingReview {
		return Request{}, errs.E(errs.Conflict, "the request is not waiting for a review of documents")
	}
	if !accept {
		if strings.TrimSpace(note) == "" {
			return Request{}, errs.E(errs.Invalid, "say why the documents do not prove identity or authority; the requester is told")
		}
		return s.deny(ctx, p, row, d, DenyIdentityNotVerified, note)
	}
	docs, err := s.store.Documents(ctx, d, id)
	if err != nil {
		return Request{}, err
	}
	has := func(kind string) bool {
		return slices.ContainsFunc(docs, func(x Document) bool { return x.Kind == kind })
	}
	if !has(DocIdentity) {
		return Request{}, errs.E(errs.Conflict, "no identity document has been sent yet")
	}
	if row.Relation != RelationSelf && !has(DocAuthority) {
		return Request{}, errs.E(errs.Conflict, "an agent or guardian must send proof of authority first")
	}
	if err := s.store.SetStatus(ctx, d, id, StatusAwaitingReview, StatusOpen, p.ID); err != nil {
		return Request{}, err
	}
	row.Status, row.VerifiedAt, row.VerifiedBy = StatusOpen, s.clk.Now().UTC(), p.ID
	return s.view(ctx, row, false)
}

// Extend adds time to an open request once, up to what the region's law
// allows, and tells the requester why before the first deadline passes:
// the extension is refused when the notice cannot be sent.
func (s *Requests) Extend(ctx context.Context, p access.Principal, id, reason string, until time.Time) (Request, error) {
	row, d, err := s.staffRequest(ctx, p, access.Update, id)
	if err != nil {
		return Request{}, err
	}
	now := s.clk.Now().UTC()
	rule := s.opts.Deadlines.For(row.Region)
	reason = strings.TrimSpace(reason)
	switch {
	case row.Status != StatusOpen && row.Status != StatusAwaitingReview:
		return Request{}, errs.E(errs.Conflict, "only an open request can be extended")
	case !row.ExtendedDueAt.IsZero():
		return Request{}, errs.E(errs.Conflict, "a request can be extended only once")
	case !now.Before(row.DueAt):
		return Request{}, errs.E(errs.Conflict, "the first deadline has passed; an extension had to be announced before it")
	case len(reason) < 10 || len(reason) > 2000:
		return Request{}, errs.E(errs.Invalid, "give the reason for the extension (10 to 2000 characters); the requester is told")
	case rule.Extend.IsZero():
		return Request{}, errs.E(errs.Conflict, "the law of region %s allows no extension", row.Region)
	case !until.After(row.DueAt) || until.After(rule.Extend.After(row.DueAt)):
		return Request{}, errs.E(errs.Invalid, "the new deadline must be after %s and at most %s later", day(row.DueAt), rule.Extend.Words())
	}
	row.ExtendedDueAt, row.ExtensionReason = until.UTC(), reason
	c, err := s.contact(ctx, row)
	if err != nil {
		return Request{}, err
	}
	if err := s.mail(ctx, c.Email, "More time needed for your request "+row.ID, s.extensionLetter(row, c)); err != nil {
		return Request{}, errs.Wrap(err, errs.Unavailable, "the requester could not be told; the deadline was not extended")
	}
	if err := s.store.Extend(ctx, d, id, row.ExtendedDueAt, reason); err != nil {
		return Request{}, err
	}
	return s.view(ctx, row, false)
}

// Deny refuses a request for one of the enumerated reasons, with a formal
// letter that explains it and is sent to the requester.
func (s *Requests) Deny(ctx context.Context, p access.Principal, id string, reason DenialReason, explanation string) (Request, error) {
	row, d, err := s.staffRequest(ctx, p, access.Update, id)
	if err != nil {
		return Request{}, err
	}
	if row.Status == StatusClosed || row.Status == StatusAwaitingEmail {
		return Request{}, errs.E(errs.Conflict, "the request is not open")
	}
	return s.deny(ctx, p, row, d, reason, explanation)
}

func (s *Requests) deny(ctx context.Context, p access.Principal, row RequestRow, d access.Decision, reason DenialReason, explanation string) (Request, error) {
	if !reason.Valid() {
		return Request{}, errs.E(errs.Invalid, "a request may be refused only for one of: %s", joinReasons())
	}
	explanation = strings.TrimSpace(explanation)
	if len(explanation) < 20 || len(explanation) > 4000 {
		return Request{}, errs.E(errs.Invalid, "explain the refusal in 20 to 4000 characters; the explanation is the heart of the letter")
	}
	c, err := s.contact(ctx, row)
	if err != nil {
		return Request{}, err
	}
	row.Outcome, row.DenialReason = OutcomeDenied, reason
	letter := s.denialLetter(row, c, explanation)
	return s.close(ctx, p.ID, row, d, c, Decision{Outcome: OutcomeDenied, DenialReason: reason}, letter)
}

func joinReasons() string {
	var parts []string
	for _, r := range DenialReasons() {
		parts = append(parts, string(r))
	}
	return strings.Join(parts, ", ")
}

// close stores the decision with its sealed letter, then mails the letter.
func (s *Requests) close(ctx context.Context, by string, row RequestRow, d access.Decision, c Contact, dec Decision, letter string) (Request, error) {
	sealed, err := s.keys.SealSubject(ctx, row.RequesterID, []byte(letter), keys.FieldAD("privacy_requests.letter_sealed", row.ID))
	if err != nil {
		return Request{}, err
	}
	dec.Status, dec.DecidedBy, dec.LetterSealed = StatusClosed, by, sealed
	if err := s.store.Decide(ctx, d, row.ID, dec); err != nil {
		return Request{}, err
	}
	s.send(ctx, c.Email, "Our answer to your request "+row.ID, letter)
	s.dropSelfie(ctx, row.ID)
	row.Status, row.DecidedAt, row.Outcome, row.DenialReason = StatusClosed, s.clk.Now().UTC(), dec.Outcome, dec.DenialReason
	row.ReferenceID, row.ExportBlob, row.Certificate, row.LetterSealed = dec.ReferenceID, dec.ExportBlob, dec.Certificate, sealed
	return s.view(ctx, row, false)
}

// contact opens the requester's contact details.
func (s *Requests) contact(ctx context.Context, row RequestRow) (Contact, error) {
	var c Contact
	ok, err := s.openJSON(ctx, row.RequesterID, "privacy_requests.contact_sealed", row.ID, row.ContactSealed, &c)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, errs.E(errs.Gone, "the requester's details were erased")
	}
	return c, nil
}

func (s *Requests) details(ctx context.Context, row RequestRow) (Details, error) {
	var det Details
	_, err := s.openJSON(ctx, row.RequesterID, "privacy_requests.details_sealed", row.ID, row.DetailsSealed, &det)
	return det, err
}

func (s *Requests) subjectOf(ctx context.Context, row RequestRow) (fulfil.Subject, error) {
	subj := fulfil.Subject{Kind: row.RequesterKind, ID: row.RequesterID}
	if row.RequesterKind == fulfil.RequesterUser {
		ms, err := s.store.Memberships(ctx, row.RequesterID)
		if err != nil {
			return subj, err
		}
		subj.Memberships = ms
	}
	return subj, nil
}

// Grant answers a request by doing what it asks: a package for access and
// portability (or a reference to an earlier answer when the data is
// unchanged), the corrections, or the erasure with its certificate.
func (s *Requests) Grant(ctx context.Context, p access.Principal, id string) (Request, error) {
	row, d, err := s.staffRequest(ctx, p, access.Update, id)
	if err != nil {
		return Request{}, err
	}
	if row.Status != StatusOpen {
		return Request{}, errs.E(errs.Conflict, "only an open request whose requester is verified can be granted")
	}
	c, err := s.contact(ctx, row)
	if err != nil {
		return Request{}, err
	}
	subj, err := s.subjectOf(ctx, row)
	if err != nil {
		return Request{}, err
	}
	switch row.Kind {
	case fulfil.KindAccess, fulfil.KindPortability:
		return s.grantLater(ctx, p, row)
	case fulfil.KindCorrection:
		return s.grantCorrection(ctx, p, row, d, c, subj)
	case fulfil.KindDeletion:
		return s.grantDeletion(ctx, p, row, d, c, subj)
	}
	return Request{}, errs.E(errs.Internal, "unknown request kind")
}

func (s *Requests) grantCopy(ctx context.Context, by string, row RequestRow, d access.Decision, c Contact, subj fulfil.Subject) (Request, error) {
	m, err := s.buildPackage(ctx, row, subj)
	if err != nil {
		return Request{}, err
	}
	fp := []byte(m.Fingerprint)
	earlier, err := s.store.LastAnswered(ctx, d, row.ID, []fulfil.RequestKind{fulfil.KindAccess, fulfil.KindPortability})
	if err == nil && string(earlier.Fingerprint) == string(fp) && sameCategories(earlier.Scope, row.Scope) {
		// The same data was provided before: answer by reference (R8) and
		// keep no second copy.
		if err := s.dropPackage(ctx, row.ID); err != nil {
			return Request{}, err
		}
		row.Outcome, row.ReferenceID = OutcomeReferred, earlier.ID
		letter := s.referenceLetter(row, c, earlier)
		return s.close(ctx, by, row, d, c, Decision{Outcome: OutcomeReferred, ReferenceID: earlier.ID, Fingerprint: fp}, letter)
	} else if err != nil && !errs.Is(err, errs.NotFound) {
		return Request{}, err
	}
	row.Outcome = OutcomeGranted
	letter := s.packageLetter(row, c, m, s.footageLetter(ctx, row))
	return s.close(ctx, by, row, d, c, Decision{Outcome: OutcomeGranted, Fingerprint: fp, ExportBlob: packageKey}, letter)
}

func sameCategories(a, b fulfil.Scope) bool {
	x, y := slices.Clone(a.Categories), slices.Clone(b.Categories)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y) && slices.Equal(a.Devices, b.Devices) && a.From.Equal(b.From) && a.To.Equal(b.To)
}

const packageKey = "package.zip"

// buildPackage streams the package into the blob store, encrypted under a
// key of the request's own, as it is written: it is never whole in memory.
func (s *Requests) buildPackage(ctx context.Context, row RequestRow, subj fulfil.Subject) (Manifest, error) {
	d, err := s.gate.Check(ctx, access.System(JobRequests), access.Create,
		access.Resource{Category: datamap.PrivacyExport, SubjectID: row.RequesterID, ID: row.ID}, datamap.PurposeService)
	if err != nil {
		return Manifest{}, err
	}
	_ = d // the package lives in the blob store, which takes no decision; the entry records its making
	if subj.Redact, err = s.redactorFor(ctx, row.ID); err != nil {
		return Manifest{}, err
	}
	if subj.Footage, err = s.releasedFootage(ctx, row); err != nil {
		return Manifest{}, err
	}
	return s.storePackage(ctx, exportOwner(row.ID), func(w io.Writer) (Manifest, error) {
		return s.WritePackage(ctx, w, row.ID, subj, row.Scope)
	})
}

// storePackage streams what write writes into the blob store under owner,
// encrypted under a key of owner's own, as it is written.
func (s *Requests) storePackage(ctx context.Context, owner string, write func(io.Writer) (Manifest, error)) (Manifest, error) {
	pr, pw := io.Pipe()
	type result struct {
		m   Manifest
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := write(pw)
		pw.CloseWithError(err)
		done <- result{m, err}
	}()
	err := s.blobs.Put(ctx, owner, packageKey, pr)
	pr.CloseWithError(io.ErrClosedPipe)
	res := <-done
	if res.err != nil {
		return Manifest{}, res.err
	}
	return res.m, err
}

func (s *Requests) dropPackage(ctx context.Context, id string) error {
	return s.dropBlob(ctx, exportOwner(id))
}

// dropBlob deletes a package and destroys its key.
func (s *Requests) dropBlob(ctx context.Context, owner string) error {
	if err := s.blobs.Delete(ctx, owner, packageKey); err != nil {
		return err
	}
	return s.keys.Destroy(ctx, keys.ScopeAccount, owner)
}

// Package opens the package of one of the caller's own granted requests.
func (s *Requests) Package(ctx context.Context, p access.Principal, id string) (io.ReadCloser, error) {
	if _, err := s.ownRequest(ctx, p, access.Read, id); err != nil {
		return nil, err
	}
	return s.openPackage(ctx, p, id)
}

// PackageByToken opens the package of a person without an account.
func (s *Requests) PackageByToken(ctx context.Context, p access.Principal, id, token string) (io.ReadCloser, error) {
	if _, err := s.tokenRequest(ctx, p, access.Read, id, token); err != nil {
		return nil, err
	}
	return s.openPackage(ctx, p, id)
}

func (s *Requests) openPackage(ctx context.Context, p access.Principal, id string) (io.ReadCloser, error) {
	owner, err := s.store.RequestOwner(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.gate.Check(ctx, p, access.Read, access.Resource{Category: datamap.PrivacyExport, SubjectID: owner, ID: id}, datamap.PurposeService); err != nil {
		return nil, err
	}
	rc, err := s.blobs.Open(ctx, exportOwner(id), packageKey)
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Gone) {
		return nil, errs.E(errs.NotFound, "no package is ready for this request (or it expired)")
	}
	return rc, err
}

func (s *Requests) grantCorrection(ctx context.Context, p access.Principal, row RequestRow, d access.Decision, c Contact, subj fulfil.Subject) (Request, error) {
	det, err := s.details(ctx, row)
	if err != nil {
		return Request{}, err
	}
	var done []Correction
	for _, cr := range det.Corrections {
		cat, ok := s.reg.Category(cr.Category)
		h := s.fulfil.Handlers(cr.Category)
		if !ok || h.Correct == nil {
			return Request{}, errs.E(errs.Conflict, "vigil can no longer correct %s", cr.Category)
		}
		cd, err := s.gate.Check(ctx, access.System(JobRequests), access.Update,
			access.Resource{Category: cr.Category, SubjectID: subj.ID}, purposeFor(cat))
		if err != nil {
			return Request{}, err
		}
		before, err := h.Correct.Correct(ctx, cd, subj, cr.Field, cr.Value)
		if err != nil {
			return Request{}, err
		}
		key := row.ID + "|" + string(cr.Category) + "|" + cr.Field
		bs, err := s.keys.SealSubject(ctx, subj.ID, []byte(before), keys.FieldAD("privacy_request_changes.before_sealed", key))
		if err != nil {
			return Request{}, err
		}
		as, err := s.keys.SealSubject(ctx, subj.ID, []byte(cr.Value), keys.FieldAD("privacy_request_changes.after_sealed", key))
		if err != nil {
			return Request{}, err
		}
		if err := s.store.RecordChange(ctx, d, Change{RequestID: row.ID, Category: cr.Category, Field: cr.Field,
			BeforeSealed: bs, AfterSealed: as, AuditSeq: cd.AuditSeq()}); err != nil {
			return Request{}, err
		}
		done = append(done, cr)
	}
	row.Outcome = OutcomeGranted
	return s.close(ctx, p.ID, row, d, c, Decision{Outcome: OutcomeGranted}, s.correctionLetter(row, c, done))
}

// Certificate is the signed record of an erasure. It names only random
// identifiers, so it can be kept as proof after the person is gone.
type Certificate struct {
	Format      string          `json:"format"`
	RequestID   string          `json:"request_id"`
	SubjectID   string          `json:"subject_id"`
	CompletedAt time.Time       `json:"completed_at"`
	Categories  []ErasedRecord  `json:"categories"`
	KeysShred   []fulfil.KeyRef `json:"keys_destroyed"`
	// ProcessorsNotified are the processors that received the person's
	// data and were sent a deletion notice.
	ProcessorsNotified []string   `json:"processors_notified,omitempty"`
	Seal               *Signature `json:"seal,omitempty"`
}

// ErasedRecord says how one category was erased.
type ErasedRecord struct {
	Category datamap.CategoryID `json:"category"`
	Method   datamap.Erasure    `json:"method"`
	Rows     int64              `json:"rows_deleted"`
	Blobs    int                `json:"blobs_deleted"`
	Kept     string             `json:"kept,omitempty"`
}

// CertificateBody is what a certificate's seal signs: the certificate
// without its seal, as JSON.
func CertificateBody(c Certificate) []byte {
	c.Seal = nil
	b, _ := json.Marshal(c)
	return b
}

func (s *Requests) grantDeletion(ctx context.Context, p access.Principal, row RequestRow, d access.Decision, c Contact, subj fulfil.Subject) (Request, error) {
	sc := row.Scope
	// Deleting the profile is closing the account: everything of the
	// person goes, in every category vigil can erase.
	if sc.Includes(datamap.AccountProfile) {
		sc.Categories = nil
		for _, cat := range s.fulfil.SubjectCategories() {
			sc.Categories = append(sc.Categories, cat.ID)
		}
	}
	if s.holds != nil {
		for _, owner := range append([]string{subj.ID}, subj.OwnedAccounts()...) {
			held, err := s.holds.Held(ctx, owner)
			if err != nil {
				return Request{}, err
			}
			if held {
				return Request{}, errs.E(errs.Conflict, "the data is under a legal hold; it cannot be deleted while the hold lasts (deny, giving the legal ground, or extend)")
			}
		}
	}
	// The processors that received the person's data are read from the
	// ledger now: the erasure may close the accounts whose ledger names them.
	rs, err := s.processorsOf(ctx, subj)
	if err != nil {
		return Request{}, err
	}
	cert := Certificate{Format: "vigil-deletion-certificate/v1", RequestID: row.ID, SubjectID: subj.ID}
	var shred []fulfil.KeyRef
	for _, cat := range s.fulfil.SubjectCategories() {
		if !sc.Includes(cat.ID) {
			continue
		}
		h := s.fulfil.Handlers(cat.ID)
		if h.Erase == nil {
			continue
		}
		ed, err := s.gate.Check(ctx, access.System(JobRequests), access.Delete,
			access.Resource{Category: cat.ID, SubjectID: subj.ID}, purposeFor(cat))
		if err != nil {
			return Request{}, err
		}
		res, err := h.Erase.Erase(ctx, ed, subj, sc)
		if err != nil {
			return Request{}, err
		}
		cert.Categories = append(cert.Categories, ErasedRecord{Category: cat.ID, Method: cat.Erasure, Rows: res.Rows, Blobs: res.Blobs, Kept: res.Kept})
		for _, k := range res.Shred {
			if !slices.Contains(shred, k) {
				shred = append(shred, k)
			}
		}
	}
	var closed []string
	for _, k := range shred {
		if k.Scope == keys.ScopeAccount {
			closed = append(closed, k.Owner)
		}
	}
	if s.notices != nil {
		if cert.ProcessorsNotified, err = s.noticeProcessors(ctx, row.ID, subj, rs, closed); err != nil {
			return Request{}, err
		}
	}
	cert.KeysShred, cert.CompletedAt = shred, s.clk.Now().UTC()
	sig, err := s.sign(ctx, CertificateBody(cert))
	if err != nil {
		return Request{}, err
	}
	cert.Seal = &sig
	cb, _ := json.Marshal(cert)
	row.Outcome = OutcomeGranted
	letter := s.deletionLetter(row, c, cert)
	// The letter goes out before the keys are destroyed: afterwards the
	// address it goes to is noise too.
	res, err := s.close(ctx, p.ID, row, d, c, Decision{Outcome: OutcomeGranted, Certificate: string(cb)}, letter)
	if err != nil {
		return Request{}, err
	}
	for _, k := range shred {
		if err := s.keys.Destroy(ctx, k.Scope, k.Owner); err != nil {
			return Request{}, err
		}
	}
	res.Certificate = string(cb)
	if s.processor != nil {
		if _, err := s.DeliverDeletionNotices(ctx, s.processor); err != nil {
			s.log.Warn("deletion notices wait in the outbox", "request", row.ID, "code", errs.CodeOf(err))
		}
	}
	return res, nil
}

// Exclude marks a record of a person as confidential or legally
// privileged: exports leave it out and say so (R9).
func (s *Requests) Exclude(ctx context.Context, p access.Principal, x Exclusion) (Exclusion, error) {
	if x.Marking != MarkConfidential && x.Marking != MarkPrivileged {
		return x, errs.E(errs.Invalid, "marking must be confidential or privileged")
	}
	if _, ok := s.reg.Category(x.Category); !ok || x.SubjectID == "" || x.RecordID == "" || len(x.RecordID) > 200 {
		return x, errs.E(errs.Invalid, "name the person, a data category and the record")
	}
	d, err := s.gate.Check(ctx, p, access.Update, access.Resource{Category: datamap.PrivacyRequest, SubjectID: x.SubjectID}, datamap.PurposeService)
	if err != nil {
		return x, err
	}
	x.ID, x.CreatedBy = id.New("exc"), p.ID
	return x, s.store.AddExclusion(ctx, d, x)
}

// UnmarshalCertificate decodes a certificate as a request carries it.
func UnmarshalCertificate(s string, c *Certificate) error {
	if err := json.Unmarshal([]byte(s), c); err != nil {
		return errs.Wrap(err, errs.Invalid, "malformed certificate")
	}
	return nil
}
