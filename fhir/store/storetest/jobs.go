package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// The job tests control time through the store's real clock: RunAt an hour
// away or in the past, and leases either long enough never to expire
// during a test or shortened with ExtendLease to expire after a short
// sleep. A check that something is not claimable yet never depends on a
// short interval, so a slow machine cannot fail it.

// longLease outlasts any test.
const longLease = time.Hour

// shortLease expires during a test; wait sleeps past it.
const shortLease = 150 * time.Millisecond

func wait() { time.Sleep(shortLease + 100*time.Millisecond) }

// enqueue enqueues j and fails the test on error.
func (h *harness) enqueue(j store.Job) (store.Job, bool) {
	h.Helper()
	got, created, err := h.s.EnqueueJob(h.ctx, j)
	if err != nil {
		h.Fatalf("EnqueueJob(%s %s %q): %v", j.Tenant, j.Kind, j.Key, err)
	}
	return got, created
}

// claim claims jobs and fails the test on error.
func (h *harness) claim(worker string, kinds []string, limit int, lease time.Duration) []store.Job {
	h.Helper()
	jobs, err := h.s.ClaimJobs(h.ctx, worker, kinds, limit, lease)
	if err != nil {
		h.Fatalf("ClaimJobs(%s, %v): %v", worker, kinds, err)
	}
	return jobs
}

// claimOne claims the one job of kind that must be claimable.
func (h *harness) claimOne(worker, kind string, lease time.Duration) store.Job {
	h.Helper()
	jobs := h.claim(worker, []string{kind}, 10, lease)
	if len(jobs) != 1 {
		h.Fatalf("ClaimJobs(%s, %s) = %s; want one job", worker, kind, jobString(jobs))
	}
	return jobs[0]
}

// wantNoClaim fails the test if a job of kind is claimable.
func (h *harness) wantNoClaim(why, kind string) {
	h.Helper()
	if jobs := h.claim("w-check", []string{kind}, 10, longLease); len(jobs) != 0 {
		h.Fatalf("%s: ClaimJobs = %s; want nothing", why, jobString(jobs))
	}
}

func (h *harness) job(tenant string, id int64) store.Job {
	h.Helper()
	j, err := h.s.Job(h.ctx, tenant, id)
	if err != nil {
		h.Fatalf("Job(%s, %d): %v", tenant, id, err)
	}
	return j
}

