package store

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// NodeStore keeps which vigil nodes are alive, so that the devices of a
// node that died are marked offline by the others.
type NodeStore struct{ db *DB }

// NewNodeStore returns the node store on db.
func NewNodeStore(db *DB) *NodeStore { return &NodeStore{db: db} }

// Beat records that node is alive now. It reports whether the node had no
// row: its first beat, or another node declared it dead meanwhile.
func (s *NodeStore) Beat(ctx context.Context, node string) (inserted bool, err error) {
	err = s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE nodes SET seen_at = ? WHERE id = ?`, Micros(tx.Now), node)
		if err != nil {
			return tx.Err(err, "node")
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		inserted = true
		_, err = tx.Exec(ctx, `INSERT INTO nodes (id, seen_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, node, Micros(tx.Now))
		return tx.Err(err, "node")
	})
	return inserted, err
}

// DeadNode is a node declared dead and how many devices it held.
type DeadNode struct {
	ID       string
	LastSeen time.Time
	Devices  int64
}

// SweepDead declares dead every node other than self not alive since
// staleBefore: its devices still marked online through it are marked
// offline as of its last beat (or their own last message, if later), so
// the offline alarm follows alarm.offline_after after the node's death,
// and its row goes.
func (s *NodeStore) SweepDead(ctx context.Context, self string, staleBefore time.Time) ([]DeadNode, error) {
	var dead []DeadNode
	err := s.db.Write(ctx, func(tx *Tx) error {
		dead = dead[:0]
		rows, err := txAll(ctx, tx, "node", func(sc scanner) (d DeadNode, err error) {
			var seen int64
			err = sc.Scan(&d.ID, &seen)
			d.LastSeen = FromMicros(seen)
			return d, err
		}, `SELECT id, seen_at FROM nodes WHERE id <> ? AND seen_at < ?`, self, Micros(staleBefore))
		if err != nil {
			return err
		}
		for _, d := range rows {
			if d.Devices, err = releaseDevices(ctx, tx, d); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM nodes WHERE id = ?`, d.ID); err != nil {
				return tx.Err(err, "node")
			}
			dead = append(dead, d)
		}
		return nil
	})
	return dead, err
}

// Restarted marks offline the devices still online through node from
// before it (re)started: none of them is connected to it yet, and each
// says it is online again when it reconnects. Call it before ingesting.
func (s *NodeStore) Restarted(ctx context.Context, node string) (n int64, err error) {
	err = s.db.Write(ctx, func(tx *Tx) error {
		d := DeadNode{ID: node, LastSeen: tx.Now}
		var seen int64
		switch err := tx.QueryRow(ctx, `SELECT seen_at FROM nodes WHERE id = ?`, node).Scan(&seen); {
		case err == nil:
			d.LastSeen = FromMicros(seen)
		case !errs.Is(tx.Err(err, "node"), errs.NotFound):
			return tx.Err(err, "node")
		}
		n, err = releaseDevices(ctx, tx, d)
		return err
	})
	return n, err
}

// releaseDevices marks offline the devices online through d, as of its
// last beat or their own last message, whichever is later.
func releaseDevices(ctx context.Context, tx *Tx, d DeadNode) (int64, error) {
	at := Micros(d.LastSeen)
	res, err := tx.Exec(ctx, `UPDATE devices SET online = 0,
		last_seen_at = CASE WHEN last_seen_at < ? THEN ? ELSE last_seen_at END
		WHERE online = 1 AND node_id = ?`, at, at, d.ID)
	if err != nil {
		return 0, tx.Err(err, "devices of a node")
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Reclaim marks devices online through node again: those of its
// connections still open after other nodes declared it dead (a long pause,
// a partition).
func (s *NodeStore) Reclaim(ctx context.Context, node string, devices []string) error {
	for len(devices) > 0 {
		n := min(len(devices), 500)
		chunk := devices[:n]
		devices = devices[n:]
		err := s.db.Write(ctx, func(tx *Tx) error {
			args := []any{Micros(tx.Now), node}
			for _, d := range chunk {
				args = append(args, d)
			}
			_, err := tx.Exec(ctx, `UPDATE devices SET online = 1, last_seen_at = ?, node_id = ? WHERE id IN (?`+
				strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
			return tx.Err(err, "devices")
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Attach records that device is connected through node (leaf mode, where
// a message does not say which node's listener it came through).
func (s *NodeStore) Attach(ctx context.Context, node, device string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE devices SET node_id = ? WHERE id = ?`, node, device)
		return tx.Err(err, "devices")
	})
}

// Alive reports whether node beat since since; an error counts as alive,
// so that nothing of a node is resolved on a doubt.
func (s *NodeStore) Alive(ctx context.Context, node string, since time.Time) bool {
	alive := true
	err := s.db.Read(ctx, func(tx *Tx) error {
		var seen int64
		switch err := tx.QueryRow(ctx, `SELECT seen_at FROM nodes WHERE id = ?`, node).Scan(&seen); {
		case err == nil:
			alive = seen >= Micros(since)
		case errs.Is(tx.Err(err, "node"), errs.NotFound):
			alive = false
		default:
			return err
		}
		return nil
	})
	return alive || err != nil
}
