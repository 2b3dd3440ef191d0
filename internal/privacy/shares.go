package privacy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	vmail "github.com/vigil-cloud/vigil/internal/mail"
)

// Who a share opens cameras to.
const (
	RecipientPerson      = "person"      // someone with (or invited to) a vigil account
	RecipientIntegration = "integration" // a service holding a scoped token
)

// MaxShare is the longest a share lasts: it always ends.
const MaxShare = 366 * 24 * time.Hour

// shareCategories are what a camera share opens: the device itself (its
// name and state) and its video, as the share's rights say.
var shareCategories = []datamap.CategoryID{datamap.DeviceInfo, datamap.MediaSegment}

// ShareRow is a share as stored: its disclosure (devices or sites, end,
// revocation) and whom it opens to.
type ShareRow struct {
	ID             string
	AccountID      string
	RecipientKind  string
	RecipientID    string // the person's user ID once accepted, or the integration's ID
	SecretHash     string // SHA-256 of a pending invitation's or an integration's token
	Live           bool
	Recordings     bool
	RecordingsFrom time.Time
	RecordingsTo   time.Time
	AcceptedAt     time.Time
	// From the disclosure.
	Resources       []string
	RecipientSealed []byte
	DisclosedAt     time.Time
	ExpiresAt       time.Time
	RevokedAt       time.Time
	RecordedBy      string
}

// ShareUse is one access a share allowed.
type ShareUse struct {
	ShareID     string             `json:"share_id"`
	Seq         int64              `json:"seq"`
	AccountID   string             `json:"-"`
	RecipientID string             `json:"recipient_id"`
	At          time.Time          `json:"at"`
	Action      string             `json:"action"`
	Category    datamap.CategoryID `json:"category"`
	ResourceID  string             `json:"resource_id,omitempty"`
}

// CameraShare is a share as the owner and the recipient see it.
type CameraShare struct {
	ID             string     `json:"id"`
	AccountID      string     `json:"account_id"`
	RecipientKind  string     `json:"recipient_kind"`
	Recipient      string     `json:"recipient"` // the e-mail address or the integration's name
	RecipientID    string     `json:"recipient_id,omitempty"`
	Devices        []string   `json:"devices"` // the devices and sites shared
	Live           bool       `json:"live"`
	Recordings     bool       `json:"recordings"`
	RecordingsFrom *time.Time `json:"recordings_from,omitempty"`
	RecordingsTo   *time.Time `json:"recordings_to,omitempty"`
	SharedBy       string     `json:"shared_by"`
	SharedAt       time.Time  `json:"shared_at"`
	Until          time.Time  `json:"until"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`
	Status         string     `json:"status"` // invited, active, ended or revoked
	Uses           []ShareUse `json:"uses"`
	// Token is an integration's credential, shown once when the share is
	// made and never again.
	Token string `json:"token,omitempty"`
}

// ShareInput is an owner's decision to share cameras: with a person by
// e-mail, or with an integration by name; chosen devices and/or whole
// sites; live view and/or recordings (within a window); until a date.
type ShareInput struct {
	Email          string    `json:"email"`
	Integration    string    `json:"integration"`
	Devices        []string  `json:"devices"`
	Sites          []string  `json:"sites"`
	Live           bool      `json:"live"`
	Recordings     bool      `json:"recordings"`
	RecordingsFrom time.Time `json:"recordings_from"`
	RecordingsTo   time.Time `json:"recordings_to"`
	Until          time.Time `json:"until"`
	Note           string    `json:"note"`
}

