package store

import "github.com/vigil-cloud/vigil/internal/access"

// requireAny accepts a decision that covers one of the actions on one of
// the resources: a request is read under the decision that changes it.
func requireAny(d access.Decision, rs []access.Resource, actions ...access.Action) error {
	var err error
	for _, r := range rs {
		for _, a := range actions {
			if err = d.Require(a, r); err == nil {
				return nil
			}
		}
	}
	return err
}

// requireReadBack accepts a decision to read r, or to create or change it:
// a write covers reading back what it wrote, so one request makes one
// decision per resource.
func requireReadBack(d access.Decision, r access.Resource) error {
	return requireAny(d, []access.Resource{r}, access.Read, access.Update, access.Create)
}
