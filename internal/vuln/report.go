package vuln

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/netaddr"
)

// Submission is what a finder sends through the public form.
type Submission struct {
	Title       string         `json:"title"`
	Product     string         `json:"product"`
	Versions    string         `json:"versions,omitempty"`
	Description string         `json:"description"`
	Email       string         `json:"email,omitempty"`
	Name        string         `json:"name,omitempty"`
	Credit      string         `json:"credit,omitempty"`
	Attachments []AttachmentIn `json:"attachments,omitempty"`
}

// AttachmentIn is a file sent with a report (base64 in JSON).
type AttachmentIn struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// Contact is how to reach a reporter, sealed.
type Contact struct {
	Email  string `json:"email,omitempty"`
	Name   string `json:"name,omitempty"`
	Credit string `json:"credit,omitempty"`
}

// Details are the reporter's words, sealed.
type Details struct {
	Title       string `json:"title"`
	Product     string `json:"product"`
	Versions    string `json:"versions,omitempty"`
	Description string `json:"description"`
}

// Receipt is what the reporter gets back: the report's number and the
// follow-up code (shown once) to check on it.
type Receipt struct {
	ID           string    `json:"id"`
	FollowUpCode string    `json:"follow_up_code"`
	Status       Status    `json:"status"`
	SubmittedAt  time.Time `json:"submitted_at"`
	FollowURL    string    `json:"follow_url"`
}

// Progress is what the reporter sees with the follow-up code.
type Progress struct {
	ID          string    `json:"id"`
	Status      Status    `json:"status"`
	SubmittedAt time.Time `json:"submitted_at"`
	TriagedAt   time.Time `json:"triaged_at,omitzero"`
	Note        string    `json:"note,omitempty"`
	Advisory    string    `json:"advisory,omitempty"` // the slug once published
	AdvisoryURL string    `json:"advisory_url,omitempty"`
}

// contentTypes are the attachment types accepted: evidence, not programs.
var contentTypes = []string{"text/plain", "application/pdf", "image/png", "image/jpeg", "application/json", "application/zip"}

func bounded(what, v string, min, max int) error {
	n := utf8.RuneCountInString(strings.TrimSpace(v))
	if n < min || n > max || !utf8.ValidString(v) {
		if min > 0 {
			return errs.E(errs.Invalid, "%s must be %d to %d characters", what, min, max)
		}
		return errs.E(errs.Invalid, "%s must be at most %d characters", what, max)
	}
	return nil
}

// check refuses a submission that is incomplete or too large, naming
// what is wrong.
func (s *Service) check(in *Submission) error {
	for _, c := range []struct {
		what     string
		v        string
		min, max int
	}{{"title", in.Title, 5, 200}, {"product", in.Product, 2, 200}, {"versions", in.Versions, 0, 200},
		{"description", in.Description, 20, 20000}, {"name", in.Name, 0, 200}, {"credit", in.Credit, 0, 200}} {
		if err := bounded(c.what, c.v, c.min, c.max); err != nil {
			return err
		}
	}
	if in.Email != "" {
		a, err := mail.ParseAddress(strings.TrimSpace(in.Email))
		if err != nil || len(in.Email) > 254 {
			return errs.E(errs.Invalid, "e-mail address is not valid (or leave it out to report anonymously)")
		}
		in.Email = strings.ToLower(a.Address)
	}
	if len(in.Attachments) > s.opts.MaxAttachments {
		return errs.E(errs.Invalid, "at most %d attachments", s.opts.MaxAttachments)
	}
	for i, a := range in.Attachments {
		switch {
		case len(a.Data) == 0:
			return errs.E(errs.Invalid, "attachment %d is empty", i+1)
		case int64(len(a.Data)) > s.opts.MaxAttachmentBytes:
			return errs.E(errs.TooLarge, "attachment %d is larger than %d KiB", i+1, s.opts.MaxAttachmentBytes>>10)
		case !slices.Contains(contentTypes, a.ContentType):
			return errs.E(errs.Invalid, "attachment %d: send %s", i+1, strings.Join(contentTypes, ", "))
		}
		if err := bounded("an attachment's name", a.Name, 1, 200); err != nil {
			return err
		}
	}
	return nil
}

