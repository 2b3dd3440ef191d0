package privacy

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/keys"
)

// Reply is a message a requester wrote on their request: a reply to a
// letter, or an appeal against a denial (R2, R6).
type Reply struct {
	ID        string    `json:"id"`
	RequestID string    `json:"request_id"`
	Appeal    bool      `json:"appeal"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// ReplyRow is a reply as stored, its text sealed under the requester's key.
type ReplyRow struct {
	ID         string
	RequestID  string
	Appeal     bool
	TextSealed []byte
	CreatedAt  time.Time
}

// ReplyInput is what a requester writes.
type ReplyInput struct {
	Text   string `json:"text"`
	Appeal bool   `json:"appeal"`
}

// ReplyStore keeps replies.
type ReplyStore interface {
	AddReply(ctx context.Context, r ReplyRow) error
	Replies(ctx context.Context, requestID string) ([]ReplyRow, error)
}

// Reply keeps a signed-in requester's reply on their own request.
func (s *Requests) Reply(ctx context.Context, p access.Principal, requestID string, in ReplyInput) (Reply, error) {
	row, err := s.ownRequest(ctx, p, access.Read, requestID)
	if err != nil {
		return Reply{}, err
	}
	return s.reply(ctx, row, in)
}

// ReplyByToken keeps a reply from someone without an account, who holds
// the request's access token.
func (s *Requests) ReplyByToken(ctx context.Context, p access.Principal, requestID, token string, in ReplyInput) (Reply, error) {
	row, err := s.tokenRequest(ctx, p, access.Read, requestID, token)
	if err != nil {
		return Reply{}, err
	}
	return s.reply(ctx, row, in)
}

func (s *Requests) reply(ctx context.Context, row RequestRow, in ReplyInput) (Reply, error) {
	if err := checkText("text", in.Text, 1, 5000); err != nil {
		return Reply{}, err
	}
	if in.Appeal && (row.Status != StatusClosed || row.DenialReason == "") {
		return Reply{}, errs.E(errs.Conflict, "an appeal is against a denial; this request was not denied")
	}
	r := ReplyRow{ID: id.New("rpl"), RequestID: row.ID, Appeal: in.Appeal, CreatedAt: s.clk.Now().UTC().Truncate(time.Microsecond)}
	var err error
	text := strings.TrimSpace(in.Text)
	if r.TextSealed, err = s.keys.SealSubject(ctx, row.RequesterID, []byte(text), keys.FieldAD("privacy_request_replies.text_sealed", r.ID)); err != nil {
		return Reply{}, err
	}
	if err := s.store.AddReply(ctx, r); err != nil {
		return Reply{}, err
	}
	what := "A reply to privacy request " + row.ID
	if in.Appeal {
		what = "An appeal against the denial of privacy request " + row.ID
	}
	s.notifyDPO(ctx, what, what+" arrived. Read it with the request.")
	return Reply{ID: r.ID, RequestID: row.ID, Appeal: r.Appeal, Text: text, CreatedAt: r.CreatedAt}, nil
}

// Replies lists what the requester wrote on a request (DPO).
func (s *Requests) Replies(ctx context.Context, p access.Principal, requestID string) ([]Reply, error) {
	row, _, err := s.staffRequest(ctx, p, access.Read, requestID)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Replies(ctx, requestID)
	if err != nil {
		return nil, err
	}
	out := make([]Reply, 0, len(rows))
	for _, r := range rows {
		text, err := s.openText(ctx, row.RequesterID, "privacy_request_replies.text_sealed", r.ID, r.TextSealed)
		if err != nil {
			return nil, err
		}
		out = append(out, Reply{ID: r.ID, RequestID: r.RequestID, Appeal: r.Appeal, Text: text, CreatedAt: r.CreatedAt})
	}
	return out, nil
}
