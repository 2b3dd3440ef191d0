package httpapi

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

func (s *Server) listProcessors(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	ps, err := s.Privacy.Processors(r.Context())
	return reply(w, http.StatusOK, map[string]any{"processors": ps}, err)
}

func (s *Server) createProcessor(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.ProcessorInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.Privacy.PutProcessor(r.Context(), a.Principal, "", in)
	return reply(w, http.StatusCreated, p, err)
}

func (s *Server) updateProcessor(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.ProcessorInput
	id, err := pathIDAndBody(w, r, "processorID", &in)
	if err != nil {
		return err
	}
	if _, err := s.Privacy.Processor(r.Context(), id); err != nil {
		return err
	}
	p, err := s.Privacy.PutProcessor(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusOK, p, err)
}

func (s *Server) accountLedger(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	ds, err := s.Privacy.AccountLedger(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, map[string]any{"disclosures": ds}, err)
}

func (s *Server) myLedger(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ds, err := s.Privacy.MyLedger(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"disclosures": ds}, err)
}

func (s *Server) recordLegal(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.LegalInput
	id, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	d, err := s.Privacy.RecordLegal(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusCreated, d, err)
}

// mailLog lists transactional mail as the processor check saw it: sent,
// carried by the fallback, or held with the reason (operator admin, DPO).
func (s *Server) mailLog(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	recs, err := s.Privacy.MailRecords(r.Context(), a.Principal, int(limit))
	return reply(w, http.StatusOK, map[string]any{"mail": recs}, err)
}

// ledger lists the whole disclosure ledger (security officer, DPO),
// filtered by kind, processor or authority; format=csv exports it as a
// spreadsheet-safe CSV file.
func (s *Server) ledger(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 5000)
	if err != nil {
		return err
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		return errs.E(errs.Invalid, "format must be json or csv")
	}
	ds, err := s.Privacy.Ledger(r.Context(), a.Principal, privacy.LedgerFilter{Kind: privacy.DisclosureKind(q.Get("kind")),
		ProcessorID: q.Get("processor"), Authority: q.Get("authority"), Limit: int(limit)})
	if err != nil || format != "csv" {
		return reply(w, http.StatusOK, map[string]any{"disclosures": ds}, err)
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"id", "disclosed_at", "kind", "account_id", "subject_id", "processor_id", "recipient", "reference", "details", "categories", "until", "revoked_at", "hold_until"})
	t := func(x *time.Time) string {
		if x == nil {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	}
	for _, d := range ds {
		cats := make([]string, len(d.Categories))
		for i, c := range d.Categories {
			cats[i] = string(c)
		}
		cw.Write([]string{d.ID, d.DisclosedAt.UTC().Format(time.RFC3339), string(d.Kind), d.AccountID, d.SubjectID, d.ProcessorID,
			csvSafe(d.Recipient), csvSafe(d.Reference), csvSafe(d.Details), strings.Join(cats, " "), t(d.Until), t(d.RevokedAt), t(d.HoldUntil)})
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="vigil-disclosures.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b.Bytes())
	return err
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
