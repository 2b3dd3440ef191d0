package notify

import (
	"context"
	"strings"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/id"
)

// channel is one way of reaching people, as a value: its name, how it
// finds where a message goes, and how it sends one delivery. Each lives in
// its own file (channel_<name>.go); adding one is that file and a line in
// channels().
type channel interface {
	name() Channel
	// chosen says people pick the channel per kind of message; a channel
	// that is not chosen reaches the account's own endpoints (webhooks).
	chosen() bool
	// byDefault says a chosen channel is on for a person who chose nothing
	// for kind.
	byDefault(k Kind) bool
	// targets lists the deliveries a message needs on the channel: to the
	// person t names, for a chosen channel, or to the account's endpoints.
	targets(ctx context.Context, s *Service, t target) ([]DeliveryRow, error)
	// send makes one attempt; a *sendError says what went wrong safely.
	send(ctx context.Context, s *Service, r DeliveryRow, m Message) error
}

// target is whom a message is for, as a channel looks up its endpoints.
type target struct {
	accountID string
	userID    string // the person, for a chosen channel; "" otherwise
	kind      Kind
	purpose   datamap.Purpose
	// prefs is the gate's decision to read the person's settings, made
	// once for all their channels.
	prefs access.Decision
}

// delivery is a new delivery of the channel to endpoint ("" for the
// person's only one).
func (t target) delivery(c Channel, endpoint string) DeliveryRow {
	return DeliveryRow{ID: id.New("dlv"), UserID: t.userID, Channel: c, EndpointID: endpoint}
}

// channels lists every channel, in the order defaults are listed.
func channels() []channel {
	return []channel{appChannel{}, emailChannel{}, pushChannel{}, smsChannel{}, webhookChannel{}}
}

// channelNamed returns the channel called c.
func channelNamed(c Channel) (channel, bool) {
	for _, ch := range channels() {
		if ch.name() == c {
			return ch, true
		}
	}
	return nil, false
}

// Channels lists the channels a person may choose (webhooks belong to the
// account, not a person).
func Channels() []Channel {
	var out []Channel
	for _, ch := range channels() {
		if ch.chosen() {
			out = append(out, ch.name())
		}
	}
	return out
}

// channelList names the channels people choose, for messages.
func channelList() string {
	var names []string
	for _, c := range Channels() {
		names = append(names, string(c))
	}
	return strings.Join(names, ", ")
}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	_, ok := channelNamed(c)
	return ok
}

// DefaultChannels are the channels of a person who chose none for a kind:
// alarms in the app and by push; update, security and privacy notices in
// the app and by e-mail, security notices also by push and SMS.
func DefaultChannels(k Kind) []Channel {
	var out []Channel
	for _, ch := range channels() {
		if ch.chosen() && ch.byDefault(k) {
			out = append(out, ch.name())
		}
	}
	return out
}
