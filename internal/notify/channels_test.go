package notify_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/account"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/notify"
	"github.com/vigil-cloud/vigil/internal/privacy"
	"github.com/vigil-cloud/vigil/internal/vigiltest"
	"github.com/vigil-cloud/vigil/internal/waittest"
)

func prefsOf(t *testing.T, c *vigiltest.Client) notify.Preferences {
	t.Helper()
	var p notify.Preferences
	c.Must(http.StatusOK, "GET", "/api/v1/me/notifications", nil).Decode(t, &p)
	return p
}

// An alarm e-mail reaches a real SMTP server with RFC 8058 one-click
// unsubscribe headers; the link turns e-mail off for alarms, and a link
// altered in any way is refused.
func TestEmailAndOneClickUnsubscribe(t *testing.T) {
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	alice := e.SignUp("alice@example.com")
	bob := e.SignUp("bob@example.com")
	if got := prefsOf(t, alice).Channels[notify.KindIncident]; !slices.Contains(got, notify.ChannelEmail) {
		t.Fatalf("default incident channels %v lack e-mail", got)
	}
	alice.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"app", "email"}})
	alice.Must(http.StatusBadRequest, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"pigeon"}})
	alice.Must(http.StatusBadRequest, "PUT", "/api/v1/me/notifications/weather", map[string]any{"channels": []string{"app"}})
	msg := notify.Message{ID: "alm_mail", AccountID: alice.AccountID, Kind: notify.KindAlarm, Time: e.Clock.Now(),
		Title: "Motion at the front door", Body: "Camera Front door saw motion.", URL: "/#/alarms/alm_mail", SnapshotID: "snp_secret"}
	if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
		t.Fatal(err)
	}
	m := e.Mail.Wait(t, "alice@example.com", "Motion at the front door")
	if !strings.Contains(m.Body, "Camera Front door saw motion.") || !strings.Contains(m.Body, "http://vigil.test/#/alarms/alm_mail") {
		t.Fatalf("mail body %q", m.Body)
	}
	if strings.Contains(m.Body, "snp_secret") {
		t.Fatalf("the snapshot went to a mail provider not allowed to receive it: %q", m.Body)
	}
	if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe-Post %q", got)
	}
	link := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, "http://vigil.test/api/v1/unsubscribe?token=") || !strings.Contains(m.Body, link) {
		t.Fatalf("List-Unsubscribe %q (body %q)", link, m.Body)
	}
	token := u.Query().Get("token")
	anon := e.Client()
	post := func(tok string) vigiltest.Response {
		return anon.DoType("POST", "/api/v1/unsubscribe?token="+url.QueryEscape(tok), "application/x-www-form-urlencoded", []byte("List-Unsubscribe=One-Click"))
	}
	// Altered links: a flipped signature byte, another person's ID with
	// the same signature, another channel.
	payload, sig, _ := strings.Cut(token, ".")
	flipped := sig[:len(sig)-2] + map[bool]string{true: "AA", false: "AB"}[sig[len(sig)-2:] != "AA"]
	other := b64(bob.UserID+"|alarm|email") + "." + sig
	sms := b64(alice.UserID+"|alarm|sms") + "." + sig
	for name, tok := range map[string]string{"signature": payload + "." + flipped, "person": other, "channel": sms, "garbage": "x", "no signature": payload} {
		if r := post(tok); r.Status != http.StatusBadRequest {
			t.Errorf("altered link (%s): %d %s", name, r.Status, r.Body)
		}
	}
	if got := prefsOf(t, alice).Channels[notify.KindAlarm]; !slices.Equal(got, []notify.Channel{notify.ChannelApp, notify.ChannelEmail}) {
		t.Fatalf("an altered link changed the choices: %v", got)
	}
	// The page a click opens only asks; the one-click POST unsubscribes.
	if r := anon.Do("GET", "/api/v1/unsubscribe?token="+url.QueryEscape(token), nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "<form") {
		t.Fatalf("unsubscribe page: %d %s", r.Status, r.Body)
	}
	if got := prefsOf(t, alice).Channels[notify.KindAlarm]; len(got) != 2 {
		t.Fatalf("a GET unsubscribed: %v", got)
	}
	if r := post(token); r.Status != http.StatusOK {
		t.Fatalf("one-click unsubscribe: %d %s", r.Status, r.Body)
	}
	if got := prefsOf(t, alice).Channels[notify.KindAlarm]; !slices.Equal(got, []notify.Channel{notify.ChannelApp}) {
		t.Fatalf("after unsubscribing: %v", got)
	}
	msg.ID = "alm_mail2"
	if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
		t.Fatal(err)
	}
	var ds deliveries
	alice.Must(http.StatusOK, "GET", "/api/v1/me/deliveries", nil).Decode(t, &ds)
	for _, d := range ds.Deliveries {
		if d.MessageID == "alm_mail2" && d.Channel == notify.ChannelEmail {
			t.Fatalf("e-mail queued after unsubscribing: %+v", d)
		}
	}
}

