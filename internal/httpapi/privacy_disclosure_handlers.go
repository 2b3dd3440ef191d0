package httpapi

import (
	"net/http"

	"github.com/vigil-cloud/vigil/internal/account"
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
