package privacy

import (
	"maps"
	"slices"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Jobs name the system principals of the privacy centre in the audit log.
const (
	JobRequests  = fulfil.JobRequests  // fulfils granted requests for the requester
	JobRetention = fulfil.JobRetention // purges data whose retention ended
)

// ExtendPolicy returns p with the rules of the privacy centre's own
// categories, and with the rights its jobs need on every category it
// exports, erases or purges: a data-subject request is answered by vigil on
// the requester's behalf, and retention purges without anyone asking.
func ExtendPolicy(p access.Policy) access.Policy {
	out := maps.Clone(p)
	out[datamap.PrivacyRequest] = access.Rule{
		Self:      []access.Action{access.Create, access.Read, access.List, access.Export},
		Staff:     map[access.Action]access.StaffRole{access.Read: access.StaffDPO, access.List: access.StaffDPO, access.Update: access.StaffDPO},
		Anonymous: []access.Action{access.Create, access.Read, access.Update},
		System:    []access.Action{access.Read, access.List, access.Update, access.Delete, access.Export},
	}
	out[datamap.PrivacyDocument] = access.Rule{
		Staff:     map[access.Action]access.StaffRole{access.Read: access.StaffDPO, access.List: access.StaffDPO},
		Anonymous: []access.Action{access.Create},
		System:    []access.Action{access.Delete},
	}
	out[datamap.PrivacyExport] = access.Rule{
		Self:      []access.Action{access.Read},
		Anonymous: []access.Action{access.Read},
		System:    []access.Action{access.Create, access.Delete},
	}
	out[datamap.PrivacyHold] = access.Rule{
		Staff: map[access.Action]access.StaffRole{access.Create: access.StaffSecurity, access.List: access.StaffSecurity,
			access.Update: access.StaffSecurity, access.Read: access.StaffSecurity},
		System: []access.Action{access.Delete},
	}
	// The DPO computes the vendor's statistics (U-E) over every account's
	// pseudonymised memberships.
	profile := out[datamap.AccountProfile]
	profile.Staff = maps.Clone(profile.Staff)
	profile.Staff[access.List] = access.StaffDPO
	out[datamap.AccountProfile] = profile
	for _, c := range []datamap.CategoryID{datamap.AccountProfile, datamap.AccountCredentials, datamap.AccountSession,
		datamap.AuditTrail, datamap.MediaSegment, datamap.MediaSnapshot, datamap.FaceTemplate,
		datamap.DeviceInfo, datamap.DeviceCredential, datamap.DeviceEvent, datamap.DeviceConfig, datamap.DeviceErrorReport,
		datamap.NetIP, datamap.LogAccess, datamap.PrivacyConsent, datamap.NotifyWebhook, datamap.DeviceStreamSource} {
		r := out[c]
		r.System = slices.Clone(r.System)
		for _, a := range []access.Action{access.Export, access.Delete, access.Update} {
			if !slices.Contains(r.System, a) {
				r.System = append(r.System, a)
			}
		}
		out[c] = r
	}
	return out
}

// purposeFor is the purpose named when vigil exports or erases a category
// for a request: the service itself where the category allows it, else the
// category's first declared purpose (answering the request serves the
// person, for the same purpose the data was kept).
func purposeFor(c *datamap.Category) datamap.Purpose {
	if c.Allows(datamap.PurposeService) {
		return datamap.PurposeService
	}
	return c.Purposes[0]
}
