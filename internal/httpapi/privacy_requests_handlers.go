package httpapi

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
	"github.com/vigil-cloud/vigil/internal/privacy"
)

// requestTokenHeader carries the access token of a request made without
// an account; it is never a cookie, so it cannot be ridden cross-site.
const requestTokenHeader = "X-Request-Token"

func (s *Server) privacySigningKey(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	k, err := s.Requests.PublicKey(r.Context())
	return reply(w, http.StatusOK, map[string]string{"algorithm": "ed25519", "public_key": k}, err)
}

func (s *Server) submitPublicRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.PublicSubmission
	if err := decode(w, r, &in); err != nil {
		return err
	}
	err := s.Requests.SubmitPublic(r.Context(), a.Principal, in)
	return reply(w, http.StatusAccepted, map[string]string{"status": "check your e-mail to confirm the request"}, err)
}

func (s *Server) confirmPublicRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Token string `json:"token"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	req, token, err := s.Requests.ConfirmEmail(r.Context(), a.Principal, in.Token)
	return reply(w, http.StatusOK, map[string]any{"request": req, "request_token": token}, err)
}

func (s *Server) publicRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	req, err := s.Requests.ByToken(r.Context(), a.Principal, id, r.Header.Get(requestTokenHeader))
	return reply(w, http.StatusOK, req, err)
}

func (s *Server) uploadRequestDocument(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body := http.MaxBytesReader(w, r.Body, 11<<20)
	doc, err := s.Requests.UploadDocument(r.Context(), a.Principal, id, r.Header.Get(requestTokenHeader), r.PathValue("kind"), ct, body)
	return reply(w, http.StatusCreated, doc, err)
}

func (s *Server) publicRequestPackage(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	rc, err := s.Requests.PackageByToken(r.Context(), a.Principal, id, r.Header.Get(requestTokenHeader))
	return streamPackage(w, id, rc, err)
}

func (s *Server) submitRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.Submission
	if err := decode(w, r, &in); err != nil {
		return err
	}
	req, err := s.Requests.SubmitAsUser(r.Context(), a.Principal, a.Token, in)
	return reply(w, http.StatusCreated, req, err)
}

func (s *Server) myRequests(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	rs, err := s.Requests.Mine(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"requests": rs}, err)
}

func (s *Server) myRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	req, err := s.Requests.MineOne(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, req, err)
}

func (s *Server) myRequestPackage(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	rc, err := s.Requests.Package(r.Context(), a.Principal, id)
	return streamPackage(w, id, rc, err)
}

// streamPackage copies a package to the client as it is decrypted.
func streamPackage(w http.ResponseWriter, id string, rc io.ReadCloser, err error) error {
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="vigil-`+id+`.zip"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	io.Copy(w, rc) //nolint:errcheck // the status is sent; a broken stream fails the zip's checks on the client
	return nil
}

func (s *Server) requestQueue(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errs.E(errs.Invalid, "limit must be between 1 and 1000")
		}
		limit = n
	}
	rs, err := s.Requests.Queue(r.Context(), a.Principal, limit)
	return reply(w, http.StatusOK, map[string]any{"requests": rs}, err)
}

func (s *Server) staffRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	req, err := s.Requests.StaffRequest(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, req, err)
}

func (s *Server) requestDocument(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "requestID", "documentID")
	if err != nil {
		return err
	}
	doc, rc, err := s.Requests.ReadDocument(r.Context(), a.Principal, ids[0], ids[1])
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", doc.ContentType)
	w.Header().Set("Content-Disposition", "attachment")
	w.Header().Set("Cache-Control", "no-store")
	io.Copy(w, rc) //nolint:errcheck // see streamPackage
	return nil
}

func (s *Server) verifyRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Accept bool   `json:"accept"`
		Note   string `json:"note"`
	}
	id, err := pathIDAndBody(w, r, "requestID", &in)
	if err != nil {
		return err
	}
	req, err := s.Requests.Verify(r.Context(), a.Principal, id, in.Accept, in.Note)
	return reply(w, http.StatusOK, req, err)
}

func (s *Server) extendRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Reason string    `json:"reason"`
		Until  time.Time `json:"until"`
	}
	id, err := pathIDAndBody(w, r, "requestID", &in)
	if err != nil {
		return err
	}
	req, err := s.Requests.Extend(r.Context(), a.Principal, id, in.Reason, in.Until)
	return reply(w, http.StatusOK, req, err)
}

func (s *Server) grantRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	req, err := s.Requests.Grant(r.Context(), a.Principal, id)
	if req.Preparing {
		// The package is built in the background; the requester is mailed
		// when it is ready.
		return reply(w, http.StatusAccepted, req, err)
	}
	return reply(w, http.StatusOK, req, err)
}

func (s *Server) denyRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Reason      privacy.DenialReason `json:"reason"`
		Explanation string               `json:"explanation"`
	}
	id, err := pathIDAndBody(w, r, "requestID", &in)
	if err != nil {
		return err
	}
	req, err := s.Requests.Deny(r.Context(), a.Principal, id, in.Reason, in.Explanation)
	return reply(w, http.StatusOK, req, err)
}

// previewDenial shows the letter a refusal would send; nothing changes.
func (s *Server) previewDenial(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Reason      privacy.DenialReason `json:"reason"`
		Explanation string               `json:"explanation"`
	}
	id, err := pathIDAndBody(w, r, "requestID", &in)
	if err != nil {
		return err
	}
	letter, err := s.Requests.PreviewDenial(r.Context(), a.Principal, id, in.Reason, in.Explanation)
	return reply(w, http.StatusOK, map[string]string{"letter": letter}, err)
}

// denialGrounds lists the enumerated grounds for a refusal.
func (s *Server) denialGrounds(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	return reply(w, http.StatusOK, map[string]any{"grounds": privacy.DenialGrounds()}, nil)
}

func (s *Server) excludeRecord(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.Exclusion
	if err := decode(w, r, &in); err != nil {
		return err
	}
	x, err := s.Requests.Exclude(r.Context(), a.Principal, in)
	return reply(w, http.StatusCreated, x, err)
}

func (s *Server) legalHolds(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	hs, err := s.Retention.Holds(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"holds": hs}, err)
}

func (s *Server) placeLegalHold(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		OwnerID string    `json:"owner_id"`
		Until   time.Time `json:"until"`
		Reason  string    `json:"reason"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if !id.Valid(in.OwnerID) {
		return errs.E(errs.Invalid, "owner_id is not a valid identifier")
	}
	h, err := s.Retention.PlaceHold(r.Context(), a.Principal, in.OwnerID, in.Until, in.Reason)
	return reply(w, http.StatusCreated, h, err)
}

