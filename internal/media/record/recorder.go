package record

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-cloud/vigil/internal/access"
	"github.com/vigil-cloud/vigil/internal/blob"
	"github.com/vigil-cloud/vigil/internal/clock"
	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/media"
)

// Config tunes recording.
type Config struct {
	PreRoll        time.Duration // events mode: kept in memory before a mark
	PostRoll       time.Duration // events mode: recorded after a mark
	MarkDelay      time.Duration // events mode: how late a mark may arrive after the video it marks and still get its pre-roll
	DefaultMode    Mode          // when the owner set none
	Retention      time.Duration // the ceiling of every account's retention (the data map's)
	EventRetention time.Duration // the ceiling of the retention of event-marked segments
	SettingsTTL    time.Duration // how long a stream caches its settings
	// Writer names this node in the rows it writes (its bus node ID, the
	// same across restarts); random when empty.
	Writer string
	// Alive tells whether another writer (vigil node) is alive, so that
	// Recover leaves its writes in flight alone; nil takes every other
	// writer for dead (one node).
	Alive func(ctx context.Context, writer string) bool
}

// Defaults fills the zero fields of c.
func (c Config) Defaults() Config {
	if c.PreRoll <= 0 {
		c.PreRoll = 10 * time.Second
	}
	if c.PostRoll <= 0 {
		c.PostRoll = 20 * time.Second
	}
	if c.MarkDelay <= 0 {
		c.MarkDelay = 5 * time.Second
	}
	if !c.DefaultMode.Valid() {
		c.DefaultMode = Continuous
	}
	if c.Retention <= 0 {
		c.Retention = 30 * 24 * time.Hour
	}
	if c.EventRetention <= 0 {
		c.EventRetention = 90 * 24 * time.Hour
	}
	if c.SettingsTTL <= 0 {
		c.SettingsTTL = 10 * time.Second
	}
	return c
}

// Recorder is the media.Sink and media.Marker that records.
type Recorder struct {
	st     Store
	blobs  *blob.Sealed
	clk    clock.Clock
	log    *slog.Logger
	cfg    Config
	writer string // this process, in the intent rows it writes
	gate   *access.Gate
	m      *metrics
	index  *groupCommit // the segments' index steps, group-committed

	mu      sync.Mutex
	streams map[streamKey]*stream
}

var (
	_ media.Sink   = (*Recorder)(nil)
	_ media.Marker = (*Recorder)(nil)
)

type streamKey struct {
	account, device string
	channel         int
}

// stream is the state of one device channel.
type stream struct {
	mu         sync.Mutex
	inits      map[string]int64 // session -> stored init
	ring       []held           // events mode: the pre-roll, not stored
	keepUntil  time.Time        // events mode: segments starting before it are stored
	marks      []time.Time      // recent marks, to mark segments that arrive after them
	settings   Settings         // effective
	settingsAt time.Time
	dropped    atomic.Int64 // segments dropped (storage behind) since the last one stored; not under mu
}

type held struct {
	seg    media.Segment
	marked bool
}

// NewRecorder returns a recorder. Call Recover before the first segment.
func NewRecorder(st Store, blobs *blob.Sealed, gate *access.Gate, clk clock.Clock, log *slog.Logger, cfg Config) *Recorder {
	var b [8]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand does not fail
	writer := cfg.Writer
	if writer == "" {
		writer = hex.EncodeToString(b[:])
	}
	m := newMetrics()
	return &Recorder{st: st, blobs: blobs, gate: gate, m: m, clk: clk, log: log, cfg: cfg.Defaults(), writer: writer,
		index: &groupCommit{st: st, writer: writer, m: m}, streams: map[streamKey]*stream{}}
}

// Config returns the effective configuration.
func (r *Recorder) Config() Config { return r.cfg }

// Recover resolves what a crash left, before this node records: every row
// not stored that this node wrote before it (re)started, or that a node no
// longer alive wrote, loses its blob (if any), then the row. Writes in
// flight on nodes that are alive are theirs to finish. It returns how many
// rows it resolved.
func (r *Recorder) Recover(ctx context.Context) (int, error) {
	return r.resolve(ctx, func(writer string) bool {
		return writer == r.writer || r.cfg.Alive == nil || !r.cfg.Alive(ctx, writer)
	})
}

