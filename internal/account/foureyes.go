package account

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/keys"
	"github.com/vigil-cloud/vigil/internal/revoke"
)

// Four eyes: nobody raises their own power, and nobody raises anyone into
// the roles that reach customer data without a grant (security, DPO) or
// manage staff (operator admin) alone. Such a promotion, or an invitation
// into such a role, waits until a second operator administrator (neither
// the one who asked nor the person concerned) approves it. Every step is a
// decision of the gate, so the audit log holds who asked, who approved or
// rejected, and when; every operator administrator is told by e-mail.

// Role change kinds and states.
const (
	RoleChangePromotion  = "promotion"
	RoleChangeInvitation = "invitation"

	RoleChangePending  = "pending"
	RoleChangeApproved = "approved"
	RoleChangeRejected = "rejected"
)

// Privileged reports whether a staff role needs a second operator
// administrator's approval to be given.
func Privileged(r access.StaffRole) bool {
	return r == access.StaffSecurity || r == access.StaffDPO || r == access.StaffOperatorAdmin
}

// RoleChangeRow is a stored role change.
type RoleChangeRow struct {
	ID            string
	Kind          string
	StaffID       string // the staff member, or the ID an invited person will get
	FromRole      access.StaffRole
	Role          access.StaffRole
	PayloadSealed []byte // invitation: e-mail, name, training date, sealed under StaffID's key
	RequestedBy   string
	RequestedAt   time.Time
	Status        string
	DecidedBy     string
	DecidedAt     time.Time
}

// RoleChange is a role change as the operator administrators see it.
type RoleChange struct {
	ID          string           `json:"id"`
	Kind        string           `json:"kind"` // promotion or invitation
	StaffID     string           `json:"staff_id"`
	Email       string           `json:"email,omitempty"`
	Name        string           `json:"name,omitempty"`
	FromRole    access.StaffRole `json:"from_role,omitempty"`
	Role        access.StaffRole `json:"role"`
	RequestedBy string           `json:"requested_by"`
	RequestedAt time.Time        `json:"requested_at"`
	Status      string           `json:"status"`
	DecidedBy   string           `json:"decided_by,omitempty"`
	DecidedAt   *time.Time       `json:"decided_at,omitempty"`
}

// invitePayload is what an invitation keeps until it is decided.
type invitePayload struct {
	Email              string    `json:"email"`
	Name               string    `json:"name"`
	TrainingValidUntil time.Time `json:"training_valid_until"`
}

func changeRes(id, staffID string) access.Resource {
	return access.Resource{Category: datamap.StaffProfile, ID: id, SubjectID: staffID}
}

// requestRoleChange records a change that waits for a second operator
// administrator, and tells every operator administrator.
func (s *Service) requestRoleChange(ctx context.Context, p access.Principal, row RoleChangeRow) (RoleChange, error) {
	if row.ID == "" {
		row.ID = id.New("rch")
	}
	row.RequestedBy, row.RequestedAt, row.Status = p.ID, s.clk.Now(), RoleChangePending
	d, err := s.check(ctx, p, access.Create, changeRes(row.ID, row.StaffID), datamap.PurposeService)
	if err != nil {
		return RoleChange{}, err
	}
	if err := s.store.CreateRoleChange(ctx, d, row); err != nil {
		return RoleChange{}, err
	}
	rc := s.roleChange(ctx, row)
	s.tellOperators(ctx, "A staff role change waits for a second administrator",
		describeChange(rc)+" was asked by "+p.ID+".\n\nAnother operator administrator must approve or reject it "+
			"(change "+rc.ID+", GET /api/v1/staff/role-changes). Until then nothing changes.\n")
	return rc, nil
}

func describeChange(rc RoleChange) string {
	who := rc.Name
	if rc.Email != "" {
		who += " <" + rc.Email + ">"
	}
	if rc.Kind == RoleChangeInvitation {
		return "Inviting " + who + " as " + string(rc.Role)
	}
	return "Making " + who + " (" + rc.StaffID + ") " + string(rc.Role) + " instead of " + string(rc.FromRole)
}

