package privacy

import (
	"context"
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// ErasureNotice is a ledger entry saying vigil told a processor to erase
// what it had received of a person.
const ErasureNotice DisclosureKind = "erasure_notice"

// DeletionNotice is what a processor is owed after a person's data was
// erased: which person (by random ID, the one the processor was given),
// which categories, on which request.
type DeletionNotice struct {
	ID          string               `json:"id"`
	ProcessorID string               `json:"processor_id"`
	RequestID   string               `json:"request_id"`
	SubjectID   string               `json:"subject_id"`
	Categories  []datamap.CategoryID `json:"categories"`
	CreatedAt   time.Time            `json:"created_at"`
	SentAt      time.Time            `json:"sent_at,omitzero"`
	Attempts    int                  `json:"attempts"`
}

// ProcessorNotifier delivers a deletion notice to a processor (its API, or
// mail to its privacy contact). Until one is configured, notices wait in
// the outbox, recorded and listed, for a sender to deliver.
type ProcessorNotifier interface {
	NotifyDeletion(ctx context.Context, n DeletionNotice) error
}

// NoticeStore is the outbox of deletion notices. Notices hold only random
// identifiers.
type NoticeStore interface {
	AddDeletionNotice(ctx context.Context, n DeletionNotice) error
	// PendingDeletionNotices lists unsent notices, oldest first.
	PendingDeletionNotices(ctx context.Context, limit int) ([]DeletionNotice, error)
	// MarkDeletionNotice records a delivery attempt: sent, or failed.
	MarkDeletionNotice(ctx context.Context, id string, sent bool) error
	DeletionNotices(ctx context.Context, requestID string) ([]DeletionNotice, error)
}

// recipients is what processors received of a person, read from the
// ledger before the erasure removes it.
type recipients map[string]*recipient

type recipient struct {
	cats     []datamap.CategoryID
	accounts []string
}

// processorsOf reads the disclosure ledger for the processors that received
// data of subj: entries about them, and account-wide entries of the accounts
// they own.
func (s *Requests) processorsOf(ctx context.Context, subj fulfil.Subject) (recipients, error) {
	out := recipients{}
	if s.ledger == nil {
		return out, nil
	}
	add := func(rows []DisclosureRow) {
		for _, r := range rows {
			if r.Kind != ToProcessor || (r.SubjectID != "" && r.SubjectID != subj.ID) {
				continue
			}
			rc := out[r.ProcessorID]
			if rc == nil {
				rc = &recipient{}
				out[r.ProcessorID] = rc
			}
			for _, c := range r.Categories {
				if !slices.Contains(rc.cats, c) {
					rc.cats = append(rc.cats, c)
				}
			}
			if !slices.Contains(rc.accounts, r.AccountID) {
				rc.accounts = append(rc.accounts, r.AccountID)
			}
		}
	}
	sys := access.System(JobRequests)
	d, err := s.gate.Check(ctx, sys, access.List, access.Resource{Category: datamap.PrivacyDisclosure, SubjectID: subj.ID}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.ledger.store.SubjectDisclosures(ctx, d, subj.ID)
	if err != nil {
		return nil, err
	}
	add(rows)
	for _, acc := range subj.OwnedAccounts() {
		d, err := s.gate.Check(ctx, sys, access.List, ledgerRes(acc), datamap.PurposeService)
		if err != nil {
			return nil, err
		}
		rows, err := s.ledger.store.Disclosures(ctx, d, acc)
		if err != nil {
			return nil, err
		}
		add(rows)
	}
	for _, rc := range out {
		slices.Sort(rc.cats)
	}
	return out, nil
}

// noticeProcessors puts a deletion notice for each processor in the outbox
// and in the ledger of every account concerned that still exists (a closed
// account's ledger went with it; the outbox and the certificate remain).
func (s *Requests) noticeProcessors(ctx context.Context, requestID string, subj fulfil.Subject, rs recipients, closed []string) ([]string, error) {
	ids := make([]string, 0, len(rs))
	for pid := range rs {
		ids = append(ids, pid)
	}
	slices.Sort(ids)
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	for _, pid := range ids {
		rc := rs[pid]
		n := DeletionNotice{ID: id.New("dln"), ProcessorID: pid, RequestID: requestID, SubjectID: subj.ID, Categories: rc.cats, CreatedAt: now}
		if err := s.notices.AddDeletionNotice(ctx, n); err != nil {
			return nil, err
		}
		name := pid
		if p, err := s.ledger.store.Processor(ctx, pid); err == nil {
			name = p.Name
		}
		for _, acc := range rc.accounts {
			if slices.Contains(closed, acc) {
				continue
			}
			d, err := s.gate.Check(ctx, access.System(JobRequests), access.Create, ledgerRes(acc), datamap.PurposeService)
			if err != nil {
				return nil, err
			}
			row := DisclosureRow{ID: id.New("dsc"), AccountID: acc, SubjectID: subj.ID, Kind: ErasureNotice, ProcessorID: pid,
				Categories: rc.cats, Resources: []string{}, DisclosedAt: now, RecordedBy: JobRequests}
			if _, err := s.ledger.record(ctx, d, row, name, requestID, "told to erase what it received of this person"); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

// DeliverDeletionNotices hands the waiting notices to n and returns how many
// were delivered; a failed delivery stays in the outbox for the next round.
func (s *Requests) DeliverDeletionNotices(ctx context.Context, n ProcessorNotifier) (int, error) {
	pending, err := s.notices.PendingDeletionNotices(ctx, 100)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, dn := range pending {
		err := n.NotifyDeletion(ctx, dn)
		if err != nil {
			s.log.Warn("deletion notice not delivered", "notice", dn.ID, "processor", dn.ProcessorID, "code", errs.CodeOf(err))
		} else {
			sent++
		}
		if err := s.notices.MarkDeletionNotice(ctx, dn.ID, err == nil); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// DeletionNotices lists the notices a deletion request produced (DPO).
func (s *Requests) DeletionNotices(ctx context.Context, p access.Principal, requestID string) ([]DeletionNotice, error) {
	if _, _, err := s.staffRequest(ctx, p, access.Read, requestID); err != nil {
		return nil, err
	}
	return s.notices.DeletionNotices(ctx, requestID)
}

// ConsentProofStore reads and pseudonymises a person's acceptances and
// consents.
type ConsentProofStore interface {
	Acceptances(ctx context.Context, d access.Decision, userID string) ([]AcceptanceRow, error)
	Consents(ctx context.Context, d access.Decision, userID string) ([]ConsentRow, error)
	// PseudonymiseConsents replaces userID by pseudonym in every acceptance
	// and consent and drops their IP addresses; it returns the rows changed.
	PseudonymiseConsents(ctx context.Context, d access.Decision, userID, pseudonym string) (int64, error)
}

// ConsentPseudonym is the keyed pseudonym that replaces a person's ID in
// the proofs of their consent after erasure: the DPO, holding the ID from a
// deletion certificate, can find the proofs; no one can go back from them
// to the person.
func ConsentPseudonym(ctx context.Context, k RequestKeys, userID string) (string, error) {
	b, err := k.BlindIndex(ctx, "consent-proof", []byte(userID))
	if err != nil {
		return "", err
	}
	return "psn_" + hex.EncodeToString(b), nil
}

type consentHandler struct {
	st   ConsentProofStore
	keys RequestKeys
}

// RegisterConsentProofs registers the handlers of privacy.consent: proofs
// are exported, and on erasure kept under a pseudonym as the law requires.
func RegisterConsentProofs(r *fulfil.Registry, st ConsentProofStore, k RequestKeys) error {
	h := consentHandler{st, k}
	return r.Register(datamap.PrivacyConsent, fulfil.Handlers{Export: h, Erase: h})
}

func (h consentHandler) Export(ctx context.Context, d access.Decision, s fulfil.Subject, sc fulfil.Scope, emit func(fulfil.Record) error) error {
	if s.Kind != fulfil.RequesterUser {
		return nil
	}
	as, err := h.st.Acceptances(ctx, d, s.ID)
	if err != nil {
		return err
	}
	for _, a := range as {
		if !sc.InRange(a.AcceptedAt) {
			continue
		}
		if err := emit(fulfil.Record{ID: "acceptance/" + a.ID, Data: map[string]any{"notice_id": a.NoticeID, "kind": a.Kind, "version": a.Version,
			"text_hash": hex.EncodeToString(a.TextHash), "accepted_at": a.AcceptedAt, "method": a.Method}}); err != nil {
			return err
		}
	}
	cs, err := h.st.Consents(ctx, d, s.ID)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if !sc.InRange(c.GrantedAt) {
			continue
		}
		data := map[string]any{"purpose": c.Purpose, "notice_id": c.NoticeID, "granted_at": c.GrantedAt, "method": c.Method}
		if !c.WithdrawnAt.IsZero() {
			data["withdrawn_at"] = c.WithdrawnAt
		}
		if err := emit(fulfil.Record{ID: "consent/" + c.ID, Data: data}); err != nil {
			return err
		}
	}
	return nil
}

func (h consentHandler) Erase(ctx context.Context, d access.Decision, s fulfil.Subject, _ fulfil.Scope) (fulfil.Erased, error) {
	if s.Kind != fulfil.RequesterUser {
		return fulfil.Erased{}, nil
	}
	psn, err := ConsentPseudonym(ctx, h.keys, s.ID)
	if err != nil {
		return fulfil.Erased{}, err
	}
	n, err := h.st.PseudonymiseConsents(ctx, d, s.ID, psn)
	return fulfil.Erased{Rows: 0, Kept: "proofs of consent (" + strconv.FormatInt(n, 10) + " records: document version, text hash, time, method) " +
		"under a keyed pseudonym, without IP addresses, as the law requires proof of consent"}, err
}
