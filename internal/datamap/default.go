package datamap

import (
	"errors"
	"time"
)

const day = 24 * time.Hour

// Default builds vigil's registry: every category of personal data the
// product stores, and every operational column. Each capability declares its
// own part in a file of this package; a schema test holds the live database
// against the result.
func Default() *Registry {
	r := NewRegistry()
	var err error
	for _, declare := range []func(*Registry) error{
		declareAccounts,
		declareKeys,
		declareAudit,
		declareMedia,
		declareFace,
		declareRecordings,
		declareDevices,
		declarePrivacy,
		declareRequests,
		declareLive,
		declareAlarms,
		declareNotify,
		declareSecurity,
		declareVuln,
		declareIncident,
	} {
		err = errors.Join(err, declare(r))
	}
	if err != nil {
		// The declarations are constants of the program: an error here is a
		// bug that every test run shows at once.
		panic(err)
	}
	return r
}

// operational declares several non-personal columns of one table at once.
func operational(r *Registry, table, why string, columns ...string) error {
	var err error
	for _, c := range columns {
		err = errors.Join(err, r.Operational(table+"."+c, why))
	}
	return err
}
