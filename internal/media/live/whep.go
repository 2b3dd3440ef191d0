package live

import (
	"net/http"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media"
)

// whepServer serves WebRTC viewers (WHEP).
type whepServer struct{ svc *Service }

func newWHEP(svc *Service) (*whepServer, error) { return &whepServer{svc: svc}, nil }

func (w *whepServer) close() {}

func (w *whepServer) serve(rw http.ResponseWriter, r *http.Request, g media.Grant, session string) error {
	return errs.E(errs.NotFound, "WebRTC is not available yet")
}
