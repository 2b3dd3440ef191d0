package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// notifyRules adds the rules of notification delivery.
func notifyRules(p Policy) {
	// How a person is reached is theirs alone; vigil's delivery worker
	// reads it to send and removes push subscriptions the push service
	// says are gone.
	p[datamap.NotifyPrefs] = Rule{
		Self:   every,
		System: []Action{Read, List, Update, Delete, Export},
	}
	// A person sees what was sent to them; the account's admins see the
	// delivery status and dead letters of the account and retry them.
	p[datamap.NotifyMessage] = Rule{
		Customer: map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Update: RoleAdmin},
		Self:     []Action{Read, List, Export},
		System:   []Action{Create, Read, List, Update, Delete, Export},
	}
	// Webhooks belong to the account: owners and admins manage them.
	p[datamap.NotifyWebhook] = Rule{
		Customer: map[Action]Role{Read: RoleAdmin, List: RoleAdmin, Create: RoleAdmin, Delete: RoleAdmin},
		System:   []Action{Read, List, Delete},
	}
}
