package live

// pullers pull RTSP from cameras on a LAN.
type pullers struct{ svc *Service }

func newPullers(svc *Service) *pullers { return &pullers{svc: svc} }

func (p *pullers) closeAll() {}