// testEnqueueJob checks what EnqueueJob stores, its defaults, and
// deduplication by key among live jobs only.
func testEnqueueJob(h *harness) {
	before := time.Now().Add(-time.Second)
	runAt := time.Now().Add(-time.Minute).Truncate(time.Millisecond).UTC()
	payload := []byte{0, 1, 2, 0xff, '{', '}'}
	j, created := h.enqueue(store.Job{Tenant: "t", Kind: "doc", Key: "k1", Payload: payload, RunAt: runAt, MaxAttempts: 3,
		State: store.JobDead, Attempt: 7, Worker: "ignored", LastError: "ignored"})
	if !created || j.ID == 0 {
		h.Fatalf("EnqueueJob = %+v, created %v; want a new job", j, created)
	}
	want := store.Job{ID: j.ID, Tenant: "t", Kind: "doc", Key: "k1", Payload: payload, State: store.JobAvailable,
		MaxAttempts: 3, RunAt: runAt, Created: j.Created, Updated: j.Updated}
	h.checkJob("EnqueueJob", j, want)
	h.checkJob("Job after EnqueueJob", h.job("t", j.ID), want)
	if j.Created.Before(before) || j.Created.After(time.Now().Add(time.Second)) || j.Created.Location() != time.UTC {
		h.Errorf("Created = %v; want about now, UTC", j.Created)
	}

	// Defaults: RunAt now, DefaultMaxAttempts; no key, empty payload.
	d, _ := h.enqueue(store.Job{Kind: "doc"})
	if d.State != store.JobAvailable || d.MaxAttempts != store.DefaultMaxAttempts || len(d.Payload) != 0 ||
		d.RunAt.Before(before) || d.RunAt.After(time.Now().Add(time.Second)) || d.Tenant != "" || d.Key != "" {
		h.Errorf("EnqueueJob with defaults = %+v; want available, %d attempts, RunAt now, empty payload",
			d, store.DefaultMaxAttempts)
	}
	if _, _, err := h.s.EnqueueJob(h.ctx, store.Job{Tenant: "t", Key: "x"}); err == nil {
		h.Errorf("EnqueueJob without a kind: no error")
	}

	// The same live key: the existing job, unchanged.
	dup, created := h.enqueue(store.Job{Tenant: "t", Kind: "doc", Key: "k1", Payload: []byte("other")})
	if created || dup.ID != j.ID || !bytes.Equal(dup.Payload, payload) {
		h.Errorf("EnqueueJob of a live key = job %d %q, created %v; want job %d unchanged, not created",
			dup.ID, dup.Payload, created, j.ID)
	}
	// The key is scoped to tenant and kind; jobs without a key never clash.
	for _, other := range []store.Job{
		{Tenant: "u", Kind: "doc", Key: "k1"},
		{Tenant: "t", Kind: "other", Key: "k1"},
		{Tenant: "t", Kind: "doc"},
		{Tenant: "t", Kind: "doc"},
	} {
		if o, created := h.enqueue(other); !created || o.ID == j.ID {
			h.Errorf("EnqueueJob(%s %s %q) = job %d, created %v; want a new job", other.Tenant, other.Kind, other.Key, o.ID, created)
		}
	}

	// A running job still holds its key; a completed one does not.
	claimed := h.claim("w1", []string{"doc"}, 1, longLease)
	if len(claimed) != 1 || claimed[0].ID != j.ID {
		h.Fatalf("ClaimJobs(limit 1) = %s; want job %d, the earliest", jobString(claimed), j.ID)
	}
	c := claimed[0]
	if dup, created := h.enqueue(store.Job{Tenant: "t", Kind: "doc", Key: "k1"}); created || dup.ID != j.ID || dup.State != store.JobRunning {
		h.Errorf("EnqueueJob of a running job's key = job %d (%s), created %v; want job %d", dup.ID, dup.State, created, j.ID)
	}
	if err := h.s.CompleteJob(h.ctx, c); err != nil {
		h.Fatalf("CompleteJob: %v", err)
	}
	if again, created := h.enqueue(store.Job{Tenant: "t", Kind: "doc", Key: "k1"}); !created || again.ID == j.ID {
		h.Errorf("EnqueueJob of a completed job's key = job %d, created %v; want a new job", again.ID, created)
	}
}

// testEnqueueJobConcurrent checks that concurrent enqueues of one key
// create one job.
func testEnqueueJobConcurrent(h *harness) {
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ids     = map[int64]bool{}
		created int
	)
	for range n {
		wg.Go(func() {
			j, c, err := h.s.EnqueueJob(h.ctx, store.Job{Tenant: "t", Kind: "doc", Key: "race"})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				h.Errorf("concurrent EnqueueJob: %v", err)
				return
			}
			ids[j.ID] = true
			if c {
				created++
			}
		})
	}
	wg.Wait()
	if len(ids) != 1 || created != 1 {
		h.Errorf("concurrent EnqueueJob of one key: %d jobs, %d created; want 1 and 1", len(ids), created)
	}
}

