package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// activityRules adds the rules of the app's own access log of a person.
func activityRules(p Policy) {
	p[datamap.LogAccess] = Rule{
		Self:   []Action{Read, List, Export},
		Staff:  map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity},
		System: []Action{Create, Update, Delete},
	}
}
