package keys

import (
	"container/list"
	"sync"
	"time"

	"github.com/tink-crypto/tink-go/v2/tink"
)

// The cache of unwrapped data keys. It saves a database read and a KEK call
// per use, but it is also how long a key destroyed by another node keeps
// working here: entries live at most CacheTTL. Destroy on this node drops the
// entry at once.
const (
	CacheTTL  = time.Minute
	CacheSize = 10000
)

type cacheKey struct {
	scope Scope
	owner string
}

type cacheEntry struct {
	key     cacheKey
	aead    tink.AEAD
	expires time.Time
}

// cache is a bounded LRU of unwrapped primitives with a TTL.
type cache struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	order *list.List // front is most recently used
	items map[cacheKey]*list.Element
	// gen grows on every drop. A load that began before a drop must not
	// put back the key the drop removed (see get and put).
	gen uint64
}

func newCache(max int, ttl time.Duration) *cache {
	return &cache{max: max, ttl: ttl, order: list.New(), items: map[cacheKey]*list.Element{}}
}

// get returns a live entry, and the generation to hand to put after a miss.
func (c *cache) get(k cacheKey, now time.Time) (tink.AEAD, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, c.gen
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.items, k)
		return nil, c.gen
	}
	c.order.MoveToFront(el)
	return e.aead, c.gen
}

// put caches a, unless a drop happened since the generation gen was read.
func (c *cache) put(k cacheKey, a tink.AEAD, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if el, ok := c.items[k]; ok {
		c.order.Remove(el)
	}
	c.items[k] = c.order.PushFront(&cacheEntry{key: k, aead: a, expires: now.Add(c.ttl)})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).key)
	}
}

func (c *cache) drop(k cacheKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if el, ok := c.items[k]; ok {
		c.order.Remove(el)
		delete(c.items, k)
	}
}
