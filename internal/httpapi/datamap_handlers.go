package httpapi

import (
	"net/http"

	"github.com/vigil-cloud/vigil/api"
	"github.com/vigil-cloud/vigil/internal/account"
)

type categoryDoc struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Fields      []fieldDoc `json:"fields"`
	Purposes    []purpose  `json:"purposes"`
	LegalBasis  string     `json:"legal_basis"`
	Retention   string     `json:"retention"`
	Export      string     `json:"export_format"`
	Erasure     string     `json:"erasure"`
}

type fieldDoc struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Encrypted   bool   `json:"encrypted"`
	Correctable bool   `json:"correctable"`
}

type purpose struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// dataMap publishes the inventory of personal data vigil keeps: the same
// registry that drives collection, retention, export and deletion.
func (s *Server) dataMap(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	var out []categoryDoc
	for _, c := range s.Registry.Categories() {
		doc := categoryDoc{ID: string(c.ID), Title: c.Title, Description: c.Description, LegalBasis: string(c.Basis),
			Retention: c.Retention.String(), Export: string(c.Export), Erasure: string(c.Erasure)}
		for _, f := range c.Fields {
			doc.Fields = append(doc.Fields, fieldDoc{Name: f.Name, Description: f.Description, Encrypted: f.Encrypted, Correctable: f.Correctable})
		}
		for _, p := range c.Purposes {
			doc.Purposes = append(doc.Purposes, purpose{ID: string(p), Title: p.Title()})
		}
		out = append(out, doc)
	}
	writeJSON(w, http.StatusOK, map[string]any{"categories": out})
	return nil
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(api.OpenAPI) //nolint:errcheck // the client went away
}
