package datamap

import "errors"

// Category IDs of the alarm pipeline: the alarms devices raise (and vigil
// raises for devices that go offline), and the rules and quiet hours that
// decide who is told. Alarm snapshots are media.snapshot.
const (
	AlarmEvent CategoryID = "alarm.event"
	AlarmRule  CategoryID = "alarm.rule"
)

func declareAlarms(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:          AlarmEvent,
			Title:       "Alarms",
			Description: "The alarms your cameras and NVR channels raise (motion, person, vehicle, face, tamper, line crossing, doorbell) and those vigil raises when a device stays offline: the device and channel, the type, when it happened, whether a snapshot was taken, and who acknowledged it.",
			Fields: []Field{
				{Name: "id", Description: "the device's own identifier of the alarm, so that it is stored once", Column: "alarms.event_id"},
				{Name: "type", Description: "motion, person, vehicle, face, tamper, line_crossing, doorbell or offline", Column: "alarms.type"},
				{Name: "time", Description: "when it happened, by the device's clock", Column: "alarms.occurred_at"},
				{Name: "snapshot", Description: "whether the device took a snapshot", Column: "alarms.snapshot"},
				{Name: "channel", Description: "the NVR channel it concerns, 0 for the device itself", Column: "alarms.channel"},
				{Name: "received_at", Description: "when vigil received it", Column: "alarms.received_at"},
				{Name: "account", Description: "the account that owns the device", Column: "alarms.account_id"},
				{Name: "device", Description: "the device", Column: "alarms.device_id"},
				{Name: "acked_at", Description: "when someone acknowledged it", Column: "alarms.acked_at"},
				{Name: "acked_by", Description: "who acknowledged it", Column: "alarms.acked_by"},
			},
			Purposes:  []Purpose{PurposeAlarms},
			Basis:     BasisContract,
			Retention: Retention{Period: 90 * day, From: "receipt"},
			Export:    ExportJSON,
			Erasure:   ErasePurge,
		}),
		r.Register(Category{
			ID:          AlarmRule,
			Title:       "Alarm rules and quiet hours",
			Description: "Which alarms notify whom in your account, on which days and hours, how often, who may see snapshots, and the quiet hours each person chose.",
			Fields: []Field{
				{Name: "users", Description: "the people a rule notifies", Column: "alarm_rules.users"},
				{Name: "roles", Description: "the roles a rule notifies", Column: "alarm_rules.roles"},
				{Name: "schedule", Description: "the days and hours a rule is active", Column: "alarm_rules.schedule"},
				{Name: "quiet_user", Description: "the person who chose quiet hours", Column: "alarm_quiet_hours.user_id"},
				{Name: "quiet_start", Description: "when their quiet hours start", Column: "alarm_quiet_hours.start_minute"},
				{Name: "quiet_end", Description: "when their quiet hours end", Column: "alarm_quiet_hours.end_minute"},
				{Name: "quiet_time_zone", Description: "the time zone of their quiet hours", Column: "alarm_quiet_hours.time_zone"},
			},
			Purposes:  []Purpose{PurposeAlarms},
			Basis:     BasisContract,
			Retention: Retention{Period: 30 * day, From: "account closed"},
			Export:    ExportJSON,
			Erasure:   ErasePurge,
		}),
		operational(r, "alarms", "random identifier, fan-out state and its time, the device's send time",
			"id", "state", "fanned_out_at"),
		operational(r, "alarm_snapshots", "where the encrypted picture is kept, its size and when it arrived, linked to its alarm by the device's event identifier",
			"id", "account_id", "device_id", "event_id", "size", "created_at"),
		operational(r, "alarm_rules", "random identifier, the account, site and device a rule covers, the alarm types, its time zone, cooldown, the lowest role that sees snapshots, and its times",
			"id", "account_id", "site_id", "device_id", "types", "time_zone", "cooldown_seconds", "snapshot_role", "created_at", "updated_at"),
		operational(r, "alarm_quiet_hours", "the account the quiet hours apply in", "account_id"),
		operational(r, "alarm_cooldowns", "when a rule last notified of a device's alarm type",
			"rule_id", "device_id", "type", "last_at"),
	)
}
