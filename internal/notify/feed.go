package notify

import (
	"sync"
	"time"
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

// Broker carries app-channel messages to the live feeds open in this
// process. It is per process: a person connected to another node sees the
// message in their inbox (and on their next feed connection there), not
// live; a bus-backed broker would carry it across nodes.
type Broker struct {
	mu   sync.Mutex
	subs map[string]map[chan FeedItem]struct{}
}

// NewBroker returns an empty broker.
func NewBroker() *Broker { return &Broker{subs: map[string]map[chan FeedItem]struct{}{}} }

// Subscribe opens a feed for a person; stop closes it.
func (b *Broker) Subscribe(userID string) (items <-chan FeedItem, stop func()) {
	ch := make(chan FeedItem, 64)
	b.mu.Lock()
	if b.subs[userID] == nil {
		b.subs[userID] = map[chan FeedItem]struct{}{}
	}
	b.subs[userID][ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs[userID], ch)
			if len(b.subs[userID]) == 0 {
				delete(b.subs, userID)
			}
			b.mu.Unlock()
		})
	}
}

// Publish hands an item to each open feed of the person; a feed too slow
// to take it misses it live (the inbox keeps it).
func (b *Broker) Publish(userID string, it FeedItem) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[userID] {
		select {
		case ch <- it:
		default:
		}
	}
}
