// Package worker runs the jobs of the durable queue (store.Jobs): it claims
// jobs of the kinds it serves, runs each in a handler while keeping its
// lease alive, and records the outcome so that failed jobs come back after a
// backoff and hopeless ones end dead.
//
// The queue delivers at least once: a job whose worker crashed, stalled or
// lost its lease runs again elsewhere, so handlers must be idempotent.
package worker

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// Handler runs one job. It must return when ctx is done: that happens when
// the worker lost the job's lease (context.Cause is store.ErrLeaseLost;
// another worker may be running the job already, so results must be
// dropped) or when the worker stops and the grace period is over.
//
// The error is logged and stored as the job's LastError, so it must not
// carry PHI. An error for which errors.As finds a Permanent() bool method
// returning true fails the job at once (see Permanent); any other error
// retries it after a backoff until its attempts are used up.
type Handler func(ctx context.Context, job store.Job) error

// Options configure a Worker. Zero fields take their defaults.
type Options struct {
	// ID names the worker in the queue and in logs; it must be unique
	// among running workers. Default: hostname-pid-random.
	ID string
	// Kinds are the job kinds to claim; at least one.
	Kinds []string
	// Concurrency bounds the handlers running at once. Default 1.
	Concurrency int
	// Lease is how long a claimed job stays ours without a heartbeat; it
	// is extended every Lease/3 while the handler runs, so a crashed
	// worker's jobs come back after at most Lease. Default 2 min.
	Lease time.Duration
	// Poll is the wait between claims while the queue is empty. Notify
	// cuts it short. Default 1 s.
	Poll time.Duration
	// Grace is how long Run lets running handlers finish once its context
	// is done before it cancels them. Default 30 s.
	Grace time.Duration
	// Backoff is the delay before a failed attempt (1 for the first) is
	// retried. Default DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// Log receives one line per finished attempt and the worker's
	// troubles. Payloads are never logged: they may reference PHI.
	// Default slog.Default().
	Log *slog.Logger
}

// Defaults of Options.
const (
	DefaultLease = 2 * time.Minute
	DefaultPoll  = time.Second
	DefaultGrace = 30 * time.Second
)

// finishTimeout bounds the store calls that record an attempt's outcome.
// They run on a context of their own so that shutdown does not throw away
// the result of a handler that finished in time.
const finishTimeout = 30 * time.Second

// errStopping is the cause of handler contexts cancelled at shutdown.
var errStopping = errors.New("worker stopping")

// errPanic stands in for a recovered panic: the panic value may hold PHI,
// so it is neither logged nor stored.
var errPanic = errors.New("handler panicked (stack in the worker's log)")

// Worker claims and runs jobs. Create it with New, then call Run.
type Worker struct {
	jobs   store.Jobs
	handle Handler
	opts   Options
	log    *slog.Logger
	wake   chan struct{} // Notify's doorbell; one pending ring is enough
	active atomic.Bool
}

// New returns a worker that runs h for jobs of opts.Kinds taken from jobs.
func New(jobs store.Jobs, h Handler, opts Options) (*Worker, error) {
	switch {
	case jobs == nil:
		return nil, errors.New("worker: no job store")
	case h == nil:
		return nil, errors.New("worker: no handler")
	case len(opts.Kinds) == 0:
		return nil, errors.New("worker: no job kinds")
	case opts.Concurrency < 0, opts.Lease < 0, opts.Poll < 0, opts.Grace < 0:
		return nil, errors.New("worker: negative concurrency, lease, poll or grace")
	}
	opts.Kinds = slices.Clone(opts.Kinds)
	if opts.ID == "" {
		opts.ID = defaultID()
	}
	opts.Concurrency = cmp.Or(opts.Concurrency, 1)
	opts.Lease = cmp.Or(opts.Lease, DefaultLease)
	opts.Poll = cmp.Or(opts.Poll, DefaultPoll)
	opts.Grace = cmp.Or(opts.Grace, DefaultGrace)
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Worker{
		jobs:   jobs,
		handle: h,
		opts:   opts,
		log:    opts.Log.With("worker", opts.ID),
		wake:   make(chan struct{}, 1),
	}, nil
}

