package config

// Privacy tunes the privacy centre's data-subject requests.
type Privacy struct {
	// Deadlines add or replace rows of the built-in per-region table, each
	// "region=respond+extend", e.g. "us-ca=45d+45d" or "default=1mo+2mo".
	Deadlines []string `yaml:"deadlines"`
	// DPOMailbox receives new-request notices and deadline reminders.
	DPOMailbox string `yaml:"dpo_mailbox" env:"VIGIL_DPO_MAILBOX"`
}
