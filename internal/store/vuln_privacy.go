package store

import (
	"context"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/vuln"
)

// ExportReports calls emit with each report of a reporter.
func (s *VulnStore) ExportReports(ctx context.Context, d access.Decision, reporterID string, emit func(vuln.ReportRow, []vuln.AttachmentRow) error) error {
	if err := requireFor(d, access.Export, datamap.VulnReport, reporterID); err != nil {
		return err
	}
	rows, err := queryAll(ctx, s.db, "vulnerability reports", scanVulnReport, `SELECT `+reportColumns+` FROM vuln_reports WHERE reporter_id = ? ORDER BY submitted_at, id`, reporterID)
	if err != nil {
		return err
	}
	for _, r := range rows {
		atts, err := queryAll(ctx, s.db, "report attachments", scanVulnAttachment,
			`SELECT id, report_id, name_sealed, content_type, size, created_at FROM vuln_attachments WHERE report_id = ? ORDER BY created_at, id`, r.ID)
		if err != nil {
			return err
		}
		if err := emit(r, atts); err != nil {
			return err
		}
	}
	return nil
}

// EraseReports deletes a reporter's reports triaged before cutoff (all
// when cutoff is zero), with their attachments' rows.
func (s *VulnStore) EraseReports(ctx context.Context, d access.Decision, reporterID string, cutoff time.Time) ([]string, error) {
	if err := requireFor(d, access.Delete, datamap.VulnReport, reporterID); err != nil {
		return nil, err
	}
	var ids []string
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		if cutoff.IsZero() {
			ids, err = txIDs(ctx, tx, "vulnerability reports", `SELECT id FROM vuln_reports WHERE reporter_id = ? ORDER BY id`, reporterID)
		} else {
			ids, err = txIDs(ctx, tx, "vulnerability reports", `SELECT id FROM vuln_reports WHERE reporter_id = ? AND triaged_at > 0 AND triaged_at < ? ORDER BY id`,
				reporterID, Micros(cutoff))
		}
		if err != nil {
			return err
		}
		for _, id := range ids {
			for _, q := range []string{`DELETE FROM vuln_attachments WHERE report_id = ?`, `DELETE FROM vuln_reports WHERE id = ?`} {
				if _, err := tx.Exec(ctx, q, id); err != nil {
					return tx.Err(err, "vulnerability report")
				}
			}
		}
		return nil
	})
	return ids, err
}

// ExpiredReporters lists reporters with reports triaged before cutoff.
func (s *VulnStore) ExpiredReporters(ctx context.Context, cutoff time.Time) ([]string, error) {
	return queryAll(ctx, s.db, "expired vulnerability reports", scanFaceAccount,
		`SELECT DISTINCT reporter_id FROM vuln_reports WHERE triaged_at > 0 AND triaged_at < ? ORDER BY reporter_id`, Micros(cutoff))
}