// ID returns the worker's name in the queue.
func (w *Worker) ID() string { return w.opts.ID }

// Notify tells the worker that a job was just enqueued, so that it claims
// now instead of at the end of its poll wait. It never blocks.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs jobs until ctx is done. Then it stops claiming, lets
// running handlers finish for up to Options.Grace, cancels those still
// running, waits for them to return and returns nil. Store errors do not
// stop it: it logs them and tries again after Poll. Run must not be called
// again while it runs.
func (w *Worker) Run(ctx context.Context) error {
	if !w.active.CompareAndSwap(false, true) {
		return fmt.Errorf("worker %s: already running", w.opts.ID)
	}
	defer w.active.Store(false)

	// Handlers outlive ctx by the grace period, so their context keeps
	// ctx's values but not its cancellation.
	base, stop := context.WithCancelCause(context.WithoutCancel(ctx))
	defer stop(errStopping)

	var (
		wg      sync.WaitGroup
		done    = make(chan struct{}, w.opts.Concurrency) // a handler's slot is free
		running = 0
		next    = time.Now() // earliest time to claim again
		poll    = time.NewTimer(0)
	)
	defer poll.Stop()
	for {
		if free := w.opts.Concurrency - running; free > 0 && !time.Now().Before(next) && ctx.Err() == nil {
			jobs, err := w.jobs.ClaimJobs(ctx, w.opts.ID, w.opts.Kinds, free, w.opts.Lease)
			if err != nil && ctx.Err() == nil {
				w.log.Error("cannot claim jobs", "error", err)
			}
			for _, job := range jobs {
				running++
				wg.Go(func() {
					defer func() { done <- struct{}{} }()
					w.run(base, job)
				})
			}
			// A full batch suggests more are waiting: claim again as soon
			// as a slot frees. Otherwise the queue is empty (or the store
			// failing) and the next claim waits for Poll.
			next = time.Now()
			if err != nil || len(jobs) < free {
				next = next.Add(w.opts.Poll)
			}
		}
		var tick <-chan time.Time
		if running < w.opts.Concurrency {
			poll.Reset(time.Until(next))
			tick = poll.C
		}
		select {
		case <-ctx.Done():
			w.drain(running, done, stop)
			wg.Wait()
			return nil
		case <-w.wake:
			next = time.Now()
		case <-tick:
		case <-done:
			running--
		}
	}
}

// drain waits for the running handlers to free their slots, cancelling
// them when the grace period is over.
func (w *Worker) drain(running int, done <-chan struct{}, stop context.CancelCauseFunc) {
	if running == 0 {
		return
	}
	w.log.Info("worker stopping: waiting for running jobs", "running", running, "grace", w.opts.Grace)
	grace := time.NewTimer(w.opts.Grace)
	defer grace.Stop()
	for running > 0 {
		select {
		case <-done:
			running--
		case <-grace.C:
			w.log.Warn("worker stopping: grace period over, cancelling running jobs", "running", running)
			stop(errStopping)
		}
	}
}

