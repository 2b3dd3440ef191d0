package datamap

import "errors"

// Category IDs of the account capability.
const (
	AccountProfile     CategoryID = "account.profile"
	AccountCredentials CategoryID = "account.credentials"
	AccountSession     CategoryID = "account.session"
	StaffProfile       CategoryID = "staff.profile"
)

func declareAccounts(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:          AccountProfile,
			Title:       "Account and profile",
			Description: "Who you are to vigil: your e-mail address, your name, your language and time zone, your account's name and region, and the names of your sites.",
			Fields: []Field{
				{Name: "email", Description: "e-mail address used to sign in and to reach you", Column: "users.email_sealed", Correctable: true, Encrypted: true},
				{Name: "email_index", Description: "keyed fingerprint of the e-mail address, to find the account at sign-in", Column: "users.email_index"},
				{Name: "name", Description: "your display name", Column: "users.name_sealed", Correctable: true, Encrypted: true},
				{Name: "language", Description: "language of the app and of messages", Column: "users.language", Correctable: true},
				{Name: "time_zone", Description: "time zone for schedules and times shown", Column: "users.time_zone", Correctable: true},
				{Name: "email_verified_at", Description: "when you confirmed your e-mail address", Column: "users.email_verified_at"},
				{Name: "account_name", Description: "the name you gave your account", Column: "accounts.name_sealed", Correctable: true, Encrypted: true},
				{Name: "region", Description: "the region whose law governs your data", Column: "accounts.region", Correctable: true},
				{Name: "site_name", Description: "names of your sites (home, shop...)", Column: "sites.name_sealed", Correctable: true, Encrypted: true},
				{Name: "site_time_zone", Description: "time zone of each site", Column: "sites.time_zone", Correctable: true},
				{Name: "role", Description: "your role in each account and site", Column: "memberships.role"},
				{Name: "invitation", Description: "e-mail address and role of a pending invitation", Column: "one_time_tokens.payload_sealed", Encrypted: true},
			},
			Purposes:  []Purpose{PurposeService, PurposeUpdates, PurposeAlarms, PurposeRemoteConfig, PurposeSync, PurposeAntiFraud, PurposeAnalytics},
			Basis:     BasisContract,
			Retention: Retention{Period: 30 * day, From: "account closed"},
			Export:    ExportJSON,
			Erasure:   EraseCryptoShred,
			Exempt: Exempt{
				Retention: "an account is never left closed: erasing its last owner deletes it, its profile and its blobs at once (the eraser), so nothing waits for a retention end",
			},
		}),
		r.Register(Category{
			ID:          AccountCredentials,
			Title:       "Sign-in credentials",
			Description: "What proves it is you: a password hash (never the password), the secret of your authenticator app, the hashes of your API tokens and their labels, and counters that slow down password guessing.",
			Fields: []Field{
				{Name: "password_hash", Description: "argon2id hash of your password", Column: "users.password_hash"},
				{Name: "password_changed_at", Description: "when the password last changed", Column: "users.password_changed_at"},
				{Name: "totp_secret", Description: "authenticator-app secret", Column: "users.totp_sealed", Encrypted: true},
				{Name: "totp_pending_secret", Description: "authenticator-app secret being set up", Column: "users.totp_pending_sealed", Encrypted: true},
				{Name: "totp_last_step", Description: "last code step used, to refuse replays", Column: "users.totp_last_step"},
				{Name: "failed_logins", Description: "failed sign-ins since the last success", Column: "users.failed_logins"},
				{Name: "locked_until", Description: "end of a lockout after repeated failures", Column: "users.locked_until"},
				{Name: "token_hash", Description: "SHA-256 of an API token", Column: "api_tokens.token_hash"},
				{Name: "token_label", Description: "the label you gave an API token", Column: "api_tokens.label_sealed", Encrypted: true},
				{Name: "token_last_used", Description: "when an API token was last used", Column: "api_tokens.last_used_at"},
			},
			Purposes:    []Purpose{PurposeService, PurposeAntiFraud},
			Basis:       BasisContract,
			Retention:   Retention{Period: 1 * day, From: "account closed"},
			Export:      ExportJSON,
			Erasure:     ErasePurge,
			Sensitivity: Credential,
			Exempt: Exempt{
				Retention: "kept only while the person exists: erasing the person deletes their password hash, authenticator and tokens; a revoked token is deleted at once",
			},
		}),
		r.Register(Category{
			ID:          AccountSession,
			Title:       "Sessions and sign-in network data",
			Description: "Your signed-in sessions with the IP address and browser they came from, kept to let you see and end them and to spot account takeover.",
			Fields: []Field{
				{Name: "ip", Description: "IP address a session signed in from", Column: "sessions.ip_sealed", Encrypted: true},
				{Name: "user_agent", Description: "browser or app that signed in", Column: "sessions.user_agent_sealed", Encrypted: true},
				{Name: "created_at", Description: "when the session began", Column: "sessions.created_at"},
				{Name: "last_seen_at", Description: "when the session was last used", Column: "sessions.last_seen_at"},
			},
			Purposes:  []Purpose{PurposeService, PurposeAntiFraud},
			Basis:     BasisLegitimateInterest,
			Retention: Retention{Period: 30 * day, From: "session end"},
			Export:    ExportJSON,
			Erasure:   ErasePurge,
		}),
		r.Register(Category{
			ID:          StaffProfile,
			Title:       "Vendor staff records",
			Description: "The vendor's own staff: their e-mail, name, role, second factor and privacy-training date. Staff are people too.",
			Fields: []Field{
				{Name: "email", Description: "work e-mail address", Column: "staff.email_sealed", Correctable: true, Encrypted: true},
				{Name: "email_index", Description: "keyed fingerprint of the e-mail address", Column: "staff.email_index"},
				{Name: "name", Description: "name", Column: "staff.name_sealed", Correctable: true, Encrypted: true},
				{Name: "role", Description: "staff role", Column: "staff.role"},
				{Name: "password_hash", Description: "argon2id hash of the password", Column: "staff.password_hash"},
				{Name: "totp_secret", Description: "authenticator-app secret", Column: "staff.totp_sealed", Encrypted: true},
				{Name: "totp_pending_secret", Description: "authenticator-app secret being set up", Column: "staff.totp_pending_sealed", Encrypted: true},
				{Name: "totp_last_step", Description: "last code step used", Column: "staff.totp_last_step"},
				{Name: "security_keys", Description: "registered passkeys and security keys: credential IDs, public keys, signature counters", Column: "staff.webauthn_sealed", Encrypted: true},
				{Name: "security_key_challenge", Description: "challenge of a passkey registration or sign-in in progress", Column: "staff.webauthn_ceremony_sealed", Encrypted: true},
				{Name: "training_valid_until", Description: "end of the current privacy training", Column: "staff.training_valid_until"},
				{Name: "training_reminder", Description: "which reminder of the training's end was sent last", Column: "staff.training_reminder"},
				{Name: "failed_logins", Description: "failed sign-ins since the last success", Column: "staff.failed_logins"},
				{Name: "locked_until", Description: "end of a lockout", Column: "staff.locked_until"},
				{Name: "pending_invitation", Description: "e-mail address, name and training date of an invitation into a privileged role, until a second operator administrator decides", Column: "staff_role_changes.payload_sealed", Encrypted: true},
			},
			Purposes:  []Purpose{PurposeService},
			Basis:     BasisLegitimateInterest,
			Retention: Retention{Period: 365 * day, From: "employment ended"},
			Export:    ExportJSON,
			Erasure:   EraseCryptoShred,
			Exempt: Exempt{
				Export:    "staff records are not answered through the customers' request channel: staff see their own record in the staff app and the operator answers their requests",
				Erasure:   "staff records are not answered through the customers' request channel: the operator disables a departed member",
				Retention: "not yet: a disabled staff member's record is kept; the operator has no purge of departed staff (known gap)",
			},
		}),
		operational(r, "accounts", "random identifier or lifecycle time of the account", "id", "created_at", "closed_at", "frozen_at"),
		operational(r, "sites", "random identifier, owning account or creation time", "id", "account_id", "created_at"),
		operational(r, "users", "random identifier or creation time", "id", "created_at"),
		operational(r, "memberships", "links a user to an account; erased with either", "account_id", "user_id", "site_id", "created_at"),
		operational(r, "staff", "random identifier or lifecycle time", "id", "disabled_at", "created_at"),
		operational(r, "sessions", "hash of a random session token, its owner's random ID, its state and expiry", "id_hash", "principal_kind", "principal_id", "mfa_passed", "pending_mfa", "expires_at"),
		operational(r, "api_tokens", "random identifier, owner, lifetime", "id", "user_id", "created_at", "expires_at"),
		operational(r, "one_time_tokens", "hash of a random single-use token, what it is for, whom it concerns, its lifetime", "token_hash", "purpose", "subject_id", "created_at", "expires_at", "used_at"),
	)
}
