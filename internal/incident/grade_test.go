package incident

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-cloud/vigil/internal/datamap"
	"github.com/vigil-cloud/vigil/internal/errs"
)

// The severity comes from the declared rules and nothing else: each case
// names the criteria and the grade and rules the declaration gives.
// proves: I1
func TestGradeFromDeclaredRules(t *testing.T) {
	reg := datamap.Default()
	for _, tc := range []struct {
		name  string
		c     Criteria
		want  Severity
		rules []string
	}{
		{"nothing known", Criteria{}, SeverityLow, []string{}},
		{"left the vendor, nobody known", Criteria{LeftVendor: true}, SeverityLow, []string{}},
		{"one person's profile", Criteria{PeopleAffected: 1, Categories: []datamap.CategoryID{datamap.AccountProfile}}, SeverityMedium, []string{"G1"}},
		{"profiles left", Criteria{PeopleAffected: 3, Categories: []datamap.CategoryID{datamap.AccountProfile}, LeftVendor: true}, SeverityHigh, []string{"G1", "G4"}},
		{"credentials", Criteria{PeopleAffected: 1, Categories: []datamap.CategoryID{datamap.DeviceCredential}}, SeverityHigh, []string{"G1", "G2"}},
		{"face templates", Criteria{PeopleAffected: 2, Categories: []datamap.CategoryID{datamap.FaceTemplate}}, SeverityHigh, []string{"G1", "G3"}},
		{"video declared, left", Criteria{PeopleAffected: 2, BiometricOrVideo: true, LeftVendor: true}, SeverityCritical, []string{"G1", "G3", "G4", "G6"}},
		{"a hundred people", Criteria{PeopleAffected: 100, Categories: []datamap.CategoryID{datamap.AccountProfile}}, SeverityHigh, []string{"G1", "G5"}},
		{"ten thousand people", Criteria{PeopleAffected: 10000, Categories: []datamap.CategoryID{datamap.AccountProfile}}, SeverityCritical, []string{"G1", "G5", "G7"}},
	} {
		got, rules := Grade(tc.c, reg)
		if got != tc.want || !slices.Equal(rules, tc.rules) {
			t.Errorf("%s: graded %s by %v, want %s by %v", tc.name, got, rules, tc.want, tc.rules)
		}
	}
	// Every rule is shown with a description and a grade, and every type
	// has a plan of the five stages, each with a checklist.
	for _, r := range GradingRules() {
		if r.ID == "" || r.Description == "" || severityRank[r.Severity] == 0 {
			t.Errorf("rule %+v", r)
		}
	}
	for _, ti := range Types() {
		if ti.Title == "" || !strings.Contains(ti.Standard, "NIST") && !strings.Contains(ti.Standard, "ENISA") || len(ti.Plan) != len(stageOrder) {
			t.Errorf("type %+v", ti)
		}
		for i, st := range ti.Plan {
			if st.Stage != stageOrder[i] || len(st.Checklist) == 0 {
				t.Errorf("%s plan stage %d: %+v", ti.ID, i, st)
			}
		}
	}
}

// A stage completes only in order, with its checklist done; the
// retrospective needs its record; the incident closes only with every
// stage complete.
// proves: I2
func TestStagesInOrderAndCloseRefusedWhileOpen(t *testing.T) {
	ti, _ := typeInfo(TypeDataLeak)
	inc := Incident{Status: StatusOpen, Stages: newStages(ti, "stf_aaaaaaaaaaaaaaaaaaaaaaaaaa")}
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	by := "stf_bbbbbbbbbbbbbbbbbbbbbbbbbb"
	code := func(err error) errs.Code { return errs.CodeOf(err) }
	if err := closable(inc); code(err) != errs.Conflict {
		t.Fatalf("close with open stages: %v", err)
	}
	if _, err := applyStage(&inc, StageAnalysis, StageInput{Action: "complete"}, now, by); code(err) != errs.Conflict {
		t.Fatalf("analysis before stop-loss: %v", err)
	}
	if _, err := applyStage(&inc, StageStopLoss, StageInput{Action: "complete"}, now, by); code(err) != errs.Conflict {
		t.Fatalf("stop-loss with its checklist open: %v", err)
	}
	if _, err := applyStage(&inc, StageStopLoss, StageInput{Done: []int{99}}, now, by); code(err) != errs.Invalid {
		t.Fatalf("no such item: %v", err)
	}
	if _, err := applyStage(&inc, "cleanup", StageInput{}, now, by); code(err) != errs.NotFound {
		t.Fatalf("no such stage: %v", err)
	}
	for i, st := range inc.Stages {
		all := make([]int, len(st.Checklist))
		for j := range all {
			all[j] = j
		}
		in := StageInput{Done: all, Action: "complete"}
		if st.ID == StageRetrospective {
			if _, err := applyStage(&inc, st.ID, in, now, by); code(err) != errs.Invalid {
				t.Fatalf("retrospective without a record: %v", err)
			}
			in.Retrospective = "Exports now need a second officer's approval."
		}
		evs, err := applyStage(&inc, st.ID, in, now.Add(time.Duration(i)*time.Hour), by)
		if err != nil || len(evs) == 0 {
			t.Fatalf("stage %s: %v", st.ID, err)
		}
		if inc.Stages[i].Open() || inc.Stages[i].Checklist[0].DoneBy != by {
			t.Fatalf("stage %+v", inc.Stages[i])
		}
		if i < len(inc.Stages)-1 {
			if err := closable(inc); code(err) != errs.Conflict {
				t.Fatalf("close with %s still open: %v", inc.Stages[i+1].ID, err)
			}
		}
	}
	if err := closable(inc); err != nil {
		t.Fatalf("close with every stage complete: %v", err)
	}
	if _, err := applyStage(&inc, StageStopLoss, StageInput{Done: []int{0}}, now, by); code(err) != errs.Conflict {
		t.Fatalf("changing a complete stage: %v", err)
	}
}
