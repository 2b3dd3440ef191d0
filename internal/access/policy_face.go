package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// faceRules adds the rules of face recognition: admins enrol and manage
// face templates; staff only ever with the customer's grant.
func faceRules(p Policy) {
	p[datamap.FaceTemplate] = Rule{
		Customer:  map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Create: RoleAdmin, Delete: RoleAdmin, Export: RoleAdmin},
		Entrusted: view,
	}
}
