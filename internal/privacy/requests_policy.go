package privacy

import (
	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/privacy/fulfil"
)

// Jobs name the system principals of the privacy centre in the audit log.
const (
	JobRequests  = fulfil.JobRequests  // fulfils granted requests for the requester
	JobRetention = fulfil.JobRetention // purges data whose retention ended
)

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