// testClaimJobs checks claim order, limit, the kinds filter, RunAt, and
// what a claim sets.
func testClaimJobs(h *harness) {
	now := time.Now()
	var ids []int64
	// Enqueued out of RunAt order; c and its twin c2 share a RunAt and
	// are then ordered by ID.
	at := now.Add(-time.Minute)
	for _, j := range []store.Job{
		{Key: "b", RunAt: at.Add(2 * time.Second)},
		{Key: "c", RunAt: at.Add(3 * time.Second)},
		{Key: "a", RunAt: at.Add(1 * time.Second)},
		{Key: "c2", RunAt: at.Add(3 * time.Second)},
		{Key: "later", RunAt: now.Add(time.Hour)},
	} {
		j.Tenant, j.Kind = "t", "doc"
		e, _ := h.enqueue(j)
		ids = append(ids, e.ID)
	}
	h.enqueue(store.Job{Tenant: "t", Kind: "mail", Key: "m", RunAt: at})

	before := time.Now()
	first := h.claim("w1", []string{"doc"}, 2, longLease)
	if got := jobKeys(first); got != "a b" {
		h.Errorf("ClaimJobs(limit 2) = %s; want a b, the earliest RunAt first", got)
	}
	for _, j := range first {
		if j.State != store.JobRunning || j.Worker != "w1" || j.Attempt != 1 ||
			j.LeaseUntil.Before(before.Add(longLease-time.Minute)) || j.LeaseUntil.After(time.Now().Add(longLease+time.Minute)) {
			h.Errorf("claimed %s: state %s, worker %q, attempt %d, lease until %v; want running, w1, 1, in an hour",
				j.Key, j.State, j.Worker, j.Attempt, j.LeaseUntil)
		}
		if got := h.job("t", j.ID); got.State != store.JobRunning || got.Worker != "w1" || got.Attempt != 1 {
			h.Errorf("Job(%s) after claim: %s by %q, attempt %d", j.Key, got.State, got.Worker, got.Attempt)
		}
	}
	if got := jobKeys(h.claim("w2", []string{"doc"}, 10, longLease)); got != "c c2" {
		h.Errorf("second ClaimJobs = %s; want c c2 (not the running ones, not the one due in an hour)", got)
	}
	h.wantNoClaim("everything due is running", "doc")
	if got := jobKeys(h.claim("w3", []string{"nothing", "mail", "doc"}, 10, longLease)); got != "m" {
		h.Errorf("ClaimJobs(mail, doc) = %s; want m", got)
	}
	if later := h.job("t", ids[4]); later.State != store.JobAvailable || later.Attempt != 0 {
		h.Errorf("the job due in an hour: %s, attempt %d; want available, 0", later.State, later.Attempt)
	}

	for _, bad := range []struct {
		worker string
		kinds  []string
		limit  int
		lease  time.Duration
	}{
		{"", []string{"doc"}, 1, time.Minute},
		{"w", nil, 1, time.Minute},
		{"w", []string{"doc"}, 0, time.Minute},
		{"w", []string{"doc"}, 1, 0},
	} {
		if _, err := h.s.ClaimJobs(h.ctx, bad.worker, bad.kinds, bad.limit, bad.lease); err == nil {
			h.Errorf("ClaimJobs(%q, %v, %d, %v): no error", bad.worker, bad.kinds, bad.limit, bad.lease)
		}
	}
}

// testClaimJobsConcurrent checks that concurrent claimers never receive
// the same job: every job is claimed, and completed, exactly once.
func testClaimJobsConcurrent(h *harness) {
	const jobs, workers = 120, 6
	for i := range jobs {
		h.enqueue(store.Job{Tenant: "t", Kind: "doc", Key: fmt.Sprint(i)})
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		claimed = map[int64]string{}
	)
	for w := range workers {
		worker := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			for {
				js, err := h.s.ClaimJobs(h.ctx, worker, []string{"doc"}, 3, longLease)
				if err != nil {
					h.Errorf("%s: ClaimJobs: %v", worker, err)
					return
				}
				if len(js) == 0 {
					return
				}
				for _, j := range js {
					mu.Lock()
					if prev, ok := claimed[j.ID]; ok {
						h.Errorf("job %d claimed by %s and %s", j.ID, prev, worker)
					}
					claimed[j.ID] = worker
					mu.Unlock()
					if err := h.s.CompleteJob(h.ctx, j); err != nil {
						h.Errorf("%s: CompleteJob(%d): %v", worker, j.ID, err)
					}
				}
			}
		})
	}
	wg.Wait()
	if len(claimed) != jobs {
		h.Errorf("%d jobs claimed; want %d", len(claimed), jobs)
	}
	done, err := h.s.ListJobs(h.ctx, "t", store.JobQuery{State: store.JobCompleted, Limit: 2 * jobs})
	if err != nil || len(done) != jobs {
		h.Errorf("ListJobs(completed) = %d jobs, %v; want %d", len(done), err, jobs)
	}
}

