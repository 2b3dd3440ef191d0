package httpapi

// table lists every API route in one place. Each route names who may call
// it; handlers never decide that themselves. Credential endpoints are rate
// limited per client address.
func (s *Server) table() []route {
	return []route{
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

		// Privacy centre: notices and consent, entrustment grants, the
		// disclosure ledger.
		{"GET", "/api/v1/notices", public, false, s.publishedNotices},
		{"GET", "/api/v1/notices/{noticeID}", public, false, s.getNotice},
		{"GET", "/api/v1/me/notices", user, false, s.myNotices},
		{"POST", "/api/v1/me/notices/{noticeID}/accept", user, false, s.acceptNotice},
		{"GET", "/api/v1/me/acceptances", user, false, s.myAcceptances},
		{"GET", "/api/v1/me/consents", user, false, s.myConsents},
		{"PUT", "/api/v1/me/consents/{purpose}", user, false, s.giveConsent},
		{"DELETE", "/api/v1/me/consents/{purpose}", user, false, s.withdrawConsent},
		{"GET", "/api/v1/me/disclosures", user, false, s.myLedger},
		{"GET", "/api/v1/accounts/{accountID}/grants", user, false, s.listGrants},
		{"POST", "/api/v1/accounts/{accountID}/grants", user, false, s.createGrant},
		{"GET", "/api/v1/accounts/{accountID}/grants/stream", user, false, s.streamGrantUses},
		{"DELETE", "/api/v1/accounts/{accountID}/grants/{grantID}", user, false, s.revokeGrant},
		{"GET", "/api/v1/accounts/{accountID}/disclosures", user, false, s.accountLedger},
		{"POST", "/api/v1/accounts/{accountID}/shares", user, false, s.createShare},
		{"DELETE", "/api/v1/accounts/{accountID}/shares/{shareID}", user, false, s.revokeShare},
		{"GET", "/api/v1/processors", anyone, false, s.listProcessors},
		{"POST", "/api/v1/staff/notices", staff, false, s.publishNotice},
		{"GET", "/api/v1/staff/grants", staff, false, s.staffGrants},
		{"POST", "/api/v1/staff/processors", staff, false, s.createProcessor},
		{"PUT", "/api/v1/staff/processors/{processorID}", staff, false, s.updateProcessor},
		{"GET", "/api/v1/staff/accounts/{accountID}/disclosures", staff, false, s.accountLedger},
		{"POST", "/api/v1/staff/accounts/{accountID}/legal-requests", staff, false, s.recordLegal},
	}
}
