package device

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// FuzzDecode feeds the uplink decoder arbitrary topics and payloads: it
// never panics, every failure is a rejection (invalid or too large), and
// what it keeps is only ever fields the topic declares.
//
//	go test -run '^$' -fuzz FuzzDecode -fuzztime 30s ./internal/device/
func FuzzDecode(f *testing.F) {
	for _, seed := range [][2]string{
		{"info", `{"firmware_version":"1.0.0","wifi":"x"}`},
		{"event", `{"kind":"crash","code":"E1","at":"2026-01-02T03:04:05Z"}`},
		{"ch/3/shadow/reported", `{"reported":{"fps":10}}`},
		{"ch/0/event", `{}`},
		{"ch/01/event", `{}`},
		{"report", `{"kind":"error","body":"x"}`},
		{"state", `{"online":null}`},
		{"heartbeat", ``},
		{"info", `[1]`},
		{"info", "\x00\xff"},
	} {
		f.Add(seed[0], []byte(seed[1]))
	}
	reg := datamap.Default()
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		d, err := decode(topic, payload)
		if err != nil {
			if c := errs.CodeOf(err); c != errs.Invalid && c != errs.TooLarge {
				t.Fatalf("decode(%q) failed with %v, want a rejection", topic, err)
			}
			return
		}
		sp, ok := uplinkSpecs[d.kind]
		if !ok {
			t.Fatalf("decoded kind %q has no spec", d.kind)
		}
		cat, _ := reg.Category(sp.category)
		for name := range d.fields {
			if _, ok := sp.fields[name]; !ok {
				t.Fatalf("kept undeclared field %q", name)
			}
			if _, ok := cat.Field(name); !ok {
				t.Fatalf("kept field %q not in the data map's %s", name, sp.category)
			}
		}
		if len(payload) > sp.max {
			t.Fatalf("accepted %d bytes on %s, limit %d", len(payload), d.kind, sp.max)
		}
	})
}

// FuzzParseCSV feeds the manufacture-list parser arbitrary input: it never
// panics and fails only with a clear rejection.
func FuzzParseCSV(f *testing.F) {
	f.Add("serial,model,claim_code\nSN-1,vc-100,ABCDEFGH12\n")
	f.Add("model,claim_code,serial\nvc-100,ABCDEFGH12,SN-1\n")
	f.Add("serial,model\n")
	f.Add("\"unterminated\n")
	f.Fuzz(func(t *testing.T, in string) {
		list, err := ParseCSV(strings.NewReader(in))
		if err != nil {
			if c := errs.CodeOf(err); c != errs.Invalid && c != errs.TooLarge {
				t.Fatalf("ParseCSV failed with %v, want a rejection", err)
			}
			return
		}
		if len(list) > maxRegister {
			t.Fatalf("%d devices accepted, limit %d", len(list), maxRegister)
		}
	})
}

// FuzzConfigSchema feeds the settings-schema compiler and validator
// arbitrary documents and settings: no panic, and a rejection is always
// errs.Invalid.
func FuzzConfigSchema(f *testing.F) {
	cam := DefaultModels()[0].ConfigSchema
	f.Add(cam, `{"fps":10}`)
	f.Add(cam, `{"privacy_masks":[{"x":0.1,"y":0.1,"w":0.2,"h":0.2}]}`)
	f.Add(`{"device":{"properties":{"a":{"type":"integer"}}}}`, `{"a":"b"}`)
	f.Add(`{"device":{"$ref":"#"}}`, `{}`)
	f.Fuzz(func(t *testing.T, schema, settings string) {
		cs, err := compileSchema(schema, Camera)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("compileSchema failed with %v", err)
			}
			return
		}
		var desired map[string]json.RawMessage
		dec := json.NewDecoder(bytes.NewReader([]byte(settings)))
		if dec.Decode(&desired) != nil {
			return
		}
		if err := validate(cs, 0, desired); err != nil && errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("validate failed with %v", err)
		}
	})
}