// testJobLeaseExpiry checks that a job whose lease expired is claimed
// again, and that the old attempt can then neither extend nor end it.
func testJobLeaseExpiry(h *harness) {
	j, _ := h.enqueue(store.Job{Tenant: "t", Kind: "doc"})
	old := h.claimOne("w1", "doc", longLease)
	if err := h.s.ExtendLease(h.ctx, old, longLease); err != nil {
		h.Errorf("ExtendLease: %v", err)
	}
	h.wantNoClaim("leased for an hour", "doc")

	// Until someone takes the job over, an expired lease can be extended.
	if err := h.s.ExtendLease(h.ctx, old, shortLease); err != nil {
		h.Fatalf("ExtendLease(short): %v", err)
	}
	wait()
	if err := h.s.ExtendLease(h.ctx, old, shortLease); err != nil {
		h.Errorf("ExtendLease of an expired lease nobody took over: %v", err)
	}
	wait()
	cur := h.claimOne("w2", "doc", longLease)
	if cur.ID != j.ID || cur.Attempt != 2 || cur.Worker != "w2" || cur.LastError == "" {
		h.Errorf("reclaimed job = %d attempt %d by %q, last error %q; want %d attempt 2 by w2, with an error",
			cur.ID, cur.Attempt, cur.Worker, cur.LastError, j.ID)
	}
	for name, err := range map[string]error{
		"ExtendLease": h.s.ExtendLease(h.ctx, old, longLease),
		"CompleteJob": h.s.CompleteJob(h.ctx, old),
		"FailJob":     h.s.FailJob(h.ctx, old, "late", time.Now()),
	} {
		if !errors.Is(err, store.ErrLeaseLost) {
			h.Errorf("%s by the worker whose lease expired and was taken over: %v; want ErrLeaseLost", name, err)
		}
	}
	if got := h.job("t", j.ID); got.State != store.JobRunning || got.Worker != "w2" || got.Attempt != 2 {
		h.Errorf("after the old attempt's calls: %s by %q, attempt %d; want running by w2, attempt 2", got.State, got.Worker, got.Attempt)
	}

	// The same worker taking over its own expired attempt starts a new
	// one; the old attempt is lost all the same.
	if err := h.s.ExtendLease(h.ctx, cur, shortLease); err != nil {
		h.Fatalf("ExtendLease: %v", err)
	}
	wait()
	next := h.claimOne("w2", "doc", longLease)
	if err := h.s.CompleteJob(h.ctx, cur); !errors.Is(err, store.ErrLeaseLost) {
		h.Errorf("CompleteJob of an attempt its own worker took over: %v; want ErrLeaseLost", err)
	}
	if err := h.s.CompleteJob(h.ctx, next); err != nil {
		h.Fatalf("CompleteJob: %v", err)
	}
	if err := h.s.CompleteJob(h.ctx, next); !errors.Is(err, store.ErrLeaseLost) {
		h.Errorf("CompleteJob twice: %v; want ErrLeaseLost", err)
	}
	if got := h.job("t", j.ID); got.State != store.JobCompleted || got.Attempt != 3 {
		h.Errorf("completed job: %s, attempt %d; want completed, 3", got.State, got.Attempt)
	}
	if err := h.s.CompleteJob(h.ctx, store.Job{ID: j.ID + 1000, Worker: "w2", Attempt: 1}); !errors.Is(err, store.ErrLeaseLost) {
		h.Errorf("CompleteJob of no job: %v; want ErrLeaseLost", err)
	}
	wait()
	h.wantNoClaim("a completed job whose last lease expired", "doc")
}

