package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// auditRules adds the rules of the access log. Security reads an
// account's access log to investigate abuse and incidents (whom they
// affect) without a grant.
func auditRules(p Policy) {
	p[datamap.AuditTrail] = Rule{
		Customer:  map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Export: RoleOwner},
		Self:      []Action{Read, List, Export},
		Staff:     map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity, Export: StaffDPO},
		Entrusted: view,
	}
}