func b64(s string) string {
	return strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(base64Std(s)), "=")
}

// An SMS goes through the provider's HTTP API (the Twilio-style fake) with
// only what the data map lets the SMS processor receive: never a snapshot
// or a link to one. Each SMS is recorded in the disclosure ledger the
// person reads, and a provider not allowed a category gets nothing.
// proves: E1
func TestSMSCarriesNoSnapshotAndIsRecorded(t *testing.T) {
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	registerProcessor(t, e, smsProcessor, datamap.NotifyPrefs, datamap.NotifyMessage)
	alice := e.SignUp("alice@example.com")
	alice.Must(http.StatusBadRequest, "PUT", "/api/v1/me/phone", map[string]string{"phone": "0612"})
	p.verifyPhone(t, e, alice, "+33 6 12 34 56 78")
	if got := prefsOf(t, alice); got.Phone != "+33•••••••78" || !got.SMSAvailable {
		t.Fatalf("preferences show phone %q (sms %v), want it masked", got.Phone, got.SMSAvailable)
	}
	alice.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"sms"}})
	msg := notify.Message{ID: "alm_sms", AccountID: alice.AccountID, Kind: notify.KindAlarm, Time: e.Clock.Now(), Title: "Person at the gate",
		Body: "A person was seen.", AlarmType: "person", DeviceID: "dev_gate", URL: "/#/alarms/alm_sms", SnapshotID: "snp_gate_1"}
	if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
		t.Fatal(err)
	}
	got := p.sms.Wait(1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("%d SMS arrived", len(got))
	}
	sms := got[0]
	if sms.To != "+33612345678" || sms.From != "+15550001111" || !strings.Contains(sms.Body, "Person at the gate (person)") ||
		!strings.Contains(sms.Body, "http://vigil.test/#/alarms/alm_sms") {
		t.Fatalf("SMS %+v", sms)
	}
	if strings.Contains(sms.Body, "snp_gate_1") || strings.Contains(strings.ToLower(sms.Body), "snapshot") {
		t.Fatalf("the SMS carries the snapshot: %q", sms.Body)
	}
	var ledger []privacy.Disclosure
	var body struct{ Disclosures []privacy.Disclosure }
	alice.Must(http.StatusOK, "GET", "/api/v1/me/disclosures", nil).Decode(t, &body)
	for _, d := range body.Disclosures {
		if d.ProcessorID == smsProcessor && !strings.Contains(d.Details, "verification") {
			ledger = append(ledger, d)
		}
	}
	if len(ledger) != 1 || ledger[0].Kind != privacy.ToProcessor || !strings.Contains(ledger[0].Details, "alm_sms") ||
		!slices.Equal(ledger[0].Categories, []datamap.CategoryID{datamap.NotifyMessage, datamap.NotifyPrefs}) {
		t.Fatalf("ledger entries for the SMS provider: %+v", ledger)
	}
	// The provider's allowance shrinks to the message alone: the phone
	// number may not go to it, so no SMS is sent and none recorded.
	registerProcessor(t, e, smsProcessor, datamap.NotifyMessage)
	msg.ID = "alm_sms2"
	if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
		t.Fatal(err)
	}
	waittest.Eventually(t, "the condition", func() bool {
		var ds deliveries
		alice.Must(http.StatusOK, "GET", "/api/v1/me/deliveries?status=dead", nil).Decode(t, &ds)
		return len(ds.Deliveries) == 1 && ds.Deliveries[0].MessageID == "alm_sms2" && strings.Contains(ds.Deliveries[0].LastError, "may not receive")
	})
	if n := len(p.sms.Messages()); n != 1 {
		t.Fatalf("%d SMS sent to a provider not allowed the phone number", n)
	}
	alice.Must(http.StatusOK, "GET", "/api/v1/me/disclosures", nil).Decode(t, &body)
	n := 0
	for _, d := range body.Disclosures {
		if d.ProcessorID == smsProcessor && !strings.Contains(d.Details, "verification") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d ledger entries, want the one SMS sent", n)
	}
}