// testJobRetry checks FailJob with a retry time: the job waits until then
// and is then claimed for its next attempt.
func testJobRetry(h *harness) {
	j, _ := h.enqueue(store.Job{Tenant: "t", Kind: "doc"})
	c := h.claimOne("w1", "doc", longLease)
	retryAt := time.Now().Add(time.Hour).Truncate(time.Millisecond).UTC()
	if err := h.s.FailJob(h.ctx, c, "boom 1", retryAt); err != nil {
		h.Fatalf("FailJob: %v", err)
	}
	got := h.job("t", j.ID)
	if got.State != store.JobAvailable || got.LastError != "boom 1" || !got.RunAt.Equal(retryAt) || got.Attempt != 1 {
		h.Errorf("after FailJob: %s, error %q, RunAt %v, attempt %d; want available, boom 1, %v, 1",
			got.State, got.LastError, got.RunAt, got.Attempt, retryAt)
	}
	h.wantNoClaim("retry due in an hour", "doc")
	if err := h.s.FailJob(h.ctx, c, "again", time.Now()); !errors.Is(err, store.ErrLeaseLost) {
		h.Errorf("FailJob of an ended attempt: %v; want ErrLeaseLost", err)
	}

	// A retry due soon: not claimable before, claimable after.
	k, _ := h.enqueue(store.Job{Tenant: "t", Kind: "soon"})
	c = h.claimOne("w1", "soon", longLease)
	if err := h.s.FailJob(h.ctx, c, "boom", time.Now().Add(shortLease)); err != nil {
		h.Fatalf("FailJob: %v", err)
	}
	wait()
	c = h.claimOne("w2", "soon", longLease)
	if c.ID != k.ID || c.Attempt != 2 || c.LastError != "boom" {
		h.Errorf("retried job = %d attempt %d, last error %q; want %d attempt 2, boom", c.ID, c.Attempt, c.LastError, k.ID)
	}
}

// testJobDead checks that a job dies when it fails permanently, uses up
// its attempts, or loses its lease on its last attempt, and that a dead
// job frees its key.
func testJobDead(h *harness) {
	// Attempts used up: the retry time does not matter.
	j, _ := h.enqueue(store.Job{Tenant: "t", Kind: "doc", Key: "k", MaxAttempts: 2})
	for attempt := 1; attempt <= 2; attempt++ {
		c := h.claimOne("w1", "doc", longLease)
		if c.Attempt != attempt {
			h.Errorf("attempt %d: claimed attempt %d", attempt, c.Attempt)
		}
		if err := h.s.FailJob(h.ctx, c, fmt.Sprint("boom ", attempt), time.Now().Add(-time.Second)); err != nil {
			h.Fatalf("FailJob: %v", err)
		}
	}
	if got := h.job("t", j.ID); got.State != store.JobDead || got.LastError != "boom 2" || got.Attempt != 2 {
		h.Errorf("after failing every attempt: %s, %q, attempt %d; want dead, boom 2, 2", got.State, got.LastError, got.Attempt)
	}
	h.wantNoClaim("a dead job", "doc")
	if again, created := h.enqueue(store.Job{Tenant: "t", Kind: "doc", Key: "k"}); !created || again.ID == j.ID {
		h.Errorf("EnqueueJob of a dead job's key = job %d, created %v; want a new job", again.ID, created)
	}

	// A permanent failure: dead on the first attempt.
	p, _ := h.enqueue(store.Job{Tenant: "t", Kind: "perm"})
	c := h.claimOne("w1", "perm", longLease)
	if err := h.s.FailJob(h.ctx, c, "bad input", time.Time{}); err != nil {
		h.Fatalf("FailJob: %v", err)
	}
	if got := h.job("t", p.ID); got.State != store.JobDead || got.Attempt != 1 || got.LastError != "bad input" {
		h.Errorf("after a permanent failure: %s, attempt %d, %q; want dead, 1, bad input", got.State, got.Attempt, got.LastError)
	}

	// The lease of the last attempt expires: the next claim makes it dead
	// rather than claiming it.
	l, _ := h.enqueue(store.Job{Tenant: "t", Kind: "lease", MaxAttempts: 1})
	c = h.claimOne("w1", "lease", longLease)
	if err := h.s.ExtendLease(h.ctx, c, shortLease); err != nil {
		h.Fatalf("ExtendLease: %v", err)
	}
	wait()
	h.wantNoClaim("the last attempt's lease expired", "lease")
	if got := h.job("t", l.ID); got.State != store.JobDead || got.LastError == "" {
		h.Errorf("after the last attempt's lease expired: %s, %q; want dead, with an error", got.State, got.LastError)
	}
	if err := h.s.CompleteJob(h.ctx, c); !errors.Is(err, store.ErrLeaseLost) {
		h.Errorf("CompleteJob of a job that died: %v; want ErrLeaseLost", err)
	}
}

