// Package privacy is vigil's privacy centre: the entrustment grants that let
// vendor support see a customer's data for a while, the notices people accept
// and the optional uses they consent to, and the ledger of every disclosure
// of their data with the registry of processors that receive it.
//
// It never lets staff in without a live grant (the access gate asks Grants),
// never treats a withdrawn consent or an outdated acceptance as current, never
// hands data to a processor whose agreement or assessment lapsed, and never
// shows a person a ledger entry the law keeps secret for now; nor does it
// store a personal field in clear: free text, names and IP addresses are
// sealed under the key of the account or person they belong to.
package privacy

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vigil-cloud/vigil/internal/revoke"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/keys"
	vmail "github.com/vigil-cloud/vigil/internal/mail"
)

// Keys seals personal fields under a person's or an account's key. The
// keyring implements it; destroying a key makes what it sealed unreadable.
type Keys interface {
	SealSubject(ctx context.Context, subjectID string, plaintext, ad []byte) ([]byte, error)
	OpenSubject(ctx context.Context, subjectID string, ciphertext, ad []byte) ([]byte, error)
	SealAccount(ctx context.Context, accountID string, plaintext, ad []byte) ([]byte, error)
	OpenAccount(ctx context.Context, accountID string, ciphertext, ad []byte) ([]byte, error)
}

// Service is the privacy centre.
type Service struct {
	revoker  revoke.Revoker
	store    Store
	keys     Keys
	gate     *access.Gate
	reg      *datamap.Registry
	clk      clock.Clock
	log      *slog.Logger
	feed     *Feed
	notifier Notifier
	mailer   vmail.Mailer
	// publicURL is where people open vigil (links in mails).
	publicURL string
}

// Options are the service's collaborators besides its store.
type Options struct {
	// Feed carries grant uses live to the account's owners; the Grants
	// given to the gate must publish to the same feed.
	Feed *Feed
	// Notifier tells people of a newly published notice; nil tells no one
	// beyond the in-app notices list.
	Notifier Notifier
	// Revoker ends what a revoked grant or share opened (stream tokens,
	// live viewers) on every node; nil ends nothing early.
	Revoker revoke.Revoker
	// Mailer carries share invitations; nil sends none.
	Mailer vmail.Mailer
	// PublicURL is where people open vigil, for links in mails.
	PublicURL string
}

// New returns the privacy service.
func New(store Store, keys Keys, gate *access.Gate, reg *datamap.Registry, clk clock.Clock, log *slog.Logger, o Options) *Service {
	if o.Feed == nil {
		o.Feed = NewFeed()
	}
	return &Service{store: store, keys: keys, gate: gate, reg: reg, clk: clk, log: log, feed: o.Feed, notifier: o.Notifier, revoker: o.Revoker,
		mailer: o.Mailer, publicURL: o.PublicURL}
}

func checkID(field, v string) error {
	if !id.Valid(v) {
		return errs.E(errs.Invalid, "%s is not a valid identifier", field)
	}
	return nil
}

func checkText(field, v string, min, max int) error {
	n := utf8.RuneCountInString(strings.TrimSpace(v))
	if !utf8.ValidString(v) || n < min || n > max || strings.ContainsRune(v, 0) {
		return errs.E(errs.Invalid, "%s must be %d to %d characters of text", field, min, max)
	}
	return nil
}

// checkCategories refuses unknown categories and those that may never leave
// their owner (credentials), and returns them sorted without duplicates.
func (s *Service) checkCategories(in []datamap.CategoryID) ([]datamap.CategoryID, error) {
	if len(in) == 0 {
		return nil, errs.E(errs.Invalid, "name at least one data category")
	}
	out := slices.Clone(in)
	for _, c := range out {
		cat, ok := s.reg.Category(c)
		if !ok {
			return nil, errs.E(errs.Invalid, "unknown data category %q (see /api/v1/datamap)", c)
		}
		if cat.Sensitivity == datamap.Credential {
			return nil, errs.E(errs.Invalid, "%s never leaves its owner", c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func checkResources(in []string) ([]string, error) {
	out := slices.Clone(in)
	for _, r := range out {
		if err := checkID("resource", r); err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// ad binds a sealed field to its column and row, so a ciphertext copied to
func (s *Service) sealAccount(ctx context.Context, accountID, column, rowID, value string) ([]byte, error) {
	return s.keys.SealAccount(ctx, accountID, []byte(value), keys.FieldAD(column, rowID))
}

func (s *Service) openAccount(ctx context.Context, accountID, column, rowID string, sealed []byte) string {
	if len(sealed) == 0 {
		return ""
	}
	b, err := s.keys.OpenAccount(ctx, accountID, sealed, keys.FieldAD(column, rowID))
	return s.opened(b, err, column)
}

func (s *Service) sealSubject(ctx context.Context, subjectID, column, rowID, value string) ([]byte, error) {
	return s.keys.SealSubject(ctx, subjectID, []byte(value), keys.FieldAD(column, rowID))
}

func (s *Service) openSubject(ctx context.Context, subjectID, column, rowID string, sealed []byte) string {
	if len(sealed) == 0 {
		return ""
	}
	b, err := s.keys.OpenSubject(ctx, subjectID, sealed, keys.FieldAD(column, rowID))
	return s.opened(b, err, column)
}

// opened turns an opened field into text: an erased key reads as erased;
// another failure is logged (without the field).
func (s *Service) opened(b []byte, err error, column string) string {
	return keys.FieldText(s.log, b, err, column)
}

// requireStaff allows a staff member with a second factor and one of roles
// to manage vigil's own records (notices, processors), which hold no
// personal data and so do not pass the gate.
func requireStaff(p access.Principal, roles ...access.StaffRole) error {
	if p.Kind != access.KindStaff {
		return errs.E(errs.Forbidden, "only vendor staff may do this")
	}
	if !p.MFA {
		return errs.E(errs.MFARequired, "complete the second sign-in step first")
	}
	if !slices.Contains(roles, p.StaffRole) {
		return errs.E(errs.Forbidden, "staff role %s may not do this", p.StaffRole)
	}
	return nil
}

// withdraw ends at once, on every node, what was issued under a grant or
// share that was revoked (the grant row itself is already revoked).
func (s *Service) withdraw(ctx context.Context, viaID string) {
	if s.revoker == nil {
		return
	}
	if err := s.revoker.Revoke(context.WithoutCancel(ctx), revoke.Via(viaID)); err != nil {
		s.log.Error("revocation not recorded; streams opened under it end with their tokens", "via", viaID, "err", err)
	}
}

// GrantUses is the live feed of staff grant uses.
func (s *Service) GrantUses() *Feed { return s.feed }