func (s *Server) endLegalHold(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "holdID")
	if err != nil {
		return err
	}
	return noContent(w, s.Retention.EndHold(r.Context(), a.Principal, id))
}

func (s *Server) statistics(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	gs, suppressed, err := s.Retention.Statistics(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"min_group": s.Retention.MinGroup(), "groups": gs, "suppressed_groups": suppressed}, err)
}

// uploadSelfie takes the requester's selfie (image/jpeg) for one open
// request: the export blurs every other face (R7).
func (s *Server) uploadSelfie(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); ct != "image/jpeg" {
		return errs.E(errs.Invalid, "send the selfie as image/jpeg")
	}
	return noContent(w, s.Requests.UploadSelfie(r.Context(), a.Principal, id, http.MaxBytesReader(w, r.Body, 4<<20)))
}

// retentionRuns lists what the latest retention sweeps purged, per
// category, with the audit entries of the purges (security, DPO).
func (s *Server) retentionRuns(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return err
	}
	runs, err := s.Retention.Runs(r.Context(), a.Principal, int(limit))
	return reply(w, http.StatusOK, map[string]any{"runs": runs}, err)
}

// triggerRetention sweeps now (security, DPO); {"dry_run": true} only
// counts what has expired.
func (s *Server) triggerRetention(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		DryRun bool `json:"dry_run"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	run, err := s.Retention.Trigger(r.Context(), a.Principal, in.DryRun)
	return reply(w, http.StatusCreated, run, err)
}

// replyToMyRequest keeps a signed-in requester's reply or appeal.
func (s *Server) replyToMyRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.ReplyInput
	id, err := pathIDAndBody(w, r, "requestID", &in)
	if err != nil {
		return err
	}
	rp, err := s.Requests.Reply(r.Context(), a.Principal, id, in)
	return reply(w, http.StatusCreated, rp, err)
}

// replyToPublicRequest keeps a reply or appeal from the holder of the
// request's access token.
func (s *Server) replyToPublicRequest(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in privacy.ReplyInput
	id, err := pathIDAndBody(w, r, "requestID", &in)
	if err != nil {
		return err
	}
	rp, err := s.Requests.ReplyByToken(r.Context(), a.Principal, id, r.Header.Get(requestTokenHeader), in)
	return reply(w, http.StatusCreated, rp, err)
}

// requestReplies lists what the requester wrote on a request (DPO).
func (s *Server) requestReplies(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "requestID")
	if err != nil {
		return err
	}
	rs, err := s.Requests.Replies(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, map[string]any{"replies": rs}, err)
}
