package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// alarmRules adds the rules of the alarm pipeline's categories. Snapshots
// are media.snapshot, ruled with the media.
func alarmRules(p Policy) {
	// Everyone in the account sees its alarms; members acknowledge them.
	// Support sees them only with the owner's grant.
	p[datamap.AlarmEvent] = Rule{
		Customer:  map[Action]Role{Read: RoleGuest, List: RoleGuest, Update: RoleGuest, Delete: RoleAdmin, Export: RoleOwner},
		Entrusted: []Action{Read, List},
		System:    []Action{Create, Read, List, Update, Delete, Export},
	}
	// Owners and admins manage who is told; each person sets their own
	// quiet hours.
	p[datamap.AlarmRule] = Rule{
		Customer:  map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Create: RoleAdmin, Update: RoleAdmin, Delete: RoleAdmin, Export: RoleOwner},
		Self:      []Action{Read, Update, Delete, Export},
		Entrusted: []Action{Read, List},
		System:    []Action{Read, List, Update, Delete, Export},
	}
}
