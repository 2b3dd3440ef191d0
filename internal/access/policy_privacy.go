package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// privacyRules adds the rules of the privacy centre's categories: grants,
// consents, the disclosure ledger, data-subject requests with their
// documents and packages, and legal holds.
func privacyRules(p Policy) {
	// Owners and admins entrust support and see every use; staff see the
	// grants made to them and ask an account for one (Create on their own
	// request, which opens nothing); the DPO oversees grants without one.
	p[datamap.PrivacyGrant] = Rule{
		Customer: map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Create: RoleAdmin, Update: RoleAdmin},
		Self:     []Action{Read, List, Create},
		Staff:    map[Action]StaffRole{Read: StaffDPO, List: StaffDPO},
	}
	// Acceptances and consents are each person's own; the DPO reads them to
	// prove consent to a regulator or answer a request.
	p[datamap.PrivacyConsent] = Rule{
		Self:   []Action{Read, List, Create, Update, Export},
		Staff:  map[Action]StaffRole{Read: StaffDPO, List: StaffDPO, Export: StaffDPO},
		System: []Action{Read, Create},
	}
	// Admins see their account's ledger and manage its shares, people their
	// own entries; security and the DPO record legal requests; vigil's
	// channels record what they hand to processors.
	p[datamap.PrivacyDisclosure] = Rule{
		Customer: map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Create: RoleAdmin, Update: RoleAdmin},
		Self:     []Action{Read, List},
		Staff:    map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity, Create: StaffSecurity},
		System:   []Action{Read, List, Create},
	}
	// A person files and follows their own requests (anyone, before
	// sign-in, through the public form); the DPO answers them.
	p[datamap.PrivacyRequest] = Rule{
		Self:      []Action{Create, Read, List, Export},
		Staff:     map[Action]StaffRole{Read: StaffDPO, List: StaffDPO, Update: StaffDPO},
		Anonymous: []Action{Create, Read, Update},
		System:    []Action{Read, List, Update, Delete, Export},
	}
	p[datamap.PrivacyDocument] = Rule{
		Staff:     map[Action]StaffRole{Read: StaffDPO, List: StaffDPO},
		Anonymous: []Action{Create},
		System:    []Action{Delete},
	}
	p[datamap.PrivacyExport] = Rule{
		Self:      []Action{Read},
		Anonymous: []Action{Read},
		System:    []Action{Create, Delete},
	}
	p[datamap.PrivacyHold] = Rule{
		Staff:  map[Action]StaffRole{Create: StaffSecurity, List: StaffSecurity, Update: StaffSecurity, Read: StaffSecurity},
		System: []Action{Delete},
	}
}
