package httpapi

import (
	"net/http"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/incident"
)

// incidentTaxonomy returns what the incident room declares: the types
// with their plans, the grading rules, the regulator regimes and the
// sources. Staff only, like the register.
func (s *Server) incidentTaxonomy(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	t, err := s.Incidents.Taxonomy(r.Context(), a.Principal)
	return reply(w, http.StatusOK, t, err)
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	incs, err := s.Incidents.List(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"incidents": incs, "now": s.Clock.Now().UTC()}, err)
}

func (s *Server) openIncident(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in incident.OpenInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	inc, err := s.Incidents.Open(r.Context(), a.Principal, in)
	return reply(w, http.StatusCreated, inc, err)
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "incidentID")
	if err != nil {
		return err
	}
	inc, err := s.Incidents.Get(r.Context(), a.Principal, id)
	if err != nil {
		return err
	}
	st, err := s.Incidents.Status(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, map[string]any{"incident": inc, "notice_status": st, "now": s.Clock.Now().UTC()}, err)
}

func (s *Server) regradeIncident(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in incident.CriteriaInput
	id, err := pathIDAndBody(w, r, "incidentID", &in)
	if err != nil {
		return err
	}
	inc, err := s.Incidents.Regrade(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusOK, inc, err)
}

func (s *Server) noteIncident(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Note string `json:"note"`
	}
	id, err := pathIDAndBody(w, r, "incidentID", &in)
	if err != nil {
		return err
	}
	inc, err := s.Incidents.Note(r.Context(), a.Principal, id, in.Note)
	return reply(w, http.StatusCreated, inc, err)
}

func (s *Server) updateIncidentStage(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in incident.StageInput
	id, err := pathIDAndBody(w, r, "incidentID", &in)
	if err != nil {
		return err
	}
	inc, err := s.Incidents.UpdateStage(r.Context(), a.Principal, id, incident.StageID(r.PathValue("stage")), in)
	return reply(w, http.StatusOK, inc, err)
}

func (s *Server) computeAffected(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in incident.Scope
	id, err := pathIDAndBody(w, r, "incidentID", &in)
	if err != nil {
		return err
	}
	rows, err := s.Incidents.ComputeAffected(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusOK, map[string]any{"affected": rows}, err)
}

func (s *Server) incidentAffected(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "incidentID")
	if err != nil {
		return err
	}
	rows, err := s.Incidents.AffectedPeople(r.Context(), a.Principal, id)
	if err != nil {
		return err
	}
	st, err := s.Incidents.Status(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, map[string]any{"affected": rows, "notice_status": st}, err)
}

func (s *Server) setIncidentNotice(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in incident.NoticeInput
	id, err := pathIDAndBody(w, r, "incidentID", &in)
	if err != nil {
		return err
	}
	inc, err := s.Incidents.SetNotice(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusOK, inc, err)
}

func (s *Server) notifyIncident(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "incidentID")
	if err != nil {
		return err
	}
	st, err := s.Incidents.Notify(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, st, err)
}

func (s *Server) publishIncident(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "incidentID")
	if err != nil {
		return err
	}
	n, err := s.Incidents.Publish(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, n, err)
}

// incidentReport generates a regulator report: JSON, or with
// ?format=html the printable document. delay_reason (POST body or query)
// is required once the clock ran out.
func (s *Server) incidentReport(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "incidentID")
	if err != nil {
		return err
	}
	var in struct {
		DelayReason string `json:"delay_reason"`
	}
	if r.Method == http.MethodPost {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	} else {
		in.DelayReason = r.URL.Query().Get("delay_reason")
	}
	doc, err := s.Incidents.GenerateReport(r.Context(), a.Principal, id, r.PathValue("regime"), in.DelayReason)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		w.Header().Set("Content-Disposition", `attachment; filename="`+doc.IncidentID+"-"+doc.Regime+`.json"`)
		return reply(w, http.StatusOK, doc, nil)
	case "html":
		b, err := doc.HTML()
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		return nil
	}
	return errs.E(errs.Invalid, "format must be json or html")
}

func (s *Server) incidentReportSent(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in incident.SentInput
	id, err := pathIDAndBody(w, r, "incidentID", &in)
	if err != nil {
		return err
	}
	inc, err := s.Incidents.MarkSent(r.Context(), a.Principal, id, r.PathValue("regime"), in)
	return reply(w, http.StatusOK, inc, err)
}

func (s *Server) closeIncident(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "incidentID")
	if err != nil {
		return err
	}
	inc, err := s.Incidents.Close(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, inc, err)
}

// publicIncidents lists the public incident notices, newest first.
func (s *Server) publicIncidents(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	ns, err := s.Incidents.PublicList(r.Context())
	w.Header().Set("Cache-Control", "public, max-age=60")
	return reply(w, http.StatusOK, ns, err)
}

// publicIncident returns one public notice.
func (s *Server) publicIncident(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	n, err := s.Incidents.Public(r.Context(), r.PathValue("slug"))
	if err == nil {
		w.Header().Set("Last-Modified", n.UpdatedAt.UTC().Format(time.RFC1123))
	}
	return reply(w, http.StatusOK, n, err)
}
