// Package notify delivers notices to people on the channels they chose: the
// in-app live feed, Web Push, e-mail, SMS and signed webhooks. Alarms,
// firmware and app update notices and incident notices all go through it,
// with the same preferences, durable outbox, retries and dead-letter list.
//
// Delivery is at least once: a message is identified by its ID (an alarm's
// ID, say), and a duplicate delivery after a crash carries the same ID.
package notify

import "time"

// Kind is what a message is about; people choose channels per kind.
type Kind string

// Kinds of messages.
const (
	KindAlarm    Kind = "alarm"
	KindFirmware Kind = "firmware" // device firmware and app update notices (U-B)
	KindIncident Kind = "incident" // security incident notices
	KindNotice   Kind = "notice"   // privacy notice changes
)

// Channel is a way of reaching a person.
type Channel string

// Channels.
const (
	ChannelApp     Channel = "app" // in-app live feed
	ChannelPush    Channel = "push"
	ChannelEmail   Channel = "email"
	ChannelSMS     Channel = "sms"
	ChannelWebhook Channel = "webhook"
)

// Message is one notice for one account's people. Which of its fields reach
// a channel is decided by the data map and the processor's allowance: an
// SMS never carries a snapshot.
type Message struct {
	ID        string // stable: retries and duplicates carry the same ID
	AccountID string
	Kind      Kind
	Time      time.Time
	Title     string
	Body      string
	URL       string // a link into the app; never a secret or token
	DeviceID  string
	Channel   int    // the camera channel, for alarms
	AlarmType string // for alarms
	// SnapshotID names the alarm's snapshot, when there is one and the
	// recipient may see it; channels that may carry pictures link to it.
	SnapshotID string
}
