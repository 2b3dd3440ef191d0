package httpapi

// table lists every API route in one place. Each route names who may call
// it; handlers never decide that themselves. Credential endpoints are rate
// limited per client address.
func (s *Server) table() []route {
	return append([]route{
		{"GET", "/api/v1/datamap", public, false, s.dataMap},
		{"GET", "/api/v1/audit/checkpoint", public, false, s.checkpoint},

		{"POST", "/api/v1/auth/signup", public, true, s.signUp},
		{"POST", "/api/v1/auth/verify-email", public, true, s.verifyEmail},
		{"POST", "/api/v1/auth/login", public, true, s.login},
		{"POST", "/api/v1/auth/mfa", pending, true, s.completeMFA},
		{"POST", "/api/v1/auth/logout", pending, false, s.logout},
		{"POST", "/api/v1/auth/password-reset", public, true, s.requestReset},
		{"POST", "/api/v1/auth/password-reset/confirm", public, true, s.confirmReset},

		{"GET", "/api/v1/me", user, false, s.me},
		{"PATCH", "/api/v1/me", user, false, s.updateMe},
		{"POST", "/api/v1/me/password", anyone, true, s.changePassword},
		{"GET", "/api/v1/me/accounts", user, false, s.myAccounts},
		{"GET", "/api/v1/me/sessions", anyone, false, s.sessions},
		{"DELETE", "/api/v1/me/sessions/{sessionID}", anyone, false, s.endSession},
		{"POST", "/api/v1/me/mfa/totp", pending, true, s.startTOTP},
		{"POST", "/api/v1/me/mfa/totp/confirm", pending, true, s.confirmTOTP},
		{"DELETE", "/api/v1/me/mfa/totp", user, true, s.disableTOTP},
		{"GET", "/api/v1/me/access-log", anyone, false, s.myAccessLog},
		{"GET", "/api/v1/me/tokens", user, false, s.apiTokens},
		{"POST", "/api/v1/me/tokens", user, false, s.createAPIToken},
		{"DELETE", "/api/v1/me/tokens/{tokenID}", user, false, s.revokeAPIToken},
		{"POST", "/api/v1/invitations/accept", user, true, s.acceptInvitation},

		{"GET", "/api/v1/accounts/{accountID}", user, false, s.getAccount},
		{"PATCH", "/api/v1/accounts/{accountID}", user, false, s.updateAccount},
		{"GET", "/api/v1/accounts/{accountID}/sites", user, false, s.listSites},
		{"POST", "/api/v1/accounts/{accountID}/sites", user, false, s.createSite},
		{"GET", "/api/v1/accounts/{accountID}/sites/{siteID}", user, false, s.getSite},
		{"PATCH", "/api/v1/accounts/{accountID}/sites/{siteID}", user, false, s.updateSite},
		{"DELETE", "/api/v1/accounts/{accountID}/sites/{siteID}", user, false, s.deleteSite},
		{"GET", "/api/v1/accounts/{accountID}/members", user, false, s.listMembers},
		{"PATCH", "/api/v1/accounts/{accountID}/members/{userID}", user, false, s.setMemberRole},
		{"DELETE", "/api/v1/accounts/{accountID}/members/{userID}", user, false, s.removeMember},
		{"POST", "/api/v1/accounts/{accountID}/invitations", user, false, s.invite},
		{"GET", "/api/v1/accounts/{accountID}/access-log", user, false, s.accessLog},

		{"POST", "/api/v1/staff/bootstrap", public, true, s.bootstrap},
		{"POST", "/api/v1/staff/activate", public, true, s.activateStaff},
		{"POST", "/api/v1/staff/auth/login", public, true, s.staffLogin},
		{"GET", "/api/v1/staff/me", staff, false, s.staffMe},
		{"GET", "/api/v1/staff/members", staff, false, s.listStaff},
		{"POST", "/api/v1/staff/members", staff, false, s.inviteStaff},
		{"PATCH", "/api/v1/staff/members/{staffID}", staff, false, s.updateStaff},
		{"GET", "/api/v1/staff/accounts/{accountID}", staff, false, s.staffAccount},
		{"GET", "/api/v1/staff/accounts/{accountID}/access-log", staff, false, s.staffAccessLog},
	}, s.requestRoutes()...)
}
