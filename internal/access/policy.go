package access

import (
	"slices"

	"github.com/vigil-cloud/vigil/internal/datamap"
)

// Rule says who may act on one category of personal data.
type Rule struct {
	// Customer maps an action to the lowest customer role that may take it
	// in the account (or site) the data belongs to. Absent: no customer may.
	Customer map[Action]Role
	// Self lists actions a person may always take on data about themselves.
	Self []Action
	// Staff maps an action to the lowest staff role that may take it on
	// ordinary data. Media and biometric data need a grant whatever the role;
	// credentials are never open to staff.
	Staff map[Action]StaffRole
	// OperatorAdmin lists actions the operator admin may take; that role
	// manages staff and has no other data rights.
	OperatorAdmin []Action
	// Anonymous lists actions open before sign-in (sign-up, sign-in).
	Anonymous []Action
	// System lists actions vigil's own jobs may take (retention, mail).
	System []Action
}

func (r Rule) allowsSelf(a Action) bool      { return slices.Contains(r.Self, a) }
func (r Rule) allowsAnonymous(a Action) bool { return slices.Contains(r.Anonymous, a) }
func (r Rule) allowsSystem(a Action) bool    { return slices.Contains(r.System, a) }
func (r Rule) allowsOperator(a Action) bool  { return slices.Contains(r.OperatorAdmin, a) }

// Policy is the rule table, one rule per category. A category without a rule
// is open to no one: least privilege by default.
type Policy map[datamap.CategoryID]Rule

func (p Policy) rule(id datamap.CategoryID) Rule { return p[id] }

// DefaultPolicy returns the rules for the categories the foundation stores.
// Capabilities that add categories add their rules here.
func DefaultPolicy() Policy {
	all := []Action{Read, List, Create, Update, Delete, Export}
	return Policy{
		datamap.AccountProfile: {
			Customer:  map[Action]Role{Read: RoleGuest, List: RoleMember, Create: RoleAdmin, Update: RoleAdmin, Delete: RoleOwner, Export: RoleOwner},
			Self:      all,
			Staff:     map[Action]StaffRole{Read: StaffSupportL1, List: StaffSupportL2, Export: StaffDPO},
			Anonymous: []Action{Create},
			System:    []Action{Read, Create, Update, Delete},
		},
		datamap.AccountCredentials: {
			Self:      append(all, Authenticate),
			Anonymous: []Action{Authenticate, Update},
			System:    []Action{Delete},
		},
		datamap.AccountSession: {
			Self:      all,
			Anonymous: []Action{Create},
			System:    []Action{Delete},
		},
		datamap.StaffProfile: {
			Self:          []Action{Read, Update, Authenticate},
			Staff:         map[Action]StaffRole{Read: StaffDPO},
			Anonymous:     []Action{Authenticate, Create},
			OperatorAdmin: []Action{Read, List, Create, Update, Delete},
			System:        []Action{Read, Update},
		},
		// Media and face data: members watch, admins manage; staff only
		// ever with the customer's grant (the gate checks it by sensitivity).
		datamap.MediaSegment: {
			Customer: map[Action]Role{Read: RoleGuest, List: RoleGuest, Export: RoleMember, Delete: RoleAdmin},
			Staff:    map[Action]StaffRole{Read: StaffSupportL2, List: StaffSupportL2},
		},
		datamap.MediaSnapshot: {
			Customer: map[Action]Role{Read: RoleGuest, List: RoleGuest, Export: RoleMember, Delete: RoleAdmin},
			Staff:    map[Action]StaffRole{Read: StaffSupportL2, List: StaffSupportL2},
		},
		datamap.FaceTemplate: {
			Customer: map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Create: RoleAdmin, Delete: RoleAdmin, Export: RoleAdmin},
		},
		// Devices: guests see them, admins claim, configure and release
		// them; device credentials are never open to staff.
		datamap.DeviceInfo: {
			Customer: map[Action]Role{Read: RoleGuest, List: RoleGuest, Create: RoleAdmin, Update: RoleAdmin, Delete: RoleAdmin, Export: RoleOwner},
			Staff:    map[Action]StaffRole{Read: StaffSupportL1, List: StaffSupportL1},
			System:   []Action{Create, Read, Update, Delete},
		},
		datamap.DeviceCredential: {
			Customer: map[Action]Role{Create: RoleAdmin, Delete: RoleAdmin},
			System:   []Action{Authenticate, Delete},
		},
		datamap.DeviceEvent: {
			Customer: map[Action]Role{Read: RoleMember, List: RoleMember, Export: RoleOwner},
			Staff:    map[Action]StaffRole{Read: StaffSupportL1, List: StaffSupportL1},
			System:   []Action{Create, Delete},
		},
		datamap.DeviceConfig: {
			Customer: map[Action]Role{Read: RoleMember, List: RoleMember, Update: RoleAdmin, Export: RoleOwner},
			Staff:    map[Action]StaffRole{Read: StaffSupportL2, List: StaffSupportL2},
			System:   []Action{Read, Update, Delete},
		},
		datamap.DeviceErrorReport: {
			Customer: map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Create: RoleGuest, Update: RoleAdmin, Export: RoleOwner},
			Self:     []Action{Read, Update, Export},
			Staff:    map[Action]StaffRole{Read: StaffSupportL2, List: StaffSupportL2},
			System:   []Action{Create, Delete},
		},
		datamap.NetIP: {
			Customer: map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Export: RoleOwner},
			Staff:    map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity},
			System:   []Action{Create, Update, Delete},
		},
		datamap.LogAccess: {
			Self:   []Action{Read, List, Export},
			Staff:  map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity},
			System: []Action{Create, Update, Delete},
		},
		datamap.AuditTrail: {
			Customer: map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Export: RoleOwner},
			Self:     []Action{Read, List, Export},
			Staff:    map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity, Export: StaffDPO},
		},
	}
}
