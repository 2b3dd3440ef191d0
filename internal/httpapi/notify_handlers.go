package httpapi

import (
	"html/template"
	"net/http"

	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/notify"
)

func (s *Server) vapidKey(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	k, err := s.Notify.VAPIDPublicKey(r.Context())
	return reply(w, http.StatusOK, map[string]string{"public_key": k}, err)
}

var unsubscribeTmpl = template.Must(template.New("u").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>vigil: unsubscribe</title></head><body>
{{if .Done}}<h1>Unsubscribed</h1><p>You will no longer receive {{.Kind}} messages by {{.Channel}}. You can turn them back on in the app's notification settings.</p>
{{else}}<h1>Stop these e-mails?</h1>
<form method="post" action="/api/v1/unsubscribe?token={{.Token}}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button></form>{{end}}
</body></html>`))

// unsubscribePage shows a confirmation button: a GET never unsubscribes,
// because mail scanners follow links.
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	tok := r.URL.Query().Get("token")
	if tok == "" || len(tok) > 512 {
		return errs.E(errs.Invalid, "this unsubscribe link is not valid")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return unsubscribeTmpl.Execute(w, map[string]any{"Token": tok})
}

// unsubscribe is the RFC 8058 one-click endpoint: a POST of
// "List-Unsubscribe=One-Click" to the signed link turns the channel off.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request, _ *account.Auth) error {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	kind, ch, err := s.Notify.Unsubscribe(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.Header.Get("Content-Type") == "application/json" {
		writeJSON(w, http.StatusOK, map[string]string{"kind": string(kind), "channel": string(ch)})
		return nil
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return unsubscribeTmpl.Execute(w, map[string]any{"Done": true, "Kind": kind, "Channel": ch})
}

func (s *Server) myNotifyPrefs(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	p, err := s.Notify.Preferences(r.Context(), a.Principal)
	return reply(w, http.StatusOK, p, err)
}

func (s *Server) setMyChannels(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Channels []notify.Channel `json:"channels"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.Notify.SetChannels(r.Context(), a.Principal, notify.Kind(r.PathValue("kind")), in.Channels)
	return reply(w, http.StatusOK, p, err)
}

func (s *Server) setMyPhone(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Phone string `json:"phone"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	return noContent(w, s.Notify.SetPhone(r.Context(), a.Principal, in.Phone))
}

func (s *Server) deleteMyPhone(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	return noContent(w, s.Notify.DeletePhone(r.Context(), a.Principal))
}

func (s *Server) addPushSubscription(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in notify.PushSubscriptionInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sub, err := s.Notify.AddPushSubscription(r.Context(), a.Principal, in)
	return reply(w, http.StatusCreated, sub, err)
}

func (s *Server) deletePushSubscription(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "subscriptionID")
	if err != nil {
		return err
	}
	return noContent(w, s.Notify.DeletePushSubscription(r.Context(), a.Principal, id))
}

// myFeed streams the caller's in-app messages as server-sent events as
// they are delivered. The feed is per process: see notify.Broker.
func (s *Server) myFeed(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	items, stop, err := s.Notify.OpenFeed(r.Context(), a.Principal)
	if err != nil {
		return err
	}
	defer stop()
	return streamEvents(w, r, "feed open", items, func(it notify.FeedItem) sseEvent {
		return sseEvent{Name: string(it.Kind), ID: it.DeliveryID, Data: it}
	}, s.stillSignedIn(r, nil))
}

func (s *Server) myInbox(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	items, err := s.Notify.Inbox(r.Context(), a.Principal)
	return reply(w, http.StatusOK, map[string]any{"messages": items}, err)
}

func (s *Server) myDeliveries(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ds, err := s.Notify.MyDeliveries(r.Context(), a.Principal, notify.Status(r.URL.Query().Get("status")))
	return reply(w, http.StatusOK, map[string]any{"deliveries": ds}, err)
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	hs, err := s.Notify.Webhooks(r.Context(), a.Principal, id)
	return reply(w, http.StatusOK, map[string]any{"webhooks": hs}, err)
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in notify.WebhookInput
	id, err := pathIDAndBody(w, r, "accountID", &in)
	if err != nil {
		return err
	}
	h, err := s.Notify.CreateWebhook(r.Context(), a.Principal, id, in)
	w.Header().Set("Cache-Control", "no-store") // the answer holds the secret
	return reply(w, http.StatusCreated, h, err)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "webhookID")
	if err != nil {
		return err
	}
	return noContent(w, s.Notify.DeleteWebhook(r.Context(), a.Principal, ids[0], ids[1]))
}

func (s *Server) accountDeliveries(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	id, err := pathID(r, "accountID")
	if err != nil {
		return err
	}
	ds, err := s.Notify.AccountDeliveries(r.Context(), a.Principal, id, notify.Status(r.URL.Query().Get("status")))
	return reply(w, http.StatusOK, map[string]any{"deliveries": ds}, err)
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	ids, err := mustPathIDs(r, "accountID", "deliveryID")
	if err != nil {
		return err
	}
	return noContent(w, s.Notify.RetryDelivery(r.Context(), a.Principal, ids[0], ids[1]))
}

// verifyMyPhone takes back the code sent to the caller's number.
func (s *Server) verifyMyPhone(w http.ResponseWriter, r *http.Request, a *account.Auth) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	return noContent(w, s.Notify.VerifyPhone(r.Context(), a.Principal, in.Code))
}