// Submit files a report from the public form. One client network files at
// most Options.ReportsPerHour well-formed reports an hour. The follow-up code in the receipt is
// shown once; only its hash is kept.
func (s *Service) Submit(ctx context.Context, p access.Principal, in Submission) (Receipt, error) {
	if err := s.check(&in); err != nil {
		return Receipt{}, err
	}
	// Only well-formed reports count, so a finder fixing a typo keeps
	// their quota.
	if !s.limit.Allow(ctx, "net:"+netaddr.LimitKey(p.IP)) {
		return Receipt{}, errs.E(errs.RateLimited, "too many reports from your network in the last hour; wait a while, or write to the security mailbox")
	}
	now := s.clk.Now().UTC()
	row := ReportRow{ID: id.New("vr"), Status: StatusNew, SubmittedAt: now}
	// The same address keeps the same pseudonym as with the privacy
	// centre, so a request about one's data finds one's reports.
	if in.Email != "" {
		idx, err := s.keys.BlindIndex(ctx, "privacy-requester", []byte(in.Email))
		if err != nil {
			return Receipt{}, err
		}
		row.ContactIndex = idx
		row.ReporterID, err = s.store.ReporterByContact(ctx, idx)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return Receipt{}, err
		}
	}
	if row.ReporterID == "" {
		row.ReporterID = id.New("prs")
	}
	d, err := s.gate.Check(ctx, p, access.Create, access.Resource{Category: datamap.VulnReport, SubjectID: row.ReporterID, ID: row.ID}, datamap.PurposeService)
	if err != nil {
		return Receipt{}, err
	}
	c := Contact{Email: in.Email, Name: strings.TrimSpace(in.Name), Credit: strings.TrimSpace(in.Credit)}
	det := Details{Title: strings.TrimSpace(in.Title), Product: strings.TrimSpace(in.Product), Versions: strings.TrimSpace(in.Versions), Description: in.Description}
	if row.ContactSealed, err = s.sealJSON(ctx, row.ReporterID, "vuln_reports.contact_sealed", row.ID, c); err != nil {
		return Receipt{}, err
	}
	if row.DetailsSealed, err = s.sealJSON(ctx, row.ReporterID, "vuln_reports.details_sealed", row.ID, det); err != nil {
		return Receipt{}, err
	}
	code, hash := newCode()
	row.FollowHash = hash
	atts := make([]AttachmentRow, 0, len(in.Attachments))
	for _, a := range in.Attachments {
		ar := AttachmentRow{ID: id.New("va"), ReportID: row.ID, ContentType: a.ContentType, Size: int64(len(a.Data)), CreatedAt: now}
		if ar.NameSealed, err = s.keys.SealSubject(ctx, row.ReporterID, []byte(strings.TrimSpace(a.Name)), keys.FieldAD("vuln_attachments.name_sealed", ar.ID)); err != nil {
			return Receipt{}, err
		}
		if err := s.blobs.Put(ctx, attachmentsOwner(row.ID), "att/"+ar.ID, bytes.NewReader(a.Data)); err != nil {
			s.dropBlobs(ctx, row.ID)
			return Receipt{}, err
		}
		atts = append(atts, ar)
	}
	if err := s.store.CreateReport(ctx, d, row, atts); err != nil {
		s.dropBlobs(ctx, row.ID)
		return Receipt{}, err
	}
	s.log.Info("vulnerability report received", "report", row.ID, "attachments", len(atts))
	return Receipt{ID: row.ID, FollowUpCode: code, Status: row.Status, SubmittedAt: now,
		FollowURL: strings.TrimRight(s.opts.PublicURL, "/") + "/#/security/report/follow?id=" + row.ID}, nil
}

// dropBlobs removes what a failed submission stored, and its key.
func (s *Service) dropBlobs(ctx context.Context, reportID string) {
	s.deleteBlobs(ctx, reportID)
	_ = s.keys.Destroy(ctx, keys.ScopeAccount, attachmentsOwner(reportID))
}

// Follow returns a report's progress to whoever holds its follow-up code.
// A wrong code and an unknown report look the same.
func (s *Service) Follow(ctx context.Context, p access.Principal, reportID, code string) (Progress, error) {
	notFound := errs.E(errs.NotFound, "no report with this number and follow-up code")
	if code == "" {
		return Progress{}, errs.E(errs.Unauthenticated, "send the report's follow-up code")
	}
	got, err := s.store.ReportIDByFollowHash(ctx, hashCode(code))
	if err != nil || got != reportID {
		return Progress{}, notFound
	}
	owner, err := s.store.ReportOwner(ctx, reportID)
	if err != nil {
		return Progress{}, notFound
	}
	d, err := s.gate.Check(ctx, p, access.Read, access.Resource{Category: datamap.VulnReport, SubjectID: owner, ID: reportID}, datamap.PurposeService)
	if err != nil {
		return Progress{}, err
	}
	row, _, err := s.store.Report(ctx, d, reportID)
	if err != nil {
		return Progress{}, err
	}
	out := Progress{ID: row.ID, Status: row.Status, SubmittedAt: row.SubmittedAt, TriagedAt: row.TriagedAt}
	switch row.Status {
	case StatusRejected, StatusDuplicate:
		out.Note = row.DecisionNote
	case StatusAdvisory:
		if a, err := s.store.Advisory(ctx, row.AdvisoryID); err == nil && a.Status == AdvisoryPublished {
			out.Advisory, out.AdvisoryURL = a.Slug, s.advisoryURL(a.Slug)
		}
	}
	return out, nil
}

func newCode() (string, []byte) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	code := "vf_" + base64.RawURLEncoding.EncodeToString(b[:])
	return code, hashCode(code)
}

func hashCode(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}

func (s *Service) sealJSON(ctx context.Context, subject, column, rowID string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "encode %s", column)
	}
	return s.keys.SealSubject(ctx, subject, b, keys.FieldAD(column, rowID))
}

// openJSON opens a sealed field; ok is false once the key is destroyed.
func (s *Service) openJSON(ctx context.Context, subject, column, rowID string, sealed []byte, v any) (bool, error) {
	b, err := s.keys.OpenSubject(ctx, subject, sealed, keys.FieldAD(column, rowID))
	if errs.Is(err, errs.Gone) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal(b, v)
}
