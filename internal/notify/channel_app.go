package notify

func (s *Service) sendApp(r DeliveryRow, m Message) error {
	s.feed.Publish(r.UserID, feedItem(r.ID, m))
	return nil
}
