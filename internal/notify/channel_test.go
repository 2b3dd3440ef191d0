package notify

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// Each channel is a value in its own file, channel_<name>.go, holding its
// name, where it finds targets and how it sends; what people may choose
// and their defaults come from the values, as they were written by hand.
func TestChannelsAreValuesInTheirOwnFiles(t *testing.T) {
	decl := map[string]string{} // type name -> file
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, sp := range g.Specs {
					decl[sp.(*ast.TypeSpec).Name.Name] = f
				}
			}
		}
	}
	seen := map[Channel]bool{}
	for _, ch := range channels() {
		n := ch.name()
		if seen[n] {
			t.Errorf("channel %s listed twice", n)
		}
		seen[n] = true
		typ := reflect.TypeOf(ch).Name()
		if want := "channel_" + string(n) + ".go"; decl[typ] != want {
			t.Errorf("channel %s (%s) is declared in %q, want %s", n, typ, decl[typ], want)
		}
		if got, ok := channelNamed(n); !ok || got.name() != n || !n.Valid() {
			t.Errorf("channel %s is not found by its name", n)
		}
	}
	if Channel("fax").Valid() {
		t.Error("an unknown channel is valid")
	}
	if got := Channels(); !slices.Equal(got, []Channel{ChannelApp, ChannelEmail, ChannelPush, ChannelSMS}) {
		t.Errorf("channels people choose: %v", got)
	}
	for k, want := range map[Kind][]Channel{
		KindAlarm:    {ChannelApp, ChannelPush},
		KindIncident: {ChannelApp, ChannelEmail, ChannelPush, ChannelSMS},
		KindFirmware: {ChannelApp, ChannelEmail},
		KindNotice:   {ChannelApp, ChannelEmail},
	} {
		if got := DefaultChannels(k); !slices.Equal(got, want) {
			t.Errorf("default channels of %s: %v, want %v", k, got, want)
		}
	}
}