// The in-app channel streams each message to the person's open live feed
// (server-sent events) and keeps it in their inbox.
func TestLiveFeedAndInbox(t *testing.T) {
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	alice := e.SignUp("alice@example.com")
	var tok account.APIToken
	alice.Must(http.StatusCreated, "POST", "/api/v1/me/tokens", map[string]any{"label": "feed"}).Decode(t, &tok)
	req, _ := http.NewRequest("GET", e.URL+"/api/v1/me/feed", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("feed: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	events := make(chan notify.FeedItem, 4)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var it notify.FeedItem
				if json.Unmarshal([]byte(data), &it) == nil {
					events <- it
				}
			}
		}
	}()
	msg := notify.Message{ID: "alm_feed", AccountID: alice.AccountID, Kind: notify.KindAlarm, Time: e.Clock.Now(), Title: "Doorbell",
		AlarmType: "doorbell", DeviceID: "dev_bell", SnapshotID: "snp_1"}
	if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
		t.Fatal(err)
	}
	select {
	case it := <-events:
		if it.ID != "alm_feed" || it.Title != "Doorbell" || it.Kind != notify.KindAlarm || it.SnapshotID != "snp_1" {
			t.Fatalf("feed event %+v", it)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event on the live feed")
	}
	// The inbox lists it once the delivery's outcome is committed, a moment
	// after the live event.
	var inbox struct{ Messages []notify.FeedItem }
	waittest.Eventually(t, "the condition", func() bool {
		alice.Must(http.StatusOK, "GET", "/api/v1/me/inbox", nil).Decode(t, &inbox)
		return len(inbox.Messages) > 0
	})
	if len(inbox.Messages) != 1 || inbox.Messages[0].ID != "alm_feed" {
		t.Fatalf("inbox %+v", inbox.Messages)
	}
	// Another person of another account sees none of it.
	bob := e.SignUp("bob@example.com")
	bob.Must(http.StatusOK, "GET", "/api/v1/me/inbox", nil).Decode(t, &inbox)
	if len(inbox.Messages) != 0 {
		t.Fatalf("bob's inbox %+v", inbox.Messages)
	}
	bob.Must(http.StatusNotFound, "GET", "/api/v1/accounts/"+alice.AccountID+"/deliveries?status=dead", nil)
}

// A material change of the privacy statement reaches people through the
// channels they chose for notices (U-B: the same channels and preferences
// as alarms), once per person.
// proves: V1
func TestMaterialNoticeChangeReachesPeople(t *testing.T) {
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	carol := e.SignUp("carol@example.com")
	dave := e.SignUp("dave@example.com")
	dave.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/notice", map[string]any{"channels": []string{"app"}})
	d := e.StaffMember("dee@vigil.test", access.StaffDPO)
	e.Clock.Advance(time.Hour)
	d.Must(http.StatusCreated, "POST", "/api/v1/staff/notices", map[string]any{"kind": "privacy_statement", "region": "default", "language": "en",
		"text": "# vigil privacy statement, second edition\n\nWe now keep the firmware channel.", "material": true, "summary": "Firmware channel added"})
	m := e.Mail.Wait(t, "carol@example.com", "privacy statement changed")
	if !strings.Contains(m.Body, "version 2") || !strings.Contains(m.Body, "Firmware channel added") {
		t.Fatalf("notice mail %q", m.Body)
	}
	waittest.Eventually(t, "the condition", func() bool {
		var inbox struct{ Messages []notify.FeedItem }
		dave.Must(http.StatusOK, "GET", "/api/v1/me/inbox", nil).Decode(t, &inbox)
		return len(inbox.Messages) == 1 && inbox.Messages[0].Kind == notify.KindNotice
	})
	for _, msg := range e.Mail.Messages() {
		if msg.To == "dave@example.com" && strings.Contains(msg.Subject, "privacy statement") {
			t.Fatal("dave chose the app only for notices but got an e-mail")
		}
	}
	// A region's own text concerns that region's people only: carol and
	// dave signed up in the EU.
	d.Must(http.StatusCreated, "POST", "/api/v1/staff/notices", map[string]any{"kind": "terms", "region": "US", "language": "en",
		"text": "# vigil terms for the US, second edition\n\nNew arbitration clause.", "material": true, "summary": "Arbitration"})
	var ds deliveries
	carol.Must(http.StatusOK, "GET", "/api/v1/me/deliveries", nil).Decode(t, &ds)
	for _, dl := range ds.Deliveries {
		if dl.Kind == notify.KindNotice && strings.Contains(dl.Title, "terms") {
			t.Fatalf("an EU customer was told of a US text: %+v", dl)
		}
	}
	// Incident notices work through the same path.
	if err := e.App.Notify.Enqueue(context.Background(), notify.Message{ID: "inc_1", AccountID: carol.AccountID, Kind: notify.KindIncident,
		Title: "Security incident", Body: "What happened, its impact, what we did, what you can do."}, []string{carol.UserID}); err != nil {
		t.Fatal(err)
	}
	e.Mail.Wait(t, "carol@example.com", "Security incident")
}