// testJobTenants checks that Job and ListJobs see one tenant's jobs, and
// ListJobs's filters and paging.
func testJobTenants(h *harness) {
	a1, _ := h.enqueue(store.Job{Tenant: "a", Kind: "doc", Key: "1"})
	a2, _ := h.enqueue(store.Job{Tenant: "a", Kind: "mail", Key: "2"})
	a3, _ := h.enqueue(store.Job{Tenant: "a", Kind: "doc", Key: "3"})
	b1, _ := h.enqueue(store.Job{Tenant: "b", Kind: "doc", Key: "1"})
	if _, err := h.s.Job(h.ctx, "b", a1.ID); !errors.Is(err, store.ErrNotFound) {
		h.Errorf("Job of another tenant's job: %v; want ErrNotFound", err)
	}
	if _, err := h.s.Job(h.ctx, "a", b1.ID+1000); !errors.Is(err, store.ErrNotFound) {
		h.Errorf("Job of no job: %v; want ErrNotFound", err)
	}
	h.claimOne("w", "mail", longLease)

	list := func(q store.JobQuery) string {
		h.Helper()
		if q.Limit == 0 {
			q.Limit = 10
		}
		js, err := h.s.ListJobs(h.ctx, "a", q)
		if err != nil {
			h.Fatalf("ListJobs(%+v): %v", q, err)
		}
		return jobKeys(js)
	}
	for _, tt := range []struct {
		q    store.JobQuery
		want string
	}{
		{store.JobQuery{}, "1 2 3"},
		{store.JobQuery{Kind: "doc"}, "1 3"},
		{store.JobQuery{State: store.JobRunning}, "2"},
		{store.JobQuery{State: store.JobAvailable, Kind: "doc"}, "1 3"},
		{store.JobQuery{Key: "3"}, "3"},
		{store.JobQuery{Limit: 2}, "1 2"},
		{store.JobQuery{AfterID: a2.ID}, "3"},
		{store.JobQuery{AfterID: a3.ID}, ""},
		{store.JobQuery{State: store.JobDead}, ""},
	} {
		if got := list(tt.q); got != tt.want {
			h.Errorf("ListJobs(a, %+v) = %q; want %q", tt.q, got, tt.want)
		}
	}
	if js, err := h.s.ListJobs(h.ctx, "b", store.JobQuery{Limit: 10}); err != nil || jobKeys(js) != "1" || js[0].ID != b1.ID {
		h.Errorf("ListJobs(b) = %s, %v; want b's job only", jobString(js), err)
	}
	if _, err := h.s.ListJobs(h.ctx, "a", store.JobQuery{}); err == nil {
		h.Errorf("ListJobs without a limit: no error")
	}
}