func hashSecret(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func newShareSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

func (s *Service) checkShare(ctx context.Context, accountID string, in *ShareInput, now time.Time) (kind, recipient string, res []string, err error) {
	in.Email, in.Integration = strings.TrimSpace(in.Email), strings.TrimSpace(in.Integration)
	switch {
	case (in.Email == "") == (in.Integration == ""):
		return "", "", nil, errs.E(errs.Invalid, "name either email (a person) or integration (a service), not both")
	case in.Email != "":
		a, perr := mail.ParseAddress(in.Email)
		if perr != nil || a.Address != in.Email || len(in.Email) > 254 {
			return "", "", nil, errs.E(errs.Invalid, "email must be one plain e-mail address")
		}
		kind, recipient = RecipientPerson, strings.ToLower(in.Email)
	default:
		if err := checkText("integration", in.Integration, 1, 100); err != nil {
			return "", "", nil, err
		}
		kind, recipient = RecipientIntegration, in.Integration
	}
	if !in.Live && !in.Recordings {
		return "", "", nil, errs.E(errs.Invalid, "share live view, recordings or both")
	}
	if res, err = checkResources(append(slices.Clone(in.Devices), in.Sites...)); err != nil {
		return "", "", nil, err
	}
	if len(res) == 0 {
		return "", "", nil, errs.E(errs.Invalid, "name the devices or sites to share")
	}
	if n, err := s.store.AccountObjects(ctx, accountID, res); err != nil {
		return "", "", nil, err
	} else if n != len(res) {
		return "", "", nil, errs.E(errs.Invalid, "devices and sites must be this account's")
	}
	switch {
	case !in.Until.After(now) || in.Until.Sub(now) > MaxShare:
		return "", "", nil, errs.E(errs.Invalid, "until must be in the future and within a year: a share always ends")
	case !in.Recordings && (!in.RecordingsFrom.IsZero() || !in.RecordingsTo.IsZero()):
		return "", "", nil, errs.E(errs.Invalid, "a window of recordings needs recordings shared")
	case !in.RecordingsFrom.IsZero() && !in.RecordingsTo.IsZero() && !in.RecordingsTo.After(in.RecordingsFrom):
		return "", "", nil, errs.E(errs.Invalid, "recordings_to must be after recordings_from")
	}
	return kind, recipient, res, checkText("note", in.Note, 0, 1000)
}

// CreateShare shares cameras of an account (owner or admin): explicit,
// scoped to devices or sites and to live view and/or recordings, ending at
// a date, revocable. A person is mailed an invitation to accept with their
// vigil account (made on the way if they have none); an integration gets
// its token in the answer, once.
func (s *Service) CreateShare(ctx context.Context, p access.Principal, accountID string, in ShareInput) (CameraShare, error) {
	d, err := s.gate.Check(ctx, p, access.Create, ledgerRes(accountID), datamap.PurposeService)
	if err != nil {
		return CameraShare{}, err
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	kind, recipient, res, err := s.checkShare(ctx, accountID, &in, now)
	if err != nil {
		return CameraShare{}, err
	}
	prefix := "vsh_"
	if kind == RecipientIntegration {
		prefix = "vi_"
	}
	token, err := newShareSecret(prefix)
	if err != nil {
		return CameraShare{}, err
	}
	disc := DisclosureRow{ID: id.New("dsc"), AccountID: accountID, SubjectID: p.ID, Kind: Share, Categories: shareCategories,
		Resources: res, DisclosedAt: now, ExpiresAt: in.Until.UTC(), RecordedBy: p.ID}
	if disc.RecipientSealed, err = s.sealAccount(ctx, accountID, "privacy_disclosures.recipient_sealed", disc.ID, recipient); err != nil {
		return CameraShare{}, err
	}
	if disc.ReferenceSealed, err = s.sealAccount(ctx, accountID, "privacy_disclosures.reference_sealed", disc.ID, ""); err != nil {
		return CameraShare{}, err
	}
	if disc.DetailsSealed, err = s.sealAccount(ctx, accountID, "privacy_disclosures.details_sealed", disc.ID, strings.TrimSpace(in.Note)); err != nil {
		return CameraShare{}, err
	}
	row := ShareRow{ID: disc.ID, AccountID: accountID, RecipientKind: kind, SecretHash: hashSecret(token), Live: in.Live,
		Recordings: in.Recordings, RecordingsFrom: in.RecordingsFrom.UTC(), RecordingsTo: in.RecordingsTo.UTC()}
	if in.RecordingsFrom.IsZero() {
		row.RecordingsFrom = time.Time{}
	}
	if in.RecordingsTo.IsZero() {
		row.RecordingsTo = time.Time{}
	}
	if kind == RecipientIntegration {
		row.RecipientID, row.AcceptedAt = id.New("int"), now
	}
	if err := s.store.CreateShare(ctx, d, disc, row); err != nil {
		return CameraShare{}, err
	}
	row.Resources, row.RecipientSealed, row.DisclosedAt, row.ExpiresAt, row.RecordedBy = res, disc.RecipientSealed, now, disc.ExpiresAt, p.ID
	out := s.cameraShare(ctx, row, nil, now)
	if kind == RecipientIntegration {
		out.Token = token
		return out, nil
	}
	s.mailShare(ctx, recipient, token, out)
	return out, nil
}

func (s *Service) mailShare(ctx context.Context, to, token string, sh CameraShare) {
	if s.mailer == nil {
		return
	}
	what := "live view"
	switch {
	case sh.Live && sh.Recordings:
		what = "live view and recordings"
	case sh.Recordings:
		what = "recordings"
	}
	link := strings.TrimRight(s.publicURL, "/") + "/#/accept-share?token=" + token
	text := "Someone shared " + itoa(len(sh.Devices)) + " camera or site(s) with you on vigil (" + what + "), until " +
		sh.Until.Format("2 January 2006") + ".\n\nTo see them, sign in (or create an account with this address) and open:\n\n" + link +
		"\n\nNothing is shared with you until you accept, and the owner can end the share at any time. If you do not know why you got this, ignore it.\n"
	if err := s.mailer.Send(ctx, vmail.Mail{To: to, Subject: "Cameras shared with you on vigil", Text: text}); err != nil {
		s.log.Warn("share invitation not sent", "share", sh.ID, "err", err)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func (s *Service) cameraShare(ctx context.Context, r ShareRow, uses []ShareUse, now time.Time) CameraShare {
	out := CameraShare{ID: r.ID, AccountID: r.AccountID, RecipientKind: r.RecipientKind, RecipientID: r.RecipientID,
		Devices: r.Resources, Live: r.Live, Recordings: r.Recordings, SharedBy: r.RecordedBy, SharedAt: r.DisclosedAt,
		Until: r.ExpiresAt, Uses: uses,
		Recipient: s.openAccount(ctx, r.AccountID, "privacy_disclosures.recipient_sealed", r.ID, r.RecipientSealed)}
	if out.Devices == nil {
		out.Devices = []string{}
	}
	if out.Uses == nil {
		out.Uses = []ShareUse{}
	}
	if !r.RecordingsFrom.IsZero() {
		t := r.RecordingsFrom
		out.RecordingsFrom = &t
	}
	if !r.RecordingsTo.IsZero() {
		t := r.RecordingsTo
		out.RecordingsTo = &t
	}
	switch {
	case !r.RevokedAt.IsZero():
		t := r.RevokedAt
		out.RevokedAt, out.Status = &t, "revoked"
	case !now.Before(r.ExpiresAt):
		out.Status = "ended"
	case r.RecipientID == "":
		out.Status = "invited"
	default:
		out.Status = "active"
	}
	return out
}

// AccountShares lists an account's camera shares, newest first, each with
// every use made of it (owner or admin).
func (s *Service) AccountShares(ctx context.Context, p access.Principal, accountID string) ([]CameraShare, error) {
	d, err := s.gate.Check(ctx, p, access.List, ledgerRes(accountID), datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.AccountShares(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	uses, err := s.store.AccountShareUses(ctx, d, accountID)
	if err != nil {
		return nil, err
	}
	return s.cameraShares(ctx, rows, uses), nil
}

func (s *Service) cameraShares(ctx context.Context, rows []ShareRow, uses []ShareUse) []CameraShare {
	by := map[string][]ShareUse{}
	for _, u := range uses {
		by[u.ShareID] = append(by[u.ShareID], u)
	}
	now := s.clk.Now()
	out := make([]CameraShare, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.cameraShare(ctx, r, by[r.ID], now))
	}
	return out
}

// SharedWithMe lists the shares made to the caller (a person or an
// integration), live or ended, each with every use made of it.
func (s *Service) SharedWithMe(ctx context.Context, p access.Principal) ([]CameraShare, error) {
	d, err := s.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.PrivacyDisclosure, SubjectID: p.ID}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.SharesTo(ctx, d, p.ID)
	if err != nil {
		return nil, err
	}
	uses, err := s.store.ShareUsesBy(ctx, d, p.ID)
	if err != nil {
		return nil, err
	}
	return s.cameraShares(ctx, rows, uses), nil
}

// SharedDevices returns the devices a live share opens now: those it
// names, and those of the sites it names.
func (s *Service) SharedDevices(ctx context.Context, sh CameraShare) ([]string, error) {
	if sh.Status != "active" {
		return []string{}, nil
	}
	return s.store.SharedDevices(ctx, sh.AccountID, sh.Devices)
}

// AcceptShare binds a person's share invitation to the signed-in person
// who holds its token: from then on they see the shared cameras.
func (s *Service) AcceptShare(ctx context.Context, p access.Principal, token string) (CameraShare, error) {
	if p.Kind != access.KindUser {
		return CameraShare{}, errs.E(errs.Forbidden, "a person accepts a share with their own account")
	}
	if !strings.HasPrefix(token, "vsh_") || len(token) > 100 {
		return CameraShare{}, errs.E(errs.NotFound, "this invitation is unknown, used, ended or revoked")
	}
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	row, err := s.store.AcceptShare(ctx, hashSecret(token), p.ID, now)
	if errs.Is(err, errs.NotFound) {
		return CameraShare{}, errs.E(errs.NotFound, "this invitation is unknown, used, ended or revoked")
	} else if err != nil {
		return CameraShare{}, err
	}
	return s.cameraShare(ctx, row, nil, now), nil
}

// AuthenticateIntegration turns an integration's token into its
// principal while its share is live.
func (s *Service) AuthenticateIntegration(ctx context.Context, token, ip, userAgent string) (access.Principal, error) {
	if !strings.HasPrefix(token, "vi_") || len(token) > 100 {
		return access.Principal{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	row, err := s.store.IntegrationShare(ctx, hashSecret(token), s.clk.Now())
	if errs.Is(err, errs.NotFound) {
		return access.Principal{}, errs.E(errs.Unauthenticated, "this integration's share has ended or was revoked")
	} else if err != nil {
		return access.Principal{}, err
	}
	return access.Principal{Kind: access.KindIntegration, ID: row.RecipientID, IP: ip, UserAgent: userAgent}, nil
}

// Shares is the access gate's source of camera shares.
type Shares struct{ store Store }

var _ access.Shares = (*Shares)(nil)

// NewShares returns the share source for the gate.
func NewShares(store Store) *Shares { return &Shares{store: store} }

// UserShare returns a live share to q's recipient that names q's device
// or its site and opens q's category: the device always, its video when
// the share opens live view or recordings.
func (g *Shares) UserShare(ctx context.Context, q access.ShareQuery) (access.ShareScope, bool, error) {
	if !slices.Contains(shareCategories, q.Category) {
		return access.ShareScope{}, false, nil
	}
	rows, err := g.store.LiveSharesTo(ctx, q.RecipientID, q.AccountID, q.At)
	if err != nil {
		return access.ShareScope{}, false, err
	}
	var best *access.ShareScope
	for _, r := range rows {
		if !slices.Contains(r.Resources, q.ResourceID) && (q.SiteID == "" || !slices.Contains(r.Resources, q.SiteID)) {
			continue
		}
		sc := access.ShareScope{ID: r.ID, Live: r.Live, Recordings: r.Recordings, From: r.RecordingsFrom, To: r.RecordingsTo}
		if best == nil || (sc.Live && !best.Live) || (sc.Recordings && !best.Recordings) {
			best = &sc
		}
	}
	if best == nil {
		return access.ShareScope{}, false, nil
	}
	return *best, true, nil
}

// ShareUsed keeps the use beside the share.
func (g *Shares) ShareUsed(ctx context.Context, shareID string, seq int64, r access.Record) error {
	return g.store.RecordShareUse(ctx, ShareUse{ShareID: shareID, Seq: seq, AccountID: r.AccountID, RecipientID: r.ActorID,
		At: r.Time.UTC().Truncate(time.Microsecond), Action: r.Action, Category: datamap.CategoryID(r.Category), ResourceID: r.ResourceID})
}

// RevokeShare ends a share at once (owner or admin): its recipient's live
// view and playback stop, on every node, and an integration's token no
// longer signs in.
func (s *Service) RevokeShare(ctx context.Context, p access.Principal, accountID, shareID string) error {
	d, err := s.gate.Check(ctx, p, access.Update, ledgerRes(accountID), datamap.PurposeService)
	if err != nil {
		return err
	}
	if err := s.store.RevokeShare(ctx, d, accountID, shareID); err != nil {
		return err
	}
	s.withdraw(ctx, shareID)
	return nil
}
