package app

import (
	"context"
	"fmt"

	"github.com/vigil-cloud/vigil/internal/bus"
	"github.com/vigil-cloud/vigil/internal/media/record"
	"github.com/vigil-cloud/vigil/internal/store"
)

// startRecording builds the recorder (the media.Sink the live side hands
// segments to, and the media.Marker alarms mark), resolves what a crash
// left unfinished, and plugs recordings into the privacy centre.
func (a *App) startRecording(ctx context.Context, offline bool) error {
	c := a.Config.Record
	node, err := bus.NodeID(a.busDir())
	if err != nil {
		return err
	}
	nodes := store.NewNodeStore(a.DB)
	a.Recorder = record.NewRecorder(store.NewRecordingStore(a.DB), a.Blobs, a.Gate, a.Clock, a.Log, record.Config{
		DefaultMode: record.Mode(c.DefaultMode), PreRoll: c.PreRoll, PostRoll: c.PostRoll, MarkDelay: c.MarkDelay, EventRetention: c.EventRetention,
		// Segments other nodes are writing are theirs to finish.
		Writer: node,
		Alive: func(ctx context.Context, writer string) bool {
			return nodes.Alive(ctx, writer, a.Clock.Now().Add(-a.Config.Bus.NodeTimeout))
		},
	})
	if err := a.Recorder.Register(a.Metrics); err != nil {
		return err
	}
	// The admin tools open vigil while it may be serving: only a serving
	// vigil resolves unfinished writes.
	if !offline {
		if _, err := a.Recorder.Recover(ctx); err != nil {
			return fmt.Errorf("recordings: %w", err)
		}
	}
	a.RecordSink = record.NewAsync(a.Recorder, 8)
	a.Recordings = record.NewService(a.Recorder, a.StreamTokens)
	a.RecordingRetention = record.NewRetention(a.Recorder, a.Gate, a.Retention.Held)
	return a.Recordings.RegisterPrivacy(a.Fulfil, a.RecordingRetention)
}

// closeRecording records the segments still queued.
func (a *App) closeRecording() {
	if a.RecordSink != nil {
		a.RecordSink.Close()
	}
}
