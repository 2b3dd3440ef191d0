package notify

import (
	"time"

	"github.com/vigil-cloud/vigil/internal/fanout"
)

// FeedItem is one message on the in-app live feed and in the inbox.
type FeedItem struct {
	ID         string    `json:"id"` // the message ID; a redelivery carries the same
	DeliveryID string    `json:"delivery_id"`
	AccountID  string    `json:"account_id"`
	Kind       Kind      `json:"kind"`
	Time       time.Time `json:"time"`
	Title      string    `json:"title"`
	Body       string    `json:"body,omitempty"`
	URL        string    `json:"url,omitempty"`
	DeviceID   string    `json:"device_id,omitempty"`
	Channel    int       `json:"channel,omitempty"`
	AlarmType  string    `json:"alarm_type,omitempty"`
	SnapshotID string    `json:"snapshot_id,omitempty"`
}

func feedItem(deliveryID string, m Message) FeedItem {
	return FeedItem{ID: m.ID, DeliveryID: deliveryID, AccountID: m.AccountID, Kind: m.Kind, Time: m.Time, Title: m.Title, Body: m.Body,
		URL: m.URL, DeviceID: m.DeviceID, Channel: m.Channel, AlarmType: m.AlarmType, SnapshotID: m.SnapshotID}
}

// Feed carries app-channel messages to the live feeds open for a person,
// on every node once connected to the bus (fanout.Hub); the inbox keeps
// every message whether or not a feed took it live.
type Feed = fanout.Hub[FeedItem]
