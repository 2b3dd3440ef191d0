package incident

import (
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// StageID names a stage of a response plan (I2).
type StageID string

// The stages, in the order they are worked.
const (
	StageStopLoss      StageID = "stop_loss"
	StageAnalysis      StageID = "analysis"
	StageLocating      StageID = "locating"
	StageRemediation   StageID = "remediation"
	StageRetrospective StageID = "retrospective"
)

var stageOrder = []StageID{StageStopLoss, StageAnalysis, StageLocating, StageRemediation, StageRetrospective}

var stageTitles = map[StageID]string{
	StageStopLoss: "Stop the loss", StageAnalysis: "Analysis", StageLocating: "Locating",
	StageRemediation: "Remediation", StageRetrospective: "Retrospective",
}

// Item is one line of a stage's checklist.
type Item struct {
	Text   string    `json:"text"`
	Done   bool      `json:"done"`
	DoneAt time.Time `json:"done_at"`
	DoneBy string    `json:"done_by,omitempty"`
}

// Stage is one stage of an incident's plan, with its owner and times.
type Stage struct {
	ID        StageID   `json:"id"`
	Title     string    `json:"title"`
	Owner     string    `json:"owner"` // staff ID
	Checklist []Item    `json:"checklist"`
	StartedAt time.Time `json:"started_at"`
	DoneAt    time.Time `json:"done_at"`
}

// Open reports whether the stage is not yet done.
func (st Stage) Open() bool { return st.DoneAt.IsZero() }

func newStages(t TypeInfo, owner string) []Stage {
	out := make([]Stage, 0, len(t.Plan))
	for _, ps := range t.Plan {
		st := Stage{ID: ps.Stage, Title: stageTitles[ps.Stage], Owner: owner}
		for _, text := range ps.Checklist {
			st.Checklist = append(st.Checklist, Item{Text: text})
		}
		out = append(out, st)
	}
	return out
}

// StageInput changes one stage: its owner, checklist items ticked or
// added, and its start or completion. Retrospective is the record the
// retrospective stage needs before it completes.
type StageInput struct {
	Owner         *string `json:"owner"`
	Done          []int   `json:"done"`     // checklist items ticked (0-based)
	Undone        []int   `json:"undone"`   // ticks taken back
	AddItem       string  `json:"add_item"` // a checklist line added to the plan
	Action        string  `json:"action"`   // "", "start" or "complete"
	Retrospective string  `json:"retrospective"`
}

// applyStage changes inc's stage st as in says, at now, by staffID, and
// returns the timeline lines that tell it.
func applyStage(inc *Incident, sid StageID, in StageInput, now time.Time, by string) ([]Event, error) {
	if inc.Status == StatusClosed {
		return nil, errs.E(errs.Conflict, "the incident is closed")
	}
	idx := -1
	for i, st := range inc.Stages {
		if st.ID == sid {
			idx = i
		}
	}
	if idx < 0 {
		return nil, errs.E(errs.NotFound, "no stage %q (want stop_loss, analysis, locating, remediation or retrospective)", sid)
	}
	st := &inc.Stages[idx]
	var evs []Event
	ev := func(kind, note string) { evs = append(evs, Event{At: now, By: by, Kind: kind, Note: note}) }
	if !st.Open() && (len(in.Done) > 0 || len(in.Undone) > 0 || in.AddItem != "" || in.Action == "start") {
		return nil, errs.E(errs.Conflict, "the stage %s is complete", st.Title)
	}
	if in.Owner != nil {
		if err := checkStaffID("owner", *in.Owner); err != nil {
			return nil, err
		}
		st.Owner = *in.Owner
		ev("stage_owner", st.Title+": owner changed")
	}
	if a := strings.TrimSpace(in.AddItem); a != "" {
		if err := checkText("add_item", a, 1, 300); err != nil {
			return nil, err
		}
		st.Checklist = append(st.Checklist, Item{Text: a})
		ev("checklist", st.Title+": added "+a)
	}
	for _, list := range []struct {
		idx  []int
		done bool
	}{{in.Done, true}, {in.Undone, false}} {
		for _, i := range list.idx {
			if i < 0 || i >= len(st.Checklist) {
				return nil, errs.E(errs.Invalid, "checklist item %d does not exist (the stage has %d)", i, len(st.Checklist))
			}
			it := &st.Checklist[i]
			if it.Done == list.done {
				continue
			}
			it.Done, it.DoneAt, it.DoneBy = list.done, now, by
			if !list.done {
				it.DoneAt, it.DoneBy = time.Time{}, ""
			}
			verb := "done"
			if !list.done {
				verb = "reopened"
			}
			ev("checklist", st.Title+": "+verb+": "+it.Text)
		}
		if list.done && len(list.idx) > 0 && st.StartedAt.IsZero() {
			st.StartedAt = now
		}
	}
	switch in.Action {
	case "":
	case "start":
		if st.StartedAt.IsZero() {
			st.StartedAt = now
			ev("stage_started", st.Title+" started")
		}
	case "complete":
		if !st.Open() {
			return nil, errs.E(errs.Conflict, "the stage %s is already complete", st.Title)
		}
		for _, prev := range inc.Stages[:idx] {
			if prev.Open() {
				return nil, errs.E(errs.Conflict, "complete %s first: stages are worked in order", prev.Title)
			}
		}
		for _, it := range st.Checklist {
			if !it.Done {
				return nil, errs.E(errs.Conflict, "the checklist item %q of %s is not done", it.Text, st.Title)
			}
		}
		if sid == StageRetrospective {
			r := strings.TrimSpace(in.Retrospective)
			if r == "" {
				r = inc.Retrospective
			}
			if err := checkText("retrospective", r, 20, 20000); err != nil {
				return nil, errs.E(errs.Invalid, "record the retrospective (20 to 20000 characters) before completing it")
			}
			inc.Retrospective = r
			ev("retrospective", "retrospective recorded")
		}
		if st.StartedAt.IsZero() {
			st.StartedAt = now
		}
		st.DoneAt = now
		ev("stage_done", st.Title+" complete")
	default:
		return nil, errs.E(errs.Invalid, "unknown action %q (want start or complete)", in.Action)
	}
	if sid == StageRetrospective && in.Action != "complete" && strings.TrimSpace(in.Retrospective) != "" {
		r := strings.TrimSpace(in.Retrospective)
		if err := checkText("retrospective", r, 1, 20000); err != nil {
			return nil, err
		}
		inc.Retrospective = r
		ev("retrospective", "retrospective draft saved")
	}
	return evs, nil
}

// closable refuses to close inc while one of its stages is open.
func closable(inc Incident) error {
	if inc.Status == StatusClosed {
		return errs.E(errs.Conflict, "the incident is already closed")
	}
	for _, st := range inc.Stages {
		if st.Open() {
			return errs.E(errs.Conflict, "the stage %s is still open; complete every stage before closing", st.Title)
		}
	}
	if strings.TrimSpace(inc.Retrospective) == "" {
		return errs.E(errs.Conflict, "record the retrospective before closing")
	}
	return nil
}
