package httpapi

// requestRoutes are the privacy centre's routes: the designated channel for
// data-subject requests (signed-in users, and anyone else through the
// public form), the officer's queue, legal holds and statistics.
func (s *Server) requestRoutes() []route {
	return []route{
		{"GET", "/api/v1/privacy/signing-key", public, false, s.privacySigningKey},
		{"POST", "/api/v1/privacy/requests", public, true, s.submitPublicRequest},
		{"POST", "/api/v1/privacy/requests/confirm", public, true, s.confirmPublicRequest},
		{"GET", "/api/v1/privacy/requests/{requestID}", public, true, s.publicRequest},
		{"PUT", "/api/v1/privacy/requests/{requestID}/documents/{kind}", public, true, s.uploadRequestDocument},
		{"GET", "/api/v1/privacy/requests/{requestID}/package", public, true, s.publicRequestPackage},

		{"POST", "/api/v1/me/privacy-requests", user, true, s.submitRequest},
		{"GET", "/api/v1/me/privacy-requests", user, false, s.myRequests},
		{"GET", "/api/v1/me/privacy-requests/{requestID}", user, false, s.myRequest},
		{"GET", "/api/v1/me/privacy-requests/{requestID}/package", user, false, s.myRequestPackage},

		{"GET", "/api/v1/staff/privacy-requests", staff, false, s.requestQueue},
		{"GET", "/api/v1/staff/privacy-requests/{requestID}", staff, false, s.staffRequest},
		{"GET", "/api/v1/staff/privacy-requests/{requestID}/documents/{documentID}", staff, false, s.requestDocument},
		{"POST", "/api/v1/staff/privacy-requests/{requestID}/verify", staff, false, s.verifyRequest},
		{"POST", "/api/v1/staff/privacy-requests/{requestID}/extend", staff, false, s.extendRequest},
		{"POST", "/api/v1/staff/privacy-requests/{requestID}/grant", staff, false, s.grantRequest},
		{"POST", "/api/v1/staff/privacy-requests/{requestID}/deny", staff, false, s.denyRequest},
		{"POST", "/api/v1/staff/privacy-exclusions", staff, false, s.excludeRecord},
		{"GET", "/api/v1/staff/legal-holds", staff, false, s.legalHolds},
		{"POST", "/api/v1/staff/legal-holds", staff, false, s.placeLegalHold},
		{"DELETE", "/api/v1/staff/legal-holds/{holdID}", staff, false, s.endLegalHold},
		{"GET", "/api/v1/staff/statistics", staff, false, s.statistics},
	}
}
