package apikey

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter enforces each key's request rate with a token bucket per key id.
//
// A bucket refills at perMinute/60 tokens a second and holds
// max(1, perMinute/6) tokens: a key may burst ten seconds' worth of
// requests after a pause, then settles to its sustained rate. Bursts are
// capped well below a minute's worth so a batch job cannot spend its whole
// minute in one instant against the database.
//
// Buckets idle for a minute are dropped. That loses nothing: a bucket
// refills completely within burst/rate = 10 s (or 60/perMinute s when the
// burst is 1, at most 60 s), and a full bucket is exactly what a new one
// is. Memory is therefore bounded by the keys used in the last two minutes
// (sweeps run once a minute), provided Allow is only called for ids that Verify accepted.
type Limiter struct {
	now func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	nextSweep time.Time
}

type bucket struct {
	lim       *rate.Limiter
	perMinute int
	lastUsed  time.Time
}

// idleTTL is how long an unused bucket is kept; see Limiter.
const idleTTL = time.Minute

// NewLimiter returns a Limiter reading time from now (time.Now when nil);
// tests pass a fake clock.
func NewLimiter(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now, buckets: make(map[string]*bucket)}
}

// Allow takes one request from key id's bucket, whose sustained rate is
// perMinute (DefaultRatePerMinute when ≤ 0). When the bucket is empty it
// returns false and how long until a request would be allowed, rounded up
// to whole seconds and at least 1 s, for a Retry-After header.
func (l *Limiter) Allow(id string, perMinute int) (ok bool, retryAfter time.Duration) {
	if perMinute <= 0 {
		perMinute = DefaultRatePerMinute
	}
	now := l.now()
	lim := l.bucket(id, perMinute, now)

	if lim.AllowN(now, 1) {
		return true, 0
	}
	// A refused AllowN spends nothing; the wait is a hint, so reading the
	// tokens separately (racing other requests of the key) is fine.
	wait := time.Duration((1 - lim.TokensAt(now)) / float64(lim.Limit()) * float64(time.Second))
	return false, max(time.Second, (wait + time.Second - 1).Truncate(time.Second))
}

// bucket returns id's rate limiter, creating it or adjusting it to a
// changed rate, and sweeps idle buckets at most once per idleTTL.
func (l *Limiter) bucket(id string, perMinute int, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !now.Before(l.nextSweep) {
		for k, b := range l.buckets {
			if now.Sub(b.lastUsed) >= idleTTL {
				delete(l.buckets, k)
			}
		}
		l.nextSweep = now.Add(idleTTL)
	}
	limit, burst := rate.Limit(float64(perMinute)/60), max(1, perMinute/6)
	b, ok := l.buckets[id]
	switch {
	case !ok:
		b = &bucket{lim: rate.NewLimiter(limit, burst), perMinute: perMinute} // starts full
		l.buckets[id] = b
	case b.perMinute != perMinute: // the key was edited
		b.lim.SetLimitAt(now, limit)
		b.lim.SetBurstAt(now, burst)
		b.perMinute = perMinute
	}
	b.lastUsed = now
	return b.lim
}
