package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// disclose records in the ledger what goes to a processor; a refusal
// (agreement lapsed, category not allowed) means nothing is sent.
func (s *Service) disclose(ctx context.Context, r DeliveryRow, processorID string, cats []datamap.CategoryID, details string) error {
	if s.ledger == nil {
		return final(StatusDead, "no disclosure ledger: nothing goes to a processor")
	}
	_, err := s.ledger.RecordProcessorDisclosure(ctx, worker, privacy.ProcessorDisclosure{AccountID: r.AccountID, SubjectID: r.UserID,
		ProcessorID: processorID, Categories: cats, Details: details + " " + r.MessageID})
	if errs.Is(err, errs.Forbidden) {
		return final(StatusDead, "the provider may not receive this: %s", errs.MessageOf(err))
	}
	return err
}

func (s *Service) appLink(path string) string {
	if path == "" {
		return ""
	}
	if strings.HasPrefix(path, "https://") || strings.HasPrefix(path, "http://") {
		return path
	}
	return strings.TrimRight(s.opts.PublicURL, "/") + "/" + strings.TrimLeft(path, "/")
}
