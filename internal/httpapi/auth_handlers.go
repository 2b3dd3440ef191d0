package httpapi

import (
	"net/http"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
)

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type tokenBody struct {
	Token string `json:"token"`
}

type codeBody struct {
	Code string `json:"code"`
}

type signInResult struct {
	MFARequired       bool     `json:"mfa_required"`
	EnrolmentRequired bool     `json:"enrolment_required"`
	Factors           []string `json:"factors,omitempty"`
}

func accepted(w http.ResponseWriter, message string) error {
	writeJSON(w, http.StatusAccepted, map[string]string{"status": message})
	return nil
}

func (s *Server) signUp(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in account.SignUp
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.Accounts.Register(r.Context(), a.Principal, in); err != nil {
		return err
	}
	return accepted(w, "check your e-mail to confirm your address")
}

func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in tokenBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.Accounts.VerifyEmail(r.Context(), in.Token); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "e-mail address confirmed; you can sign in"})
	return nil
}

func (s *Server) signedIn(w http.ResponseWriter, sess account.Session) error {
	s.setSession(w, sess)
	writeJSON(w, http.StatusOK, signInResult{MFARequired: sess.MFARequired, EnrolmentRequired: sess.EnrolmentRequired, Factors: sess.Factors})
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in credentials
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sess, err := s.Accounts.Login(r.Context(), a.Principal, in.Email, in.Password)
	if err != nil {
		return err
	}
	return s.signedIn(w, sess)
}

func (s *Server) staffLogin(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in credentials
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sess, err := s.Accounts.StaffLogin(r.Context(), a.Principal, in.Email, in.Password)
	if err != nil {
		return err
	}
	return s.signedIn(w, sess)
}

func (s *Server) completeMFA(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in codeBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sess, err := s.Accounts.CompleteMFA(r.Context(), *a, in.Code)
	if err != nil {
		return err
	}
	return s.signedIn(w, sess)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	if a.Token != "" {
		if err := s.Accounts.Logout(r.Context(), a.Token); err != nil {
			return err
		}
	}
	s.clearSession(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) requestReset(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.Accounts.RequestPasswordReset(r.Context(), in.Email); err != nil {
		return err
	}
	return accepted(w, "if the address has an account, a reset link is on its way")
}

func (s *Server) confirmReset(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.Accounts.ResetPassword(r.Context(), a.Principal, in.Token, in.Password); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "password changed; sign in with the new one"})
	return nil
}

func (s *Server) bootstrap(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Token string `json:"token"`
		account.StaffInput
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.Accounts.Bootstrap(r.Context(), a.Principal, in.Token, in.StaffInput); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"status": "administrator created; sign in and set up your authenticator"})
	return nil
}

func (s *Server) activateStaff(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.Accounts.ActivateStaff(r.Context(), a.Principal, in.Token, in.Password); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "password set; sign in and set up your authenticator"})
	return nil
}

func (s *Server) startTOTP(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	if a.PendingMFA && !s.mayEnrolWhilePending(r, a) {
		return errs.E(errs.MFARequired, "complete the second sign-in step first")
	}
	e, err := s.Accounts.StartTOTP(r.Context(), *a)
	return reply(w, http.StatusCreated, e, err)
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	if a.PendingMFA && !s.mayEnrolWhilePending(r, a) {
		return errs.E(errs.MFARequired, "complete the second sign-in step first")
	}
	var in codeBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sess, err := s.Accounts.ConfirmTOTP(r.Context(), *a, in.Code)
	if err != nil {
		return err
	}
	if sess != nil {
		return s.signedIn(w, *sess)
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "authenticator enabled"})
	return nil
}

func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in codeBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	return noContent(w, s.Accounts.DisableTOTP(r.Context(), *a, in.Code))
}

// mayEnrolWhilePending: a pending session may enrol a second factor only
// when it has none yet (staff at first sign-in); otherwise a stolen
// password could replace the victim's authenticator.
func (s *Server) mayEnrolWhilePending(r *http.Request, a *account.Auth) bool {
	enrolled, err := s.Accounts.HasTOTP(r.Context(), a.Principal)
	return err == nil && !enrolled
}

// unlockSignIn spends the link mailed to an account's owner when its
// sign-ins from one network started to wait.
func (s *Server) unlockSignIn(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	var in struct {
		Token string `json:"token"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.Accounts.UnlockSignIn(r.Context(), in.Token); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "sign-ins with your address no longer wait"})
	return nil
}
