package datamap

import "errors"

// AuditTrail is the access log: who accessed which personal data, when, why,
// and what the access check decided.
const AuditTrail CategoryID = "log.audit"

func declareAudit(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:    AuditTrail,
			Title: "Access log",
			Description: "Every time someone, vendor staff included, reads or changes personal data in your account, or is refused, " +
				"vigil records who (a pseudonymous ID and their role), what, when, why and the decision, in a log that cannot be " +
				"altered unnoticed. You can see every entry about your account. The IP address and browser of the person acting " +
				"are sealed under that person's own key.",
			Fields: []Field{
				{Name: "entry", Description: "the actor's pseudonymous ID and role, the action, the data and resource accessed, the purpose, the decision and its reason, and the time", Column: "audit_entries.data"},
				{Name: "account_id", Description: "the account whose data was accessed", Column: "audit_entries.account_id"},
				{Name: "actor_network", Description: "IP address and user agent of the person acting, sealed under their key", Column: "audit_entries.personal_sealed", Encrypted: true},
			},
			Purposes: []Purpose{PurposeService, PurposeAntiFraud, PurposeAnalytics},
			Basis:    BasisLegalObligation,
			// Entries cannot be deleted one by one without breaking the
			// chain; erasing a person destroys their key instead.
			Retention: Retention{Period: 2 * 365 * day, From: "entry written"},
			Export:    ExportJSON,
			Erasure:   ErasePseudonymise,
			Exempt: Exempt{
				Retention: "entries cannot be deleted one by one without breaking the chain that proves the log intact; erasing a person destroys their key, which makes their network details in every entry unreadable",
			},
		}),
		operational(r, "audit_entries", "position in the log or a hash of the chain", "seq", "prev_hash", "hash"),
		operational(r, "audit_hashes", "Merkle tree hash over entries, by position", "idx", "hash"),
		operational(r, "audit_head", "size of the log, its signed tree head and when it moved", "id", "size", "checkpoint", "updated_at"),
		operational(r, "audit_checkpoints", "an earlier signed tree head: size, root hash and signature", "size", "checkpoint", "created_at"),
	)
}
