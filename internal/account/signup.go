package account

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/names"
)

// SignUp is what a new customer gives.
type SignUp struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	Name        string `json:"name"`
	AccountName string `json:"account_name"`
	Region      string `json:"region"`
	Language    string `json:"language"`
	TimeZone    string `json:"time_zone"`
	// Accepted names the documents (privacy statement, terms) shown and
	// accepted, each with the hash of the text shown.
	Accepted []ShownNotice `json:"accepted"`
}

// ShownNotice is a document version a person was shown and accepted, with
// the hex SHA-256 of the text they saw.
type ShownNotice struct {
	NoticeID string `json:"notice_id"`
	TextHash string `json:"text_hash"`
}

// Terms checks and records the documents a person accepts when signing up.
// The privacy centre implements it; account does not depend on privacy.
type Terms interface {
	// CheckSignUp returns errs.ConsentRequired unless shown holds the
	// current version of each document a new person in region must accept,
	// with the hash of its text.
	CheckSignUp(ctx context.Context, region, language string, shown []ShownNotice) error
	// RecordSignUp records that a person who just signed up accepted shown.
	RecordSignUp(ctx context.Context, userID, ip string, shown []ShownNotice) error
}

// Regions vigil knows; a region decides which law governs an account.
var Regions = []string{"EU", "UK", "US", "US-CA", "CN", "JP", "BR", "IN", "OTHER"}

// cleanName normalises a name in place (names.Clean: PRECIS, no invisible
// or direction-changing characters).
func cleanName(field string, v *string) error {
	n, err := names.Clean(field, *v, 1, 100)
	if err == nil {
		*v = n
	}
	return err
}

func checkText(field, v string, min, max int) error {
	n := utf8.RuneCountInString(strings.TrimSpace(v))
	if !utf8.ValidString(v) || n < min || n > max || strings.ContainsAny(v, "\x00\r\n") {
		return errs.E(errs.Invalid, "%s must be %d to %d characters of text on one line", field, min, max)
	}
	return nil
}

func checkRegion(r string) error {
	for _, known := range Regions {
		if r == known {
			return nil
		}
	}
	return errs.E(errs.Invalid, "region must be one of %s", strings.Join(Regions, ", "))
}

func checkTimeZone(tz string) error {
	if tz == "" {
		return errs.E(errs.Invalid, "time_zone is required")
	}
	if _, err := time.LoadLocation(tz); err != nil || len(tz) > 64 {
		return errs.E(errs.Invalid, "time_zone must be an IANA zone such as Europe/Paris")
	}
	return nil
}

func checkLanguage(l string) error {
	if len(l) < 2 || len(l) > 16 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") != "" {
		return errs.E(errs.Invalid, "language must be a language tag such as en or fr-CA")
	}
	return nil
}

// Register creates an account with its owner and sends the e-mail that
// confirms the address. When the address is already taken it sends that
// person a notice instead and answers the same way, so sign-up does not tell
// strangers who has an account.
func (s *Service) Register(ctx context.Context, p access.Principal, in SignUp) error {
	email, err := normaliseEmail(in.Email)
	if err != nil {
		return err
	}
	if in.Language == "" {
		in.Language = "en"
	}
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	for _, err := range []error{
		cleanName("name", &in.Name), cleanName("account_name", &in.AccountName),
		checkRegion(in.Region), checkLanguage(in.Language), checkTimeZone(in.TimeZone), CheckPassword(in.Password, email, in.Name, in.AccountName),
	} {
		if err != nil {
			return err
		}
	}
	if s.opts.Terms != nil {
		if err := s.opts.Terms.CheckSignUp(ctx, in.Region, in.Language, in.Accepted); err != nil {
			return err
		}
	}
	idx, err := s.emailIndex(ctx, "user-email", email)
	if err != nil {
		return err
	}
	if _, err := s.store.UserIDByEmail(ctx, idx); err == nil {
		s.send(ctx, email, "Someone tried to sign up with your address",
			"Someone, perhaps you, tried to create a vigil account with this e-mail address, which already has one.\n\n"+
				"If it was you, sign in instead or reset your password. If not, you need do nothing: nothing changed.\n")
		return nil
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	userID, accountID := id.New("usr"), id.New("acc")
	d, err := s.check(ctx, p, access.Create, access.Resource{Category: datamap.AccountProfile, AccountID: accountID, SubjectID: userID}, datamap.PurposeService)
	if err != nil {
		return err
	}
	u, err := s.newUserRow(ctx, userID, email, idx, in)
	if err != nil {
		return err
	}
	name, err := s.sealAccount(ctx, accountID, "accounts.name_sealed", accountID, strings.TrimSpace(in.AccountName))
	if err != nil {
		return err
	}
	if err := s.store.CreateAccount(ctx, d, AccountRow{ID: accountID, NameSealed: name, Region: in.Region}, u); err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil // the same address signed up twice at once: one wins, the answer is the same
		}
		return fmt.Errorf("sign up: %w", err)
	}
	if s.opts.Terms != nil {
		if err := s.opts.Terms.RecordSignUp(ctx, userID, p.IP, in.Accepted); err != nil {
			return fmt.Errorf("sign up: record acceptance: %w", err)
		}
	}
	return s.sendVerification(ctx, userID, email)
}

func (s *Service) newUserRow(ctx context.Context, userID, email string, idx []byte, in SignUp) (UserRow, error) {
	hash, err := s.opts.Hasher.Hash(in.Password)
	if err != nil {
		return UserRow{}, err
	}
	emailSealed, err := s.sealSubject(ctx, userID, "users.email_sealed", email)
	if err != nil {
		return UserRow{}, err
	}
	nameSealed, err := s.sealSubject(ctx, userID, "users.name_sealed", strings.TrimSpace(in.Name))
	if err != nil {
		return UserRow{}, err
	}
	return UserRow{ID: userID, EmailIndex: idx, EmailSealed: emailSealed, NameSealed: nameSealed,
		Language: in.Language, TimeZone: in.TimeZone, PasswordHash: hash}, nil
}

func (s *Service) sendVerification(ctx context.Context, userID, email string) error {
	token, hash := newSecret("ve_")
	if err := s.store.CreateOneTimeToken(ctx, OneTimeToken{Hash: hash, Purpose: purposeVerifyEmail, SubjectID: userID,
		ExpiresAt: s.clk.Now().Add(verifyEmailTTL)}); err != nil {
		return err
	}
	s.send(ctx, email, "Confirm your e-mail address for vigil",
		"Welcome to vigil. Open this link within 48 hours to confirm your address and finish setting up your account:\n\n"+
			s.link("verify-email", token)+"\n\nIf you did not sign up, ignore this message and no account will be usable.\n")
	return nil
}

// VerifyEmail spends a confirmation token.
func (s *Service) VerifyEmail(ctx context.Context, token string) error {
	t, err := s.store.UseOneTimeToken(ctx, HashSecret(token), purposeVerifyEmail)
	if err != nil {
		return err
	}
	d, err := s.check(ctx, access.System("verify-email"), access.Update, self(datamap.AccountProfile, t.SubjectID), datamap.PurposeService)
	if err != nil {
		return err
	}
	return s.store.MarkEmailVerified(ctx, d, t.SubjectID)
}
