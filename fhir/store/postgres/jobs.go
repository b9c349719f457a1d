package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-health/kiln/fhir/store"
)

// The job queue (store.Jobs) on PostgreSQL. Claimers pick rows with
// FOR UPDATE SKIP LOCKED, so concurrent workers, in any number of
// processes, never wait for each other's rows and never lease the same
// attempt. Ending an attempt re-checks the lease holder in its WHERE
// clause; if a claimer holds the row, it waits for it and then sees the
// new holder. Times are the database server's now(), so workers on hosts
// whose clocks disagree still agree on when a lease expires.

const jobColumns = `id, tenant, kind, key, payload, state, attempt, max_attempts, run_at, worker, lease_until, last_error, created_at, updated_at`

// liveJob is the condition of jobs that hold their key, as the partial
// index jobs_live_key states it (ON CONFLICT must repeat it to infer the
// index).
const liveJob = `state IN ('available', 'running')`

// EnqueueJob adds a job unless a live one has its key.
func (s *Store) EnqueueJob(ctx context.Context, j store.Job) (store.Job, bool, error) {
	j, err := store.PrepareJob(j)
	if err != nil {
		return store.Job{}, false, fmt.Errorf("postgres: enqueue job: %w", err)
	}
	var runAt *time.Time // NULL: now()
	if !j.RunAt.IsZero() {
		runAt = &j.RunAt
	}
	op := fmt.Sprintf("enqueue job %s %q", j.Kind, j.Key)
	// The insert does nothing when a live job holds the key, and the
	// select then returns that job; unless it ended in between, freeing
	// the key, so the insert is tried again. Each round trip that finds
	// nothing saw the key change hands, so a few always suffice.
	for range 3 {
		rows, _ := s.pool.Query(ctx, `INSERT INTO jobs (tenant, kind, key, payload, state, attempt,
				max_attempts, run_at, worker, lease_until, last_error, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'available', 0, $5, COALESCE($6::timestamptz, now()), '', NULL, '', now(), now())
			ON CONFLICT (tenant, kind, key) WHERE key <> '' AND `+liveJob+` DO NOTHING
			RETURNING `+jobColumns,
			j.Tenant, j.Kind, j.Key, nonNil(j.Payload), j.MaxAttempts, runAt)
		created, err := pgx.CollectExactlyOneRow(rows, scanJob)
		if err == nil {
			return created, true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return store.Job{}, false, wrap(op, err)
		}
		rows, _ = s.pool.Query(ctx, `SELECT `+jobColumns+` FROM jobs
			WHERE tenant = $1 AND kind = $2 AND key = $3 AND key <> '' AND `+liveJob, j.Tenant, j.Kind, j.Key)
		existing, err := pgx.CollectExactlyOneRow(rows, scanJob)
		if err == nil {
			return existing, false, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return store.Job{}, false, wrap(op, err)
		}
	}
	return store.Job{}, false, fmt.Errorf("postgres: %s: the key's live job keeps changing: %w", op, store.ErrConflict)
}

