package datamap

import "errors"

// Category IDs of notification delivery: how each person wants to be
// reached, the messages vigil sent them and whether they arrived, and each
// account's signed webhooks.
const (
	NotifyPrefs   CategoryID = "notify.prefs"
	NotifyMessage CategoryID = "notify.message"
	NotifyWebhook CategoryID = "notify.webhook"
)

func declareNotify(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:          NotifyPrefs,
			Title:       "How we reach you",
			Description: "Which channels (in the app, browser push, e-mail, SMS) you chose for each kind of message, the phone number you gave for SMS, and the push subscriptions your browsers registered.",
			Fields: []Field{
				{Name: "channels", Description: "the channels you chose per kind of message", Column: "notify_prefs.channels", Correctable: true},
				{Name: "phone", Description: "the phone number SMS alerts go to", Column: "notify_phones.phone_sealed", Correctable: true, Encrypted: true},
				{Name: "push_subscription", Description: "a browser's push address and keys", Column: "notify_push_subs.sub_sealed", Encrypted: true},
				{Name: "push_endpoint_index", Description: "keyed fingerprint of a browser's push address, to avoid duplicates", Column: "notify_push_subs.endpoint_index"},
			},
			Purposes:  []Purpose{PurposeService, PurposeUpdates, PurposeAlarms},
			Basis:     BasisContract,
			Retention: Retention{Period: 30 * day, From: "account closed or the choice withdrawn"},
			Export:    ExportJSON,
			Erasure:   ErasePurge,
			Exempt: Exempt{
				Retention: "a person's choices, phone number and push subscriptions are deleted when they withdraw them and when the person is erased; none outlives the person",
			},
		}),
		r.Register(Category{
			ID:          NotifyMessage,
			Title:       "Notifications sent to you",
			Description: "The alarms, update notices, security notices and privacy notices vigil sent you, on which channel, and whether they arrived.",
			Fields: []Field{
				{Name: "content", Description: "title, text, device and alarm type of the message", Column: "notify_messages.content_sealed", Encrypted: true},
				{Name: "recipient", Description: "the person a delivery is for", Column: "notify_deliveries.user_id"},
				{Name: "status", Description: "whether the delivery arrived, is retried or failed", Column: "notify_deliveries.status"},
				{Name: "last_error", Description: "why the last attempt failed (no addresses)", Column: "notify_deliveries.last_error"},
			},
			Purposes:  []Purpose{PurposeService, PurposeUpdates, PurposeAlarms},
			Basis:     BasisContract,
			Retention: Retention{Period: 90 * day, From: "sending"},
			Export:    ExportJSON,
			Erasure:   ErasePurge,
		}),
		r.Register(Category{
			ID:          NotifyWebhook,
			Title:       "Webhooks",
			Description: "The addresses an account's admins asked vigil to post signed notifications to, with their signing secrets.",
			Fields: []Field{
				{Name: "url", Description: "the address notifications are posted to", Column: "notify_webhooks.url_sealed", Encrypted: true},
				{Name: "secret", Description: "the signing secret, shown once", Column: "notify_webhooks.secret_sealed", Encrypted: true},
				{Name: "created_by", Description: "who made the webhook", Column: "notify_webhooks.created_by"},
			},
			Purposes:    []Purpose{PurposeService, PurposeUpdates, PurposeAlarms},
			Basis:       BasisContract,
			Retention:   Retention{Period: 30 * day, From: "webhook deleted or account closed"},
			Export:      ExportJSON,
			Erasure:     ErasePurge,
			Sensitivity: Credential,
		}),
		operational(r, "notify_prefs", "person and kind of message the choice is for, when it changed", "user_id", "kind", "updated_at"),
		operational(r, "notify_phones", "person the number belongs to, when it changed", "user_id", "updated_at"),
		operational(r, "notify_phones", "whether and when the number was verified with a one-time code sent to it, the code's keyed fingerprint, expiry and failed tries", "verified_at", "code_index", "code_expires_at", "code_attempts"),
		operational(r, "notify_push_subs", "random identifier, person, registration time", "id", "user_id", "created_at"),
		operational(r, "notify_webhooks", "random identifier, account, kinds of message, creation time", "id", "account_id", "kinds", "created_at"),
		operational(r, "notify_messages", "account, message identifier, kind, creation time", "account_id", "id", "kind", "created_at"),
		operational(r, "notify_deliveries", "outbox bookkeeping: identifiers, channel, endpoint row, attempts and times",
			"id", "account_id", "message_id", "channel", "endpoint_id", "attempts", "next_at", "lease_until", "created_at", "done_at"),
	)
}
