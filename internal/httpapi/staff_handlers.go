package httpapi

import (
	"net/http"

	"github.com/vigil-cloud/vigil/internal/account"
)

func (s *Server) staffMe(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	st, err := s.Accounts.StaffMember(r.Context(), a.Principal, a.Principal.ID)
	return reply(w, http.StatusOK, st, err)
}

func (s *Server) listStaff(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	st, err := s.Accounts.ListStaff(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"staff": st}, err)
}

func (s *Server) inviteStaff(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in account.StaffInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	st, pending, err := s.Accounts.InviteStaff(r.Context(), a.Principal, in)
	if err == nil && pending != nil {
		// Nobody is created until a second operator administrator approves.
		return reply(w, http.StatusAccepted, map[string]any{"pending_role_change": pending}, nil)
	}
	return reply(w, http.StatusCreated, st, err)
}

func (s *Server) updateStaff(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in account.StaffChange
	id, err := pathIDAndBody(w, r, "staffID", &in)
	if err != nil {
		return err
	}
	st, pending, err := s.Accounts.UpdateStaff(r.Context(), a.Principal, id, in)
	if err == nil && pending != nil {
		return reply(w, http.StatusAccepted, map[string]any{"staff": st, "pending_role_change": pending}, nil)
	}
	return reply(w, http.StatusOK, st, err)
}

// roleChanges lists staff role changes, pending first (operator admins).
func (s *Server) roleChanges(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	rcs, err := s.Accounts.RoleChanges(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"role_changes": rcs}, err)
}

// approveRoleChange applies a pending role change as a second operator
// administrator.
func (s *Server) approveRoleChange(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "changeID")
	if err != nil {
		return err
	}
	rc, err := s.Accounts.ApproveRoleChange(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, rc, err)
}

// rejectRoleChange discards a pending role change as a second operator
// administrator.
func (s *Server) rejectRoleChange(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "changeID")
	if err != nil {
		return err
	}
	rc, err := s.Accounts.RejectRoleChange(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, rc, err)
}

// staffAccount is a support lookup of a customer account: the gate lets
// staff with a second factor and current training read the profile for
// support, and records it where the customer can see it.
func (s *Server) staffAccount(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	acct, err := s.Accounts.Account(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, acct, err)
}
