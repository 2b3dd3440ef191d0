// Package fanout hands live copies of records (an in-app message, a use of
// a staff grant) to the watchers open for a key (a person, an account), on
// this node and, through a Relay, on every other node, so that behind a
// load balancer a person sees everything live whichever node their stream
// reached. A live copy is best effort: a watcher too slow to take it misses
// it, and the stored record (the inbox, the grant-use ledger) stays the
// source of truth.
package fanout

import (
	"encoding/json"
	"log/slog"
	"sync"
)

// Relay carries a hub's messages between nodes (the device bus's external
// cluster). Messages this node sent come back to it and are recognised by
// their origin.
type Relay interface {
	Broadcast(topic string, data []byte) error
	OnBroadcast(topic string, fn func(data []byte)) error
}

// Hub fans values of type T out by key.
type Hub[T any] struct {
	mu    sync.Mutex
	subs  map[string]map[chan T]struct{}
	relay Relay
	topic string
	node  string
	log   *slog.Logger
}

// New returns a hub for this node alone.
func New[T any]() *Hub[T] { return &Hub[T]{subs: map[string]map[chan T]struct{}{}} }

// envelope is a value on the relay.
type envelope[T any] struct {
	Node  string `json:"n"`
	Key   string `json:"k"`
	Value T      `json:"v"`
}

// Connect makes the hub publish through relay under topic, and deliver
// what other nodes publish there; node is this node's ID.
func (h *Hub[T]) Connect(relay Relay, topic, node string, log *slog.Logger) error {
	h.mu.Lock()
	h.relay, h.topic, h.node, h.log = relay, topic, node, log
	h.mu.Unlock()
	return relay.OnBroadcast(topic, func(data []byte) {
		var e envelope[T]
		if err := json.Unmarshal(data, &e); err != nil || e.Key == "" {
			log.Warn("fanout: unreadable message from another node", "topic", topic)
			return
		}
		if e.Node != node {
			h.deliver(e.Key, e.Value)
		}
	})
}

// Subscribe watches key until stop is called.
func (h *Hub[T]) Subscribe(key string) (<-chan T, func()) {
	ch := make(chan T, 64)
	h.mu.Lock()
	if h.subs[key] == nil {
		h.subs[key] = map[chan T]struct{}{}
	}
	h.subs[key][ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs[key], ch)
			if len(h.subs[key]) == 0 {
				delete(h.subs, key)
			}
			h.mu.Unlock()
		})
	}
}

// Publish hands v to key's watchers here and on every other node.
func (h *Hub[T]) Publish(key string, v T) {
	h.deliver(key, v)
	h.mu.Lock()
	relay, topic, node, log := h.relay, h.topic, h.node, h.log
	h.mu.Unlock()
	if relay == nil {
		return
	}
	data, err := json.Marshal(envelope[T]{Node: node, Key: key, Value: v})
	if err == nil {
		err = relay.Broadcast(topic, data)
	}
	if err != nil {
		log.Warn("fanout: not relayed to other nodes", "topic", topic, "err", err)
	}
}

func (h *Hub[T]) deliver(key string, v T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[key] {
		select {
		case ch <- v:
		default: // a slow watcher misses the live copy, not the record
		}
	}
}