// EnqueueJobs enqueues js one after the other: on PostgreSQL each is a
// single auto-committed statement (no writer to share), so a transaction
// around them would save nothing.
func (s *Store) EnqueueJobs(ctx context.Context, js []store.Job) ([]store.Job, error) {
	out := make([]store.Job, len(js))
	for i, j := range js {
		var err error
		if out[i], _, err = s.EnqueueJob(ctx, j); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ClaimJobs leases due jobs to worker. Jobs whose lease expired on their
// last attempt are made dead first, in the same implicit transaction (one
// batch, one round trip).
func (s *Store) ClaimJobs(ctx context.Context, worker string, kinds []string, limit int, lease time.Duration) ([]store.Job, error) {
	if err := store.CheckClaim(worker, kinds, limit, lease); err != nil {
		return nil, fmt.Errorf("postgres: claim jobs: %w", err)
	}
	var b pgx.Batch
	b.Queue(`UPDATE jobs
		SET state = 'dead', last_error = 'attempt ' || attempt || ': lease of ' || worker || ' expired', updated_at = now()
		WHERE id IN (SELECT id FROM jobs
			WHERE `+liveJob+` AND state = 'running' AND lease_until < now() AND attempt >= max_attempts
				AND kind = ANY($1)
			FOR UPDATE SKIP LOCKED)`, kinds)
	var jobs []store.Job
	b.Queue(`UPDATE jobs
		SET state = 'running', worker = $1, attempt = attempt + 1,
			lease_until = now() + $2::bigint * interval '1 microsecond', updated_at = now(),
			last_error = CASE WHEN state = 'running'
				THEN 'attempt ' || attempt || ': lease of ' || worker || ' expired' ELSE last_error END
		WHERE id IN (SELECT id FROM jobs
			WHERE `+liveJob+` AND kind = ANY($3) AND attempt < max_attempts
				AND ((state = 'available' AND run_at <= now()) OR (state = 'running' AND lease_until < now()))
			ORDER BY run_at, id LIMIT $4
			FOR UPDATE SKIP LOCKED)
		RETURNING `+jobColumns,
		worker, lease.Microseconds(), kinds, limit).Query(func(rows pgx.Rows) (err error) {
		jobs, err = pgx.CollectRows(rows, scanJob)
		return err
	})
	if err := s.pool.SendBatch(ctx, &b).Close(); err != nil {
		return nil, wrap("claim jobs", err)
	}
	store.SortJobs(jobs) // RETURNING has no order
	return jobs, nil
}

// ExtendLease moves the lease of j's attempt to now+lease.
func (s *Store) ExtendLease(ctx context.Context, j store.Job, lease time.Duration) error {
	if lease <= 0 {
		return fmt.Errorf("postgres: extend lease of job %d: lease %v is not positive", j.ID, lease)
	}
	return s.endOrExtend(ctx, "extend lease of", j,
		`lease_until = now() + $4::bigint * interval '1 microsecond', updated_at = now()`, lease.Microseconds())
}

// CompleteJob marks j's attempt, and so the job, completed.
func (s *Store) CompleteJob(ctx context.Context, j store.Job) error {
	return s.endOrExtend(ctx, "complete", j, `state = 'completed', updated_at = now()`)
}

// FailJob ends j's attempt with an error: available again at retryAt, or
// dead.
func (s *Store) FailJob(ctx context.Context, j store.Job, msg string, retryAt time.Time) error {
	var retry *time.Time // NULL: dead
	if !retryAt.IsZero() {
		retry = &retryAt
	}
	return s.endOrExtend(ctx, "fail", j, `
		state = CASE WHEN $4::timestamptz IS NULL OR attempt >= max_attempts THEN 'dead' ELSE 'available' END,
		run_at = CASE WHEN $4::timestamptz IS NULL OR attempt >= max_attempts THEN run_at ELSE $4 END,
		last_error = $5, updated_at = now()`, retry, msg)
}

// endOrExtend applies set to j's job if j's attempt still holds it: the
// same worker, the same attempt, still running. set's parameters start at
// $4.
func (s *Store) endOrExtend(ctx context.Context, op string, j store.Job, set string, args ...any) error {
	args = append([]any{j.ID, j.Worker, j.Attempt}, args...)
	tag, err := s.pool.Exec(ctx, `UPDATE jobs SET `+set+`
		WHERE id = $1 AND worker = $2 AND attempt = $3 AND state = 'running'`, args...)
	if err != nil {
		return wrap(fmt.Sprintf("%s job %d", op, j.ID), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s job %d attempt %d by %q: %w", op, j.ID, j.Attempt, j.Worker, store.ErrLeaseLost)
	}
	return nil
}

// Job returns one of tenant's jobs.
func (s *Store) Job(ctx context.Context, tenant string, id int64) (store.Job, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE tenant = $1 AND id = $2`, tenant, id)
	j, err := pgx.CollectExactlyOneRow(rows, scanJob)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Job{}, fmt.Errorf("postgres: job %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Job{}, wrap(fmt.Sprintf("job %d", id), err)
	}
	return j, nil
}

// ListJobs returns tenant's jobs that match q by ascending ID.
func (s *Store) ListJobs(ctx context.Context, tenant string, q store.JobQuery) ([]store.Job, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("postgres: list jobs: limit %d is not positive", q.Limit)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+jobColumns+` FROM jobs
		WHERE tenant = $1 AND id > $2 AND ($3 = '' OR kind = $3) AND ($4 = '' OR state = $4) AND ($5 = '' OR key = $5)
		ORDER BY id LIMIT $6`,
		tenant, q.AfterID, q.Kind, string(q.State), q.Key, q.Limit)
	jobs, err := pgx.CollectRows(rows, scanJob)
	if err != nil {
		return nil, wrap("list jobs", err)
	}
	return jobs, nil
}

func scanJob(row pgx.CollectableRow) (store.Job, error) {
	var (
		j     store.Job
		state string
		lease *time.Time // NULL before the first attempt
	)
	err := row.Scan(&j.ID, &j.Tenant, &j.Kind, &j.Key, &j.Payload, &state, &j.Attempt, &j.MaxAttempts,
		&j.RunAt, &j.Worker, &lease, &j.LastError, &j.Created, &j.Updated)
	j.State = store.JobState(state)
	if lease != nil {
		j.LeaseUntil = lease.UTC()
	}
	j.RunAt, j.Created, j.Updated = j.RunAt.UTC(), j.Created.UTC(), j.Updated.UTC()
	return j, err
}