// run runs one claimed attempt to its end: handler, heartbeat, outcome.
func (w *Worker) run(base context.Context, job store.Job) {
	start := time.Now()
	log := w.log.With("job", job.ID, "kind", job.Kind, "tenant", job.Tenant, "attempt", job.Attempt)

	ctx, cancel := context.WithCancelCause(base)
	defer cancel(nil)
	beat, stopBeat := context.WithCancel(base)
	beating := make(chan struct{})
	go func() {
		defer close(beating)
		w.heartbeat(beat, log, job, cancel)
	}()
	err := w.call(ctx, log, job)
	stopBeat()
	<-beating

	// Record the outcome on a context that shutdown does not cancel.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(base), finishTimeout)
	defer fcancel()
	var outcome string
	var ferr error
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, store.ErrLeaseLost):
		// Another worker owns the job now; whatever we did is dropped.
		log.Warn("job abandoned: lease lost to another worker", "outcome", "lease-lost", "duration", time.Since(start))
		return
	case err == nil:
		outcome, ferr = "completed", w.jobs.CompleteJob(fctx, job)
	case errors.Is(cause, errStopping):
		// Not the job's fault: offer it to the next worker at once. It
		// still used an attempt, as it would have had we crashed.
		outcome = "interrupted"
		if job.Attempt >= job.MaxAttempts {
			outcome = "dead"
		}
		ferr = w.jobs.FailJob(fctx, job, fmt.Sprintf("interrupted: %v", err), time.Now())
	case isPermanent(err):
		outcome, ferr = "dead", w.jobs.FailJob(fctx, job, err.Error(), time.Time{})
	default:
		outcome = "retry"
		if job.Attempt >= job.MaxAttempts {
			outcome = "dead"
		}
		retryAt := time.Now().Add(max(w.opts.Backoff(job.Attempt), 0))
		ferr = w.jobs.FailJob(fctx, job, err.Error(), retryAt)
	}
	attrs := []any{"outcome", outcome, "duration", time.Since(start)}
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	switch {
	case errors.Is(ferr, store.ErrLeaseLost):
		log.Warn("job outcome dropped: lease lost to another worker", append(attrs, "store_error", ferr)...)
	case ferr != nil:
		log.Error("cannot record job outcome; the job runs again when its lease expires", append(attrs, "store_error", ferr)...)
	case err != nil:
		log.Warn("job failed", attrs...)
	default:
		log.Info("job completed", attrs...)
	}
}

// call runs the handler, turning a panic into errPanic. The log gets the
// stack but not the panic value, which may hold PHI.
func (w *Worker) call(ctx context.Context, log *slog.Logger, job store.Job) (err error) {
	defer func() {
		if recover() != nil {
			log.Error("job handler panicked", "stack", string(debug.Stack()))
			err = errPanic
		}
	}()
	return w.handle(ctx, job)
}

// heartbeat extends job's lease every Lease/3 until ctx is done. When the
// store says the attempt is no longer ours, it cancels the handler with
// cause store.ErrLeaseLost. Other errors are retried on the next beat: the
// lease has two more beats to run before anyone may take the job over.
func (w *Worker) heartbeat(ctx context.Context, log *slog.Logger, job store.Job, lost context.CancelCauseFunc) {
	t := time.NewTicker(max(w.opts.Lease/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := w.jobs.ExtendLease(ctx, job, w.opts.Lease)
		switch {
		case err == nil:
		case errors.Is(err, store.ErrLeaseLost):
			log.Warn("job lease lost; cancelling its handler", "error", err)
			lost(store.ErrLeaseLost)
			return
		case ctx.Err() != nil:
			return
		default:
			log.Warn("cannot extend job lease", "error", err)
		}
	}
}

// DefaultBackoff waits 10 s before the second attempt and doubles the wait
// for each further one, up to 1 h, each time ±20 % at random so that jobs
// that failed together (a database outage) do not return together.
func DefaultBackoff(attempt int) time.Duration {
	d := time.Hour
	if attempt < 10 { // 10 s × 2⁹ is past the cap already
		d = min(10*time.Second<<max(attempt-1, 0), time.Hour)
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Permanent marks err as one that retrying cannot cure (a corrupt file), so
// the worker fails the job at once. It returns nil for nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ error }

func (e permanentError) Unwrap() error   { return e.error }
func (e permanentError) Permanent() bool { return true }

func isPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// defaultID is hostname-pid-random: readable in the jobs table, and unique
// even when a restarted process reuses its pid.
func defaultID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "worker"
	}
	b := make([]byte, 4)
	crand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}
