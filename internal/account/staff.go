package account

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/revoke"
)

// bootstrapSubject marks the set-up token of the first administrator.
const bootstrapSubject = "bootstrap"

// NeedsBootstrap reports whether vigil has fewer than two active operator
// administrators: the first is made from the console, and so is the
// second, since four eyes need two; after that only two administrators
// together make another.
func (s *Service) NeedsBootstrap(ctx context.Context) (bool, error) {
	n, err := s.store.CountActiveStaff(ctx, access.StaffOperatorAdmin)
	return n < 2, err
}

// NeedsFirstAdmin reports whether vigil has no staff at all.
func (s *Service) NeedsFirstAdmin(ctx context.Context) (bool, error) {
	n, err := s.store.CountStaff(ctx)
	return n == 0, err
}

// IssueBootstrap returns a single-use token for creating the first (or
// second) vendor administrator, valid for a day. There are no default
// credentials: this token, shown once on the operator's console, is the
// only way in.
func (s *Service) IssueBootstrap(ctx context.Context) (string, error) {
	need, err := s.NeedsBootstrap(ctx)
	if err != nil {
		return "", err
	}
	if !need {
		return "", errs.E(errs.Conflict, "vigil already has two administrators; they add more together")
	}
	token, hash := newSecret("su_")
	err = s.store.CreateOneTimeToken(ctx, OneTimeToken{Hash: hash, Purpose: purposeStaffSetup, SubjectID: bootstrapSubject,
		ExpiresAt: s.clk.Now().Add(staffSetupTTL)})
	return token, err
}

// StaffInput describes a staff member.
type StaffInput struct {
	Email              string           `json:"email"`
	Name               string           `json:"name"`
	Role               access.StaffRole `json:"role"`
	Password           string           `json:"password,omitempty"`
	TrainingValidUntil time.Time        `json:"training_valid_until"`
}

func (s *Service) checkStaffInput(in *StaffInput) error {
	email, err := normaliseEmail(in.Email)
	if err != nil {
		return err
	}
	in.Email = email
	if err := cleanName("name", &in.Name); err != nil {
		return err
	}
	if _, err := access.ParseStaffRole(string(in.Role)); err != nil {
		return errs.E(errs.Invalid, "%v", err)
	}
	now := s.clk.Now()
	if !in.TrainingValidUntil.After(now) || in.TrainingValidUntil.After(now.AddDate(2, 0, 0)) {
		return errs.E(errs.Invalid, "training_valid_until must be a date within the next two years")
	}
	return nil
}

// Bootstrap spends the set-up token and creates the first operator
// administrator. Their second factor is enrolled at first sign-in.
func (s *Service) Bootstrap(ctx context.Context, p access.Principal, token string, in StaffInput) error {
	in.Role = access.StaffOperatorAdmin
	if err := s.checkStaffInput(&in); err != nil {
		return err
	}
	if err := CheckPassword(in.Password, in.Email); err != nil {
		return err
	}
	t, err := s.store.UseOneTimeToken(ctx, HashSecret(token), purposeStaffSetup)
	if err != nil {
		return err
	}
	if t.SubjectID != bootstrapSubject {
		return errs.E(errs.NotFound, "this link is invalid, expired or already used")
	}
	if need, err := s.NeedsBootstrap(ctx); err != nil || !need {
		return errs.E(errs.Conflict, "vigil already has two administrators; they add more together")
	}
	staffID, _, err := s.createStaff(ctx, p, id.New("stf"), in)
	if err == nil {
		s.tellOperators(ctx, "An operator administrator was added from the console",
			"A set-up link from the server's console made "+staffID+" an operator administrator.\n")
	}
	return err
}

func (s *Service) createStaff(ctx context.Context, p access.Principal, id string, in StaffInput) (string, access.Decision, error) {
	d, err := s.check(ctx, p, access.Create, self(datamap.StaffProfile, id), datamap.PurposeService)
	if err != nil {
		return "", access.Decision{}, err
	}
	idx, err := s.emailIndex(ctx, "staff-email", in.Email)
	if err != nil {
		return "", access.Decision{}, err
	}
	email, err := s.sealSubject(ctx, id, "staff.email_sealed", in.Email)
	if err != nil {
		return "", access.Decision{}, err
	}
	name, err := s.sealSubject(ctx, id, "staff.name_sealed", strings.TrimSpace(in.Name))
	if err != nil {
		return "", access.Decision{}, err
	}
	hash := "" // unusable until the person sets a password
	if in.Password != "" {
		if hash, err = s.opts.Hasher.Hash(in.Password); err != nil {
			return "", access.Decision{}, err
		}
	}
	row := StaffRow{ID: id, EmailIndex: idx, EmailSealed: email, NameSealed: name, Role: in.Role, PasswordHash: hash,
		TrainingValidUntil: in.TrainingValidUntil}
	if err := s.store.CreateStaff(ctx, d, row); err != nil {
		return "", access.Decision{}, err
	}
	return id, d, nil
}

