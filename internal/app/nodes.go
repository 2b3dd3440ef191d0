package app

import (
	"context"

	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/store"
)

// Liveness across nodes. Every node writes that it is alive six times per
// bus.node_timeout; a device's row names the node its connection is held
// by. A node silent for bus.node_timeout is declared dead by the others: its
// devices are marked offline as of its last beat, so their offline alarms
// follow alarm.offline_after after the death, as on a single node. A node
// that was only paused and finds itself declared dead marks the devices
// still connected to it online again.
// recoverNode marks offline the devices this node held before it
// (re)started; it runs before ingest, so a device that already reconnected
// is online again once its state message is stored.
func (a *App) recoverNode(ctx context.Context) {
	n, err := store.NewNodeStore(a.DB).Restarted(ctx, a.Bus.NodeID())
	if err != nil {
		a.Log.Warn("node liveness: devices of the previous run", "err", err)
	} else if n > 0 {
		a.Log.Info("node liveness: devices held before this start marked offline until they reconnect", "devices", n)
	}
}

// keepNodeAlive beats for this node and declares silent nodes dead.
func (a *App) keepNodeAlive(ctx context.Context) error {
	nodes, self := store.NewNodeStore(a.DB), a.Bus.NodeID()
	timeout := a.Config.Bus.NodeTimeout
	first := true
	beat := func(ctx context.Context) {
		inserted, err := nodes.Beat(ctx, self)
		if err != nil {
			a.Log.Warn("node liveness: beat", "err", err)
			return
		}
		if inserted && !first {
			a.Log.Warn("node liveness: another node declared this one dead; its connected devices are marked online again")
			if err := nodes.Reclaim(ctx, self, a.Bus.ConnectedDevices()); err != nil {
				a.Log.Warn("node liveness: reclaim devices", "err", err)
			}
		}
		first = false
		dead, err := nodes.SweepDead(ctx, self, a.Clock.Now().Add(-timeout))
		if err != nil {
			a.Log.Warn("node liveness: sweep", "err", err)
		}
		for _, d := range dead {
			a.Log.Warn("node liveness: node declared dead, its devices marked offline", "node", d.ID, "last_seen", d.LastSeen, "devices", d.Devices)
			if _, err := a.Recorder.RecoverWriter(ctx, d.ID); err != nil {
				a.Log.Warn("node liveness: recordings the dead node left unfinished", "node", d.ID, "err", err)
			}
		}
	}
	beat(ctx)
	clock.Every(ctx, timeout/6, beat)
	return nil
}
