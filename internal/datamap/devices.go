package datamap

import "errors"

// Category IDs of the device link: what cameras and NVRs report about
// themselves once a customer owns them, and the app access log.
const (
	DeviceInfo        CategoryID = "device.info"
	DeviceCredential  CategoryID = "device.credential"
	DeviceEvent       CategoryID = "device.event"
	DeviceConfig      CategoryID = "device.config"
	DeviceErrorReport CategoryID = "device.error_report"
	NetIP             CategoryID = "net.ip"
	LogAccess         CategoryID = "log.access"
)

func declareDevices(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:          DeviceInfo,
			Title:       "Your devices",
			Description: "The cameras and NVRs you own: the name you gave each, its serial number and model, its firmware and app versions, the language, region, time zone and font it is set to, whether it is online, and whether you reported it lost.",
			Fields: []Field{
				{Name: "name", Description: "the name you gave the device", Column: "devices.name_sealed", Correctable: true, Encrypted: true},
				{Name: "serial", Description: "serial number printed on the device", Column: "devices.serial"},
				{Name: "model", Description: "hardware model", Column: "devices.model"},
				{Name: "account", Description: "the account that owns the device", Column: "devices.account_id"},
				{Name: "site", Description: "the site the device belongs to", Column: "devices.site_id", Correctable: true},
				{Name: "claimed_at", Description: "when the device was added to your account", Column: "devices.claimed_at"},
				{Name: "lost_at", Description: "when you reported the device lost or stolen", Column: "devices.lost_at"},
				{Name: "firmware_version", Description: "firmware version the device runs", Column: "devices.firmware_version"},
				{Name: "app_version", Description: "version of the device's own software", Column: "devices.app_version"},
				{Name: "software_id", Description: "identifier of the device's software build", Column: "devices.software_id"},
				{Name: "region", Description: "region the device is set to", Column: "devices.region"},
				{Name: "language", Description: "language the device is set to", Column: "devices.language"},
				{Name: "time_zone", Description: "time zone the device is set to", Column: "devices.time_zone"},
				{Name: "font", Description: "on-screen font the device is set to", Column: "devices.font"},
				{Name: "info_at", Description: "when the device last reported these details", Column: "devices.info_at"},
				{Name: "online", Description: "whether the device is connected", Column: "devices.online"},
				{Name: "last_seen_at", Description: "when the device was last heard from", Column: "devices.last_seen_at"},
			},
			// U-C: an alarm notice names the camera as its owner named it.
			Purposes:  []Purpose{PurposeService, PurposeUpdates, PurposeAlarms, PurposeRemoteConfig, PurposeAntiFraud},
			Basis:     BasisContract,
			Retention: Retention{Period: 30 * day, From: "device released or account closed"},
			Export:    ExportJSON,
			Erasure:   ErasePurge,
		}),
		r.Register(Category{
			ID:          DeviceCredential,
			Title:       "Device credentials",
			Description: "The secret each device signs in with, stored only as a hash, and when it was issued.",
			Fields: []Field{
				{Name: "credential_hash", Description: "SHA-256 of the device's secret", Column: "devices.cred_hash"},
				{Name: "issued_at", Description: "when the secret was issued", Column: "devices.cred_issued_at"},
			},
			Purposes:    []Purpose{PurposeService, PurposeAntiFraud},
			Basis:       BasisContract,
			Retention:   Retention{Period: 1 * day, From: "device released"},
			Export:      ExportJSON,
			Erasure:     ErasePurge,
			Sensitivity: Credential,
			Exempt: Exempt{
				Retention: "only a hash is kept, and it is cleared the moment the device is released or its credential revoked: nothing is left to purge",
			},
		}),
		r.Register(Category{
			ID:          DeviceEvent,
			Title:       "Device events",
			Description: "What your devices report happened to them: errors, crashes, restarts and upgrades, with a code, the firmware version and the time.",
			Fields: []Field{
				{Name: "id", Description: "the device's own identifier of the event, so that it is stored once", Column: "device_events.event_id"},
				{Name: "kind", Description: "error, crash, restart or upgrade", Column: "device_events.kind"},
				{Name: "code", Description: "the device's code for what happened", Column: "device_events.code"},
				{Name: "version", Description: "firmware version at the time, or the version an upgrade went to", Column: "device_events.version"},
				{Name: "channel", Description: "the NVR channel it concerns, 0 for the device itself", Column: "device_events.channel"},
				{Name: "at", Description: "when it happened, by the device's clock", Column: "device_events.occurred_at"},
				{Name: "received_at", Description: "when vigil received it", Column: "device_events.received_at"},
				{Name: "account", Description: "the account that owns the device", Column: "device_events.account_id"},
				{Name: "device", Description: "the device", Column: "device_events.device_id"},
			},
			Purposes:  []Purpose{PurposeService, PurposeUpdates},
			Basis:     BasisContract,
			Retention: Retention{Period: 90 * day, From: "receipt"},
			Export:    ExportJSON,
			Erasure:   ErasePurge,
		}),
		r.Register(Category{
			ID:          DeviceConfig,
			Title:       "Device settings",
			Description: "The settings you asked your devices and NVR channels to use (picture, motion, privacy masks, night vision, on-screen text...) and the settings they report, encrypted under your account's key.",
			Fields: []Field{
				{Name: "desired", Description: "settings you asked for", Column: "device_shadows.desired_sealed", Correctable: true, Encrypted: true},
				{Name: "reported", Description: "settings the device reports", Column: "device_shadows.reported_sealed", Encrypted: true},
				{Name: "version", Description: "version of the requested settings", Column: "device_shadows.version"},
				{Name: "desired_at", Description: "when you last changed them", Column: "device_shadows.desired_at"},
				{Name: "reported_at", Description: "when the device last reported them", Column: "device_shadows.reported_at"},
				{Name: "account", Description: "the account that owns the device", Column: "device_shadows.account_id"},
				{Name: "device", Description: "the device", Column: "device_shadows.device_id"},
				{Name: "channel", Description: "the NVR channel, 0 for the device itself", Column: "device_shadows.channel"},
			},
			Purposes:  []Purpose{PurposeRemoteConfig},
			Basis:     BasisContract,
			Retention: Retention{Period: 30 * day, From: "device released or account closed"},
			Export:    ExportJSON,
			Erasure:   EraseCryptoShred,
			Exempt: Exempt{
				Retention: "settings are deleted with the device's release, which device.info's purger does for closed accounts",
			},
		}),
		r.Register(Category{
			ID:          DeviceErrorReport,
			Title:       "Error details you chose to send",
			Description: "Crash reports and error details from your devices or the app, accepted only while you have sending them turned on.",
			Fields: []Field{
				{Name: "body", Description: "the report", Column: "error_reports.body_sealed", Encrypted: true},
				{Name: "kind", Description: "crash or error", Column: "error_reports.kind"},
				{Name: "received_at", Description: "when it arrived", Column: "error_reports.received_at"},
				{Name: "account", Description: "the account the report belongs to", Column: "error_reports.account_id"},
				{Name: "device", Description: "the device that sent it, if any", Column: "error_reports.device_id"},
				{Name: "user", Description: "the user whose app sent it, if any", Column: "error_reports.user_id"},
				{Name: "device_opt_in", Description: "whether a device may send error details", Column: "devices.error_details", Correctable: true},
				{Name: "app_opt_in", Description: "whether your app may send error details", Column: "user_prefs.error_details", Correctable: true},
			},
			Purposes:  []Purpose{PurposeTroubleshooting},
			Basis:     BasisConsent,
			Retention: Retention{Period: 30 * day, From: "receipt"},
			Export:    ExportJSON,
			Erasure:   EraseCryptoShred,
		}),
		r.Register(Category{
			ID:          NetIP,
			Title:       "Device connection addresses",
			Description: "The IP address each device connected from. After the retention period only the network part is kept (the last part of the address is removed).",
			Fields: []Field{
				{Name: "ip", Description: "the full address, encrypted", Column: "device_ips.ip_sealed", Encrypted: true},
				{Name: "ip_prefix", Description: "the network part of the address (IPv4 /24, IPv6 /48)", Column: "device_ips.ip_prefix"},
				{Name: "first_seen_at", Description: "first connection from it", Column: "device_ips.first_seen_at"},
				{Name: "last_seen_at", Description: "last connection from it", Column: "device_ips.last_seen_at"},
				{Name: "account", Description: "the account that owns the device", Column: "device_ips.account_id"},
				{Name: "device", Description: "the device", Column: "device_ips.device_id"},
			},
			Purposes:  []Purpose{PurposeService, PurposeAntiFraud},
			Basis:     BasisLegitimateInterest,
			Retention: Retention{Period: 30 * day, From: "last connection, then pseudonymised"},
			Export:    ExportJSON,
			Erasure:   ErasePseudonymise,
		}),
		r.Register(Category{
			ID:          LogAccess,
			Title:       "App access log",
			Description: "When you used the app or the API, how many requests you made each hour, and the IP address they came from; the address is shortened after the retention period.",
			Fields: []Field{
				{Name: "hour", Description: "the hour of use", Column: "app_access.hour"},
				{Name: "requests", Description: "how many requests that hour", Column: "app_access.requests"},
				{Name: "ip", Description: "the address, encrypted", Column: "app_access.ip_sealed", Encrypted: true},
				{Name: "ip_index", Description: "keyed fingerprint of the address, to count requests per address", Column: "app_access.ip_index"},
				{Name: "ip_prefix", Description: "the network part of the address", Column: "app_access.ip_prefix"},
				{Name: "first_at", Description: "first request that hour", Column: "app_access.first_at"},
				{Name: "last_at", Description: "last request that hour", Column: "app_access.last_at"},
				{Name: "user", Description: "who", Column: "app_access.user_id"},
			},
			Purposes:  []Purpose{PurposeService, PurposeAntiFraud},
			Basis:     BasisLegitimateInterest,
			Retention: Retention{Period: 30 * day, From: "use, then pseudonymised; deleted after 180 days"},
			Export:    ExportJSON,
			Erasure:   ErasePseudonymise,
		}),
		operational(r, "device_models", "hardware model catalogue of the vendor", "model", "kind", "channels", "config_schema", "created_at"),
		operational(r, "devices", "random identifier, keyed fingerprint of the printed claim code, manufacture time", "id", "claim_index", "registered_at"),
		operational(r, "devices", "keyed fingerprint of the secret written into the device at manufacture, which it proves itself with when it pairs", "factory_index"),
		operational(r, "devices", "counters of ingest fields dropped and messages rejected by minimisation", "dropped_fields", "rejected_messages"),
		operational(r, "devices", "random identifier of the vigil node holding the device's connection, so other nodes can mark it offline when that node dies", "node_id"),
		operational(r, "nodes", "random identifier of a vigil node and when it was last alive", "id", "seen_at"),
		operational(r, "device_pairings", "hash of a random single-use pairing token, the account and site it pairs into, who made it and its lifetime", "token_hash", "account_id", "site_id", "created_by", "created_at", "expires_at", "used_at"),
		operational(r, "device_events", "row number", "id"),
		operational(r, "device_ips", "row number", "id"),
		operational(r, "app_access", "row number", "id"),
		operational(r, "error_reports", "random identifier", "id"),
		operational(r, "user_prefs", "owner's random identifier", "user_id"),
		operational(r, "firmware_releases", "firmware catalogue of the vendor", "id", "model", "version", "notes", "sha256", "signature", "url", "rollout_percent", "published_at"),
		operational(r, "app_releases", "app version catalogue of the vendor", "platform", "latest", "minimum", "notes", "updated_at"),
	)
}
