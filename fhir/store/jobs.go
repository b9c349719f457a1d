package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The job queue lets work that outlives a request (processing an uploaded
// document, say) survive crashes and restarts: a job is a row, a worker
// leases it for a while, and a job whose worker died while holding it
// becomes claimable again when the lease runs out. Delivery is therefore
// at least once, never exactly once; the stages that jobs run must be
// idempotent.
//
// Both backends keep jobs in one plain table with the same contract, so
// that SQLite (one process, one writer) and PostgreSQL (many processes,
// FOR UPDATE SKIP LOCKED) pass one conformance suite. A dedicated queue
// library such as river was considered and left out: it exists for
// PostgreSQL only, and what Kiln needs of a queue fits in a few statements.

// JobState is where a job is in its life.
type JobState string

// Job states. Available and running jobs are live; completed and dead
// jobs are final and never change again.
const (
	// JobAvailable: waiting to be claimed once RunAt has passed.
	JobAvailable JobState = "available"
	// JobRunning: leased to Worker until LeaseUntil. When the lease
	// expires, the job is claimable again (or dead if no attempts are
	// left).
	JobRunning JobState = "running"
	// JobCompleted: a worker finished it.
	JobCompleted JobState = "completed"
	// JobDead: it failed permanently or used up its attempts; it stays for
	// inspection and is never run again.
	JobDead JobState = "dead"
)

// DefaultMaxAttempts is how many attempts a job gets when it is enqueued
// with MaxAttempts 0.
const DefaultMaxAttempts = 5

// Job is one unit of background work.
//
// Times come from the store's clock, not the caller's: the process's wall
// clock on SQLite, the database server's on PostgreSQL (so that workers on
// several hosts agree on when a lease expires). Backends keep at least
// millisecond precision and return UTC.
type Job struct {
	ID     int64
	Tenant string // "" for work that belongs to no tenant
	Kind   string // what to do, e.g. "document.process"; selects the handler
	// Key, when not empty, makes enqueueing idempotent: there is at most
	// one live (available or running) job per tenant, kind and key, and
	// enqueueing another returns that one. Completed and dead jobs do not
	// hold their key, so the same work can be enqueued again later.
	Key     string
	Payload []byte // opaque to the store
	State   JobState
	// Attempt counts the attempts started so far; claiming a job starts one.
	Attempt int
	// MaxAttempts bounds Attempt: a job that fails or loses its lease on
	// its last attempt is dead.
	MaxAttempts int
	RunAt       time.Time // not claimable before; for a retry, the backoff's end
	// Worker and LeaseUntil describe the latest attempt: who claimed it
	// and until when it may work before others may take it over. Empty
	// before the first attempt; kept after the job ends, for inspection.
	Worker     string
	LeaseUntil time.Time
	// LastError is why the latest attempt failed, or that its lease
	// expired; "" if none has.
	LastError string
	Created   time.Time
	Updated   time.Time
}

// JobQuery selects a tenant's jobs for inspection, in ascending ID order.
// Empty fields do not filter.
type JobQuery struct {
	Kind  string
	State JobState
	Key   string
	// AfterID pages forwards: only jobs with ID > AfterID.
	AfterID int64
	Limit   int // > 0
}

// Jobs is a durable job queue. Every method is its own transaction.
//
// A worker claims jobs with ClaimJobs, may extend its lease while it works,
// and ends each attempt with CompleteJob or FailJob, passing the Job as
// ClaimJobs returned it. The attempt is identified by the job's ID, Worker
// and Attempt, so a worker whose lease expired and was taken over (by
// another worker, or by itself in a later claim) cannot end the newer
// attempt: it gets ErrLeaseLost and must drop its results. Until someone
// takes it over, an expired lease still lets its holder finish.
type Jobs interface {
	// EnqueueJob adds j as an available job: Tenant, Kind (required), Key,
	// Payload, RunAt (zero for now) and MaxAttempts (zero for
	// DefaultMaxAttempts) are taken from j, the rest is set by the store.
	// If j.Key is not empty and a live job has the same tenant, kind and
	// key, it returns that job unchanged (j's payload is dropped) and
	// created false.
	EnqueueJob(ctx context.Context, j Job) (_ Job, created bool, err error)
	// EnqueueJobs enqueues each of js as EnqueueJob would, in order, and
	// returns the live job each one names (a later one with the key of an
	// earlier one gets the earlier one's job). A store may do this in one
	// transaction: a document batch queues its work without a commit per
	// document.
	EnqueueJobs(ctx context.Context, js []Job) ([]Job, error)
	// ClaimJobs leases to worker up to limit claimable jobs of the given
	// kinds (at least one), earliest RunAt first: available jobs whose
	// RunAt has passed and running jobs whose lease expired. Each claimed
	// job is running, leased until now+lease, with Attempt one higher.
	// Concurrent callers never receive the same attempt. A running job
	// whose lease expired on its last attempt is made dead instead of
	// claimed; that happens here, so it needs a claimer of its kind.
	ClaimJobs(ctx context.Context, worker string, kinds []string, limit int, lease time.Duration) ([]Job, error)
	// ExtendLease sets the lease of a claimed attempt to now+lease.
	// ErrLeaseLost if the attempt is no longer j's.
	ExtendLease(ctx context.Context, j Job, lease time.Duration) error
	// CompleteJob marks a claimed attempt's job completed. ErrLeaseLost if
	// the attempt is no longer j's.
	CompleteJob(ctx context.Context, j Job) error
	// FailJob ends a claimed attempt with the error msg. The job is
	// available again at retryAt, or dead if retryAt is zero (a permanent
	// failure) or j.Attempt >= j.MaxAttempts. ErrLeaseLost if the attempt
	// is no longer j's.
	FailJob(ctx context.Context, j Job, msg string, retryAt time.Time) error
	// Job returns one of tenant's jobs; ErrNotFound if tenant has no job id.
	Job(ctx context.Context, tenant string, id int64) (Job, error)
	// ListJobs returns tenant's jobs that match q, by ascending ID.
	ListJobs(ctx context.Context, tenant string, q JobQuery) ([]Job, error)
}

// SortJobs orders claimed jobs as a claim returns them: by RunAt, then ID.
func SortJobs(jobs []Job) {
	slices.SortFunc(jobs, func(a, b Job) int {
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// PrepareJob checks a job to enqueue and fills in its defaults; every
// backend calls it first.
func PrepareJob(j Job) (Job, error) {
	switch {
	case j.Kind == "":
		return j, errors.New("job has no kind")
	case j.MaxAttempts < 0:
		return j, fmt.Errorf("job %s: max attempts %d is negative", j.Kind, j.MaxAttempts)
	case j.MaxAttempts == 0:
		j.MaxAttempts = DefaultMaxAttempts
	}
	return j, nil
}

// CheckClaim rejects claims that could never lease anything, which are
// mistakes of the caller; every backend calls it first.
func CheckClaim(worker string, kinds []string, limit int, lease time.Duration) error {
	switch {
	case worker == "":
		return errors.New("no worker name")
	case len(kinds) == 0:
		return errors.New("no kinds")
	case limit <= 0:
		return fmt.Errorf("limit %d is not positive", limit)
	case lease <= 0:
		return fmt.Errorf("lease %v is not positive", lease)
	}
	return nil
}
