package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
)

const tenant = "acme"

// TestWorker runs every scenario on each backend. The backends run side by
// side and so do the scenarios, on one store per backend: opening a
// PostgreSQL store costs a second, and the scenarios mostly wait for
// leases and polls. Each scenario claims a job kind of its own, so they
// cannot see each other's jobs.
func TestWorker(t *testing.T) {
	scenarios := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"RunsAndCompletes", testRunsAndCompletes},
		{"RetriesWithBackoffThenDead", testRetriesWithBackoffThenDead},
		{"PermanentErrorKillsAtOnce", testPermanentErrorKillsAtOnce},
		{"PanicIsRetriedAndWorkerSurvives", testPanicIsRetriedAndWorkerSurvives},
		{"HeartbeatKeepsLongJob", testHeartbeatKeepsLongJob},
		{"LostLeaseCancelsHandler", testLostLeaseCancelsHandler},
		{"NotifyWakesIdleWorker", testNotifyWakesIdleWorker},
		{"ClaimErrorsAreSurvived", testClaimErrorsAreSurvived},
		{"ShutdownWaitsForRunningHandlers", testShutdownWaitsForRunningHandlers},
		{"ShutdownCancelsAfterGrace", testShutdownCancelsAfterGrace},
		{"ConcurrencyLimit", testConcurrencyLimit},
	}
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := b.Open(t)
			if err := s.CreateTenant(t.Context(), tenant); err != nil {
				t.Fatalf("CreateTenant: %v", err)
			}
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					t.Parallel()
					sc.fn(t, newFixture(t, s))
				})
			}
		})
	}
}

// fixture is one scenario's view of the shared store.
type fixture struct {
	s    store.Store
	kind string // the scenario's own job kind
}

func newFixture(t *testing.T, s store.Store) *fixture {
	return &fixture{s: s, kind: "test/" + t.Name()}
}

func (f *fixture) enqueue(t *testing.T, payload string, maxAttempts int) store.Job {
	t.Helper()
	j, _, err := f.s.EnqueueJob(t.Context(), store.Job{Tenant: tenant, Kind: f.kind, Payload: []byte(payload), MaxAttempts: maxAttempts})
	if err != nil {
		t.Fatalf("EnqueueJob: %v", err)
	}
	return j
}

