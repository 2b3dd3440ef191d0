package access

import "github.com/vigil-cloud/vigil/internal/datamap"

// liveRules adds the rules of the live video path's own data.
func liveRules(p Policy) {
	// A LAN camera's RTSP address may hold its password: admins set
	// and remove it; vigil's puller reads it; nobody reads it back.
	p[datamap.DeviceStreamSource] = Rule{
		Customer: map[Action]Role{Create: RoleAdmin, Update: RoleAdmin, Delete: RoleAdmin, List: RoleAdmin, Export: RoleOwner},
		System:   []Action{Read, List, Delete},
	}
}
