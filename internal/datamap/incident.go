package datamap

import "errors"

// Categories of the incident room (issue 14): the register of security
// incidents, and the people an incident affected with what of theirs was
// touched and how they were told.
const (
	IncidentRecord   CategoryID = "incident.record"
	IncidentAffected CategoryID = "incident.affected"
)

func declareIncident(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:    IncidentRecord,
			Title: "Security incidents",
			Description: "The register of security incidents: type, grade, the officers in charge, the response plan " +
				"with its checklists, the timeline and the reports made to regulators. Staff appear by random identifier; " +
				"the people affected are kept apart (incident.affected).",
			Fields: []Field{
				{Name: "record", Description: "the incident's grading, plan, timeline, notice texts and regulator reports, naming staff by random identifier", Column: "incidents.doc"},
				{Name: "responsible", Description: "the staff member in charge", Column: "incidents.responsible"},
			},
			Purposes:  []Purpose{PurposeAntiFraud, PurposeService},
			Basis:     BasisLegalObligation,
			Retention: Retention{Period: 5 * 365 * day, From: "incident opened"},
			Export:    ExportJSON,
			Erasure:   ErasePurge,
			Exempt: Exempt{
				Export:  "holds no customer's personal data: staff by random identifier, counts and categories; each affected person's part is exported from incident.affected",
				Erasure: "the documentation of a breach the law requires the vendor to keep (GDPR Art. 33(5)); purged when its retention ends",
			},
		}),
		r.Register(Category{
			ID:    IncidentAffected,
			Title: "Security incidents that affected you",
			Description: "For each security incident that touched your data: which of your accounts, which kinds of data " +
				"were reached and when, whether you could be reached directly, in which language you were told, and the " +
				"notice that told you (its deliveries are in your notifications).",
			Fields: []Field{
				{Name: "person", Description: "the person affected", Column: "incident_affected.user_id"},
				{Name: "accounts", Description: "the accounts through which the person was affected", Column: "incident_affected.accounts"},
				{Name: "touched", Description: "the kinds of data reached, with the actions, counts and times", Column: "incident_affected.touched"},
				{Name: "contact", Description: "whether the person had a verified e-mail, phone or push subscription", Column: "incident_affected.contact"},
				{Name: "language", Description: "the language the notice was written in", Column: "incident_affected.language"},
				{Name: "notice_account", Description: "the account the notice went through", Column: "incident_affected.notice_account"},
				{Name: "message", Description: "the notice that told the person", Column: "incident_affected.message_id"},
				{Name: "noticed_at", Description: "when the notice was queued", Column: "incident_affected.noticed_at"},
			},
			Purposes:  []Purpose{PurposeAntiFraud, PurposeService},
			Basis:     BasisLegalObligation,
			Retention: Retention{Period: 5 * 365 * day, From: "the affected people were computed"},
			Export:    ExportJSON,
			Erasure:   ErasePurge,
			Exempt: Exempt{
				Erasure: "the proof that a person was told of a breach is part of the documentation the law requires (GDPR Art. 33(5), 34); purged when its retention ends",
			},
		}),
		operational(r, "incidents", "random identifier, the public notice's stable name, status, grade and times", "id", "slug", "status", "severity", "opened_at", "closed_at"),
		operational(r, "incident_affected", "the incident and when the row was computed", "incident_id", "created_at"),
		operational(r, "incident_public", "a public notice written for everyone: no personal data", "slug", "incident_id", "notice", "published_at", "updated_at"),
	)
}
