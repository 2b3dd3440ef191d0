package account

import "testing"

func TestMailErrorsLoseAddresses(t *testing.T) {
	got := emailRE.ReplaceAllString(`smtp send via mx: 550 5.1.1 <ann.lee+cams@example.co.uk>: Recipient address rejected`, "[address]")
	want := `smtp send via mx: 550 5.1.1 <[address]>: Recipient address rejected`
	if got != want {
		t.Fatalf("got %q", got)
	}
}