// With the mail provider registered as a processor, each notification
// e-mail is recorded in the ledger; a snapshot goes only as a link into the
// app, and only when the provider may receive snapshot links.
// proves: E1
func TestEmailProcessorRecordedAndSnapshotLinkAllowed(t *testing.T) {
	const mailProcessor = "prc_mailprovideraaaaaaaaaaaaaa"
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	alice := e.SignUp("alice@example.com")
	alice.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"email"}})
	e = e.Restart(vigiltest.Offline)
	alice = alice.On(e)
	s := service(e, notify.Options{EmailProcessor: mailProcessor})
	send := func(id string) vigiltest.Response {
		msg := notify.Message{ID: id, AccountID: alice.AccountID, Kind: notify.KindAlarm, Title: "Motion " + id, SnapshotID: "snp_" + id}
		if err := s.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
			t.Fatal(err)
		}
		drain(t, s)
		return alice.Must(http.StatusOK, "GET", "/api/v1/me/disclosures", nil)
	}
	// Not registered: nothing goes out.
	send("a1")
	var ds deliveries
	alice.Must(http.StatusOK, "GET", "/api/v1/me/deliveries?status=dead", nil).Decode(t, &ds)
	if len(ds.Deliveries) != 1 || !strings.Contains(ds.Deliveries[0].LastError, "may not receive") {
		t.Fatalf("e-mail to an unregistered provider: %+v", ds.Deliveries)
	}
	registerProcessor(t, e, mailProcessor, datamap.AccountProfile, datamap.NotifyMessage)
	send("a2")
	if m := e.Mail.Wait(t, "alice@example.com", "Motion a2"); strings.Contains(m.Body, "snp_a2") {
		t.Fatalf("snapshot link sent to a provider not allowed it: %q", m.Body)
	}
	registerProcessor(t, e, mailProcessor, datamap.AccountProfile, datamap.NotifyMessage, datamap.MediaSnapshot)
	var body struct{ Disclosures []privacy.Disclosure }
	send("a3").Decode(t, &body)
	if m := e.Mail.Wait(t, "alice@example.com", "Motion a3"); !strings.Contains(m.Body, "/#/snapshots/snp_a3") {
		t.Fatalf("no snapshot link for a provider allowed it: %q", m.Body)
	}
	var cats [][]datamap.CategoryID
	for _, d := range body.Disclosures {
		if d.ProcessorID == mailProcessor {
			cats = append(cats, d.Categories)
		}
	}
	if len(cats) != 2 || slices.Contains(cats[1], datamap.MediaSnapshot) == slices.Contains(cats[0], datamap.MediaSnapshot) {
		t.Fatalf("ledger categories for the mail provider: %v", cats)
	}
}

// Firmware and app update notices go through the same channels and
// preferences as alarms: by default in the app and by e-mail, and a person
// who turned update e-mails off still gets alarms by e-mail.
// proves: U-B
func TestUpdateNoticesUseThePeoplesChannels(t *testing.T) {
	p := startPeers(t)
	e := vigiltest.Start(t, p.option)
	alice := e.SignUp("alice@example.com")
	bob := e.SignUp("bob@example.com")
	bob.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/firmware", map[string]any{"channels": []string{"app"}})
	bob.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"email"}})
	ctx := context.Background()
	for _, c := range []*vigiltest.Client{alice, bob} {
		fw := notify.Message{ID: "fw_2_1_" + c.UserID, AccountID: c.AccountID, Kind: notify.KindFirmware, Title: "Firmware 2.1 for your camera",
			Body: "Version 2.1 fixes a security issue; it installs tonight.", DeviceID: "dev_x"}
		if err := e.App.Notify.Enqueue(ctx, fw, []string{c.UserID}); err != nil {
			t.Fatal(err)
		}
	}
	if m := e.Mail.Wait(t, "alice@example.com", "Firmware 2.1"); !strings.Contains(m.Body, "installs tonight") {
		t.Fatalf("update mail %q", m.Body)
	}
	if err := e.App.Notify.Enqueue(ctx, notify.Message{ID: "alm_b", AccountID: bob.AccountID, Kind: notify.KindAlarm, Title: "Alarm for bob"}, []string{bob.UserID}); err != nil {
		t.Fatal(err)
	}
	e.Mail.Wait(t, "bob@example.com", "Alarm for bob")
	waittest.Eventually(t, "the condition", func() bool {
		var inbox struct{ Messages []notify.FeedItem }
		bob.Must(http.StatusOK, "GET", "/api/v1/me/inbox", nil).Decode(t, &inbox)
		return len(inbox.Messages) == 1 && inbox.Messages[0].Kind == notify.KindFirmware
	})
	for _, m := range e.Mail.Messages() {
		if m.To == "bob@example.com" && strings.Contains(m.Subject, "Firmware") {
			t.Fatal("bob turned update e-mails off but got one")
		}
	}
}

