package incident

import (
	"slices"

	"github.com/vigil-cloud/vigil/internal/datamap"
)

// Type is an incident type from the declared taxonomy.
type Type string

// The taxonomy: the incident classes of NIST SP 800-61 r2 (section 3.2.1,
// attack vectors) and of ENISA's Reference Incident Classification
// Taxonomy (RSIT), reduced to what a camera cloud meets.
const (
	TypeUnauthorisedAccess Type = "unauthorised_access"
	TypeAccountCompromise  Type = "account_compromise"
	TypeDataLeak           Type = "data_leak"
	TypeDeviceCompromise   Type = "device_compromise"
	TypeMalware            Type = "malware"
	TypeDenialOfService    Type = "denial_of_service"
	TypeVulnerability      Type = "vulnerability"
	TypeLossOrTheft        Type = "loss_or_theft"
	TypeMisconfiguration   Type = "misconfiguration"
)

// TypeInfo describes a type: its name, the standard classes it maps to,
// and its response plan.
type TypeInfo struct {
	ID       Type        `json:"id"`
	Title    string      `json:"title"`
	Standard string      `json:"standard"` // the NIST / ENISA class
	Plan     []PlanStage `json:"plan"`
}

// PlanStage is one stage of a type's response plan: the checklist each
// incident of the type starts from.
type PlanStage struct {
	Stage     StageID  `json:"stage"`
	Checklist []string `json:"checklist"`
}

// common checklist items every plan shares, by stage.
var common = map[StageID][]string{
	StageStopLoss:      {"Record when and how vigil became aware", "Name the responsible officer and the deputy"},
	StageAnalysis:      {"Grade the incident from the criteria", "Decide whether regulators must be told, per region"},
	StageLocating:      {"Compute the affected people from the access log", "Confirm the data categories touched"},
	StageRemediation:   {"Tell the affected people, or publish a public notice", "Report to the regulators before their deadlines"},
	StageRetrospective: {"Hold the review with everyone involved", "Record what changes and who owns each change"},
}

func plan(extra map[StageID][]string) []PlanStage {
	out := make([]PlanStage, 0, len(stageOrder))
	for _, st := range stageOrder {
		out = append(out, PlanStage{Stage: st, Checklist: append(slices.Clone(extra[st]), common[st]...)})
	}
	return out
}

var taxonomy = []TypeInfo{
	{ID: TypeUnauthorisedAccess, Title: "Unauthorised access to personal data", Standard: "NIST SP 800-61 improper usage; ENISA RSIT intrusions / unauthorised access to information",
		Plan: plan(map[StageID][]string{
			StageStopLoss:    {"Revoke the credential, sessions and tokens used", "Block the source addresses"},
			StageAnalysis:    {"Establish the window of misuse from the access log"},
			StageLocating:    {"List every account and route the credential reached"},
			StageRemediation: {"Rotate secrets the credential could read", "Re-train or re-vet the staff member concerned"},
		})},
	{ID: TypeAccountCompromise, Title: "Compromised customer or staff account", Standard: "NIST SP 800-61 impersonation; ENISA RSIT intrusions / account compromise",
		Plan: plan(map[StageID][]string{
			StageStopLoss:    {"Lock the account and end its sessions", "Reset its password and second factor"},
			StageAnalysis:    {"Find how the credential was obtained (phishing, reuse, theft)"},
			StageLocating:    {"List what the account did while compromised"},
			StageRemediation: {"Restore what the intruder changed"},
		})},
	{ID: TypeDataLeak, Title: "Personal data disclosed or exfiltrated", Standard: "ENISA RSIT information content security / unauthorised modification or disclosure",
		Plan: plan(map[StageID][]string{
			StageStopLoss:    {"Close the path the data left by", "Ask recipients to delete what they received"},
			StageAnalysis:    {"Establish which records left and where they went"},
			StageLocating:    {"Match the records to accounts and people"},
			StageRemediation: {"Check whether keys or tokens were among the records and rotate them"},
		})},
	{ID: TypeDeviceCompromise, Title: "Compromised camera, NVR or device credential", Standard: "NIST SP 800-61 attrition / external media; ENISA RSIT intrusions / system compromise",
		Plan: plan(map[StageID][]string{
			StageStopLoss:    {"Revoke the device credential and disconnect it from the bus"},
			StageAnalysis:    {"Identify the firmware build and the weakness used"},
			StageLocating:    {"List the streams, recordings and alarms the device reached"},
			StageRemediation: {"Ship fixed firmware and re-provision the device"},
		})},
	{ID: TypeMalware, Title: "Malicious code on vigil's systems or firmware", Standard: "NIST SP 800-61 web / email attack vectors; ENISA RSIT malicious code",
		Plan: plan(map[StageID][]string{
			StageStopLoss:    {"Isolate the affected hosts or builds"},
			StageAnalysis:    {"Identify the malware and its persistence"},
			StageLocating:    {"List the hosts, builds and devices that ran it"},
			StageRemediation: {"Rebuild from trusted sources and rotate every secret the hosts held"},
		})},
	{ID: TypeDenialOfService, Title: "Denial of service", Standard: "NIST SP 800-61 attrition; ENISA RSIT availability / denial of service",
		Plan: plan(map[StageID][]string{
			StageStopLoss:    {"Rate-limit or filter the traffic at the edge"},
			StageAnalysis:    {"Establish which services were unavailable and for how long"},
			StageLocating:    {"List the customers whose alarms or recordings were lost"},
			StageRemediation: {"Add capacity or filtering so the attack cannot recur"},
		})},
	{ID: TypeVulnerability, Title: "Vulnerability reported or found", Standard: "ENISA RSIT vulnerable / vulnerable system; ISO/IEC 29147 and 30111 handling",
		Plan: plan(map[StageID][]string{
			StageStopLoss:    {"Acknowledge the reporter", "Apply a mitigation while a fix is built"},
			StageAnalysis:    {"Reproduce and score the vulnerability"},
			StageLocating:    {"Search the access log for signs it was exploited"},
			StageRemediation: {"Release the fix and publish the advisory"},
		})},
	{ID: TypeLossOrTheft, Title: "Lost or stolen equipment or media", Standard: "NIST SP 800-61 loss or theft of equipment",
		Plan: plan(map[StageID][]string{
			StageStopLoss:    {"Revoke the credentials stored on the equipment", "Wipe it remotely where possible"},
			StageAnalysis:    {"Establish what was stored and whether it was encrypted"},
			StageLocating:    {"List the people whose data was on it"},
			StageRemediation: {"Replace the equipment and review how it is carried"},
		})},
	{ID: TypeMisconfiguration, Title: "Misconfiguration exposing data or service", Standard: "ENISA RSIT information content security; NIST SP 800-61 improper usage",
		Plan: plan(map[StageID][]string{
			StageStopLoss:    {"Restore the safe configuration"},
			StageAnalysis:    {"Establish how long the configuration was exposed"},
			StageLocating:    {"Find who reached the exposed data from the access log"},
			StageRemediation: {"Add a check that refuses the unsafe configuration"},
		})},
}

