package httpapi

// table lists every API route in one place. Each route names who may call
// it; handlers never decide that themselves. Credential endpoints are rate
// limited per client address.
func (s *Server) table() []route {
	routes := []route{
		{"GET", "/api/v1/datamap", public, false, s.dataMap},
		{"GET", "/api/v1/audit/checkpoint", public, false, s.checkpoint},
		{"GET", "/api/v1/audit/consistency", public, false, s.consistency},
		{"GET", "/api/v1/staff/audit/health", staff, false, s.auditHealth},
		{"POST", "/api/v1/staff/audit/verify", staff, true, s.verifyAudit},

		{"POST", "/api/v1/auth/signup", public, true, s.signUp},
		{"POST", "/api/v1/auth/verify-email", public, true, s.verifyEmail},
		{"POST", "/api/v1/auth/login", public, true, s.login},
		{"POST", "/api/v1/auth/mfa", pending, true, s.completeMFA},
		{"POST", "/api/v1/auth/logout", pending, false, s.logout},
		{"POST", "/api/v1/auth/password-reset", public, true, s.requestReset},
		{"POST", "/api/v1/auth/password-reset/confirm", public, true, s.confirmReset},
		{"POST", "/api/v1/auth/unlock", public, true, s.unlockSignIn},

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
		{"GET", "/api/v1/accounts/{accountID}/invitations", user, false, s.listInvitations},
		{"DELETE", "/api/v1/accounts/{accountID}/invitations/{invitationID}", user, false, s.withdrawInvitation},
		{"GET", "/api/v1/accounts/{accountID}/access-log", user, false, s.accessLog},

		{"POST", "/api/v1/accounts/{accountID}/devices/claim", user, true, s.claimDevice},
		{"POST", "/api/v1/accounts/{accountID}/pairing-tokens", user, false, s.createPairing},
		{"POST", "/api/v1/devices/pair", public, true, s.pairDevice},
		{"GET", "/api/v1/accounts/{accountID}/devices", user, false, s.listDevices},
		{"GET", "/api/v1/accounts/{accountID}/devices/{deviceID}", viewer, false, s.getDevice},
		{"PATCH", "/api/v1/accounts/{accountID}/devices/{deviceID}", user, false, s.updateDevice},
		{"DELETE", "/api/v1/accounts/{accountID}/devices/{deviceID}", user, false, s.releaseDevice},
		{"POST", "/api/v1/accounts/{accountID}/devices/{deviceID}/lost", user, false, s.reportLost},
		{"POST", "/api/v1/accounts/{accountID}/devices/{deviceID}/firmware-update", user, false, s.updateFirmwareNow},
		{"POST", "/api/v1/accounts/{accountID}/devices/{deviceID}/credential", user, false, s.rotateCredential},
		{"DELETE", "/api/v1/accounts/{accountID}/devices/{deviceID}/credential", user, false, s.revokeCredential},
		{"GET", "/api/v1/accounts/{accountID}/devices/{deviceID}/events", user, false, s.deviceEvents},
		{"GET", "/api/v1/accounts/{accountID}/devices/{deviceID}/addresses", user, false, s.deviceAddresses},
		{"GET", "/api/v1/accounts/{accountID}/devices/{deviceID}/shadow", user, false, s.getShadow},
		{"PATCH", "/api/v1/accounts/{accountID}/devices/{deviceID}/shadow", user, false, s.updateShadow},
		{"GET", "/api/v1/accounts/{accountID}/error-reports", user, false, s.errorReports},
		{"GET", "/api/v1/accounts/{accountID}/updates", user, false, s.deviceUpdates},
		{"GET", "/api/v1/me/prefs", user, false, s.myPrefs},
		{"PUT", "/api/v1/me/prefs", user, false, s.setMyPrefs},
		{"POST", "/api/v1/me/error-reports", user, false, s.appErrorReport},
		{"GET", "/api/v1/me/activity", anyone, false, s.myActivity},
		{"GET", "/api/v1/app/version", public, false, s.appVersion},

		{"POST", "/api/v1/staff/bootstrap", public, true, s.bootstrap},
		{"POST", "/api/v1/staff/activate", public, true, s.activateStaff},
		{"POST", "/api/v1/staff/auth/login", public, true, s.staffLogin},
		{"GET", "/api/v1/staff/auth/factors", pending, false, s.staffFactors},
		{"POST", "/api/v1/staff/auth/keys", pending, true, s.beginKeyRegistration},
		{"POST", "/api/v1/staff/auth/keys/finish", pending, true, s.finishKeyRegistration},
		{"POST", "/api/v1/staff/auth/key-sign-in", pending, true, s.beginKeySignIn},
		{"POST", "/api/v1/staff/auth/key-sign-in/finish", pending, true, s.finishKeySignIn},
		{"GET", "/api/v1/staff/me", staff, false, s.staffMe},
		{"GET", "/api/v1/staff/members", staff, false, s.listStaff},
		{"POST", "/api/v1/staff/members", staff, false, s.inviteStaff},
		{"PATCH", "/api/v1/staff/members/{staffID}", staff, false, s.updateStaff},
		{"GET", "/api/v1/staff/role-changes", staff, false, s.roleChanges},
		{"POST", "/api/v1/staff/role-changes/{changeID}/approve", staff, false, s.approveRoleChange},
		{"POST", "/api/v1/staff/role-changes/{changeID}/reject", staff, false, s.rejectRoleChange},
		{"GET", "/api/v1/staff/accounts/{accountID}", staff, false, s.staffAccount},
		{"GET", "/api/v1/staff/accounts/{accountID}/access-log", staff, false, s.staffAccessLog},
		// Support reading a customer's devices, events and alarms: the
		// customer's handlers, called by staff; the gate opens only what a
		// live grant covers (else 404) and keeps each use beside it.
		{"GET", "/api/v1/staff/accounts/{accountID}/devices", staff, false, s.listDevices},
		{"GET", "/api/v1/staff/accounts/{accountID}/devices/{deviceID}", staff, false, s.getDevice},
		{"GET", "/api/v1/staff/accounts/{accountID}/devices/{deviceID}/events", staff, false, s.deviceEvents},
		{"GET", "/api/v1/staff/accounts/{accountID}/alarms", staff, false, s.listAlarms},
		{"GET", "/api/v1/staff/accounts/{accountID}/alarms/{alarmID}", staff, false, s.getAlarm},
		{"GET", "/api/v1/staff/accounts/{accountID}/alarms/{alarmID}/snapshot", staff, false, s.alarmSnapshot},
		{"POST", "/api/v1/staff/accounts/{accountID}/devices/{deviceID}/channels/{channel}/live", staff, false, s.startLive},
		{"GET", "/api/v1/staff/models", staff, false, s.listModels},
		{"PUT", "/api/v1/staff/models/{model}", staff, false, s.putModel},
		{"GET", "/api/v1/staff/devices", staff, false, s.findDevices},
		{"POST", "/api/v1/staff/devices", staff, false, s.registerDevices},
		{"POST", "/api/v1/staff/devices/import", staff, false, s.importDevices},
		{"GET", "/api/v1/staff/firmware", staff, false, s.listReleases},
		{"POST", "/api/v1/staff/firmware", staff, false, s.publishRelease},
		{"PATCH", "/api/v1/staff/firmware/{releaseID}", staff, false, s.setRollout},
		{"GET", "/api/v1/staff/app-releases", staff, false, s.appReleases},
		{"PUT", "/api/v1/staff/app-releases/{platform}", staff, false, s.putAppRelease},

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
		{"GET", "/api/v1/accounts/{accountID}/grant-requests", user, false, s.listGrantRequests},
		{"POST", "/api/v1/accounts/{accountID}/grant-requests/{requestID}/approve", user, false, s.approveGrantRequest},
		{"POST", "/api/v1/accounts/{accountID}/grant-requests/{requestID}/decline", user, false, s.declineGrantRequest},
		{"GET", "/api/v1/accounts/{accountID}/disclosures", user, false, s.accountLedger},
		{"GET", "/api/v1/accounts/{accountID}/shares", user, false, s.listShares},
		{"POST", "/api/v1/accounts/{accountID}/shares", user, false, s.createShare},
		{"DELETE", "/api/v1/accounts/{accountID}/shares/{shareID}", user, false, s.revokeShare},
		{"POST", "/api/v1/accounts/{accountID}/transfers", user, true, s.startTransfer},
		{"GET", "/api/v1/accounts/{accountID}/transfers/{transferID}/package", user, false, s.transferPackage},
		{"POST", "/api/v1/accounts/{accountID}/transfers/{transferID}/complete", user, true, s.completeTransfer},
		{"POST", "/api/v1/transfers/import", user, true, s.importTransfer},
		{"GET", "/api/v1/me/transfer-asks", user, false, s.transferAsks},
		{"PUT", "/api/v1/me/transfer-asks/{transferID}", user, false, s.answerTransfer},
		// Cameras shared with the caller: a person, or an integration
		// holding the token its share gave it (viewer routes).
		{"POST", "/api/v1/shares/accept", user, true, s.acceptShare},
		{"GET", "/api/v1/shared-with-me", viewer, false, s.sharedWithMe},
		{"GET", "/api/v1/processors", anyone, false, s.listProcessors},
		{"POST", "/api/v1/staff/notices", staff, false, s.publishNotice},
		{"GET", "/api/v1/staff/notices/acceptances", staff, false, s.acceptanceCounts},
		{"GET", "/api/v1/staff/grants", staff, false, s.staffGrants},
		{"GET", "/api/v1/staff/grant-requests", staff, false, s.myGrantRequests},
		{"POST", "/api/v1/staff/accounts/{accountID}/grant-requests", staff, false, s.requestGrant},
		{"POST", "/api/v1/staff/processors", staff, false, s.createProcessor},
		{"PUT", "/api/v1/staff/processors/{processorID}", staff, false, s.updateProcessor},
		{"GET", "/api/v1/staff/mail-log", staff, false, s.mailLog},
		{"GET", "/api/v1/staff/accounts/{accountID}/disclosures", staff, false, s.accountLedger},
		{"GET", "/api/v1/staff/disclosures", staff, false, s.ledger},
		{"POST", "/api/v1/staff/accounts/{accountID}/legal-requests", staff, false, s.recordLegal},

		// Privacy centre: the designated channel for data-subject requests
		// (signed-in users, and anyone else through the public form), the
		// officer's queue, legal holds and statistics.
		{"GET", "/api/v1/privacy/signing-key", public, false, s.privacySigningKey},
		{"POST", "/api/v1/privacy/requests", public, true, s.submitPublicRequest},
		{"POST", "/api/v1/privacy/requests/confirm", public, true, s.confirmPublicRequest},
		{"GET", "/api/v1/privacy/requests/{requestID}", public, true, s.publicRequest},
		{"PUT", "/api/v1/privacy/requests/{requestID}/documents/{kind}", public, true, s.uploadRequestDocument},
		{"GET", "/api/v1/privacy/requests/{requestID}/package", public, true, s.publicRequestPackage},
		{"POST", "/api/v1/privacy/requests/{requestID}/replies", public, true, s.replyToPublicRequest},
		// Find footage of me: a filmed person's selfie with their consent to
		// the one search; the officer runs it and forwards what it found;
		// the camera owner decides.
		{"GET", "/api/v1/privacy/footage-consent", public, false, s.footageConsent},
		{"PUT", "/api/v1/privacy/requests/{requestID}/face-search", public, true, s.askFootageSearch},
		{"GET", "/api/v1/staff/privacy-requests/{requestID}/face-search", staff, false, s.footageSearch},
		{"POST", "/api/v1/staff/privacy-requests/{requestID}/face-search/run", staff, false, s.runFootageSearch},
		{"POST", "/api/v1/staff/privacy-requests/{requestID}/face-search/forward", staff, false, s.forwardFootage},
		{"GET", "/api/v1/accounts/{accountID}/footage-requests", user, false, s.footageAsks},
		{"PUT", "/api/v1/accounts/{accountID}/footage-requests/{hitID}", user, false, s.decideFootage},

		{"POST", "/api/v1/me/privacy-requests", user, true, s.submitRequest},
		{"GET", "/api/v1/me/privacy-requests", user, false, s.myRequests},
		{"GET", "/api/v1/me/privacy-requests/{requestID}", user, false, s.myRequest},
		{"GET", "/api/v1/me/privacy-requests/{requestID}/package", user, false, s.myRequestPackage},
		{"PUT", "/api/v1/me/privacy-requests/{requestID}/selfie", user, false, s.uploadSelfie},
		{"POST", "/api/v1/me/privacy-requests/{requestID}/replies", user, true, s.replyToMyRequest},

		{"GET", "/api/v1/staff/privacy-requests", staff, false, s.requestQueue},
		{"GET", "/api/v1/staff/privacy-requests/{requestID}", staff, false, s.staffRequest},
		{"GET", "/api/v1/staff/privacy-requests/{requestID}/documents/{documentID}", staff, false, s.requestDocument},
		{"POST", "/api/v1/staff/privacy-requests/{requestID}/verify", staff, false, s.verifyRequest},
		{"POST", "/api/v1/staff/privacy-requests/{requestID}/extend", staff, false, s.extendRequest},
		{"POST", "/api/v1/staff/privacy-requests/{requestID}/grant", staff, false, s.grantRequest},
		{"POST", "/api/v1/staff/privacy-requests/{requestID}/deny", staff, false, s.denyRequest},
		{"GET", "/api/v1/staff/privacy-requests/{requestID}/replies", staff, false, s.requestReplies},
		{"POST", "/api/v1/staff/privacy-requests/{requestID}/deny-preview", staff, false, s.previewDenial},
		{"GET", "/api/v1/staff/denial-grounds", staff, false, s.denialGrounds},
		{"POST", "/api/v1/staff/privacy-exclusions", staff, false, s.excludeRecord},
		{"GET", "/api/v1/staff/legal-holds", staff, false, s.legalHolds},
		{"POST", "/api/v1/staff/legal-holds", staff, false, s.placeLegalHold},
		{"DELETE", "/api/v1/staff/legal-holds/{holdID}", staff, false, s.endLegalHold},
		{"GET", "/api/v1/staff/statistics", staff, false, s.statistics},
		{"GET", "/api/v1/staff/retention/runs", staff, false, s.retentionRuns},
		{"POST", "/api/v1/staff/retention/runs", staff, false, s.triggerRetention},

		// The incident room (I1-I5): security officer and DPO, through the
		// gate; the public notices are open to anyone.
		{"GET", "/api/v1/staff/incident-taxonomy", staff, false, s.incidentTaxonomy},
		{"GET", "/api/v1/staff/incidents", staff, false, s.listIncidents},
		{"POST", "/api/v1/staff/incidents", staff, false, s.openIncident},
		{"GET", "/api/v1/staff/incidents/{incidentID}", staff, false, s.getIncident},
		{"PATCH", "/api/v1/staff/incidents/{incidentID}/criteria", staff, false, s.regradeIncident},
		{"POST", "/api/v1/staff/incidents/{incidentID}/notes", staff, false, s.noteIncident},
		{"PATCH", "/api/v1/staff/incidents/{incidentID}/stages/{stage}", staff, false, s.updateIncidentStage},
		{"POST", "/api/v1/staff/incidents/{incidentID}/affected", staff, false, s.computeAffected},
		{"GET", "/api/v1/staff/incidents/{incidentID}/affected", staff, false, s.incidentAffected},
		{"PUT", "/api/v1/staff/incidents/{incidentID}/notice", staff, false, s.setIncidentNotice},
		{"POST", "/api/v1/staff/incidents/{incidentID}/notify", staff, false, s.notifyIncident},
		{"POST", "/api/v1/staff/incidents/{incidentID}/publish", staff, false, s.publishIncident},
		{"GET", "/api/v1/staff/incidents/{incidentID}/reports/{regime}", staff, false, s.incidentReport},
		{"POST", "/api/v1/staff/incidents/{incidentID}/reports/{regime}", staff, false, s.incidentReport},
		{"POST", "/api/v1/staff/incidents/{incidentID}/reports/{regime}/sent", staff, false, s.incidentReportSent},
		{"POST", "/api/v1/staff/incidents/{incidentID}/close", staff, false, s.closeIncident},
		{"GET", "/api/v1/public/incidents", public, false, s.publicIncidents},
		{"GET", "/api/v1/public/incidents/{slug}", public, false, s.publicIncident},

		// Live video. The stream token in a /media/live path is the
		// credential: checked on every request by the live service.
		{"POST", "/api/v1/accounts/{accountID}/devices/{deviceID}/channels/{channel}/live", viewer, false, s.startLive},
		{"PUT", "/api/v1/accounts/{accountID}/devices/{deviceID}/channels/{channel}/pull", user, false, s.setPull},
		{"DELETE", "/api/v1/accounts/{accountID}/devices/{deviceID}/channels/{channel}/pull", user, false, s.removePull},
		{"GET", "/media/live/{token}/{file}", public, false, s.liveMedia},
		{"POST", "/media/live/{token}/whep", public, false, s.liveWHEP},
		{"DELETE", "/media/live/{token}/whep/{session}", public, false, s.liveWHEPSession},

		// Alarms: a device uploads its snapshots with its own credential;
		// people list, read and acknowledge alarms, fetch snapshots, and
		// owners and admins manage the rules.
		{"PUT", "/api/v1/devices/{deviceID}/alarms/{eventID}/snapshot", public, false, s.uploadSnapshot},
		{"GET", "/api/v1/accounts/{accountID}/alarms", user, false, s.listAlarms},
		{"GET", "/api/v1/accounts/{accountID}/alarms/{alarmID}", user, false, s.getAlarm},
		{"POST", "/api/v1/accounts/{accountID}/alarms/{alarmID}/ack", user, false, s.ackAlarm},
		{"GET", "/api/v1/accounts/{accountID}/alarms/{alarmID}/snapshot", user, false, s.alarmSnapshot},
		{"GET", "/api/v1/accounts/{accountID}/alarm-rules", user, false, s.listAlarmRules},
		{"POST", "/api/v1/accounts/{accountID}/alarm-rules", user, false, s.createAlarmRule},
		{"PUT", "/api/v1/accounts/{accountID}/alarm-rules/{ruleID}", user, false, s.updateAlarmRule},
		{"DELETE", "/api/v1/accounts/{accountID}/alarm-rules/{ruleID}", user, false, s.deleteAlarmRule},
		{"GET", "/api/v1/accounts/{accountID}/alarm-quiet-hours", user, false, s.getQuietHours},
		{"PUT", "/api/v1/accounts/{accountID}/alarm-quiet-hours", user, false, s.setQuietHours},
		{"DELETE", "/api/v1/accounts/{accountID}/alarm-quiet-hours", user, false, s.clearQuietHours},

		// Face recognition: per site, behind the current protocol's
		// acceptance; enrolment only with a consent record; the face
		// uplink of cameras; staff see enrolments only under a grant that
		// names face.template; the operator's regional stop.
		{"GET", "/api/v1/accounts/{accountID}/sites/{siteID}/face", user, false, s.faceStatus},
		{"PUT", "/api/v1/accounts/{accountID}/sites/{siteID}/face", user, false, s.enableFace},
		{"DELETE", "/api/v1/accounts/{accountID}/sites/{siteID}/face", user, false, s.disableFace},
		{"GET", "/api/v1/accounts/{accountID}/sites/{siteID}/face/people", user, false, s.facePeople},
		{"POST", "/api/v1/accounts/{accountID}/sites/{siteID}/face/people", user, false, s.enrolFace},
		{"DELETE", "/api/v1/accounts/{accountID}/face/people/{personID}", user, false, s.removeFacePerson},
		{"GET", "/api/v1/accounts/{accountID}/face/matches", user, false, s.faceMatches},
		{"PUT", "/api/v1/devices/{deviceID}/faces/{eventID}", public, false, s.uploadFace},
		{"GET", "/api/v1/staff/accounts/{accountID}/sites/{siteID}/face/people", staff, false, s.facePeople},
		{"GET", "/api/v1/face/regions/{region}", anyone, false, s.faceRegion},
		{"PUT", "/api/v1/staff/face/regions/{region}/stop", staff, false, s.stopFaceRegion},
		{"DELETE", "/api/v1/staff/face/regions/{region}/stop", staff, false, s.resumeFaceRegion},

		// Vulnerability intake and advisories: security.txt, the public
		// report form (limited per client network by the service) and
		// its follow-up code, public advisories and the releases fixing
		// them; the security officer's queue, triage and publishing.
		{"GET", "/.well-known/security.txt", public, false, s.securityTxt},
		{"POST", "/api/v1/public/vulnerability-reports", public, false, s.submitVulnReport},
		{"GET", "/api/v1/public/vulnerability-reports/{reportID}", public, true, s.followVulnReport},
		{"GET", "/api/v1/public/advisories", public, false, s.publicAdvisories},
		{"GET", "/api/v1/public/advisories/{slug}", public, false, s.publicAdvisory},
		{"GET", "/api/v1/public/firmware/{releaseID}", public, false, s.publicFirmwareRelease},
		{"GET", "/api/v1/staff/vulnerability-reports", staff, false, s.vulnQueue},
		{"GET", "/api/v1/staff/vulnerability-reports/{reportID}", staff, false, s.vulnReport},
		{"GET", "/api/v1/staff/vulnerability-reports/{reportID}/attachments/{attachmentID}", staff, false, s.vulnAttachment},
		{"POST", "/api/v1/staff/vulnerability-reports/{reportID}/triage", staff, false, s.triageVulnReport},
		{"GET", "/api/v1/staff/advisories", staff, false, s.staffAdvisories},
		{"POST", "/api/v1/staff/advisories", staff, false, s.draftAdvisory},
		{"PUT", "/api/v1/staff/advisories/{advisoryID}", staff, false, s.updateAdvisory},
		{"POST", "/api/v1/staff/advisories/{advisoryID}/publish", staff, false, s.publishAdvisory},
	}
	if s.Recordings != nil {
		// Recorded video: timeline, playback and export tokens, recording
		// settings and the purge log.
		const ch = "/api/v1/accounts/{accountID}/devices/{deviceID}/channels/{channel}"
		routes = append(routes, []route{
			{"GET", ch + "/timeline", viewer, false, s.timeline},
			{"POST", ch + "/playback", viewer, false, s.playback},
			{"POST", ch + "/exports", user, false, s.exportRecording},
			{"GET", ch + "/recording", user, false, s.recordingSettings},
			{"PUT", ch + "/recording", user, false, s.setRecordingSettings},
			{"GET", "/api/v1/accounts/{accountID}/devices/{deviceID}/recording", user, false, s.recordingSettings},
			{"PUT", "/api/v1/accounts/{accountID}/devices/{deviceID}/recording", user, false, s.setRecordingSettings},
			{"PUT", "/api/v1/accounts/{accountID}/recording", user, false, s.setRecordingSettings},
			{"GET", "/api/v1/accounts/{accountID}/recording-purges", user, false, s.recordingPurges},
			// Support with the customer's grant for a camera's recordings.
			{"GET", "/api/v1/staff" + ch[len("/api/v1"):] + "/timeline", staff, false, s.timeline},
			{"POST", "/api/v1/staff" + ch[len("/api/v1"):] + "/playback", staff, false, s.playback},
		}...)
	}
	if s.Notify != nil {
		// Notification delivery: a person's channels, phone number, push
		// subscriptions, live feed, inbox and delivery status; an
		// account's webhooks and dead letters; the one-click unsubscribe
		// link.
		routes = append(routes, []route{
			{"GET", "/api/v1/notify/vapid-key", public, false, s.vapidKey},
			{"GET", "/api/v1/unsubscribe", public, false, s.unsubscribePage},
			{"POST", "/api/v1/unsubscribe", public, true, s.unsubscribe},
			{"GET", "/api/v1/me/notifications", user, false, s.myNotifyPrefs},
			{"PUT", "/api/v1/me/notifications/{kind}", user, false, s.setMyChannels},
			{"PUT", "/api/v1/me/phone", user, false, s.setMyPhone},
			{"DELETE", "/api/v1/me/phone", user, false, s.deleteMyPhone},
			{"POST", "/api/v1/me/phone/verify", user, true, s.verifyMyPhone},
			{"POST", "/api/v1/me/push-subscriptions", user, false, s.addPushSubscription},
			{"DELETE", "/api/v1/me/push-subscriptions/{subscriptionID}", user, false, s.deletePushSubscription},
			{"GET", "/api/v1/me/feed", user, false, s.myFeed},
			{"GET", "/api/v1/me/inbox", user, false, s.myInbox},
			{"GET", "/api/v1/me/deliveries", user, false, s.myDeliveries},
			{"GET", "/api/v1/accounts/{accountID}/webhooks", user, false, s.listWebhooks},
			{"POST", "/api/v1/accounts/{accountID}/webhooks", user, false, s.createWebhook},
			{"DELETE", "/api/v1/accounts/{accountID}/webhooks/{webhookID}", user, false, s.deleteWebhook},
			{"GET", "/api/v1/accounts/{accountID}/deliveries", user, false, s.accountDeliveries},
			{"POST", "/api/v1/accounts/{accountID}/deliveries/{deliveryID}/retry", user, false, s.retryDelivery},
		}...)
	}
	return routes
}