// RecoverWriter resolves the unfinished writes of a node declared dead
// while this one runs.
func (r *Recorder) RecoverWriter(ctx context.Context, writer string) (int, error) {
	if writer == r.writer {
		return 0, nil
	}
	return r.resolve(ctx, func(w string) bool { return w == writer })
}

// resolve drops the unfinished rows whose writer mine says to.
func (r *Recorder) resolve(ctx context.Context, mine func(writer string) bool) (int, error) {
	ins, err := r.st.Intents(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, in := range ins {
		if in.Writer != "" && !mine(in.Writer) {
			continue
		}
		if err := r.drop(ctx, in); err != nil {
			return n, err
		}
		n++
	}
	if n > 0 {
		r.log.Info("recordings: resolved unfinished writes", "rows", n)
	}
	return n, nil
}

// drop deletes an intent's blob, then its row. A key that cannot name a
// blob never had one.
func (r *Recorder) drop(ctx context.Context, in Intent) error {
	if err := r.blobs.Delete(ctx, in.AccountID, in.key()); err != nil && !errs.Is(err, errs.NotFound) && !errs.Is(err, errs.Invalid) {
		return err
	}
	return r.st.DropIntent(ctx, in)
}

func (r *Recorder) stream(k streamKey) *stream {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.streams[k]
	if s == nil {
		s = &stream{inits: map[string]int64{}}
		r.streams[k] = s
	}
	return s
}

// Forget drops the cached settings of an account's streams, so a change
// applies to the next segment.
func (r *Recorder) Forget(accountID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, s := range r.streams {
		if k.account == accountID {
			s.mu.Lock()
			s.settingsAt = time.Time{}
			s.mu.Unlock()
		}
	}
}

// forgetSessions drops the cached session inits of a device whose
// recordings are all purged.
func (r *Recorder) forgetSessions(accountID, deviceID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, s := range r.streams {
		if k.account == accountID && k.device == deviceID {
			s.mu.Lock()
			clear(s.inits)
			s.mu.Unlock()
		}
	}
}

// effective merges the levels of settings with the configured defaults and
// ceilings: a lower level may only shorten what the level above allows.
func (r *Recorder) effective(acct, dev, ch Settings) Settings {
	out := Settings{Mode: r.cfg.DefaultMode, Retention: r.cfg.Retention, EventRetention: r.cfg.EventRetention}
	for _, s := range []Settings{acct, dev, ch} {
		if s.Mode.Valid() {
			out.Mode = s.Mode
		}
		if s.Retention > 0 && s.Retention < out.Retention {
			out.Retention = s.Retention
		}
		if s.EventRetention > 0 && s.EventRetention < out.EventRetention {
			out.EventRetention = s.EventRetention
		}
	}
	return out
}

func (r *Recorder) settings(ctx context.Context, k streamKey, s *stream) (Settings, error) {
	now := r.clk.Now()
	if !s.settingsAt.IsZero() && now.Sub(s.settingsAt) < r.cfg.SettingsTTL && now.After(s.settingsAt.Add(-time.Second)) {
		return s.settings, nil
	}
	a, d, c, err := r.st.Settings(ctx, k.account, k.device, k.channel)
	if err != nil {
		return Settings{}, err
	}
	s.settings, s.settingsAt = r.effective(a, d, c), now
	return s.settings, nil
}

// Segment records seg per its channel's mode.
func (r *Recorder) Segment(ctx context.Context, seg media.Segment) error {
	if err := checkSegment(seg); err != nil {
		return err
	}
	k := streamKey{seg.AccountID, seg.DeviceID, seg.Channel}
	s := r.stream(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	set, err := r.settings(ctx, k, s)
	if err != nil {
		return err
	}
	end := seg.Start.Add(seg.Duration)
	marked := s.nearMark(seg.Start, end, r.cfg)
	switch set.Mode {
	case Off:
		s.ring = nil
		r.m.skipped.Inc()
		return nil
	case Events:
		if !marked && !seg.Start.Before(s.keepUntil) {
			s.ring = append(s.ring, held{seg, false})
			n := len(s.ring)
			s.trim(end, r.cfg.PreRoll+r.cfg.MarkDelay)
			r.m.skipped.Add(float64(n - len(s.ring)))
			return nil
		}
		if err := r.flush(ctx, s); err != nil {
			return err
		}
	}
	return r.store(ctx, s, seg, marked)
}

// nearMark reports whether a recent mark falls within the pre-roll after
// or the post-roll before [start, end].
func (s *stream) nearMark(start, end time.Time, cfg Config) bool {
	for _, at := range s.marks {
		if !end.Before(at.Add(-cfg.PreRoll)) && !start.After(at.Add(cfg.PostRoll)) {
			return true
		}
	}
	return false
}

// trim keeps in the ring the segments that end within keep before end:
// the pre-roll, and the time a mark may take to arrive.
func (s *stream) trim(end time.Time, keep time.Duration) {
	i := 0
	for i < len(s.ring) && !s.ring[i].seg.Start.Add(s.ring[i].seg.Duration).After(end.Add(-keep)) {
		i++
	}
	s.ring = s.ring[i:]
}

// flush stores the segments of the ring that lie around a mark, in order,
// and forgets the others: they are older than any mark's pre-roll.
func (r *Recorder) flush(ctx context.Context, s *stream) error {
	for len(s.ring) > 0 {
		h := s.ring[0]
		if s.nearMark(h.seg.Start, h.seg.Start.Add(h.seg.Duration), r.cfg) {
			if err := r.store(ctx, s, h.seg, true); err != nil {
				return err
			}
		} else {
			r.m.skipped.Inc()
		}
		s.ring = s.ring[1:]
	}
	return nil
}

// Mark records an event mark: it marks the channel's segments around it,
// and in events mode stores the pre-roll and what follows for the
// post-roll.
func (r *Recorder) Mark(ctx context.Context, m media.Mark) error {
	return r.MarkAll(ctx, []media.Mark{m})
}

var _ media.BatchMarker = (*Recorder)(nil)

// MarkAll records many event marks as Mark does, storing them in one
// transaction. A mark that is not valid is left out and named in the
// error; the others are recorded.
func (r *Recorder) MarkAll(ctx context.Context, ms []media.Mark) error {
	var bad error
	valid := make([]media.Mark, 0, len(ms))
	for _, m := range ms {
		if err := checkMark(m); err != nil {
			bad = errors.Join(bad, err)
			continue
		}
		valid = append(valid, m)
	}
	if len(valid) == 0 {
		return bad
	}
	if err := r.st.AddMarks(ctx, valid, r.cfg.PreRoll, r.cfg.PostRoll); err != nil {
		if len(valid) == 1 {
			return errors.Join(bad, err)
		}
		// One mark the store refuses fails alone.
		var stored []media.Mark
		for _, m := range valid {
			if err := r.st.AddMarks(ctx, []media.Mark{m}, r.cfg.PreRoll, r.cfg.PostRoll); err != nil {
				bad = errors.Join(bad, err)
				continue
			}
			stored = append(stored, m)
		}
		valid = stored
	}
	for _, m := range valid {
		if err := r.noteMark(ctx, m); err != nil {
			bad = errors.Join(bad, err)
		}
	}
	return bad
}

func checkMark(m media.Mark) error {
	if m.AccountID == "" || m.DeviceID == "" || m.At.IsZero() || m.Channel < 0 {
		return errs.E(errs.Invalid, "event mark without account, device or time")
	}
	if len(m.Kind) > 64 || len(m.Ref) > 128 {
		return errs.E(errs.Invalid, "event mark kind or reference too long")
	}
	return nil
}

// noteMark keeps a stored mark in the stream's memory: segments around it
// are marked as they come, and the pre-roll held is stored.
func (r *Recorder) noteMark(ctx context.Context, m media.Mark) error {
	k := streamKey{m.AccountID, m.DeviceID, m.Channel}
	s := r.stream(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	// Marks older than a pre-roll and a post-roll no longer touch new
	// segments.
	keep := s.marks[:0]
	for _, at := range s.marks {
		if at.Add(r.cfg.PostRoll + r.cfg.PreRoll).After(m.At) {
			keep = append(keep, at)
		}
	}
	s.marks = append(keep, m.At)
	if until := m.At.Add(r.cfg.PostRoll); until.After(s.keepUntil) {
		s.keepUntil = until
	}
	// The pre-roll in memory: what overlaps the mark's window is stored,
	// in order; what is older than any mark's window goes.
	return r.flush(ctx, s)
}

// store writes the session's init once, then the segment: intent row, sealed
// blob, stored mark.
func (r *Recorder) store(ctx context.Context, s *stream, seg media.Segment, marked bool) error {
	began := time.Now()
	err := r.write(ctx, s, seg, marked)
	if err != nil {
		r.m.failed.Inc()
		return err
	}
	r.m.segments.Inc()
	r.m.bytes.Add(float64(seg.Fragments.Len()))
	r.m.write.Observe(time.Since(began).Seconds())
	return nil
}

func (r *Recorder) write(ctx context.Context, s *stream, seg media.Segment, marked bool) error {
	initID, err := r.initID(ctx, s, seg)
	if err != nil {
		return err
	}
	var codecs []string
	for _, t := range seg.Tracks {
		codecs = append(codecs, t.Codec)
	}
	dropped := s.dropped.Load()
	row := SegmentRow{AccountID: seg.AccountID, DeviceID: seg.DeviceID, Channel: seg.Channel, InitID: initID, Seq: seg.Seq,
		Start: seg.Start.UTC(), End: seg.Start.Add(seg.Duration).UTC(), Bytes: int64(seg.Fragments.Len()),
		HasAudio: seg.HasAudio(), Codecs: strings.Join(codecs, ","), Marked: marked, ClaimedAt: seg.ClaimedAt, DroppedBefore: int(dropped)}
	begun := r.index.do(ctx, IndexStep{Row: row})
	if begun.Err != nil {
		return begun.Err
	}
	row.ID = begun.Row.ID
	in := Intent{ID: row.ID, AccountID: row.AccountID, DeviceID: row.DeviceID, Channel: row.Channel}
	if err := r.blobs.Put(ctx, row.AccountID, in.key(), seg.Fragments.Reader()); err != nil {
		return errors.Join(err, r.drop(context.WithoutCancel(ctx), in))
	}
	if err := r.index.do(ctx, IndexStep{Complete: true, Row: row}).Err; err != nil {
		// The intent may have been resolved by another node's start-up: the
		// blob must not outlive it.
		return errors.Join(err, r.drop(context.WithoutCancel(ctx), in))
	}
	s.dropped.Add(-dropped)
	return nil
}

// dropped notes that n segments of a stream were dropped before reaching
// the recorder (storage behind): the next range stored says so.
func (r *Recorder) dropped(k streamKey, n int) {
	r.stream(k).dropped.Add(int64(n))
	r.m.dropped.Add(float64(n))
}

func (r *Recorder) initID(ctx context.Context, s *stream, seg media.Segment) (int64, error) {
	if id, ok := s.inits[seg.Session]; ok {
		return id, nil
	}
	row := InitRow{AccountID: seg.AccountID, DeviceID: seg.DeviceID, Channel: seg.Channel, Session: seg.Session, Bytes: int64(len(seg.Init)),
		ClaimedAt: seg.ClaimedAt}
	if found, err := r.st.FindInit(ctx, row.AccountID, row.DeviceID, row.Channel, row.Session); err == nil {
		s.inits[seg.Session] = found.ID
		return found.ID, nil
	} else if !errs.Is(err, errs.NotFound) {
		return 0, err
	}
	id, err := r.st.BeginInit(ctx, row, r.writer)
	if err != nil {
		return 0, err
	}
	in := Intent{Init: true, ID: id, AccountID: row.AccountID, DeviceID: row.DeviceID, Channel: row.Channel}
	if err := r.blobs.Put(ctx, row.AccountID, in.key(), bytes.NewReader(seg.Init)); err != nil {
		return 0, errors.Join(err, r.drop(context.WithoutCancel(ctx), in))
	}
	if err := r.st.CompleteInit(ctx, id); err != nil {
		return 0, errors.Join(err, r.drop(context.WithoutCancel(ctx), in))
	}
	if len(s.inits) > 64 {
		clear(s.inits)
	}
	s.inits[seg.Session] = id
	return id, nil
}
