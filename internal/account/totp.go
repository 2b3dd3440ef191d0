package account

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/vigil-cloud/vigil/internal/errs"
)

const totpPeriod = 30 // seconds

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// newTOTP makes an authenticator secret and its otpauth:// URL.
func newTOTP(issuer, label string) (secret, url string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: label, Period: totpPeriod})
	if err != nil {
		return "", "", errs.Wrap(err, errs.Internal, "cannot create an authenticator secret")
	}
	return key.Secret(), key.URL(), nil
}

// totpQR draws the otpauth:// URL as a QR code (PNG, as a data: URL the
// page can show under its CSP) for an authenticator app's camera. It is
// drawn on the server from pquerna/otp's encoder (boombuler/barcode), so
// the secret never reaches a third-party script.
func totpQR(otpauth string) (string, error) {
	key, err := otp.NewKeyFromURL(otpauth)
	if err != nil {
		return "", errs.Wrap(err, errs.Internal, "cannot read the authenticator secret")
	}
	img, err := key.Image(232, 232)
	if err != nil {
		return "", errs.Wrap(err, errs.Internal, "cannot draw the QR code")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", errs.Wrap(err, errs.Internal, "cannot draw the QR code")
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// matchTOTP checks code against secret at now, allowing one step of clock
// skew either way, and returns the step it matched so the caller can refuse
// its reuse.
func matchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	if len(code) != 6 {
		return 0, false
	}
	for _, skew := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(skew*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return at.Unix() / totpPeriod, true
		}
	}
	return 0, false
}

// TOTPCode returns the current code for secret; tests and the staff
// bootstrap use it.
func TOTPCode(secret string, now time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, now, totpOpts)
}