// start runs a new worker of f's kind on jobs (f's store, perhaps
// wrapped) until the test ends; stop ends it early and returns Run's error.
func (f *fixture) start(t *testing.T, jobs store.Jobs, h Handler, opts Options) (w *Worker, stop func() error) {
	t.Helper()
	opts.Kinds = []string{f.kind}
	if opts.Poll == 0 {
		opts.Poll = 10 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = testLogger(t, nil)
	}
	w, err := New(jobs, h, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- w.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-errc:
			case <-time.After(10 * time.Second):
				runErr = errors.New("Run did not return within 10 s of its context ending")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return w, stop
}

// waitJob polls until job id satisfies ok, and returns it.
func (f *fixture) waitJob(t *testing.T, id int64, what string, ok func(store.Job) bool) store.Job {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		j, err := f.s.Job(t.Context(), tenant, id)
		if err != nil {
			t.Fatalf("Job: %v", err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is not %s after 5 s: state %s, attempt %d, worker %q, last error %q",
				id, what, j.State, j.Attempt, j.Worker, j.LastError)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func inState(state store.JobState) func(store.Job) bool {
	return func(j store.Job) bool { return j.State == state }
}

// wait fails t unless ch is closed or sends within d.
func wait[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("%s did not happen within %v", what, d)
		panic("unreachable")
	}
}

// logBuffer collects a worker's log so tests can check what it reveals.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testLogger logs to buf if not nil, and to t when the test fails.
func testLogger(t *testing.T, buf *logBuffer) *slog.Logger {
	if buf == nil {
		buf = new(logBuffer)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker log:\n%s", buf)
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// spyJobs wraps a store to count calls and inject faults.
type spyJobs struct {
	store.Jobs
	stallLeases atomic.Bool   // ExtendLease fails (not with ErrLeaseLost) while set
	claimFaults atomic.Int32  // this many more ClaimJobs calls fail
	claimed     chan struct{} // a ClaimJobs call returned (non-blocking send)
	ends        atomic.Int32  // CompleteJob and FailJob calls
}

func newSpy(s store.Jobs) *spyJobs { return &spyJobs{Jobs: s, claimed: make(chan struct{}, 100)} }

func (s *spyJobs) ClaimJobs(ctx context.Context, worker string, kinds []string, limit int, lease time.Duration) ([]store.Job, error) {
	defer func() {
		select {
		case s.claimed <- struct{}{}:
		default:
		}
	}()
	if s.claimFaults.Add(-1) >= 0 {
		return nil, errors.New("injected claim fault")
	}
	return s.Jobs.ClaimJobs(ctx, worker, kinds, limit, lease)
}

func (s *spyJobs) ExtendLease(ctx context.Context, j store.Job, lease time.Duration) error {
	if s.stallLeases.Load() {
		return errors.New("injected lease fault")
	}
	return s.Jobs.ExtendLease(ctx, j, lease)
}

func (s *spyJobs) CompleteJob(ctx context.Context, j store.Job) error {
	s.ends.Add(1)
	return s.Jobs.CompleteJob(ctx, j)
}

func (s *spyJobs) FailJob(ctx context.Context, j store.Job, msg string, retryAt time.Time) error {
	s.ends.Add(1)
	return s.Jobs.FailJob(ctx, j, msg, retryAt)
}

func testRunsAndCompletes(t *testing.T, f *fixture) {
	const secret = "payload-Jane-Doe-1970-01-01"
	var log logBuffer
	ran := make(chan store.Job, 1)
	w, _ := f.start(t, f.s, func(ctx context.Context, j store.Job) error {
		ran <- j
		return nil
	}, Options{Log: testLogger(t, &log)})
	job := f.enqueue(t, secret, 0)

	got := wait(t, ran, 5*time.Second, "handler call")
	if got.ID != job.ID || string(got.Payload) != secret || got.Attempt != 1 {
		t.Errorf("handler got job %d attempt %d payload %q, want job %d attempt 1 payload %q",
			got.ID, got.Attempt, got.Payload, job.ID, secret)
	}
	done := f.waitJob(t, job.ID, "completed", inState(store.JobCompleted))
	if done.Worker != w.ID() || done.Attempt != 1 {
		t.Errorf("completed by %q on attempt %d, want %q on 1", done.Worker, done.Attempt, w.ID())
	}
	waitLog(t, &log, "job completed")
	if strings.Contains(log.String(), secret) {
		t.Errorf("the log reveals the payload:\n%s", log.String())
	}
}

// waitLog waits for the worker to log msg: it logs after the store call
// that tests observe.
func waitLog(t *testing.T, log *logBuffer, msg string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(log.String(), msg) {
		if time.Now().After(deadline) {
			t.Fatalf("the log does not say %q:\n%s", msg, log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testRetriesWithBackoffThenDead(t *testing.T, f *fixture) {
	const firstBackoff = 200 * time.Millisecond
	var (
		mu       sync.Mutex
		starts   []time.Time
		backoffs []int
	)
	f.start(t, f.s, func(ctx context.Context, j store.Job) error {
		mu.Lock()
		defer mu.Unlock()
		starts = append(starts, time.Now())
		return fmt.Errorf("attempt %d: upstream unavailable", j.Attempt)
	}, Options{Backoff: func(attempt int) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		backoffs = append(backoffs, attempt)
		if attempt == 1 {
			return firstBackoff
		}
		return time.Millisecond
	}})
	job := f.enqueue(t, "", 3)

	dead := f.waitJob(t, job.ID, "dead", inState(store.JobDead))
	if dead.Attempt != 3 || dead.LastError != "attempt 3: upstream unavailable" {
		t.Errorf("dead after attempt %d with %q, want attempt 3 with the handler's error", dead.Attempt, dead.LastError)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(starts) != 3 {
		t.Fatalf("handler ran %d times, want 3", len(starts))
	}
	// A generous margin: PostgreSQL compares retryAt with its own clock.
	if gap := starts[1].Sub(starts[0]); gap < firstBackoff*3/4 {
		t.Errorf("second attempt started %v after the first, want at least the backoff %v", gap, firstBackoff)
	}
	if fmt.Sprint(backoffs) != "[1 2 3]" {
		t.Errorf("Backoff called with %v, want [1 2 3]", backoffs)
	}
}

// corrupt is a permanent error of a type the worker does not know.
type corrupt struct{ permanent bool }

func (c corrupt) Error() string   { return "corrupt document" }
func (c corrupt) Permanent() bool { return c.permanent }

func testPermanentErrorKillsAtOnce(t *testing.T, f *fixture) {
	for name, err := range map[string]error{
		"Permanent":     fmt.Errorf("extract: %w", Permanent(errors.New("corrupt document"))),
		"own type":      fmt.Errorf("extract: %w", corrupt{permanent: true}),
		"joined errors": errors.Join(errors.New("first"), corrupt{permanent: true}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, f.s)
			var calls atomic.Int32
			f.start(t, f.s, func(ctx context.Context, j store.Job) error {
				calls.Add(1)
				return err
			}, Options{Backoff: func(int) time.Duration { return time.Millisecond }})
			job := f.enqueue(t, "", 5)

			dead := f.waitJob(t, job.ID, "dead", inState(store.JobDead))
			if dead.Attempt != 1 || dead.LastError != err.Error() {
				t.Errorf("dead after attempt %d with %q, want attempt 1 with %q", dead.Attempt, dead.LastError, err)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("handler ran %d times, want 1", n)
			}
		})
	}
}

func TestIsPermanent(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{errors.New("plain"), false},
		{corrupt{permanent: false}, false},
		{fmt.Errorf("wrapped: %w", corrupt{permanent: true}), true},
		{Permanent(context.DeadlineExceeded), true},
	} {
		if got := isPermanent(tt.err); got != tt.want {
			t.Errorf("isPermanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) is not nil")
	}
	if err := Permanent(context.Canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("Permanent hides its cause: %v", err)
	}
}

func testPanicIsRetriedAndWorkerSurvives(t *testing.T, f *fixture) {
	const secret = "panic-value-MRN-12345"
	var log logBuffer
	f.start(t, f.s, func(ctx context.Context, j store.Job) error {
		if j.Attempt == 1 {
			panic(secret)
		}
		return nil
	}, Options{Log: testLogger(t, &log), Backoff: func(int) time.Duration { return time.Millisecond }})
	first := f.enqueue(t, "", 0)

	done := f.waitJob(t, first.ID, "completed", inState(store.JobCompleted))
	if done.Attempt != 2 || strings.Contains(done.LastError, secret) || !strings.Contains(done.LastError, "panicked") {
		t.Errorf("completed on attempt %d after %q, want attempt 2 after a panic that does not reveal its value",
			done.Attempt, done.LastError)
	}
	// The worker goes on serving.
	second := f.enqueue(t, "", 0)
	f.waitJob(t, second.ID, "completed", inState(store.JobCompleted))

	out := log.String()
	if !strings.Contains(out, "job handler panicked") || !strings.Contains(out, "runtime/debug.Stack") {
		t.Errorf("the log lacks the panic's stack:\n%s", out)
	}
	if strings.Contains(out, secret) {
		t.Errorf("the log reveals the panic value:\n%s", out)
	}
}

func testHeartbeatKeepsLongJob(t *testing.T, f *fixture) {
	// The job outlasts three leases. A lease of 300 ms leaves room for a
	// slow heartbeat or two on a loaded test machine.
	const lease, runFor = 300 * time.Millisecond, time.Second
	started := make(chan struct{})
	a, _ := f.start(t, f.s, func(ctx context.Context, j store.Job) error {
		close(started)
		select {
		case <-time.After(runFor):
			return nil
		case <-ctx.Done():
			return fmt.Errorf("worker A: %w", context.Cause(ctx))
		}
	}, Options{ID: "A", Lease: lease})
	job := f.enqueue(t, "", 0)
	wait(t, started, 5*time.Second, "worker A starting the job")

	var stolen atomic.Int32
	f.start(t, f.s, func(ctx context.Context, j store.Job) error {
		stolen.Add(1)
		return nil
	}, Options{ID: "B", Lease: lease, Poll: 5 * time.Millisecond})

	done := f.waitJob(t, job.ID, "completed", inState(store.JobCompleted))
	if done.Worker != a.ID() || done.Attempt != 1 {
		t.Errorf("completed by %q on attempt %d, want A on 1 (last error %q)", done.Worker, done.Attempt, done.LastError)
	}
	if n := stolen.Load(); n != 0 {
		t.Errorf("worker B ran the job %d times", n)
	}
}

func testLostLeaseCancelsHandler(t *testing.T, f *fixture) {
	const lease = 100 * time.Millisecond
	spy := newSpy(f.s)
	started := make(chan struct{})
	cause := make(chan error, 1)
	_, stop := f.start(t, spy, func(ctx context.Context, j store.Job) error {
		close(started)
		<-ctx.Done()
		cause <- context.Cause(ctx)
		return ctx.Err()
	}, Options{ID: "A", Lease: lease})
	job := f.enqueue(t, "", 0)
	wait(t, started, 5*time.Second, "worker A starting the job")

	// A's heartbeats fail until B has taken the job over, then reach
	// the store and learn that the attempt is gone.
	spy.stallLeases.Store(true)
	var taken store.Job
	deadline := time.Now().Add(5 * time.Second)
	for taken.ID == 0 {
		jobs, err := f.s.ClaimJobs(t.Context(), "B", []string{f.kind}, 1, time.Minute)
		if err != nil {
			t.Fatalf("ClaimJobs: %v", err)
		}
		if len(jobs) == 1 {
			taken = jobs[0]
		} else if time.Now().After(deadline) {
			t.Fatal("A's lease did not expire")
		} else {
			time.Sleep(lease / 4)
		}
	}
	spy.stallLeases.Store(false)

	if err := wait(t, cause, 5*time.Second, "A's handler being cancelled"); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("A's handler context ended with cause %v, want store.ErrLeaseLost", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := spy.ends.Load(); n != 0 {
		t.Errorf("A tried to end the attempt it lost %d times", n)
	}
	if err := f.s.CompleteJob(t.Context(), taken); err != nil {
		t.Errorf("B cannot complete the job it took over: %v", err)
	}
	done := f.waitJob(t, job.ID, "completed", inState(store.JobCompleted))
	if done.Worker != "B" || done.Attempt != 2 {
		t.Errorf("completed by %q on attempt %d, want B on 2", done.Worker, done.Attempt)
	}
}

func testNotifyWakesIdleWorker(t *testing.T, f *fixture) {
	spy := newSpy(f.s)
	ran := make(chan struct{}, 1)
	w, _ := f.start(t, spy, func(ctx context.Context, j store.Job) error {
		ran <- struct{}{}
		return nil
	}, Options{Poll: time.Hour})
	wait(t, spy.claimed, 5*time.Second, "the first claim")

	f.enqueue(t, "", 0)
	w.Notify()
	wait(t, ran, 5*time.Second, "the notified worker running the job")
}

func testClaimErrorsAreSurvived(t *testing.T, f *fixture) {
	spy := newSpy(f.s)
	spy.claimFaults.Store(3)
	var log logBuffer
	f.start(t, spy, func(ctx context.Context, j store.Job) error { return nil }, Options{Log: testLogger(t, &log)})
	job := f.enqueue(t, "", 0)

	f.waitJob(t, job.ID, "completed", inState(store.JobCompleted))
	if n := strings.Count(log.String(), "cannot claim jobs"); n != 3 {
		t.Errorf("logged %d claim errors, want 3:\n%s", n, log.String())
	}
}

func testShutdownWaitsForRunningHandlers(t *testing.T, f *fixture) {
	started, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	_, stop := f.start(t, f.s, func(ctx context.Context, j store.Job) error {
		if calls.Add(1) == 1 {
			close(started)
			<-release // ignores ctx: it must not be cancelled within the grace period
		}
		return nil
	}, Options{Concurrency: 2, Grace: time.Minute})
	job := f.enqueue(t, "", 0)
	wait(t, started, 5*time.Second, "the job starting")

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// Jobs enqueued after the worker was told to stop stay queued.
	time.Sleep(50 * time.Millisecond)
	late := f.enqueue(t, "", 0)
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) while a handler was running", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := wait(t, stopped, 5*time.Second, "Run returning"); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if j := f.waitJob(t, job.ID, "completed", func(store.Job) bool { return true }); j.State != store.JobCompleted {
		t.Errorf("running job ended %s, want completed", j.State)
	}
	if j := f.waitJob(t, late.ID, "queued", func(store.Job) bool { return true }); j.State != store.JobAvailable || calls.Load() != 1 {
		t.Errorf("job enqueued during shutdown is %s after %d handler calls, want available after 1", j.State, calls.Load())
	}
}

func testShutdownCancelsAfterGrace(t *testing.T, f *fixture) {
	started := make(chan struct{})
	cause := make(chan error, 1)
	_, stop := f.start(t, f.s, func(ctx context.Context, j store.Job) error {
		close(started)
		<-ctx.Done()
		cause <- context.Cause(ctx)
		return ctx.Err()
	}, Options{Grace: 50 * time.Millisecond, Backoff: func(int) time.Duration { return time.Hour }})
	job := f.enqueue(t, "", 0)
	wait(t, started, 5*time.Second, "the job starting")

	begin := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(begin); d < 50*time.Millisecond {
		t.Errorf("Run returned %v after its context ended, before the grace period", d)
	}
	if err := wait(t, cause, time.Second, "the handler's cancellation"); !errors.Is(err, errStopping) {
		t.Errorf("handler context ended with cause %v, want errStopping", err)
	}
	// Interrupted, not failed: claimable again at once, not after Backoff.
	j := f.waitJob(t, job.ID, "requeued", inState(store.JobAvailable))
	if j.Attempt != 1 || !strings.Contains(j.LastError, "interrupted") || j.RunAt.After(time.Now().Add(time.Minute)) {
		t.Errorf("requeued with attempt %d, run at %v, error %q; want attempt 1, now, interrupted",
			j.Attempt, j.RunAt, j.LastError)
	}
}

func testConcurrencyLimit(t *testing.T, f *fixture) {
	const limit, jobs = 3, 10
	// Queued before the worker starts, so that its first claim could take
	// them all.
	ids := make([]int64, jobs)
	for i := range ids {
		ids[i] = f.enqueue(t, "", 0).ID
	}
	var cur, peak atomic.Int32
	f.start(t, f.s, func(ctx context.Context, j store.Job) error {
		n := cur.Add(1)
		defer cur.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(30 * time.Millisecond)
		return nil
	}, Options{Concurrency: limit})
	for _, id := range ids {
		f.waitJob(t, id, "completed", inState(store.JobCompleted))
	}
	if p := peak.Load(); p != limit {
		t.Errorf("at most %d handlers ran at once, want %d", p, limit)
	}
}

func TestDefaultBackoff(t *testing.T) {
	for _, tt := range []struct {
		attempt int
		base    time.Duration
	}{
		{0, 10 * time.Second},
		{1, 10 * time.Second},
		{2, 20 * time.Second},
		{3, 40 * time.Second},
		{9, 2560 * time.Second},
		{10, time.Hour},
		{64, time.Hour},
		{1 << 30, time.Hour},
	} {
		for range 100 {
			d := DefaultBackoff(tt.attempt)
			if lo, hi := tt.base*8/10, tt.base*12/10; d < lo || d > hi {
				t.Fatalf("DefaultBackoff(%d) = %v, want %v ± 20 %%", tt.attempt, d, tt.base)
			}
		}
	}
}

func TestNew(t *testing.T) {
	h := func(context.Context, store.Job) error { return nil }
	var jobs store.Jobs = newSpy(nil)
	for name, tt := range map[string]struct {
		jobs store.Jobs
		h    Handler
		opts Options
	}{
		"no store":             {nil, h, Options{Kinds: []string{"test"}}},
		"no handler":           {jobs, nil, Options{Kinds: []string{"test"}}},
		"no kinds":             {jobs, h, Options{}},
		"negative lease":       {jobs, h, Options{Kinds: []string{"test"}, Lease: -1}},
		"negative concurrency": {jobs, h, Options{Kinds: []string{"test"}, Concurrency: -1}},
	} {
		if _, err := New(tt.jobs, tt.h, tt.opts); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}

	kinds := []string{"test"}
	w, err := New(jobs, h, Options{Kinds: kinds})
	if err != nil {
		t.Fatal(err)
	}
	kinds[0] = "changed"
	o := w.opts
	if o.ID == "" || o.Kinds[0] != "test" || o.Concurrency != 1 || o.Lease != DefaultLease ||
		o.Poll != DefaultPoll || o.Grace != DefaultGrace || o.Backoff == nil || o.Log == nil {
		t.Errorf("defaults not applied: %+v", o)
	}
	if w2, _ := New(jobs, h, Options{Kinds: kinds}); w2.ID() == w.ID() {
		t.Errorf("two workers share the default ID %q", w.ID())
	}
}

func TestRunTwice(t *testing.T) {
	t.Parallel()
	w, err := New(newSpy(nil), func(context.Context, store.Job) error { return nil }, Options{Kinds: []string{"test"}})
	if err != nil {
		t.Fatal(err)
	}
	w.active.Store(true) // as if Run were running
	if err := w.Run(t.Context()); err == nil {
		t.Error("a second Run succeeded")
	}
}
