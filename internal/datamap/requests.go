package datamap

import "errors"

// Category IDs of the privacy centre's data-subject requests and retention.
const (
	PrivacyRequest  CategoryID = "privacy.request"
	PrivacyDocument CategoryID = "privacy.document"
	PrivacyExport   CategoryID = "privacy.export"
	PrivacyHold     CategoryID = "privacy.legal_hold"
)

func declareRequests(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:    PrivacyRequest,
			Title: "Your requests about your data",
			Description: "When you ask to see, correct, delete or take away your data, vigil keeps the request: how to reach you, " +
				"what you asked for, the deadlines, the answer and the letter sent to you. After a deletion only a signed " +
				"certificate naming no one but a random identifier remains, as proof the request was honoured.",
			Fields: []Field{
				{Name: "contact", Description: "your e-mail address and name, and whom you act for when you are an agent or guardian", Column: "privacy_requests.contact_sealed", Encrypted: true},
				{Name: "contact_index", Description: "keyed fingerprint of your e-mail address, to recognise a later request from you", Column: "privacy_requests.contact_index"},
				{Name: "details", Description: "your description of the request and the corrections you asked for", Column: "privacy_requests.details_sealed", Encrypted: true},
				{Name: "replies", Description: "what you wrote on the request afterwards: replies to our letters and appeals against a denial", Column: "privacy_request_replies.text_sealed", Encrypted: true},
				{Name: "scope", Description: "the data categories, devices and time range the request covers", Column: "privacy_requests.scope"},
				{Name: "requester_id", Description: "random identifier of the person asking", Column: "privacy_requests.requester_id"},
				{Name: "relation", Description: "whether you ask for yourself, as an agent or as a guardian", Column: "privacy_requests.relation"},
				{Name: "region", Description: "the region whose law sets the deadlines and rights", Column: "privacy_requests.region"},
				{Name: "letter", Description: "the letter answering the request", Column: "privacy_requests.letter_sealed", Encrypted: true},
				{Name: "certificate", Description: "signed certificate of a deletion, naming only random identifiers", Column: "privacy_requests.certificate"},
				{Name: "correction_before", Description: "a corrected value as it was", Column: "privacy_request_changes.before_sealed", Encrypted: true},
				{Name: "correction_after", Description: "a corrected value as it became", Column: "privacy_request_changes.after_sealed", Encrypted: true},
			},
			Purposes:  []Purpose{PurposeService},
			Basis:     BasisLegalObligation,
			Retention: Retention{Period: 3 * 365 * day, From: "request closed"},
			Export:    ExportJSON,
			Erasure:   ErasePseudonymise,
			Exempt: Exempt{
				Export:  "the requester reads their requests, answers and letters in the privacy centre; a request is the record of answering, not data to answer about",
				Erasure: "the record of answering a request is kept for its retention; the requester's details in it are sealed under their own key, which an erasure destroys",
			},
		}),
		r.Register(Category{
			ID:    PrivacyDocument,
			Title: "Proof of identity or authority",
			Description: "A document someone without an account sends so that the data-protection officer can check who they are, " +
				"or that they may act for someone else. It is stored encrypted under a key of the request alone.",
			Fields: []Field{
				{Name: "document", Description: "the uploaded file, encrypted", Encrypted: true},
				{Name: "kind", Description: "identity or authority", Column: "privacy_request_documents.kind"},
				{Name: "content_type", Description: "the file's type", Column: "privacy_request_documents.content_type"},
				{Name: "size", Description: "the file's size", Column: "privacy_request_documents.size"},
			},
			Purposes:  []Purpose{PurposeService},
			Basis:     BasisLegalObligation,
			Retention: Retention{Period: 90 * day, From: "request closed"},
			Export:    ExportMedia,
			Erasure:   EraseCryptoShred,
			Exempt: Exempt{
				Export:  "the requester's own identity documents, kept only to verify the request they came with",
				Erasure: "identity documents go with their request's retention (the purger), sealed under a key of their own that it destroys",
			},
		}),
		r.Register(Category{
			ID:          PrivacyExport,
			Title:       "Copies of your data prepared for you",
			Description: "The signed package made when an access or portability request is granted, encrypted, kept until you had time to download it.",
			Fields: []Field{
				{Name: "package", Description: "the package of your data, encrypted", Encrypted: true},
			},
			Purposes:  []Purpose{PurposeService},
			Basis:     BasisLegalObligation,
			Retention: Retention{Period: 30 * day, From: "request closed"},
			Export:    ExportMedia,
			Erasure:   EraseCryptoShred,
			Exempt: Exempt{
				Export:  "an access package is itself the answer to a request",
				Erasure: "a package is deleted and its key destroyed when its request's retention ends (the purger)",
			},
		}),
		r.Register(Category{
			ID:          PrivacyHold,
			Title:       "Legal holds",
			Description: "A hold the security officer or data-protection officer places on a person's or account's data while a dispute or an authority's inquiry needs it kept; retention does not purge held data.",
			Fields: []Field{
				{Name: "owner_id", Description: "random identifier of the account or person held", Column: "privacy_legal_holds.owner_id"},
				{Name: "reason", Description: "why the data is held (a reference, never the person's details)", Column: "privacy_legal_holds.reason"},
				{Name: "until", Description: "when the hold ends", Column: "privacy_legal_holds.until_at"},
				{Name: "excluded_subject", Description: "whose record is marked confidential or privileged", Column: "privacy_exclusions.subject_id"},
				{Name: "excluded_record", Description: "which record is marked confidential or privileged", Column: "privacy_exclusions.record_id"},
			},
			Purposes:  []Purpose{PurposeService},
			Basis:     BasisLegalObligation,
			Retention: Retention{Period: 365 * day, From: "hold ended"},
			Export:    ExportJSON,
			Erasure:   ErasePurge,
			Exempt: Exempt{
				Export:  "a legal hold names an owner by random ID and a case reference, and is answered only to the authority concerned",
				Erasure: "a legal hold must outlast the data it holds; it is purged once ended (the purger)",
			},
		}),
		operational(r, "privacy_request_replies", "random identifier, the request, whether it is an appeal, when", "id", "request_id", "appeal", "created_at"),
		operational(r, "privacy_requests", "random identifier, kind, state, deadlines, decision and who on the vendor's staff took it, hashes of one-time secrets, a hash of the data provided, where the sealed package lies",
			"id", "kind", "status", "requester_kind", "submitted_at", "due_at", "extended_due_at", "extension_reason",
			"extension_notified_at", "confirm_hash", "access_hash", "verified_at", "verified_by", "decided_at", "decided_by",
			"outcome", "denial_reason", "reference_id", "fingerprint", "export_blob", "reminded_at"),
		operational(r, "privacy_request_documents", "random identifier, the request it belongs to, and when it arrived", "id", "request_id", "created_at"),
		operational(r, "privacy_request_changes", "the request, data category and field corrected, the audit entry and time of the change", "request_id", "category", "field", "audit_seq", "changed_at"),
		operational(r, "privacy_exclusions", "random identifier, category, marking, the staff member who set it and when", "id", "category", "marking", "created_by", "created_at"),
		operational(r, "privacy_legal_holds", "random identifier, the staff member who set the hold, and its lifecycle", "id", "created_by", "created_at", "ended_at"),
		operational(r, "privacy_jobs", "background work on a request: its random identifier, the officer who started it, its state and times, an error code",
			"id", "kind", "request_id", "granted_by", "state", "attempts", "run_at", "lease_until", "last_error", "created_at", "finished_at"),
		operational(r, "privacy_processor_notices", "the outbox of deletion notices to processors: random identifiers, the processor, the request, data categories and delivery state",
			"id", "processor_id", "request_id", "categories", "created_at", "sent_at", "attempts"),
	)
}
