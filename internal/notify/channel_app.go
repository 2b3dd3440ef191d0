package notify

import "context"

// appChannel is the in-app live feed: always at hand, on by default for
// every kind of message.
type appChannel struct{}

func (appChannel) name() Channel       { return ChannelApp }
func (appChannel) chosen() bool        { return true }
func (appChannel) byDefault(Kind) bool { return true }

func (appChannel) targets(_ context.Context, _ *Service, t target) ([]DeliveryRow, error) {
	return []DeliveryRow{t.delivery(ChannelApp, "")}, nil
}

func (appChannel) send(_ context.Context, s *Service, r DeliveryRow, m Message) error {
	return s.sendApp(r, m)
}

func (s *Service) sendApp(r DeliveryRow, m Message) error {
	s.feed.Publish(r.UserID, feedItem(r.ID, m))
	return nil
}