func requireOperator(p access.Principal) error {
	if p.Kind != access.KindStaff || p.StaffRole != access.StaffOperatorAdmin {
		return errs.E(errs.Forbidden, "only the operator administrator manages staff")
	}
	return nil
}

// InviteStaff creates a staff member and mails them a link to set their
// password. An invitation into a privileged role (security, DPO, operator
// admin) creates nobody yet: it waits for a second operator
// administrator, and the pending change is returned instead.
func (s *Service) InviteStaff(ctx context.Context, p access.Principal, in StaffInput) (Staff, *RoleChange, error) {
	if err := requireOperator(p); err != nil {
		return Staff{}, nil, err
	}
	in.Password = ""
	if err := s.checkStaffInput(&in); err != nil {
		return Staff{}, nil, err
	}
	staffID := id.New("stf")
	if Privileged(in.Role) {
		if existing, err := s.lookup(ctx, access.KindStaff, in.Email); err == nil && existing != "" {
			return Staff{}, nil, errs.E(errs.Conflict, "a staff member has this e-mail address already")
		}
		changeID := id.New("rch")
		sealed, err := s.sealInvite(ctx, staffID, changeID, in)
		if err != nil {
			return Staff{}, nil, err
		}
		rc, err := s.requestRoleChange(ctx, p, RoleChangeRow{ID: changeID, Kind: RoleChangeInvitation, StaffID: staffID, Role: in.Role, PayloadSealed: sealed})
		if err != nil {
			return Staff{}, nil, err
		}
		return Staff{}, &rc, nil
	}
	d, err := s.createAndInvite(ctx, p, staffID, in)
	if err != nil {
		return Staff{}, nil, err
	}
	// The decision to create the member covers reading them back.
	r, err := s.store.Staff(ctx, d, staffID)
	if err != nil {
		return Staff{}, nil, err
	}
	return s.staff(ctx, r), nil, nil
}

// createAndInvite creates a staff member and mails them their set-up link.
func (s *Service) createAndInvite(ctx context.Context, p access.Principal, id string, in StaffInput) (access.Decision, error) {
	_, d, err := s.createStaff(ctx, p, id, in)
	if err != nil {
		return d, err
	}
	token, hash := newSecret("su_")
	if err := s.store.CreateOneTimeToken(ctx, OneTimeToken{Hash: hash, Purpose: purposeStaffSetup, SubjectID: id,
		ExpiresAt: s.clk.Now().Add(staffSetupTTL)}); err != nil {
		return d, err
	}
	s.send(ctx, in.Email, "Your vigil staff account",
		"An administrator created a vigil staff account for you. Open this link within a day to choose your password:\n\n"+
			s.link("staff/activate", token)+"\n\nAt first sign-in (at "+strings.TrimRight(s.opts.PublicURL, "/")+"/#/staff) you will register a passkey or security key, or an authenticator app.\n")
	return d, nil
}

// ActivateStaff spends a staff set-up token and sets the password.
func (s *Service) ActivateStaff(ctx context.Context, p access.Principal, token, password string) error {
	if err := CheckPassword(password, ""); err != nil {
		return err
	}
	t, err := s.store.UseOneTimeToken(ctx, HashSecret(token), purposeStaffSetup)
	if err != nil {
		return err
	}
	if t.SubjectID == bootstrapSubject {
		return errs.E(errs.Invalid, "use this link on the first-administrator page")
	}
	hash, err := s.opts.Hasher.Hash(password)
	if err != nil {
		return err
	}
	d, err := s.check(ctx, access.System("staff-activation"), access.Update, self(datamap.StaffProfile, t.SubjectID), datamap.PurposeService)
	if err != nil {
		return err
	}
	return s.store.SetPassword(ctx, d, access.KindStaff, t.SubjectID, hash)
}

