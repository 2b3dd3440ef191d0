// Command smsfake runs the fake Twilio-style SMS provider for `vigil serve`
// demos and prints each SMS it receives. Point vigil at it with
// notify.sms.base_url=http://127.0.0.1:8025 and the same SID and token.
//
//	go run ./internal/notify/smsfake/cmd/smsfake -listen 127.0.0.1:8025 -sid AC_demo -token demo-token
package main

import (
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/vigil-cloud/vigil/internal/notify/smsfake"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8025", "address to listen on")
	sid := flag.String("sid", "AC_demo", "account SID to accept")
	token := flag.String("token", "demo-token", "auth token to accept")
	flag.Parse()
	p := smsfake.New(*sid, *token)
	go func() {
		seen := 0
		for {
			msgs := p.Wait(seen+1, time.Hour)
			for _, m := range msgs[seen:] {
				log.Printf("SMS %s to %s: %s", m.SID, m.To, m.Body)
			}
			seen = len(msgs)
		}
	}()
	srv := &http.Server{Addr: *listen, Handler: p, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("fake SMS provider on http://%s", *listen)
	log.Fatal(srv.ListenAndServe())
}
