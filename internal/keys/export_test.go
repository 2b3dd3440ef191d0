package keys

import "github.com/tink-crypto/tink-go/v2/streamingaead"

// SealWith1MiBSegments makes new content keys as vigil did before 4 KiB
// segments, until the returned function restores the default.
func SealWith1MiBSegments() (restore func()) {
	contentKeyTemplate = streamingaead.AES256GCMHKDF1MBKeyTemplate
	return func() { contentKeyTemplate = streamingaead.AES256GCMHKDF4KBKeyTemplate }
}
