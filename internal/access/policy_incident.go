package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// incidentRules adds the rules of the incident room. The security officer
// runs incidents (the DPO, above security, too: telling people and
// regulators is the DPO's duty); both need their second factor and current
// training like every staff access. A person reads the incidents that
// affected them; vigil's own jobs keep the register's retention.
func incidentRules(p Policy) {
	p[datamap.IncidentRecord] = Rule{
		Staff: map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity, Create: StaffSecurity, Update: StaffSecurity},
		// The reminder job marks which reminder of a regulator's clock it sent.
		System: []Action{Read, List, Update},
	}
	p[datamap.IncidentAffected] = Rule{
		Self:   []Action{Read, List, Export},
		Staff:  map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity, Create: StaffSecurity, Update: StaffSecurity},
		System: []Action{Read, List},
	}
}