func (s *Service) roleChange(ctx context.Context, r RoleChangeRow) RoleChange {
	rc := RoleChange{ID: r.ID, Kind: r.Kind, StaffID: r.StaffID, FromRole: r.FromRole, Role: r.Role, RequestedBy: r.RequestedBy,
		RequestedAt: r.RequestedAt, Status: r.Status, DecidedBy: r.DecidedBy, DecidedAt: optTime(r.DecidedAt)}
	if r.Kind == RoleChangeInvitation {
		if in, ok := s.openInvite(ctx, r); ok {
			rc.Email, rc.Name = in.Email, in.Name
		}
		return rc
	}
	if d, err := s.check(ctx, access.System("staff-four-eyes"), access.Read, self(datamap.StaffProfile, r.StaffID), datamap.PurposeService); err == nil {
		if row, err := s.store.Staff(ctx, d, r.StaffID); err == nil {
			st := s.staff(ctx, row)
			rc.Email, rc.Name = st.Email, st.Name
		}
	}
	return rc
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Service) openInvite(ctx context.Context, r RoleChangeRow) (invitePayload, bool) {
	var in invitePayload
	if len(r.PayloadSealed) == 0 {
		return in, false
	}
	b, err := s.keys.OpenSubject(ctx, r.StaffID, r.PayloadSealed, keys.FieldAD("staff_role_changes.payload_sealed", r.ID))
	if err != nil || json.Unmarshal(b, &in) != nil {
		return in, false
	}
	return in, true
}

// RoleChanges lists the role changes (pending first), for the operator
// administrators.
func (s *Service) RoleChanges(ctx context.Context, p access.Principal) ([]RoleChange, error) {
	if err := requireOperator(p); err != nil {
		return nil, err
	}
	d, err := s.check(ctx, p, access.List, access.Resource{Category: datamap.StaffProfile}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.RoleChanges(ctx, d, 200)
	if err != nil {
		return nil, err
	}
	out := make([]RoleChange, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.roleChange(ctx, r))
	}
	return out, nil
}

// pendingChange reads a change p may decide: pending, asked by someone
// else, about someone else.
func (s *Service) pendingChange(ctx context.Context, p access.Principal, id string) (RoleChangeRow, error) {
	if err := requireOperator(p); err != nil {
		return RoleChangeRow{}, err
	}
	d, err := s.check(ctx, p, access.List, access.Resource{Category: datamap.StaffProfile}, datamap.PurposeService)
	if err != nil {
		return RoleChangeRow{}, err
	}
	r, err := s.store.RoleChange(ctx, d, id)
	if err != nil {
		return RoleChangeRow{}, err
	}
	switch {
	case r.Status != RoleChangePending:
		return r, errs.E(errs.Conflict, "this role change was already %s", r.Status)
	case r.RequestedBy == p.ID:
		return r, errs.E(errs.Forbidden, "four eyes: another operator administrator must decide a change you asked for")
	case r.StaffID == p.ID:
		return r, errs.E(errs.Forbidden, "nobody decides a change of their own role")
	}
	return r, nil
}

