package access

import (
	"slices"

	"github.com/vigil-cloud/vigil/internal/datamap"
)

// accountRules adds the rules of the account capability: profiles,
// credentials, sessions and the vendor's own staff records.
func accountRules(p Policy) {
	// Support sees an account only with the owner's grant; the DPO reads
	// a profile without one to answer a request or tell people of an
	// incident, exports it to fulfil an access request, and computes the
	// vendor's statistics (U-E) over every account's pseudonymised
	// memberships.
	p[datamap.AccountProfile] = Rule{
		Customer:  map[Action]Role{Read: RoleGuest, List: RoleMember, Create: RoleAdmin, Update: RoleAdmin, Delete: RoleOwner, Export: RoleOwner},
		Self:      every,
		Staff:     map[Action]StaffRole{Read: StaffDPO, List: StaffDPO, Export: StaffDPO},
		Entrusted: view,
		Anonymous: []Action{Create},
		System:    []Action{Read, Create, Update, Delete},
	}
	p[datamap.AccountCredentials] = Rule{
		Self:      append(slices.Clone(every), Authenticate),
		Anonymous: []Action{Authenticate, Update},
		System:    []Action{Delete},
	}
	p[datamap.AccountSession] = Rule{
		Self:      every,
		Anonymous: []Action{Create},
		System:    []Action{Delete},
	}
	p[datamap.StaffProfile] = Rule{
		Self:          []Action{Read, Update, Authenticate},
		Staff:         map[Action]StaffRole{Read: StaffDPO},
		Anonymous:     []Action{Authenticate, Create},
		OperatorAdmin: []Action{Read, List, Create, Update, Delete},
		System:        []Action{Read, List, Update},
	}
}
