package phi

import (
	"regexp"
	"sync"
)

// reCache keeps the patterns compiled from patient hints, keyed by their
// source. The same patient's document set is usually scanned many times
// (every document, every re-run), and compiling a dozen patterns per call
// cost more than running them. It is bounded: when full it starts over,
// so a long-running worker that sees many patients holds at most
// maxEntries patterns (which embed patient values: they stay in this
// process's memory only and are never logged).
type reCache struct {
	mu         sync.Mutex
	m          map[string]*regexp.Regexp
	maxEntries int
}

func newRECache(maxEntries int) *reCache {
	return &reCache{m: map[string]*regexp.Regexp{}, maxEntries: maxEntries}
}

// compile returns the compiled pattern, compiling it on first use. The
// patterns are built from quoted values, so a compile error is a bug.
func (c *reCache) compile(pattern string) *regexp.Regexp {
	c.mu.Lock()
	re, ok := c.m[pattern]
	c.mu.Unlock()
	if ok {
		return re
	}
	re = regexp.MustCompile(pattern)
	c.mu.Lock()
	if len(c.m) >= c.maxEntries {
		clear(c.m)
	}
	c.m[pattern] = re
	c.mu.Unlock()
	return re
}