func (s *Service) staff(ctx context.Context, r StaffRow) Staff {
	factors := []string{}
	if len(r.WebAuthnSealed) > 0 {
		factors = append(factors, FactorSecurityKey)
	}
	if len(r.TOTPSealed) > 0 {
		factors = append(factors, FactorTOTP)
	}
	return Staff{ID: r.ID, Role: r.Role, MFAEnabled: len(factors) > 0, Factors: factors, TrainingValidUntil: r.TrainingValidUntil,
		Disabled: !r.DisabledAt.IsZero(), CreatedAt: r.CreatedAt,
		Email: s.openSubject(ctx, r.ID, "staff.email_sealed", r.EmailSealed),
		Name:  s.openSubject(ctx, r.ID, "staff.name_sealed", r.NameSealed)}
}

// StaffMember returns one staff record (the caller's own, or any for the
// operator administrator).
func (s *Service) StaffMember(ctx context.Context, p access.Principal, id string) (Staff, error) {
	d, err := s.check(ctx, p, access.Read, self(datamap.StaffProfile, id), datamap.PurposeService)
	if err != nil {
		return Staff{}, err
	}
	r, err := s.store.Staff(ctx, d, id)
	if err != nil {
		return Staff{}, err
	}
	return s.staff(ctx, r), nil
}

// ListStaff lists every staff member, for the operator administrator.
func (s *Service) ListStaff(ctx context.Context, p access.Principal) ([]Staff, error) {
	if err := requireOperator(p); err != nil {
		return nil, err
	}
	d, err := s.check(ctx, p, access.List, access.Resource{Category: datamap.StaffProfile}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.ListStaff(ctx, d)
	if err != nil {
		return nil, err
	}
	out := make([]Staff, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.staff(ctx, r))
	}
	return out, nil
}

// StaffChange changes a staff member's role, training date or status.
type StaffChange struct {
	Role               *access.StaffRole `json:"role"`
	TrainingValidUntil *time.Time        `json:"training_valid_until"`
	Disabled           *bool             `json:"disabled"`
}

// UpdateStaff applies a change; disabling ends the person's sessions at
// once. Nobody changes their own role or training date. A change into a
// privileged role (security, DPO, operator admin) waits for a second
// operator administrator: it is returned as pending, and the rest of the
// change applies now.
func (s *Service) UpdateStaff(ctx context.Context, p access.Principal, id string, ch StaffChange) (Staff, *RoleChange, error) {
	if err := requireOperator(p); err != nil {
		return Staff{}, nil, err
	}
	if id == p.ID && (ch.Role != nil || ch.TrainingValidUntil != nil) {
		return Staff{}, nil, errs.E(errs.Forbidden, "nobody changes their own role or training date: ask another operator administrator")
	}
	d, err := s.check(ctx, p, access.Update, self(datamap.StaffProfile, id), datamap.PurposeService)
	if err != nil {
		return Staff{}, nil, err
	}
	// The decision to change the member covers reading them, before and
	// after.
	row, err := s.store.Staff(ctx, d, id)
	if err != nil {
		return Staff{}, nil, err
	}
	cur := s.staff(ctx, row)
	var pending *RoleChange
	if ch.Role != nil && *ch.Role != cur.Role {
		if _, err := access.ParseStaffRole(string(*ch.Role)); err != nil {
			return Staff{}, nil, errs.E(errs.Invalid, "%v", err)
		}
		if Privileged(*ch.Role) {
			rc, err := s.requestRoleChange(ctx, p, RoleChangeRow{Kind: RoleChangePromotion, StaffID: id, FromRole: cur.Role, Role: *ch.Role})
			if err != nil {
				return Staff{}, nil, err
			}
			pending = &rc
		} else {
			cur.Role = *ch.Role
		}
	}
	if ch.TrainingValidUntil != nil {
		if ch.TrainingValidUntil.After(s.clk.Now().AddDate(2, 0, 0)) {
			return Staff{}, nil, errs.E(errs.Invalid, "training_valid_until must be within the next two years")
		}
		cur.TrainingValidUntil = *ch.TrainingValidUntil
	}
	if ch.Disabled != nil {
		if *ch.Disabled && id == p.ID {
			return Staff{}, nil, errs.E(errs.Invalid, "you cannot disable yourself")
		}
		cur.Disabled = *ch.Disabled
	}
	if err := s.store.UpdateStaff(ctx, d, id, cur.Role, cur.TrainingValidUntil, cur.Disabled); err != nil {
		return Staff{}, nil, err
	}
	if cur.Disabled {
		if err := s.store.DeleteSessionsOf(ctx, access.KindStaff, id); err != nil {
			return Staff{}, nil, err
		}
	}
	s.withdraw(ctx, revoke.Person(id))
	if row, err = s.store.Staff(ctx, d, id); err != nil {
		return Staff{}, nil, err
	}
	return s.staff(ctx, row), pending, nil
}
