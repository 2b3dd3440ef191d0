package datamap

import "errors"

// Categories of the privacy centre: what customers entrust to vendor staff,
// what people accepted and agreed to, and to whom their data was disclosed.
// These records prove vigil kept its promises, so most are kept for a while
// after the account closes.
const (
	PrivacyGrant      CategoryID = "privacy.grant"
	PrivacyConsent    CategoryID = "privacy.consent"
	PrivacyDisclosure CategoryID = "privacy.disclosure"
)

func declarePrivacy(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:    PrivacyGrant,
			Title: "Support entrustment grants",
			Description: "When you let vendor support look at your account, the grant you gave (to whom, which data, which " +
				"devices, from when until when, for which support ticket and why), every use support made of it, and support's requests for one.",
			Fields: []Field{
				{Name: "grantee", Description: "the staff member entrusted (a pseudonymous ID)", Column: "privacy_grants.staff_id"},
				{Name: "ticket", Description: "the support ticket the grant is for", Column: "privacy_grants.ticket_sealed", Encrypted: true},
				{Name: "reason", Description: "why you entrusted support", Column: "privacy_grants.reason_sealed", Encrypted: true},
				{Name: "granted_by", Description: "who in your account gave the grant", Column: "privacy_grants.granted_by"},
				{Name: "revoked_by", Description: "who in your account revoked it", Column: "privacy_grants.revoked_by"},
				{Name: "use_staff", Description: "the staff member who used a grant", Column: "privacy_grant_uses.staff_id"},
				{Name: "use_time", Description: "when a grant was used", Column: "privacy_grant_uses.used_at"},
				{Name: "use_resource", Description: "which object a use of a grant concerned", Column: "privacy_grant_uses.resource_id"},
				{Name: "request_staff", Description: "the staff member who asked for a grant (a pseudonymous ID)", Column: "privacy_grant_requests.staff_id"},
				{Name: "request_ticket", Description: "the support ticket a request for a grant names", Column: "privacy_grant_requests.ticket_sealed", Encrypted: true},
				{Name: "request_reason", Description: "why support asked for a grant", Column: "privacy_grant_requests.reason_sealed", Encrypted: true},
				{Name: "request_decided_by", Description: "who in your account approved or declined a request", Column: "privacy_grant_requests.decided_by"},
			},
			Purposes:  []Purpose{PurposeService},
			Basis:     BasisContract,
			Retention: Retention{Period: 2 * 365 * day, From: "grant end"},
			Export:    ExportJSON,
			Erasure:   ErasePurge,
			Exempt: Exempt{
				Export:    "an account's admins see every grant and each use of it in the privacy centre (GET /api/v1/accounts/{id}/grants), live",
				Erasure:   "a grant is proof of what the customer allowed support to see; its ticket and reason are sealed under the account's key, destroyed with the account",
				Retention: "not yet: ended grants are kept; no purge two years after their end exists (known gap)",
			},
		}),
		r.Register(Category{
			ID:    PrivacyConsent,
			Title: "Notices you accepted and consents you gave",
			Description: "Which version of the privacy statement, the face recognition protocol and the terms you accepted, " +
				"when, from which IP address and how; and each optional use you agreed to or withdrew. Kept as proof after " +
				"your account closes, with the IP address sealed under your key.",
			Fields: []Field{
				{Name: "notice", Description: "the document version you accepted", Column: "privacy_acceptances.notice_id"},
				{Name: "version", Description: "its version number", Column: "privacy_acceptances.version"},
				{Name: "text_hash", Description: "SHA-256 of the exact text you accepted", Column: "privacy_acceptances.text_hash"},
				{Name: "accepted_at", Description: "when you accepted it", Column: "privacy_acceptances.accepted_at"},
				{Name: "ip", Description: "the IP address you accepted it from", Column: "privacy_acceptances.ip_sealed", Encrypted: true},
				{Name: "method", Description: "how you accepted it (web app or API)", Column: "privacy_acceptances.method"},
				{Name: "purpose", Description: "an optional use you agreed to", Column: "privacy_consents.purpose"},
				{Name: "granted_at", Description: "when you agreed", Column: "privacy_consents.granted_at"},
				{Name: "withdrawn_at", Description: "when you withdrew", Column: "privacy_consents.withdrawn_at"},
				{Name: "consent_notice", Description: "the protocol version your consent relied on", Column: "privacy_consents.notice_id"},
				{Name: "consent_ip", Description: "the IP address you agreed or withdrew from", Column: "privacy_consents.ip_sealed", Encrypted: true},
				{Name: "consent_method", Description: "how you agreed (web app or API)", Column: "privacy_consents.method"},
			},
			Purposes:  []Purpose{PurposeService},
			Basis:     BasisLegalObligation,
			Retention: Retention{Period: 3 * 365 * day, From: "account closed"},
			Export:    ExportJSON,
			Erasure:   ErasePseudonymise,
			Exempt: Exempt{
				Retention: "not yet: proofs of consent are kept as the law asks, pseudonymised on erasure, and no closing date is recorded to purge them three years on (known gap)",
			},
		}),
		r.Register(Category{
			ID:    PrivacyDisclosure,
			Title: "Disclosure ledger",
			Description: "Every time your data went to someone else: a processor working for the vendor, a person or service " +
				"you chose to share with, an authority with a legal request, or a transfer; and each time a processor was told to erase it. Names and references are sealed " +
				"under your account's key; an entry a court order keeps secret for now appears when that order allows.",
			Fields: []Field{
				{Name: "kind", Description: "processor, share, legal request or transfer", Column: "privacy_disclosures.kind"},
				{Name: "recipient", Description: "who received the data", Column: "privacy_disclosures.recipient_sealed", Encrypted: true},
				{Name: "reference", Description: "the legal reference or agreement behind it", Column: "privacy_disclosures.reference_sealed", Encrypted: true},
				{Name: "details", Description: "what exactly was disclosed and why", Column: "privacy_disclosures.details_sealed", Encrypted: true},
				{Name: "categories", Description: "which kinds of data were disclosed", Column: "privacy_disclosures.categories"},
				{Name: "resources", Description: "which devices or sites it concerned", Column: "privacy_disclosures.resources"},
				{Name: "subject", Description: "the person the disclosure concerned", Column: "privacy_disclosures.subject_id"},
				{Name: "disclosed_at", Description: "when", Column: "privacy_disclosures.disclosed_at"},
				{Name: "until", Description: "when a share ends", Column: "privacy_disclosures.expires_at"},
				{Name: "revoked_at", Description: "when you revoked a share", Column: "privacy_disclosures.revoked_at"},
				{Name: "hold_until", Description: "until when the law forbids telling you", Column: "privacy_disclosures.hold_until"},
				{Name: "share_recipient", Description: "the person (their random ID) or integration a share opens cameras to", Column: "privacy_shares.recipient_id"},
				{Name: "share_rights", Description: "whether a share opens live view, recordings, and which recordings", Column: "privacy_shares.live"},
				{Name: "share_recordings", Description: "whether a share opens recordings", Column: "privacy_shares.recordings"},
				{Name: "share_window_from", Description: "the first recording a share opens", Column: "privacy_shares.recordings_from"},
				{Name: "share_window_to", Description: "the last recording a share opens", Column: "privacy_shares.recordings_to"},
				{Name: "share_accepted_at", Description: "when the recipient accepted the share", Column: "privacy_shares.accepted_at"},
				{Name: "share_use_recipient", Description: "who used a share", Column: "privacy_share_uses.recipient_id"},
				{Name: "share_use_time", Description: "when a share was used", Column: "privacy_share_uses.used_at"},
				{Name: "share_use_resource", Description: "which camera a use of a share concerned", Column: "privacy_share_uses.resource_id"},
				{Name: "transfer_member", Description: "a member asked whether their records go with a transfer of the account", Column: "privacy_transfer_members.user_id"},
				{Name: "transfer_answer", Description: "whether they agreed", Column: "privacy_transfer_members.answer"},
				{Name: "transfer_answered_at", Description: "when they answered", Column: "privacy_transfer_members.answered_at"},
				{Name: "transfer_importer", Description: "who imported a transfer package here", Column: "privacy_transfer_imports.imported_by"},
				{Name: "transfer_confirmed_by", Description: "the owner who confirmed a transfer was imported", Column: "privacy_transfer_closures.confirmed_by"},
				{Name: "transfer_keep_reason", Description: "why the account is kept after its transfer", Column: "privacy_transfer_closures.keep_reason_sealed", Encrypted: true},
				{Name: "erasure_notice_subject", Description: "the random identifier of a person whose data a processor was told to erase", Column: "privacy_processor_notices.subject_id"},
			},
			Purposes:  []Purpose{PurposeService},
			Basis:     BasisLegalObligation,
			Retention: Retention{Period: 5 * 365 * day, From: "disclosure"},
			Export:    ExportJSON,
			Erasure:   ErasePseudonymise,
			Exempt: Exempt{
				Export:    "each person and each account's admins read their ledger in the privacy centre (GET /api/v1/me/disclosures and /accounts/{id}/disclosures)",
				Erasure:   "the ledger is kept as the law requires, under random identifiers; its names and references are sealed under the account's key, destroyed with the account",
				Retention: "not yet: entries are kept; no purge five years after the disclosure exists (known gap)",
			},
		}),
		operational(r, "privacy_grants", "random identifier, owning account, the entrusted staff role, what it opens and its lifetime",
			"id", "account_id", "staff_role", "categories", "resources", "starts_at", "ends_at", "created_at", "revoked_at"),
		operational(r, "privacy_grant_requests", "random identifier, the account asked, what was asked for and for how long, its state and the grant it became",
			"id", "account_id", "categories", "seconds", "requested_at", "status", "decided_at", "grant_id"),
		operational(r, "privacy_grant_uses", "the grant used, the audit entry that records the use, the account, what was done",
			"grant_id", "seq", "account_id", "action", "category"),
		operational(r, "privacy_notices", "vigil's own published documents: no one's personal data",
			"id", "kind", "region", "language", "version", "body", "text_hash", "material", "summary", "published_at", "published_by"),
		operational(r, "privacy_acceptances", "random identifier, the person's random ID and the kind of document", "id", "user_id", "kind"),
		operational(r, "privacy_consents", "random identifier and the person's random ID", "id", "user_id"),
		operational(r, "privacy_processors", "companies working for the vendor, their agreements and assessments: no one's personal data",
			"id", "name", "service", "categories", "agreement_signed_at", "agreement_expires_at", "assessed_at", "assessment_expires_at", "created_at", "updated_at"),
		operational(r, "privacy_disclosures", "random identifier, account, the processor's identifier, who recorded it and when",
			"id", "account_id", "processor_id", "recorded_by", "created_at"),
		operational(r, "privacy_shares", "the share's random identifier, account, kind of recipient and the hash of its one-time secret",
			"id", "account_id", "recipient_kind", "secret_hash"),
		operational(r, "privacy_transfer_members", "the transfer and account, and when the member was asked", "transfer_id", "account_id", "asked_at"),
		operational(r, "privacy_transfer_imports", "the transfer imported, the account it became and when", "transfer_id", "account_id", "imported_at"),
		operational(r, "privacy_transfer_closures", "the transfer, the account, and when it was frozen and closes or closed",
			"transfer_id", "account_id", "frozen_at", "closes_at", "closed_at"),
		operational(r, "privacy_retention_runs", "what each retention sweep did: counts per category and audit entry numbers, no personal data",
			"id", "trigger", "dry_run", "started_at", "finished_at", "report"),
		operational(r, "privacy_mail_log", "transactional mail as the processor check saw it: time, processor, vigil's subject line, outcome, reason; no address or body",
			"id", "at", "processor_id", "subject", "status", "reason"),
		operational(r, "privacy_share_uses", "the share used, the audit entry that records the use, the account, what was done",
			"share_id", "seq", "account_id", "action", "category"),
	)
}
