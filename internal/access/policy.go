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
	// Staff maps an action to the lowest staff role that may take it
	// without a customer's grant: on data outside any account, and on an
	// account's ordinary data only where vigil's own duties need it (the DPO
	// answering data-subject requests and incidents, security investigating
	// abuse). Media and biometric data need a grant whatever the role;
	// credentials are never open to staff.
	Staff map[Action]StaffRole
	// Entrusted lists the actions a customer's entrustment grant can open
	// to staff on an account's data of this category. Absent: none.
	Entrusted []Action
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
func (r Rule) entrusts(a Action) bool        { return slices.Contains(r.Entrusted, a) }

// Policy is the rule table, one rule per category. A category without a rule
// is open to no one: least privilege by default.
type Policy map[datamap.CategoryID]Rule

func (p Policy) rule(id datamap.CategoryID) Rule { return p[id] }

// DefaultPolicy returns the rules for the categories the foundation stores.
// Capabilities that add categories add their rules here.
func DefaultPolicy() Policy {
	all := []Action{Read, List, Create, Update, Delete, Export}
	view := []Action{Read, List}
	p := Policy{
		// Support sees an account only with the owner's grant; the DPO reads
		// a profile without one to answer a request or tell people of an
		// incident, and exports it to fulfil an access request.
		datamap.AccountProfile: {
			Customer:  map[Action]Role{Read: RoleGuest, List: RoleMember, Create: RoleAdmin, Update: RoleAdmin, Delete: RoleOwner, Export: RoleOwner},
			Self:      all,
			Staff:     map[Action]StaffRole{Read: StaffDPO, Export: StaffDPO},
			Entrusted: view,
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
			System:        []Action{Read, List, Update},
		},
		// Media and face data: members watch, admins manage; staff only
		// ever with the customer's grant (the gate checks it by sensitivity).
		datamap.MediaSegment: {
			Customer:  map[Action]Role{Read: RoleGuest, List: RoleGuest, Export: RoleMember, Delete: RoleAdmin},
			Entrusted: view,
		},
		datamap.MediaSnapshot: {
			Customer:  map[Action]Role{Read: RoleGuest, List: RoleGuest, Export: RoleMember, Delete: RoleAdmin},
			Entrusted: view,
		},
		datamap.FaceTemplate: {
			Customer:  map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Create: RoleAdmin, Delete: RoleAdmin, Export: RoleAdmin},
			Entrusted: view,
		},
		// Devices: guests see them, admins claim, configure and release
		// them. Support sees them only with the owner's grant; security
		// reads connection addresses to investigate abuse; device
		// credentials are never open to staff.
		datamap.DeviceInfo: {
			Customer:  map[Action]Role{Read: RoleGuest, List: RoleGuest, Create: RoleAdmin, Update: RoleAdmin, Delete: RoleAdmin, Export: RoleOwner},
			Entrusted: view,
			System:    []Action{Create, Read, Update, Delete},
		},
		// A LAN camera's RTSP address may hold its password: admins set
		// and remove it; vigil's puller reads it; nobody reads it back.
		datamap.DeviceStreamSource: {
			Customer: map[Action]Role{Create: RoleAdmin, Update: RoleAdmin, Delete: RoleAdmin, List: RoleAdmin, Export: RoleOwner},
			System:   []Action{Read, List, Delete},
		},
		datamap.DeviceCredential: {
			Customer: map[Action]Role{Create: RoleAdmin, Delete: RoleAdmin},
			System:   []Action{Authenticate, Delete},
		},
		datamap.DeviceEvent: {
			Customer:  map[Action]Role{Read: RoleMember, List: RoleMember, Export: RoleOwner},
			Entrusted: view,
			System:    []Action{Create, Delete},
		},
		datamap.DeviceConfig: {
			Customer:  map[Action]Role{Read: RoleMember, List: RoleMember, Update: RoleAdmin, Export: RoleOwner},
			Entrusted: view,
			System:    []Action{Read, Update, Delete},
		},
		datamap.DeviceErrorReport: {
			Customer:  map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Create: RoleGuest, Update: RoleAdmin, Export: RoleOwner},
			Self:      []Action{Read, Update, Export},
			Entrusted: view,
			System:    []Action{Create, Delete},
		},
		datamap.NetIP: {
			Customer:  map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Export: RoleOwner},
			Staff:     map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity},
			Entrusted: view,
			System:    []Action{Create, Update, Delete},
		},
		datamap.LogAccess: {
			Self:   []Action{Read, List, Export},
			Staff:  map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity},
			System: []Action{Create, Update, Delete},
		},
		// Security reads an account's access log to investigate abuse and
		// incidents (whom they affect) without a grant.
		datamap.AuditTrail: {
			Customer:  map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Export: RoleOwner},
			Self:      []Action{Read, List, Export},
			Staff:     map[Action]StaffRole{Read: StaffSecurity, List: StaffSecurity, Export: StaffDPO},
			Entrusted: view,
		},
	}
	privacyRules(p)
	alarmRules(p)
	notifyRules(p)
	return p
}
