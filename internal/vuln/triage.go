package vuln

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/keys"
)

// Report is a report as the security officer reads it.
type Report struct {
	ID           string       `json:"id"`
	Status       Status       `json:"status"`
	SubmittedAt  time.Time    `json:"submitted_at"`
	TriagedAt    time.Time    `json:"triaged_at,omitzero"`
	TriagedBy    string       `json:"triaged_by,omitempty"`
	DecisionNote string       `json:"decision_note,omitempty"`
	DuplicateOf  string       `json:"duplicate_of,omitempty"`
	IncidentID   string       `json:"incident_id,omitempty"`
	AdvisoryID   string       `json:"advisory_id,omitempty"`
	ReporterID   string       `json:"reporter_id"`
	Title        string       `json:"title"`
	Contact      *Contact     `json:"contact,omitempty"`
	Details      *Details     `json:"details,omitempty"`
	Attachments  []Attachment `json:"attachments,omitempty"`
}

// Attachment is an attachment's description; its content is read through
// Service.Attachment.
type Attachment struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
}

// officer checks that p is the security officer (or the DPO, whose rights
// include theirs), with a second factor.
func officer(p access.Principal) error {
	if p.Kind != access.KindStaff || !p.MFA || !p.StaffRole.AtLeast(access.StaffSecurity) {
		return errs.E(errs.Forbidden, "only the security officer triages vulnerability reports and publishes advisories")
	}
	return nil
}

func (s *Service) reportDecision(ctx context.Context, p access.Principal, a access.Action, id string) (access.Decision, error) {
	owner, err := s.store.ReportOwner(ctx, id)
	if err != nil {
		return access.Decision{}, err
	}
	return s.gate.Check(ctx, p, a, access.Resource{Category: datamap.VulnReport, SubjectID: owner, ID: id}, datamap.PurposeService)
}

// Queue lists the reports, untriaged first, with their titles. The
// listing is one decision of the gate, kept in the audit log.
func (s *Service) Queue(ctx context.Context, p access.Principal) ([]Report, error) {
	if err := officer(p); err != nil {
		return nil, err
	}
	d, err := s.gate.Check(ctx, p, access.List, access.Resource{Category: datamap.VulnReport}, datamap.PurposeService)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Queue(ctx, d, 500)
	if err != nil {
		return nil, err
	}
	out := make([]Report, 0, len(rows))
	for _, r := range rows {
		v := view(r)
		var det Details
		if ok, err := s.openJSON(ctx, r.ReporterID, "vuln_reports.details_sealed", r.ID, r.DetailsSealed, &det); err != nil {
			return nil, err
		} else if ok {
			v.Title = det.Title
		}
		out = append(out, v)
	}
	return out, nil
}

func view(r ReportRow) Report {
	return Report{ID: r.ID, Status: r.Status, SubmittedAt: r.SubmittedAt, TriagedAt: r.TriagedAt, TriagedBy: r.TriagedBy,
		DecisionNote: r.DecisionNote, DuplicateOf: r.DuplicateOf, IncidentID: r.IncidentID, AdvisoryID: r.AdvisoryID,
		ReporterID: r.ReporterID, Title: "[erased]"}
}

// Report opens one report for the security officer: contact, details and
// the attachments' names.
func (s *Service) Report(ctx context.Context, p access.Principal, id string) (Report, error) {
	if err := officer(p); err != nil {
		return Report{}, err
	}
	d, err := s.reportDecision(ctx, p, access.Read, id)
	if err != nil {
		return Report{}, err
	}
	row, atts, err := s.store.Report(ctx, d, id)
	if err != nil {
		return Report{}, err
	}
	return s.full(ctx, row, atts)
}

func (s *Service) full(ctx context.Context, row ReportRow, atts []AttachmentRow) (Report, error) {
	v := view(row)
	var c Contact
	if ok, err := s.openJSON(ctx, row.ReporterID, "vuln_reports.contact_sealed", row.ID, row.ContactSealed, &c); err != nil {
		return v, err
	} else if ok {
		v.Contact = &c
	}
	var det Details
	if ok, err := s.openJSON(ctx, row.ReporterID, "vuln_reports.details_sealed", row.ID, row.DetailsSealed, &det); err != nil {
		return v, err
	} else if ok {
		v.Details, v.Title = &det, det.Title
	}
	for _, a := range atts {
		name, err := s.keys.OpenSubject(ctx, row.ReporterID, a.NameSealed, keys.FieldAD("vuln_attachments.name_sealed", a.ID))
		if errs.Is(err, errs.Gone) {
			name = []byte("[erased]")
		} else if err != nil {
			return v, err
		}
		v.Attachments = append(v.Attachments, Attachment{ID: a.ID, Name: string(name), ContentType: a.ContentType, Size: a.Size, CreatedAt: a.CreatedAt})
	}
	return v, nil
}

