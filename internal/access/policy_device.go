package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// deviceRules adds the rules of devices: guests see them, admins claim,
// configure and release them. Support sees them only with the owner's
// grant, a share's recipient only the shared devices; security reads
// connection addresses to investigate abuse; device credentials are never
// open to staff.
func deviceRules(p Policy) {
	p[datamap.DeviceInfo] = Rule{
		Customer:  map[Action]Role{Read: RoleGuest, List: RoleGuest, Create: RoleAdmin, Update: RoleAdmin, Delete: RoleAdmin, Export: RoleOwner},
		Entrusted: view,
		Shared:    []Action{Read},
		// List: vigil's notices name a device as its owner named it.
		System: []Action{Create, Read, List, Update, Delete},
	}
	p[datamap.DeviceCredential] = Rule{
		Customer: map[Action]Role{Create: RoleAdmin, Delete: RoleAdmin},
		System:   []Action{Authenticate, Delete},
	}
	p[datamap.DeviceEvent] = Rule{
		Customer:  map[Action]Role{Read: RoleMember, List: RoleMember, Export: RoleOwner},
		Entrusted: view,
		System:    []Action{Create, Delete},
	}
	p[datamap.DeviceConfig] = Rule{
		Customer:  map[Action]Role{Read: RoleMember, List: RoleMember, Update: RoleAdmin, Export: RoleOwner},
		Entrusted: view,
		System:    []Action{Read, Update, Delete},
	}
	p[datamap.DeviceErrorReport] = Rule{
		Customer:  map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Create: RoleGuest, Update: RoleAdmin, Export: RoleOwner},
		Self:      []Action{Read, Update, Export},
		Entrusted: view,
		System:    []Action{Create, Delete},
	}
	p[datamap.NetIP] = Rule{
		Customer:  map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Export: RoleOwner},
		Staff:     map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity},
		Entrusted: view,
		System:    []Action{Create, Update, Delete},
	}
}
