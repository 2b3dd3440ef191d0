package privacy

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/mail"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Letters are vigil's own texts. Each is formal and complete on its own: it
// names the request, what was decided, why, and what the person may do next.

func day(t time.Time) string { return t.UTC().Format("2 January 2006") }

var kindWords = map[fulfil.RequestKind]string{
	fulfil.KindAccess:      "a copy of your personal data",
	fulfil.KindPortability: "your personal data in a portable format",
	fulfil.KindCorrection:  "the correction of your personal data",
	fulfil.KindDeletion:    "the deletion of your personal data",
}

func (s *Requests) letterHead(row RequestRow, c Contact, subject string) *strings.Builder {
	var b strings.Builder
	fmt.Fprintf(&b, "vigil, data-protection office\n%s\n\nReference: %s\nSubject: %s\n\nDear %s,\n\n", day(s.clk.Now()), row.ID, subject, c.Name)
	if c.OnBehalfOf != "" {
		fmt.Fprintf(&b, "You wrote to us on behalf of %s.\n\n", c.OnBehalfOf)
	}
	fmt.Fprintf(&b, "On %s you asked us for %s, covering: %s.\n\n", day(row.SubmittedAt), kindWords[row.Kind], s.scopeWords(row.Scope))
	return &b
}

// title names a category in words ("Recorded video"), never its code.
func (s *Requests) title(id datamap.CategoryID) string {
	if c, ok := s.reg.Category(id); ok && c.Title != "" {
		return strings.ToLower(c.Title[:1]) + c.Title[1:]
	}
	return strings.ReplaceAll(string(id), ".", " ")
}

func (s *Requests) titles(ids []datamap.CategoryID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = s.title(id)
	}
	return strings.Join(parts, ", ")
}

func (s *Requests) scopeWords(sc fulfil.Scope) string {
	var parts []string
	for _, c := range sc.Categories {
		parts = append(parts, s.title(c))
	}
	out := strings.Join(parts, ", ")
	if len(sc.Devices) > 0 {
		out += "; devices " + strings.Join(sc.Devices, ", ")
	}
	if !sc.From.IsZero() || !sc.To.IsZero() {
		out += "; from " + dayOr(sc.From, "the beginning") + " to " + dayOr(sc.To, "today")
	}
	return out
}

func dayOr(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return day(t)
}

const letterFoot = "\nIf you disagree with this answer, reply to this message: your reply reaches our data-protection officer. " +
	"You may also complain to the data-protection authority of your country. You do not need to cite any law to do either." +
	"\n\nYours faithfully,\nThe vigil data-protection officer\n"

func (s *Requests) receiptLetter(row RequestRow, c Contact) string {
	b := s.letterHead(row, c, "We received your request")
	fmt.Fprintf(b, "We will answer by %s at the latest. Should we need more time, we will tell you why before that date.\n", day(row.DueAt))
	return b.String() + letterFoot
}

func (s *Requests) extensionLetter(row RequestRow, c Contact) string {
	b := s.letterHead(row, c, "We need more time to answer")
	fmt.Fprintf(b, "We must extend the time to answer from %s to %s, as the law of your region allows once.\n\nThe reason: %s\n",
		day(row.DueAt), day(row.ExtendedDueAt), row.ExtensionReason)
	return b.String() + letterFoot
}

func (s *Requests) denialLetter(row RequestRow, c Contact, explanation string) string {
	b := s.letterHead(row, c, "We cannot grant your request")
	fmt.Fprintf(b, "We have decided not to grant the request, on this ground:\n\n  %s\n\nIn detail:\n\n%s\n",
		denialTexts[row.DenialReason], explanation)
	return b.String() + letterFoot
}

func (s *Requests) referenceLetter(row RequestRow, c Contact, earlier RequestRow) string {
	b := s.letterHead(row, c, "Your data is unchanged since our last answer")
	fmt.Fprintf(b, "We answered the same request (reference %s) on %s. The data it covers has not changed since, so we refer you to that answer. "+
		"If you no longer have it, or think something did change, reply and we will send it again.\n", earlier.ID, day(earlier.DecidedAt))
	return b.String() + letterFoot
}

// filmed reports whether the request is from someone without a vigil
// account about camera footage: someone a customer's camera filmed.
func filmed(row RequestRow) bool {
	if row.RequesterKind == fulfil.RequesterUser {
		return false
	}
	if len(row.Scope.Devices) > 0 {
		return true
	}
	return slices.ContainsFunc(row.Scope.Categories, func(c datamap.CategoryID) bool {
		return c == datamap.MediaSegment || c == datamap.MediaSnapshot || c == datamap.FaceTemplate
	})
}

