package datamap

import "errors"

// Categories of face recognition (issue 15): the enrolled people with
// their consent records and their templates, and the match events. Both are
// biometric: vendor staff never see them without a grant that names them.
const (
	FaceTemplate CategoryID = "face.template"
	FaceMatch    CategoryID = "face.match"
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
