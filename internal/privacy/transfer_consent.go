package privacy

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
)

// A member's answers to a transfer of their account.
const (
	AnswerAgreed  = "agreed"
	AnswerRefused = "refused"
)

// TransferAsk is a member's question: do your own records go with the
// transfer of this account?
type TransferAsk struct {
	TransferID string     `json:"transfer_id"`
	AccountID  string     `json:"account_id"`
	AskedAt    time.Time  `json:"asked_at"`
	Answer     string     `json:"answer"` // agreed, refused, or "" while unanswered
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// TransferAskRow is an ask as stored.
type TransferAskRow struct {
	TransferID string
	AccountID  string
	UserID     string
	Answer     string
	AskedAt    time.Time
	AnsweredAt time.Time
}

// TransferStore keeps members' answers to transfers, the packages this
// vigil imported, and the closing of transferred accounts.
type TransferStore interface {
	AskTransfer(ctx context.Context, transferID, accountID string, userIDs []string, at time.Time) error
	// TransferAnswers returns each asked member's answer.
	TransferAnswers(ctx context.Context, transferID string) (map[string]string, error)
	// TransferAsks lists the asks made to a person; d is about their own
	// ledger.
	TransferAsks(ctx context.Context, d access.Decision, userID string) ([]TransferAskRow, error)
	// AnswerTransfer keeps a member's answer; errs.NotFound when they were
	// not asked.
	AnswerTransfer(ctx context.Context, d access.Decision, transferID, userID, answer string, at time.Time) error
	// ClaimImport records that a package is being imported, once:
	// errs.Conflict when it was imported before.
	ClaimImport(ctx context.Context, transferID, by string, at time.Time) error
	// ImportDone records the account an import made; ImportFailed forgets
	// a claim whose import failed.
	ImportDone(ctx context.Context, transferID, accountID string) error
	ImportFailed(ctx context.Context, transferID string) error
	TransferCloseStore
}

// askMembers asks every member but the confirming owner whether their own
// records go, by mail and in the app (GET /api/v1/me/transfer-asks).
func (s *Requests) askMembers(ctx context.Context, doc TransferDocument) error {
	var ids []string
	for _, m := range doc.Members {
		if m.UserID != doc.ConfirmedBy {
			ids = append(ids, m.UserID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if err := s.store.AskTransfer(ctx, doc.TransferID, doc.Account.ID, ids, doc.CreatedAt); err != nil {
		return err
	}
	link := strings.TrimRight(s.opts.PublicURL, "/") + "/#/privacy/transfers"
	for _, m := range doc.Members {
		if m.UserID == doc.ConfirmedBy {
			continue
		}
		s.send(ctx, m.Email, "Your vigil account is being transferred: do your records go with it?",
			"The owner of the vigil account "+quoteName(doc.Account.Name)+" is handing it over to "+quoteName(doc.Recipient)+
				".\nTheir reason: "+quoteName(doc.Reason)+"\n\n"+
				"Your own records (your profile and what you keep in this account) go with it only if you agree. Until you answer, "+
				"they stay here: the new organisation receives only your e-mail address and your role, to invite you again, and you "+
				"decide then whether to join. Your sign-in history, privacy requests and messages never go.\n\n"+
				"Answer in the app: "+link+"\n\nYou find this transfer in your disclosure ledger too.\n")
	}
	return nil
}

// quoteName shows a name people typed without a link a mail program would
// make clickable.
func quoteName(s string) string {
	return "\u201c" + strings.ReplaceAll(strings.TrimSpace(s), ".", "[.]") + "\u201d"
}

// TransferAsks lists the transfers the caller was asked about.
func (s *Requests) TransferAsks(ctx context.Context, p access.Principal) ([]TransferAsk, error) {
	d, err := s.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.PrivacyDisclosure, SubjectID: p.ID}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.TransferAsks(ctx, d, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]TransferAsk, 0, len(rows))
	for _, r := range rows {
		a := TransferAsk{TransferID: r.TransferID, AccountID: r.AccountID, AskedAt: r.AskedAt, Answer: r.Answer}
		if !r.AnsweredAt.IsZero() {
			t := r.AnsweredAt
			a.AnsweredAt = &t
		}
		out = append(out, a)
	}
	return out, nil
}

// AnswerTransfer keeps the caller's answer: agreed, their records go with
// the package from its next download; refused, they never do. An answer
// may change until the package is imported.
func (s *Requests) AnswerTransfer(ctx context.Context, p access.Principal, transferID string, agree bool) error {
	if err := checkID("transfer", transferID); err != nil {
		return err
	}
	d, err := s.gate.Check(ctx, p, access.Update, access.Resource{Category: datamap.PrivacyConsent, SubjectID: p.ID}, datamap.PurposeService)
	if err != nil {
		return err
	}
	answer := AnswerRefused
	if agree {
		answer = AnswerAgreed
	}
	return s.store.AnswerTransfer(ctx, d, transferID, p.ID, answer, s.clk.Now().UTC().Truncate(time.Microsecond))
}
