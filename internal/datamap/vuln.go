package datamap

import "errors"

// VulnReport is a vulnerability report someone sent through the public
// form (issue 14, I6): how to reach them, what they found, and the files
// they attached. Published advisories hold no personal data beyond the
// credit a reporter asked for.
const VulnReport CategoryID = "vuln.report"

func declareVuln(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:    VulnReport,
			Title: "Security reports you sent us",
			Description: "When you report a security weakness through the public form, vigil keeps your report: how to reach you " +
				"(if you said), what you found, the files you attached, and what the security team decided. Your contact and " +
				"your words are sealed under a key of yours, the attachments under a key of the report alone.",
			Fields: []Field{
				{Name: "contact", Description: "your e-mail address, your name and how you wish to be credited, if you gave them", Column: "vuln_reports.contact_sealed", Encrypted: true},
				{Name: "contact_index", Description: "keyed fingerprint of your e-mail address, to find your reports when you ask about your data", Column: "vuln_reports.contact_index"},
				{Name: "details", Description: "the title, the product and versions, and your description of the weakness", Column: "vuln_reports.details_sealed", Encrypted: true},
				{Name: "reporter_id", Description: "random identifier of the person reporting", Column: "vuln_reports.reporter_id"},
				{Name: "attachment", Description: "files you attached (proofs of concept, screenshots), encrypted", Encrypted: true},
				{Name: "attachment_name", Description: "the names of the attached files", Column: "vuln_attachments.name_sealed", Encrypted: true},
			},
			Purposes:  []Purpose{PurposeService},
			Basis:     BasisLegitimateInterest,
			Retention: Retention{Period: 2 * 365 * day, From: "report triaged"},
			Export:    ExportJSON,
			Erasure:   EraseCryptoShred,
		}),
		operational(r, "vuln_reports", "random identifier, state, the security team's decision and who took it, the incident or advisory it became, a hash of the follow-up code, times",
			"id", "status", "decision_note", "duplicate_of", "incident_id", "advisory_id", "follow_hash", "submitted_at", "triaged_at", "triaged_by"),
		operational(r, "vuln_attachments", "random identifier, the report, the file's type and size, when it arrived", "id", "report_id", "content_type", "size", "created_at"),
		operational(r, "vuln_advisories", "a published security advisory: public text, severity, affected and fixed versions, the credit the reporter agreed to be named by in public, who on the vendor's staff drafted and published it",
			"id", "slug", "title", "summary", "severity", "cvss_vector", "firmware", "apps", "credits", "status", "report_id", "created_by", "created_at", "updated_at", "published_at", "published_by"),
	)
}
