package datamap

import "errors"

// Categories of face recognition (issue 15): the enrolled people with
// their consent records and their templates, and the match events. Both are
// biometric: vendor staff never see them without a grant that names them.
const (
	FaceTemplate CategoryID = "face.template"
	FaceMatch    CategoryID = "face.match"
	// FaceSearch is "find footage of me": a filmed person's selfie
	// template, their consent to the one search, and what it found.
	FaceSearch CategoryID = "face.search"
)

func declareFace(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:    FaceTemplate,
			Title: "Face recognition: enrolled people and their templates",
			Description: "The people you enrolled for face recognition on a site, with their consent: a name or label, " +
				"who consented, how and when, the evidence of that consent, your lawful basis, and the numbers computed " +
				"from their photos (templates). Each person's data is sealed under that person's own key, destroyed on " +
				"withdrawal, deletion, at the end of retention, or when face recognition is turned off.",
			Fields: []Field{
				{Name: "label", Description: "the name or label you gave the person", Column: "face_people.label_sealed", Encrypted: true},
				{Name: "consent", Description: "who consented and how (sealed)", Column: "face_people.consent_sealed", Encrypted: true},
				{Name: "evidence", Description: "the consent evidence document (sealed)", Column: "face_people.evidence_sealed", Encrypted: true},
				{Name: "consent_method", Description: "how consent was given (written, electronic, verbal)", Column: "face_people.consent_method"},
				{Name: "consented_at", Description: "when consent was given", Column: "face_people.consented_at"},
				{Name: "lawful_basis", Description: "your lawful basis for recognising this person", Column: "face_people.lawful_basis"},
				{Name: "enrolled_by", Description: "who enrolled the person", Column: "face_people.created_by"},
				{Name: "template", Description: "the face embedding computed from one photo (sealed)", Column: "face_templates.template_sealed", Encrypted: true},
				{Name: "site_enabled_by", Description: "who turned face recognition on for the site", Column: "face_sites.enabled_by"},
				{Name: "site_lawful_basis", Description: "the lawful basis recorded when it was turned on", Column: "face_sites.lawful_basis"},
			},
			Purposes:    []Purpose{PurposeConsented},
			Basis:       BasisConsent,
			Retention:   Retention{Period: 365 * day, From: "enrolment"},
			Export:      ExportJSON,
			Erasure:     EraseCryptoShred,
			Sensitivity: Biometric,
		}),
		r.Register(Category{
			ID:          FaceMatch,
			Title:       "Face recognition events",
			Description: "When and on which camera an enrolled person was recognised.",
			Fields: []Field{
				{Name: "person", Description: "the enrolled person recognised", Column: "face_matches.person_id"},
				{Name: "device", Description: "the camera", Column: "face_matches.device_id"},
				{Name: "at", Description: "when", Column: "face_matches.at"},
				{Name: "score", Description: "how similar the face was to the template", Column: "face_matches.score"},
			},
			Purposes:    []Purpose{PurposeConsented},
			Basis:       BasisConsent,
			Retention:   Retention{Period: 90 * day, From: "the match"},
			Export:      ExportJSON,
			Erasure:     ErasePurge,
			Sensitivity: Biometric,
		}),
		r.Register(Category{
			ID:    FaceSearch,
			Title: "Find footage of me: a filmed person's search",
			Description: "When someone filmed by a customer's camera asks for the events where they appear, they give a selfie " +
				"and their consent to that one search: the numbers computed from the selfie (sealed under a key of the request " +
				"alone), when and to which wording they consented, and the events found (camera, time, similarity) with the " +
				"camera owner's decision on each. Nothing of the other people in the searched pictures is kept. All of it is " +
				"deleted, and the key destroyed, when the request closes.",
			Fields: []Field{
				{Name: "template", Description: "the face embedding computed from the selfie (sealed)", Column: "face_searches.template_sealed", Encrypted: true},
				{Name: "requester", Description: "the requester's random identifier", Column: "face_searches.subject_id"},
				{Name: "consent_wording", Description: "the fingerprint of the consent wording the person agreed to", Column: "face_searches.consent_hash"},
				{Name: "consented_at", Description: "when the person consented to the search", Column: "face_searches.consented_at"},
				{Name: "hit_device", Description: "the camera of an event where the person was found", Column: "face_search_hits.device_id"},
				{Name: "hit_at", Description: "when that event happened", Column: "face_search_hits.at"},
				{Name: "hit_score", Description: "how similar the face was to the selfie", Column: "face_search_hits.score"},
				{Name: "hit_decision", Description: "the data-protection officer's and the camera owner's decision on the event", Column: "face_search_hits.state"},
				{Name: "hit_reason", Description: "the camera owner's reason for keeping an event back", Column: "face_search_hits.reason"},
			},
			Purposes:    []Purpose{PurposeService},
			Basis:       BasisConsent,
			Retention:   Retention{Period: 120 * day, From: "the consent (the request closing deletes it sooner)"},
			Export:      ExportJSON,
			Erasure:     EraseCryptoShred,
			Sensitivity: Biometric,
			Exempt: Exempt{
				Export: "the search's result is the request's answer itself: the events the camera owners released are in that request's package; the template is never shown",
			},
		}),
		operational(r, "face_searches", "the request a search belongs to, when and by whom it was run, how many pictures it looked at and which cameras it skipped",
			"request_id", "searched_at", "searched_by", "snapshots", "skipped"),
		operational(r, "face_search_hits", "random identifier, the request, the camera's account, the snapshot and event found, who decided and when",
			"id", "request_id", "account_id", "snapshot_id", "event_id", "decided_by", "decided_at"),
		operational(r, "face_people", "random identifier, the account and site, when the person was enrolled and when their data expires",
			"id", "account_id", "site_id", "created_at", "expires_at"),
		operational(r, "face_templates", "random identifier, the person, account and site it belongs to, and when it was computed",
			"id", "person_id", "account_id", "site_id", "created_at"),
		operational(r, "face_sites", "the account and site where face recognition is on, and since when",
			"account_id", "site_id", "enabled_at"),
		operational(r, "face_matches", "random identifier, the account and site, the device's event identifier",
			"id", "account_id", "site_id", "event_id"),
		operational(r, "face_region_stops", "the operator's regional stop of face recognition: the region, why, when, by which staff member, the region's rule for data collected under it, and the proof that the rule was carried out",
			"region", "reason", "stopped_at", "stopped_by", "delete_after_days", "due_at", "done_at", "erased_people"),
	)
}
