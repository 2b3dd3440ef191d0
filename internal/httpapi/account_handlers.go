package httpapi

import (
	"net/http"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

func (s *Server) me(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	u, err := s.Accounts.Me(r.Context(), a.Principal)
	return reply(w, http.StatusOK, u, err)
}

func (s *Server) updateMe(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in account.ProfileChange
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.Accounts.UpdateMe(r.Context(), a.Principal, in)
	return reply(w, http.StatusOK, u, err)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sess, err := s.Accounts.ChangePassword(r.Context(), *a, in.Current, in.New)
	if err != nil {
		return err
	}
	return s.signedIn(w, sess)
}

func (s *Server) myAccounts(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	as, err := s.Accounts.MyAccounts(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"accounts": as}, err)
}

func (s *Server) sessions(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ss, err := s.Accounts.Sessions(r.Context(), *a)
	return reply(w, http.StatusOK, map[string]any{"sessions": ss}, err)
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	h := r.PathValue("sessionID")
	if len(h) != 16 {
		return errs.E(errs.Invalid, "sessionID is not a valid session handle")
	}
	return noContent(w, s.Accounts.EndSession(r.Context(), *a, h))
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ts, err := s.Accounts.APITokens(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"tokens": ts}, err)
}

func (s *Server) createAPIToken(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Label   string `json:"label"`
		TTLDays int    `json:"ttl_days"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.TTLDays == 0 {
		in.TTLDays = 90
	}
	t, err := s.Accounts.CreateAPIToken(r.Context(), a.Principal, in.Label, time.Duration(in.TTLDays)*24*time.Hour)
	return reply(w, http.StatusCreated, t, err)
}

func (s *Server) revokeAPIToken(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "tokenID")
	if err != nil {
		return err
	}
	return noContent(w, s.Accounts.RevokeAPIToken(r.Context(), a.Principal, id))
}

func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in tokenBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	id, err := s.Accounts.AcceptInvitation(r.Context(), a.Principal, in.Token)
	return reply(w, http.StatusOK, map[string]string{"account_id": id}, err)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	acct, err := s.Accounts.Account(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, acct, err)
}

func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in account.AccountChange
	id, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	acct, err := s.Accounts.UpdateAccount(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusOK, acct, err)
}

func (s *Server) listSites(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	sites, err := s.Accounts.Sites(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, map[string]any{"sites": sites}, err)
}

func (s *Server) createSite(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in account.SiteInput
	id, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	site, err := s.Accounts.CreateSite(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusCreated, site, err)
}

func (s *Server) getSite(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "siteID")
	if err != nil {
		return err
	}
	site, err := s.Accounts.Site(r.Context(), a.Principal, ids[0], ids[1])
	return reply(w, http.StatusOK, site, err)
}

func (s *Server) updateSite(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "siteID")
	if err != nil {
		return err
	}
	var in account.SiteInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	site, err := s.Accounts.UpdateSite(r.Context(), a.Principal, ids[0], ids[1], in)
	return reply(w, http.StatusOK, site, err)
}

func (s *Server) deleteSite(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "siteID")
	if err != nil {
		return err
	}
	return noContent(w, s.Accounts.DeleteSite(r.Context(), a.Principal, ids[0], ids[1]))
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	ms, err := s.Accounts.Members(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, map[string]any{"members": ms}, err)
}

// siteParam reads the optional site_id query parameter.
func siteParam(r *http.Request) (string, error) {
	v := r.URL.Query().Get("site_id")
	if v != "" && !id.Valid(v) {
		return "", errs.E(errs.Invalid, "site_id is not a valid identifier")
	}
	return v, nil
}

func (s *Server) setMemberRole(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "userID")
	if err != nil {
		return err
	}
	site, err := siteParam(r)
	if err != nil {
		return err
	}
	var in account.MemberScope
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if site != "" && len(in.Sites) == 0 { // the one-site form of older clients
		in.Sites = []string{site}
	}
	return noContent(w, s.Accounts.SetMember(r.Context(), a.Principal, ids[0], ids[1], in))
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "userID")
	if err != nil {
		return err
	}
	site, err := siteParam(r)
	if err != nil {
		return err
	}
	return noContent(w, s.Accounts.RemoveMember(r.Context(), a.Principal, ids[0], ids[1], site))
}

func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	inv, err := s.Accounts.Invitations(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, map[string]any{"invitations": inv}, err)
}

func (s *Server) withdrawInvitation(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "invitationID")
	if err != nil {
		return err
	}
	return noContent(w, s.Accounts.WithdrawInvitation(r.Context(), a.Principal, ids[0], ids[1]))
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in account.Invitation
	id, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	if err := s.Accounts.Invite(r.Context(), a.Principal, id, in); err != nil {
		return err
	}
	return accepted(w, "invitation sent")
}
