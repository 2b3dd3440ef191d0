package httpapi

import (
	"net/http"

	"github.com/vigil-cloud/vigil/internal/account"
)

func (s *Server) staffMe(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	st, err := s.Accounts.StaffMember(r.Context(), a.Principal, a.Principal.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) listStaff(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	st, err := s.Accounts.ListStaff(r.Context(), a.Principal)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"staff": st})
	return nil
}

func (s *Server) inviteStaff(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in account.StaffInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	st, err := s.Accounts.InviteStaff(r.Context(), a.Principal, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, st)
	return nil
}

func (s *Server) updateStaff(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "staffID")
	if err != nil {
		return err
	}
	var in account.StaffChange
	if err := decode(w, r, &in); err != nil {
		return err
	}
	st, err := s.Accounts.UpdateStaff(r.Context(), a.Principal, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
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
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, acct)
	return nil
}
