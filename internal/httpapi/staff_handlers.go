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
	st, err := s.Accounts.InviteStaff(r.Context(), a.Principal, in)
	return reply(w, http.StatusCreated, st, err)
}

func (s *Server) updateStaff(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in account.StaffChange
	id, err := pathIDAndBody(w, r, "staffID", &in)
	if err != nil {
		return err
	}
	st, err := s.Accounts.UpdateStaff(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusOK, st, err)
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
