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
	// Shared lists the actions a customer's share can open to the person or
	// integration it names, on the shared devices or sites. Absent: none.
	Shared []Action
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
func (r Rule) shares(a Action) bool          { return slices.Contains(r.Shared, a) }

// Policy is the rule table, one rule per category. A category without a rule
// is open to no one: least privilege by default.
type Policy map[datamap.CategoryID]Rule

func (p Policy) rule(id datamap.CategoryID) Rule { return p[id] }

// DefaultPolicy returns the rules of every category of the data map, each
// capability's in its own file (policy_<capability>.go), with the rights
// vigil's privacy jobs need derived from the data map (jobRights).
func DefaultPolicy(dm *datamap.Registry) Policy {
	p := Policy{}
	for _, rules := range []func(Policy){accountRules, auditRules, mediaRules, faceRules, deviceRules, liveRules, activityRules,
		privacyRules, alarmRules, notifyRules, incidentRules, vulnRules} {
		rules(p)
	}
	jobRights(p, dm)
	return p
}

// jobRights gives vigil's own jobs the rights the privacy centre needs on
// each category, read from the data map rather than kept by hand: a
// data-subject request is answered by vigil on the requester's behalf
// (export, correction, erasure), and retention purges without anyone
// asking. A category exports unless the data map says it needs no export
// handler, is deleted unless it needs neither an eraser nor a purger, and
// is corrected where it has a correctable field.
func jobRights(p Policy, dm *datamap.Registry) {
	for _, c := range dm.Categories() {
		var need []Action
		if c.Exempt.Export == "" {
			need = append(need, Export)
		}
		if c.Exempt.Erasure == "" || c.Exempt.Retention == "" {
			need = append(need, Delete)
		}
		if slices.ContainsFunc(c.Fields, func(f datamap.Field) bool { return f.Correctable }) {
			need = append(need, Update)
		}
		r := p[c.ID]
		r.System = slices.Clone(r.System)
		for _, a := range need {
			if !slices.Contains(r.System, a) {
				r.System = append(r.System, a)
			}
		}
		p[c.ID] = r
	}
}

// every and view are the action sets most rules name.
var (
	every = []Action{Read, List, Create, Update, Delete, Export}
	view  = []Action{Read, List}
)