// A phone number receives SMS only once it is verified: setting one sends
// it a one-time code and nothing else; alarms skip it until the code comes
// back; a wrong code counts and the fifth voids the code; a code expires.
// proves: P6, E1
func TestSMSOnlyToVerifiedPhone(t *testing.T) {
	p := startPeers(t)
	vigiltest.Each(t, func(t *testing.T, e *vigiltest.Env) {
		p.sms.Reset()
		registerProcessor(t, e, smsProcessor, datamap.NotifyPrefs, datamap.NotifyMessage)
		alice := e.SignUp("alice@example.com")
		alice.Must(http.StatusOK, "PUT", "/api/v1/me/notifications/alarm", map[string]any{"channels": []string{"sms"}})
		alice.Must(http.StatusNoContent, "PUT", "/api/v1/me/phone", map[string]string{"phone": "+33 6 99 88 77 66"})
		got := p.sms.Wait(1, 10*time.Second)
		if len(got) != 1 || !strings.Contains(got[0].Body, "code") || got[0].To != "+33699887766" {
			t.Fatalf("after setting the number: %+v", got)
		}
		code := codeRE.FindString(got[0].Body)
		if pr := prefsOf(t, alice); pr.Phone == "" || pr.PhoneVerified {
			t.Fatalf("preferences before verification: %+v", pr)
		}
		msg := notify.Message{ID: "alm_unverified", AccountID: alice.AccountID, Kind: notify.KindAlarm, Time: e.Clock.Now(), Title: "Motion"}
		if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
			t.Fatal(err)
		}
		if n := len(p.sms.Wait(2, 1500*time.Millisecond)); n != 1 {
			t.Fatalf("an alarm reached the unverified number (%d SMS)", n)
		}
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		alice.Must(http.StatusBadRequest, "POST", "/api/v1/me/phone/verify", map[string]string{"code": wrong})
		alice.Must(http.StatusNoContent, "POST", "/api/v1/me/phone/verify", map[string]string{"code": code})
		if pr := prefsOf(t, alice); !pr.PhoneVerified {
			t.Fatal("not verified after the right code")
		}
		msg.ID = "alm_verified"
		if err := e.App.Notify.Enqueue(context.Background(), msg, []string{alice.UserID}); err != nil {
			t.Fatal(err)
		}
		if got := p.sms.Wait(2, 10*time.Second); len(got) != 2 || !strings.Contains(got[1].Body, "Motion") {
			t.Fatalf("the verified number got %+v", got)
		}

		// Five wrong codes void the code; an old code expires.
		alice.Must(http.StatusNoContent, "PUT", "/api/v1/me/phone", map[string]string{"phone": "+33 6 11 22 33 44"})
		code = codeRE.FindString(p.sms.Wait(3, 10*time.Second)[2].Body)
		wrong = "000000"
		if code == wrong {
			wrong = "111111"
		}
		for range 5 {
			alice.Must(http.StatusBadRequest, "POST", "/api/v1/me/phone/verify", map[string]string{"code": wrong})
		}
		alice.Must(http.StatusGone, "POST", "/api/v1/me/phone/verify", map[string]string{"code": code})
		alice.Must(http.StatusNoContent, "PUT", "/api/v1/me/phone", map[string]string{"phone": "+33 6 11 22 33 44"})
		code = codeRE.FindString(p.sms.Wait(4, 10*time.Second)[3].Body)
		e.Clock.Advance(11 * time.Minute)
		alice.Must(http.StatusGone, "POST", "/api/v1/me/phone/verify", map[string]string{"code": code})
	}, p.option)
}
