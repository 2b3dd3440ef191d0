package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// mediaRules adds the rules of camera media: members watch, admins
// manage; staff only ever with the customer's grant (the gate checks it by
// sensitivity).
func mediaRules(p Policy) {
	p[datamap.MediaSegment] = Rule{
		Customer:  map[Action]Role{Read: RoleGuest, List: RoleGuest, Export: RoleMember, Delete: RoleAdmin},
		Entrusted: view,
		Shared:    view,
	}
	p[datamap.MediaSnapshot] = Rule{
		Customer:  map[Action]Role{Read: RoleGuest, List: RoleGuest, Export: RoleMember, Delete: RoleAdmin},
		Entrusted: view,
	}
}
