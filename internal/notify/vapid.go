package notify

import (
	"context"
	"encoding/json"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// vapidSecret names the system secret holding vigil's VAPID key pair.
const vapidSecret = "notify-vapid/v1"

type vapidKeys struct {
	Private string `json:"private"`
	Public  string `json:"public"`
}

// vapidKeys returns vigil's VAPID key pair, made on first use and kept as a
// system secret wrapped by the KEK; every node gets the same pair.
func (s *Service) vapidKeys(ctx context.Context) (vapidKeys, error) {
	s.vapidOnce.Lock()
	defer s.vapidOnce.Unlock()
	if s.vapid != nil {
		return *s.vapid, nil
	}
	raw, err := s.keys.SystemSecret(ctx, vapidSecret, func() ([]byte, error) {
		priv, pub, err := webpush.GenerateVAPIDKeys()
		if err != nil {
			return nil, err
		}
		return json.Marshal(vapidKeys{Private: priv, Public: pub})
	})
	if err != nil {
		return vapidKeys{}, err
	}
	var k vapidKeys
	if err := json.Unmarshal(raw, &k); err != nil || k.Public == "" || k.Private == "" {
		return vapidKeys{}, errs.E(errs.Internal, "VAPID key pair does not decode")
	}
	s.vapid = &k
	return k, nil
}

// VAPIDPublicKey returns the key browsers subscribe with
// (applicationServerKey), base64url.
func (s *Service) VAPIDPublicKey(ctx context.Context) (string, error) {
	k, err := s.vapidKeys(ctx)
	return k.Public, err
}
