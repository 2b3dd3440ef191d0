package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"os"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

// maxTransferUpload bounds an imported transfer package.
const maxTransferUpload = 2 << 30

func (s *Server) startTransfer(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.TransferInput
	id, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	t, err := s.Requests.StartTransfer(r.Context(), a.Principal, a.Token, id, in)
	return reply(w, http.StatusCreated, t, err)
}

func (s *Server) transferPackage(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "transferID")
	if err != nil {
		return err
	}
	rc, err := s.Requests.TransferPackage(r.Context(), a.Principal, a.Token, ids[0], ids[1])
	return streamPackage(w, ids[1], rc, err)
}

// importTransfer takes the zip as the body. A zip is read from its end, so
// the body is spooled to a temporary file, deleted when the call returns.
func (s *Server) importTransfer(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/zip" {
		return errs.E(errs.Invalid, "send the transfer package as the body, with Content-Type application/zip")
	}
	// Whom to trust is the operator's decision (privacy.trusted_exporters),
	// never the uploader's: a key sent with the package is refused.
	if r.URL.Query().Has("signing_key") || r.Header.Get("X-Vigil-Signing-Key") != "" {
		return errs.E(errs.Invalid, "a signing key sent with the package is not trusted: this vigil's operator lists the exporters it imports from")
	}
	f, err := os.CreateTemp("", "vigil-transfer-*.zip")
	if err != nil {
		return errs.Wrap(err, errs.Internal, "spool transfer package")
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, http.MaxBytesReader(w, r.Body, maxTransferUpload))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errs.E(errs.TooLarge, "a transfer package is at most %d bytes", maxTransferUpload)
	case err != nil:
		return errs.E(errs.Invalid, "the package could not be read")
	}
	res, err := s.Requests.ImportTransfer(r.Context(), a.Principal, f, n)
	return reply(w, http.StatusCreated, res, err)
}

// transferAsks lists the transfers of the caller's accounts they were
// asked about, with their answers.
func (s *Server) transferAsks(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	asks, err := s.Requests.TransferAsks(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"asks": asks}, err)
}

// answerTransfer keeps whether the caller's own records go with a transfer.
func (s *Server) answerTransfer(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Agree *bool `json:"agree"`
	}
	id, err := pathIDAndBody(w, r, "transferID", &in)
	if err != nil {
		return err
	}
	if in.Agree == nil {
		return errs.E(errs.Invalid, "say agree: true or false")
	}
	return noContent(w, s.Requests.AnswerTransfer(r.Context(), a.Principal, id, *in.Agree))
}

// completeTransfer records the owner's confirmation that the package was
// imported: the account freezes and closes on the stated date, or is kept
// with a reason.
func (s *Server) completeTransfer(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.TransferCompletion
	ids, err := mustPathIDs(r, "accountID", "transferID")
	if err != nil {
		return err
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.Requests.CompleteTransfer(r.Context(), a.Principal, a.Token, ids[0], ids[1], in)
	return reply(w, http.StatusOK, c, err)
}
