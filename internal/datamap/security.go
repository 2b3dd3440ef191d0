package datamap

import "errors"

// declareSecurity declares what the security seams keep: revocation epochs
// (which trust was withdrawn, as a counter; no personal data beyond the
// random IDs the key names).
func declareSecurity(r *Registry) error {
	return errors.Join(
		operational(r, "revocations", "random ID of a device, person, membership or grant whose trust was withdrawn, a counter and when", "name", "epoch", "updated_at"),
		operational(r, "staff_role_changes", "a staff role change awaiting a second operator administrator: random IDs of the change, the staff member and the administrators, the roles, its state and times",
			"id", "kind", "staff_id", "from_role", "role", "requested_by", "requested_at", "status", "decided_by", "decided_at"),
		operational(r, "signin_failures", "keyed fingerprints of an e-mail address typed at sign-in and of the network it came from (no address in clear), a failure count and times; deleted a day after the last failure",
			"email_index", "net_index", "failures", "last_at", "delay_until"),
		operational(r, "rate_windows", "rate limits shared by the nodes: the limit's name, a keyed fingerprint of the client network or address it counts (no address in clear), a window's start and its count; deleted after the next window",
			"scope", "key_index", "window_at", "n"),
	)
}