// Attachment opens one attachment of a report, decrypted as it is read.
// Each opening is its own decision of the gate, in the audit log.
func (s *Service) Attachment(ctx context.Context, p access.Principal, reportID, attachmentID string) (Attachment, io.ReadCloser, error) {
	if err := officer(p); err != nil {
		return Attachment{}, nil, err
	}
	owner, err := s.store.ReportOwner(ctx, reportID)
	if err != nil {
		return Attachment{}, nil, err
	}
	if _, err := s.gate.Check(ctx, p, access.Read, access.Resource{Category: datamap.VulnReport, SubjectID: owner, ID: attachmentID}, datamap.PurposeService); err != nil {
		return Attachment{}, nil, err
	}
	d, err := s.gate.Check(ctx, p, access.Read, access.Resource{Category: datamap.VulnReport, SubjectID: owner, ID: reportID}, datamap.PurposeService)
	if err != nil {
		return Attachment{}, nil, err
	}
	row, atts, err := s.store.Report(ctx, d, reportID)
	if err != nil {
		return Attachment{}, nil, err
	}
	full, err := s.full(ctx, row, atts)
	if err != nil {
		return Attachment{}, nil, err
	}
	for _, a := range full.Attachments {
		if a.ID == attachmentID {
			rc, err := s.blobs.Open(ctx, attachmentsOwner(reportID), "att/"+a.ID)
			return a, rc, err
		}
	}
	return Attachment{}, nil, errs.E(errs.NotFound, "attachment not found")
}

// Triage is the security officer's decision on a new report.
type Triage struct {
	// Action is reject, duplicate, incident or advisory.
	Action string `json:"action"`
	// Reason, for a rejection or a duplicate, is told to the reporter when
	// they follow the report; for an incident it is its summary.
	Reason string `json:"reason,omitempty"`
	// DuplicateOf names the earlier report.
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// Title names the incident opened, IncidentType its type in the
	// incident taxonomy (default vulnerability).
	Title        string `json:"title,omitempty"`
	IncidentType string `json:"incident_type,omitempty"`
	// AdvisoryID links an existing advisory; otherwise Advisory is drafted.
	AdvisoryID string         `json:"advisory_id,omitempty"`
	Advisory   *AdvisoryInput `json:"advisory,omitempty"`
}

// Decide triages a new report: rejected with a reason, a duplicate of an
// earlier report, opened as an incident, or turned into an advisory
// (drafted here, published later). A report is triaged once.
func (s *Service) Decide(ctx context.Context, p access.Principal, id string, in Triage) (Report, error) {
	if err := officer(p); err != nil {
		return Report{}, err
	}
	reason := strings.TrimSpace(in.Reason)
	dec := Decision{By: p.ID}
	switch in.Action {
	case "reject":
		if err := bounded("reason", reason, 10, 2000); err != nil {
			return Report{}, err
		}
		dec.Status, dec.Note = StatusRejected, reason
	case "duplicate":
		if in.DuplicateOf == "" || in.DuplicateOf == id {
			return Report{}, errs.E(errs.Invalid, "duplicate_of names the earlier report")
		}
		if _, err := s.store.ReportOwner(ctx, in.DuplicateOf); err != nil {
			return Report{}, errs.E(errs.Invalid, "duplicate_of: no such report")
		}
		if err := bounded("reason", reason, 0, 2000); err != nil {
			return Report{}, err
		}
		dec.Status, dec.DuplicateOf, dec.Note = StatusDuplicate, in.DuplicateOf, reason
	case "incident":
		if s.incidents == nil {
			return Report{}, errs.E(errs.Unavailable, "the incident register is not available on this server")
		}
		if err := bounded("title", in.Title, 5, 200); err != nil {
			return Report{}, err
		}
		if err := bounded("reason", reason, 0, 4000); err != nil {
			return Report{}, err
		}
		dec.Status, dec.Note = StatusIncident, ""
	case "advisory":
		switch {
		case in.AdvisoryID != "":
			if _, err := s.store.Advisory(ctx, in.AdvisoryID); err != nil {
				return Report{}, errs.E(errs.Invalid, "advisory_id: no such advisory")
			}
		case in.Advisory == nil:
			return Report{}, errs.E(errs.Invalid, "name an advisory (advisory_id) or give one to draft (advisory)")
		}
		dec.Status = StatusAdvisory
	default:
		return Report{}, errs.E(errs.Invalid, "action must be reject, duplicate, incident or advisory")
	}
	d, err := s.reportDecision(ctx, p, access.Update, id)
	if err != nil {
		return Report{}, err
	}
	row, _, err := s.store.Report(ctx, d, id)
	if err != nil {
		return Report{}, err
	}
	if row.Status != StatusNew {
		return Report{}, errs.E(errs.Conflict, "this report was triaged already (%s)", row.Status)
	}
	switch in.Action {
	case "incident":
		if dec.IncidentID, err = s.incidents.Open(ctx, p, IncidentSeed{ReportID: id, Type: incidentType(in.IncidentType), Title: strings.TrimSpace(in.Title), Summary: reason}); err != nil {
			return Report{}, err
		}
	case "advisory":
		dec.AdvisoryID = in.AdvisoryID
		if dec.AdvisoryID == "" {
			a, err := s.Draft(ctx, p, "", *in.Advisory, id)
			if err != nil {
				return Report{}, err
			}
			dec.AdvisoryID = a.ID
		}
	}
	if err := s.store.Decide(ctx, d, id, dec); err != nil {
		return Report{}, err
	}
	s.log.Info("vulnerability report triaged", "report", id, "status", string(dec.Status), "by", p.ID)
	return s.Report(ctx, p, id)
}

func incidentType(t string) string {
	if t == "" {
		return "vulnerability"
	}
	return t
}
