package access_test

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/app"
)

// recorder writes a test gate's decisions to the real audit log of a
// running vigil, as the app's gate does.
type recorder struct{ a *app.App }

func (r recorder) Record(ctx context.Context, rec access.Record) (int64, error) {
	return app.AuditRecorder(r.a.Audit).Record(ctx, rec)
}