// checkJob compares every field of got with want.
func (h *harness) checkJob(what string, got, want store.Job) {
	h.Helper()
	if got.ID != want.ID || got.Tenant != want.Tenant || got.Kind != want.Kind || got.Key != want.Key ||
		!bytes.Equal(got.Payload, want.Payload) || got.State != want.State || got.Attempt != want.Attempt ||
		got.MaxAttempts != want.MaxAttempts || !got.RunAt.Equal(want.RunAt) || got.Worker != want.Worker ||
		!got.LeaseUntil.Equal(want.LeaseUntil) || got.LastError != want.LastError ||
		!got.Created.Equal(want.Created) || !got.Updated.Equal(want.Updated) {
		h.Errorf("%s = %+v\nwant %+v", what, got, want)
	}
	if got.RunAt.Location() != time.UTC || got.Created.Location() != time.UTC {
		h.Errorf("%s: times not in UTC: RunAt %v, Created %v", what, got.RunAt, got.Created)
	}
}

// jobKeys lists the keys of jobs in their order.
func jobKeys(jobs []store.Job) string {
	var b bytes.Buffer
	for i, j := range jobs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(j.Key)
	}
	return b.String()
}

func jobString(jobs []store.Job) string {
	var b bytes.Buffer
	for i, j := range jobs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d(%s/%s/%q %s attempt %d)", j.ID, j.Tenant, j.Kind, j.Key, j.State, j.Attempt)
	}
	return b.String()
}

func testEnqueueJobs(h *harness) {
	live, _ := h.enqueue(store.Job{Tenant: "t", Kind: "doc", Key: "k0", Payload: []byte("first")})
	got, err := h.s.EnqueueJobs(h.ctx, []store.Job{
		{Tenant: "t", Kind: "doc", Key: "k0", Payload: []byte("again")}, // live already
		{Tenant: "t", Kind: "doc", Key: "k1", Payload: []byte("a")},
		{Tenant: "t", Kind: "doc", Key: "k1", Payload: []byte("b")}, // the same key in the batch
		{Tenant: "t", Kind: "doc"},
		{Tenant: "u", Kind: "doc", Key: "k1"},
	})
	if err != nil {
		h.Fatalf("EnqueueJobs: %v", err)
	}
	if len(got) != 5 {
		h.Fatalf("EnqueueJobs returned %d jobs, want 5", len(got))
	}
	if got[0].ID != live.ID || string(got[0].Payload) != "first" {
		h.Errorf("a live key: job %d %q, want job %d unchanged", got[0].ID, got[0].Payload, live.ID)
	}
	if got[1].ID == 0 || got[2].ID != got[1].ID || string(got[2].Payload) != "a" {
		h.Errorf("one key twice in a batch: jobs %d and %d (%q); want one job, the first", got[1].ID, got[2].ID, got[2].Payload)
	}
	if got[3].ID == 0 || got[3].ID == got[1].ID || got[4].ID == got[1].ID || got[4].Tenant != "u" {
		h.Errorf("jobs without a key or of another tenant: %+v", got[3:])
	}
	if jobs, err := h.s.ListJobs(h.ctx, "t", store.JobQuery{Limit: 100}); err != nil || len(jobs) != 3 {
		h.Errorf("tenant t has %d jobs (%v); want 3", len(jobs), err)
	}
	// A bad job fails the call; nothing of it is queued on stores that
	// enqueue a batch in one transaction, and the earlier ones stay valid.
	if _, err := h.s.EnqueueJobs(h.ctx, []store.Job{{Tenant: "t", Kind: ""}}); err == nil {
		h.Errorf("EnqueueJobs without a kind: no error")
	}
	if got, err := h.s.EnqueueJobs(h.ctx, nil); err != nil || len(got) != 0 {
		h.Errorf("EnqueueJobs(nil) = %v, %v", got, err)
	}
}