// Types returns the declared taxonomy.
func Types() []TypeInfo { return slices.Clone(taxonomy) }

func typeInfo(t Type) (TypeInfo, bool) {
	for _, ti := range taxonomy {
		if ti.ID == t {
			return ti, true
		}
	}
	return TypeInfo{}, false
}

// Severity is an incident's grade.
type Severity string

// Severities, lowest first.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

var severityRank = map[Severity]int{SeverityLow: 1, SeverityMedium: 2, SeverityHigh: 3, SeverityCritical: 4}

// GradingRule is one declared rule of the grading (I1): when every one of
// its conditions holds, the incident is at least Severity. The severity is
// the highest of the rules that hold, and "low" when none does.
type GradingRule struct {
	ID          string   `json:"id"`
	Description string   `json:"description"`
	Severity    Severity `json:"severity"`
	// Conditions; a zero value is no condition.
	MinPeople        int                 `json:"min_people,omitempty"`
	AnyPersonalData  bool                `json:"any_personal_data,omitempty"`
	Sensitivity      datamap.Sensitivity `json:"min_sensitivity,omitempty"` // a category at least this sensitive
	MediaOrBiometric bool                `json:"biometric_or_video,omitempty"`
	LeftVendor       bool                `json:"left_vendor,omitempty"`
}

// GradingRules is the declared grading, after the ENISA methodology for
// the severity of personal data breaches (2013): the number of people, the
// kind of data, and whether it left the controller's hands.
var gradingRules = []GradingRule{
	{ID: "G1", Description: "Personal data of at least one person was involved", Severity: SeverityMedium, MinPeople: 1, AnyPersonalData: true},
	{ID: "G2", Description: "Credentials (passwords, keys, tokens) were involved", Severity: SeverityHigh, Sensitivity: datamap.Credential},
	{ID: "G3", Description: "Video, snapshots or biometric data were involved", Severity: SeverityHigh, MediaOrBiometric: true},
	{ID: "G4", Description: "Personal data left the vendor's control", Severity: SeverityHigh, MinPeople: 1, LeftVendor: true},
	{ID: "G5", Description: "At least 100 people were affected", Severity: SeverityHigh, MinPeople: 100},
	{ID: "G6", Description: "Video, snapshots or biometric data left the vendor's control", Severity: SeverityCritical, MediaOrBiometric: true, LeftVendor: true},
	{ID: "G7", Description: "At least 10 000 people were affected", Severity: SeverityCritical, MinPeople: 10000},
}

// GradingRules returns the declared rules.
func GradingRules() []GradingRule { return slices.Clone(gradingRules) }

// Grade returns the severity of c under the declared rules and the rules
// that hold. reg gives the categories' sensitivity.
func Grade(c Criteria, reg *datamap.Registry) (Severity, []string) {
	maxSens, personal := datamap.Ordinary, false
	for _, id := range c.Categories {
		if cat, ok := reg.Category(id); ok {
			personal = true
			maxSens = max(maxSens, cat.Sensitivity)
		}
	}
	mediaOrBio := c.BiometricOrVideo || maxSens >= datamap.Media
	sev, held := SeverityLow, []string{}
	for _, r := range gradingRules {
		switch {
		case r.MinPeople > 0 && c.PeopleAffected < r.MinPeople,
			r.AnyPersonalData && !personal && !mediaOrBio,
			r.Sensitivity > 0 && !hasSensitivity(c.Categories, reg, r.Sensitivity),
			r.MediaOrBiometric && !mediaOrBio,
			r.LeftVendor && !c.LeftVendor:
			continue
		}
		held = append(held, r.ID)
		if severityRank[r.Severity] > severityRank[sev] {
			sev = r.Severity
		}
	}
	return sev, held
}

// hasSensitivity reports whether a category of exactly s is involved
// (credentials are not "more" than media; they are their own kind).
func hasSensitivity(cats []datamap.CategoryID, reg *datamap.Registry, s datamap.Sensitivity) bool {
	for _, id := range cats {
		if cat, ok := reg.Category(id); ok && cat.Sensitivity == s {
			return true
		}
	}
	return false
}

// Taxonomy is what the incident room declares, as the console shows it.
type Taxonomy struct {
	Types        []TypeInfo    `json:"types"`
	GradingRules []GradingRule `json:"grading_rules"`
	Regimes      []Regime      `json:"regimes"`
	Sources      []string      `json:"sources"`
}
