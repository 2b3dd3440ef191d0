package vigiltest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/vigil-cloud/vigil/internal/device"
)

// Made is a device entered in the manufacture registry.
type Made struct {
	ID, Serial, Model, ClaimCode string
	// FactorySecret is what the factory wrote into the device, which it
	// pairs with.
	FactorySecret string
}

var serials atomic.Int64

// Manufacture registers n devices of model through the operator's API.
func (c *Client) Manufacture(model string, n int) []Made {
	c.e.T.Helper()
	in := make([]device.Manufactured, n)
	out := make([]Made, n)
	for i := range in {
		k := serials.Add(1)
		in[i] = device.Manufactured{Serial: fmt.Sprintf("SN-%s-%06d", model, k), Model: model, ClaimCode: fmt.Sprintf("CLAIM%07dX", k),
			FactorySecret: fmt.Sprintf("factory:%06d:%s", k, randomHex(8))}
	}
	var res struct{ Devices []device.Registered }
	c.Must(http.StatusCreated, "POST", "/api/v1/staff/devices", map[string]any{"devices": in}).Decode(c.e.T, &res)
	for i, r := range res.Devices {
		out[i] = Made{ID: r.ID, Serial: in[i].Serial, Model: model, ClaimCode: in[i].ClaimCode, FactorySecret: in[i].FactorySecret}
	}
	return out
}

// Claim claims a manufactured device into the client's account and returns
// its credential.
func (c *Client) Claim(m Made, name string) device.Credential {
	c.e.T.Helper()
	var res struct {
		Device     device.Device
		Credential device.Credential
	}
	c.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+c.AccountID+"/devices/claim", map[string]any{
		"serial": m.Serial, "claim_code": m.ClaimCode, "name": name,
	}).Decode(c.e.T, &res)
	return res.Credential
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
