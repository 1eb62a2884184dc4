package daemon

import (
	"math"
	"sync"
	"time"
)

// RateLimit bounds how many requests an endpoint accepts: Burst at once,
// then one every Every. The zero RateLimit means DefaultWakeRate.
type RateLimit struct {
	Burst int
	Every time.Duration
}

// DefaultWakeRate is the limit of POST /reconcile and POST /webhook, each
// on its own: 10 at once, then 10 a minute. Wakes coalesce into one pass
// anyway; the limit bounds the HMAC work and the log lines that requests
// from strangers cost.
var DefaultWakeRate = RateLimit{Burst: 10, Every: 6 * time.Second}

// bucket is a token bucket: it holds up to Burst tokens, gains one every
// Every, and each accepted request takes one.
type bucket struct {
	limit RateLimit
	now   func() time.Time

	mu      sync.Mutex
	tokens  float64
	last    time.Time
	limited bool // the last request was refused
}

func newBucket(l RateLimit, now func() time.Time) *bucket {
	if l.Burst <= 0 || l.Every <= 0 {
		l = DefaultWakeRate
	}
	return &bucket{limit: l, now: now, tokens: float64(l.Burst), last: now()}
}

// take takes a token. Without one, it says how long until the next one,
// and whether this is the first refusal since a request was accepted (so
// that a flood is logged once, not once per request).
func (b *bucket) take() (ok bool, wait time.Duration, first bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if elapsed := now.Sub(b.last); elapsed > 0 { // a clock stepping back adds nothing
		b.tokens = math.Min(float64(b.limit.Burst), b.tokens+float64(elapsed)/float64(b.limit.Every))
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		b.limited = false
		return true, 0, false
	}
	first = !b.limited
	b.limited = true
	return false, time.Duration((1 - b.tokens) * float64(b.limit.Every)), first
}