// ApproveRoleChange applies a pending change as a second operator
// administrator: the promotion takes effect (and what the person held
// under the old role ends), or the invited person gets their set-up link.
func (s *Service) ApproveRoleChange(ctx context.Context, p access.Principal, id string) (RoleChange, error) {
	r, err := s.pendingChange(ctx, p, id)
	if err != nil {
		return RoleChange{}, err
	}
	d, err := s.check(ctx, p, access.Update, changeRes(r.ID, r.StaffID), datamap.PurposeService)
	if err != nil {
		return RoleChange{}, err
	}
	rc := s.roleChange(ctx, r)
	switch r.Kind {
	case RoleChangeInvitation:
		in, ok := s.openInvite(ctx, r)
		if !ok {
			return RoleChange{}, errs.E(errs.Gone, "the invitation can no longer be read; ask for it again")
		}
		if _, err := s.createAndInvite(ctx, p, r.StaffID, StaffInput{Email: in.Email, Name: in.Name, Role: r.Role, TrainingValidUntil: in.TrainingValidUntil}); err != nil {
			return RoleChange{}, err
		}
	default:
		cur, err := s.StaffMember(ctx, p, r.StaffID)
		if err != nil {
			return RoleChange{}, err
		}
		du, err := s.check(ctx, p, access.Update, self(datamap.StaffProfile, r.StaffID), datamap.PurposeService)
		if err != nil {
			return RoleChange{}, err
		}
		if err := s.store.UpdateStaff(ctx, du, r.StaffID, r.Role, cur.TrainingValidUntil, cur.Disabled); err != nil {
			return RoleChange{}, err
		}
		s.withdraw(ctx, revoke.Person(r.StaffID))
	}
	if err := s.store.DecideRoleChange(ctx, d, r, RoleChangeApproved, p.ID); err != nil {
		return RoleChange{}, err
	}
	rc.Status, rc.DecidedBy, rc.DecidedAt = RoleChangeApproved, p.ID, optTime(s.clk.Now())
	s.tellOperators(ctx, "A staff role change was approved", describeChange(rc)+", asked by "+rc.RequestedBy+", was approved by "+p.ID+".\n")
	return rc, nil
}

// RejectRoleChange discards a pending change as a second operator
// administrator; nothing changes.
func (s *Service) RejectRoleChange(ctx context.Context, p access.Principal, id string) (RoleChange, error) {
	r, err := s.pendingChange(ctx, p, id)
	if err != nil {
		return RoleChange{}, err
	}
	d, err := s.check(ctx, p, access.Delete, changeRes(r.ID, r.StaffID), datamap.PurposeService)
	if err != nil {
		return RoleChange{}, err
	}
	rc := s.roleChange(ctx, r)
	if err := s.store.DecideRoleChange(ctx, d, r, RoleChangeRejected, p.ID); err != nil {
		return RoleChange{}, err
	}
	rc.Status, rc.DecidedBy, rc.DecidedAt = RoleChangeRejected, p.ID, optTime(s.clk.Now())
	s.tellOperators(ctx, "A staff role change was rejected", describeChange(rc)+", asked by "+rc.RequestedBy+", was rejected by "+p.ID+". Nothing changed.\n")
	return rc, nil
}

// tellOperators mails every active operator administrator.
func (s *Service) tellOperators(ctx context.Context, subject, text string) {
	d, err := s.check(ctx, access.System("staff-four-eyes"), access.List, access.Resource{Category: datamap.StaffProfile}, datamap.PurposeService)
	if err != nil {
		s.log.Error("operator administrators not told of a role change", "err", err)
		return
	}
	rows, err := s.store.ListStaff(ctx, d)
	if err != nil {
		s.log.Error("operator administrators not told of a role change", "err", err)
		return
	}
	for _, r := range rows {
		if r.Role != access.StaffOperatorAdmin || !r.DisabledAt.IsZero() {
			continue
		}
		if to := s.openSubject(ctx, r.ID, "staff.email_sealed", r.EmailSealed); to != "" {
			s.send(ctx, to, subject, text)
		}
	}
}

// sealInvite seals an invitation under the invited person's future key.
func (s *Service) sealInvite(ctx context.Context, staffID, changeID string, in StaffInput) ([]byte, error) {
	b, err := json.Marshal(invitePayload{Email: in.Email, Name: strings.TrimSpace(in.Name), TrainingValidUntil: in.TrainingValidUntil})
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "invitation")
	}
	return s.keys.SealSubject(ctx, staffID, b, keys.FieldAD("staff_role_changes.payload_sealed", changeID))
}
