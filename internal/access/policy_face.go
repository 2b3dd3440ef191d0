package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// faceRules adds the rules of face recognition. Owners and admins turn it
// on, enrol and remove people; members see who was recognised. Staff see
// neither without a live grant that names the category (the gate's grant
// check matches the category, so a grant for media or devices does not
// open face data), and even then only read: no API ever returns a
// template's numbers. vigil's own jobs match pictures (read templates,
// record matches) and carry out retention and a region's rule.
func faceRules(p Policy) {
	p[datamap.FaceTemplate] = Rule{
		Customer:  map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Create: RoleAdmin, Delete: RoleAdmin, Export: RoleOwner},
		Entrusted: view,
		System:    []Action{Read, List, Create, Delete},
	}
	p[datamap.FaceMatch] = Rule{
		Customer:  map[Action]Role{Read: RoleMember, List: RoleMember, Delete: RoleAdmin, Export: RoleOwner},
		Entrusted: view,
		System:    []Action{Read, List, Create, Delete},
	}
	// A filmed person's search (find footage of me): vigil's request job
	// makes and runs it; the camera owner (admins) sees and decides on the
	// events found on their cameras, never the requester's face or name.
	// Staff read what was found through the request (privacy.request),
	// never the template.
	p[datamap.FaceSearch] = Rule{
		Customer: map[Action]Role{List: RoleAdmin, Update: RoleAdmin},
		System:   []Action{Create, Read, List, Update, Delete},
	}
}