// packageLetter is the answer to an access or portability request; more
// is what the selfie search adds, if any.
func (s *Requests) packageLetter(row RequestRow, c Contact, m Manifest, more string) string {
	// Ready only when there is something: a package of empty files is an
	// answer that nothing was found, not data.
	held := slices.ContainsFunc(m.Files, func(f ManifestFile) bool { return f.Records > 0 })
	subject := "Your data is ready"
	if !held {
		subject = "We hold no data about you of the kinds you asked for"
	}
	b := s.letterHead(row, c, subject)
	if held {
		fmt.Fprintf(b, "We have granted the request. Your data is in a package you can download from vigil for 30 days: one JSON file per "+
			"kind of data, with a manifest listing the SHA-256 of every file, signed with our key (published at /api/v1/privacy/signing-key).\n\n")
		fmt.Fprintf(b, "The package holds %d files.", len(m.Files))
		if len(m.NotHeld) > 0 {
			fmt.Fprintf(b, " We hold nothing of these kinds of data about you: %s.", s.titles(m.NotHeld))
		}
		b.WriteString(" It contains nothing about other people: their records are left out.\n")
	} else {
		fmt.Fprintf(b, "We searched for %s and found nothing about you: there is nothing to send. The signed record of the search "+
			"(a manifest listing what we looked for) stays available for 30 days.\n", s.titles(row.Scope.Categories))
	}
	if filmed(row) {
		b.WriteString("\nCamera footage in vigil belongs to the customer who owns the camera: they decide what it records, how long it " +
			"keeps it, and whether to share it; vigil stores it for them, encrypted. What we did: we searched the recordings of the " +
			"cameras and times you named, for what identifies you alone, and left out everyone else. To ask for footage to be deleted " +
			"or no longer recorded, write to the camera's owner as well; reply to this message if you need our help to reach them.\n")
	}
	if m.FacesBlurred {
		b.WriteString("In pictures and video, every face other than yours (recognised from the selfie you gave for this request) is blurred. " +
			"Your selfie and what was computed from it are destroyed now that the request is closed.\n")
	}
	if len(m.Withheld) > 0 {
		b.WriteString("\nSome files are withheld:\n")
		for _, x := range m.Withheld {
			fmt.Fprintf(b, "  - %s (%s): %s\n", x.Name, s.title(x.Category), x.Reason)
		}
	}
	if len(m.Excluded) > 0 {
		b.WriteString("\nSome records are withheld, as the law allows, and the manifest lists them by number:\n")
		for _, x := range m.Excluded {
			fmt.Fprintf(b, "  - %d %s record(s) of %s\n", x.Records, x.Marking, s.title(x.Category))
		}
		b.WriteString("Confidential opinions and legally privileged documents are not part of the data we must provide.\n")
	}
	b.WriteString(more)
	return b.String() + letterFoot
}

func (s *Requests) correctionLetter(row RequestRow, c Contact, done []Correction) string {
	b := s.letterHead(row, c, "We corrected your data")
	b.WriteString("We have granted the request and corrected:\n")
	for _, cr := range done {
		fmt.Fprintf(b, "  - %s of %s\n", cr.Field, s.title(cr.Category))
	}
	b.WriteString("Every change is recorded in your access log, with its values before and after kept sealed for you.\n")
	return b.String() + letterFoot
}

func (s *Requests) deletionLetter(row RequestRow, c Contact, cert Certificate) string {
	b := s.letterHead(row, c, "We deleted your data")
	b.WriteString("We have granted the request. What we erased:\n")
	for _, e := range cert.Categories {
		fmt.Fprintf(b, "  - %s: %s (%d records, %d files)", s.title(e.Category), e.Method, e.Rows, e.Blobs)
		if e.Kept != "" {
			fmt.Fprintf(b, "; kept as the law requires: %s", e.Kept)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "\nThe keys that sealed your data (%d) are destroyed, so every copy of it, backups included, is unreadable. "+
		"We keep a signed deletion certificate that names only a random identifier, as proof we did this. Once this letter "+
		"is sent, we can no longer read your address.\n", len(cert.KeysShred))
	return b.String() + letterFoot
}

var emailRE = regexp.MustCompile(`[^\s<>"'@]+@[^\s<>"']+`)

// mail sends a message and returns the failure.
func (s *Requests) mail(ctx context.Context, to, subject, text string) error {
	if to == "" {
		return fmt.Errorf("no address")
	}
	m := mail.Mail{To: to, Subject: subject, Text: text}
	if s.opts.DPOMailbox != "" {
		// Letters ask for a reply: it goes to the data-protection office,
		// not to the no-reply sender.
		m.Headers = map[string]string{"Reply-To": s.opts.DPOMailbox}
	}
	return s.mailer.Send(ctx, m)
}

// send mails a message; a failure is logged without addresses.
func (s *Requests) send(ctx context.Context, to, subject, text string) {
	if err := s.mail(ctx, to, subject, text); err != nil {
		s.log.Error("privacy mail not sent", "subject", emailRE.ReplaceAllString(subject, "[address]"),
			"err", emailRE.ReplaceAllString(err.Error(), "[address]"))
	}
}

func (s *Requests) notifyDPO(ctx context.Context, subject, text string) {
	if s.opts.DPOMailbox != "" {
		s.send(ctx, s.opts.DPOMailbox, subject, text+"\n\nOpen the request queue in vigil to act on it.\n")
	}
}
