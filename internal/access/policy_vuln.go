package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// vulnRules adds the rule of vulnerability reports. Anyone files one
// through the public form and follows it with its follow-up code; the
// security officer (and the DPO above them) reads and triages the queue.
// Reports belong to no account: no customer role opens them.
func vulnRules(p Policy) {
	p[datamap.VulnReport] = Rule{
		Anonymous: []Action{Create, Read},
		Staff:     map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity, Update: StaffSecurity},
		System:    []Action{Read, List},
	}
}
