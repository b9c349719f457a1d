package apikey

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLimiter(t *testing.T) {
	for _, tc := range []struct {
		perMinute int
		burst     int           // requests allowed at once
		retry     time.Duration // Retry-After once they are spent
	}{
		{perMinute: 60, burst: 10, retry: time.Second},
		{perMinute: 600, burst: 100, retry: time.Second}, // 0.1 s, rounded up
		{perMinute: 0, burst: 100, retry: time.Second},   // DefaultRatePerMinute
		{perMinute: 3, burst: 1, retry: 20 * time.Second},
		{perMinute: 7, burst: 1, retry: 9 * time.Second}, // 8.57 s, rounded up
		{perMinute: 12, burst: 2, retry: 5 * time.Second},
	} {
		clock := &fakeClock{t: testClock}
		l := NewLimiter(clock.Now)
		for i := range tc.burst {
			if ok, _ := l.Allow("k", tc.perMinute); !ok {
				t.Fatalf("perMinute %d: request %d refused; want %d allowed", tc.perMinute, i+1, tc.burst)
			}
		}
		for range 3 { // refusals spend nothing, so the wait does not grow
			ok, retry := l.Allow("k", tc.perMinute)
			if ok || retry != tc.retry {
				t.Fatalf("perMinute %d: request %d = %v, retry after %v; want refused, %v", tc.perMinute, tc.burst+1, ok, retry, tc.retry)
			}
		}
		if ok, _ := l.Allow("other", tc.perMinute); !ok {
			t.Errorf("perMinute %d: another key was refused", tc.perMinute)
		}
		clock.Advance(tc.retry)
		if ok, _ := l.Allow("k", tc.perMinute); !ok {
			t.Errorf("perMinute %d: refused after waiting Retry-After", tc.perMinute)
		}
		clock.Advance(time.Hour)
		for i := range tc.burst {
			if ok, _ := l.Allow("k", tc.perMinute); !ok {
				t.Fatalf("perMinute %d: after an idle hour, request %d refused; want a full burst", tc.perMinute, i+1)
			}
		}
		if ok, _ := l.Allow("k", tc.perMinute); ok {
			t.Errorf("perMinute %d: burst after an idle hour exceeds %d", tc.perMinute, tc.burst)
		}
	}
}

func TestLimiterRateChange(t *testing.T) {
	clock := &fakeClock{t: testClock}
	l := NewLimiter(clock.Now)
	for range 10 {
		l.Allow("k", 60)
	}
	if ok, _ := l.Allow("k", 60); ok {
		t.Fatal("11th request at 60/min allowed")
	}
	// Raising the key's rate takes effect from the next request: the empty
	// bucket then refills at 100 a second instead of 1 (and may hold 1000).
	if ok, retry := l.Allow("k", 6000); ok || retry != time.Second {
		t.Fatalf("first request at the raised rate = %v, %v; want refused, 1s (the bucket is empty)", ok, retry)
	}
	clock.Advance(time.Second)
	allowed := 0
	for range 200 {
		if ok, _ := l.Allow("k", 6000); ok {
			allowed++
		}
	}
	if allowed != 100 {
		t.Errorf("a second after raising the rate to 6000/min, %d of 200 allowed; want 100", allowed)
	}
	// Lowering it caps the bucket at the new burst.
	clock.Advance(time.Hour)
	for i := range 10 {
		if ok, _ := l.Allow("k", 60); !ok {
			t.Fatalf("request %d at 60/min refused", i+1)
		}
	}
	if ok, _ := l.Allow("k", 60); ok {
		t.Error("burst above 10 after lowering the rate to 60/min")
	}
}

func TestLimiterEvictsIdleBuckets(t *testing.T) {
	clock := &fakeClock{t: testClock}
	l := NewLimiter(clock.Now)
	for _, id := range []string{"a", "b", "c"} {
		l.Allow(id, 60)
	}
	clock.Advance(30 * time.Second)
	l.Allow("a", 60)
	clock.Advance(45 * time.Second) // b, c idle 75 s; a 45 s
	l.Allow("d", 60)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) != 2 || l.buckets["a"] == nil || l.buckets["d"] == nil {
		t.Errorf("buckets after a sweep: %v; want a and d", l.buckets)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	clock := &fakeClock{t: testClock}
	l := NewLimiter(clock.Now)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 50 {
				if ok, _ := l.Allow("k", 600); ok {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 100 {
		t.Errorf("%d of 800 concurrent requests allowed at a frozen clock; want the burst, 100", allowed.Load())
	}
}
