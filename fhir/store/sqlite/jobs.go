package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// The job queue (store.Jobs) on SQLite. Every statement that changes jobs
// runs on the single write connection, so claims are serialised and two
// workers can never lease the same attempt; what FOR UPDATE SKIP LOCKED
// achieves on PostgreSQL, the write lock achieves here. Times are the
// process's wall clock in Unix milliseconds.

const jobColumns = `id, tenant, kind, key, payload, state, attempt, max_attempts, run_at, worker, lease_until, last_error, created_at, updated_at`

// liveJob is the condition of jobs that hold their key, as the partial
// index jobs_live_key states it.
const liveJob = `state IN ('available', 'running')`

// EnqueueJob adds a job unless a live one has its key.
func (s *Store) EnqueueJob(ctx context.Context, j store.Job) (store.Job, bool, error) {
	var created bool
	jobs, err := s.enqueue(ctx, []store.Job{j}, &created)
	if err != nil {
		return store.Job{}, false, err
	}
	return jobs[0], created, nil
}

// EnqueueJobs enqueues js in one transaction.
func (s *Store) EnqueueJobs(ctx context.Context, js []store.Job) ([]store.Job, error) {
	return s.enqueue(ctx, js, nil)
}

// enqueue enqueues js in one transaction; created, if not nil, reports
// whether the last one made a new job.
func (s *Store) enqueue(ctx context.Context, js []store.Job, created *bool) ([]store.Job, error) {
	if len(js) == 0 {
		return nil, nil
	}
	prepared := make([]store.Job, len(js))
	for i, j := range js {
		var err error
		if prepared[i], err = store.PrepareJob(j); err != nil {
			return nil, fmt.Errorf("sqlite: enqueue job: %w", err)
		}
	}
	tx, err := s.write.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: enqueue jobs: %w", err)
	}
	defer tx.Rollback()
	out := make([]store.Job, len(prepared))
	for i, j := range prepared {
		isNew := false
		if j.Key != "" {
			existing, err := scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs
				WHERE tenant = ? AND kind = ? AND key = ? AND key <> '' AND `+liveJob, j.Tenant, j.Kind, j.Key))
			if err == nil {
				out[i] = existing
				if created != nil {
					*created = false
				}
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("sqlite: enqueue job %s %q: %w", j.Kind, j.Key, err)
			}
		}
		now := time.Now().UnixMilli()
		runAt := now
		if !j.RunAt.IsZero() {
			runAt = j.RunAt.UnixMilli()
		}
		job, err := scanJob(tx.QueryRowContext(ctx, `INSERT INTO jobs (tenant, kind, key, payload, state, attempt,
				max_attempts, run_at, worker, lease_until, last_error, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'available', 0, ?, ?, '', 0, '', ?, ?) RETURNING `+jobColumns,
			j.Tenant, j.Kind, j.Key, nonNil(j.Payload), j.MaxAttempts, runAt, now, now))
		if err != nil {
			return nil, fmt.Errorf("sqlite: enqueue job %s %q: %w", j.Kind, j.Key, err)
		}
		out[i], isNew = job, true
		if created != nil {
			*created = isNew
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: enqueue jobs: %w", err)
	}
	return out, nil
}

// ClaimJobs leases due jobs to worker. Jobs whose lease expired on their
// last attempt are made dead first, in the same transaction.
func (s *Store) ClaimJobs(ctx context.Context, worker string, kinds []string, limit int, lease time.Duration) ([]store.Job, error) {
	if err := store.CheckClaim(worker, kinds, limit, lease); err != nil {
		return nil, fmt.Errorf("sqlite: claim jobs: %w", err)
	}
	kindList, err := json.Marshal(kinds)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim jobs: %w", err)
	}
	tx, err := s.write.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim jobs: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UnixMilli()
	if _, err := tx.ExecContext(ctx, `UPDATE jobs
		SET state = 'dead', last_error = 'attempt ' || attempt || ': lease of ' || worker || ' expired', updated_at = ?
		WHERE `+liveJob+` AND state = 'running' AND lease_until < ? AND attempt >= max_attempts
			AND kind IN (SELECT value FROM json_each(?))`, now, now, kindList); err != nil {
		return nil, fmt.Errorf("sqlite: claim jobs: expire leases: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `UPDATE jobs
		SET state = 'running', worker = ?, attempt = attempt + 1, lease_until = ?, updated_at = ?,
			last_error = CASE WHEN state = 'running'
				THEN 'attempt ' || attempt || ': lease of ' || worker || ' expired' ELSE last_error END
		WHERE id IN (SELECT id FROM jobs
			WHERE `+liveJob+` AND kind IN (SELECT value FROM json_each(?)) AND attempt < max_attempts
				AND ((state = 'available' AND run_at <= ?) OR (state = 'running' AND lease_until < ?))
			ORDER BY run_at, id LIMIT ?)
		RETURNING `+jobColumns,
		worker, now+lease.Milliseconds(), now, kindList, now, now, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim jobs: %w", err)
	}
	jobs, err := collectJobs(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim jobs: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: claim jobs: %w", err)
	}
	store.SortJobs(jobs) // RETURNING has no order
	return jobs, nil
}

// ExtendLease moves the lease of j's attempt to now+lease.
func (s *Store) ExtendLease(ctx context.Context, j store.Job, lease time.Duration) error {
	if lease <= 0 {
		return fmt.Errorf("sqlite: extend lease of job %d: lease %v is not positive", j.ID, lease)
	}
	now := time.Now().UnixMilli()
	return s.endOrExtend(ctx, "extend lease of", j, `lease_until = ?, updated_at = ?`, now+lease.Milliseconds(), now)
}

// CompleteJob marks j's attempt, and so the job, completed.
func (s *Store) CompleteJob(ctx context.Context, j store.Job) error {
	return s.endOrExtend(ctx, "complete", j, `state = 'completed', updated_at = ?`, time.Now().UnixMilli())
}

// FailJob ends j's attempt with an error: available again at retryAt, or
// dead.
func (s *Store) FailJob(ctx context.Context, j store.Job, msg string, retryAt time.Time) error {
	dead := retryAt.IsZero()
	return s.endOrExtend(ctx, "fail", j, `
		state = CASE WHEN ? OR attempt >= max_attempts THEN 'dead' ELSE 'available' END,
		run_at = CASE WHEN ? OR attempt >= max_attempts THEN run_at ELSE ? END,
		last_error = ?, updated_at = ?`,
		dead, dead, retryAt.UnixMilli(), msg, time.Now().UnixMilli())
}

// endOrExtend applies set (with its arguments) to j's job if j's attempt
// still holds it: the same worker, the same attempt, still running.
func (s *Store) endOrExtend(ctx context.Context, op string, j store.Job, set string, args ...any) error {
	args = append(args, j.ID, j.Worker, j.Attempt)
	res, err := s.write.db.ExecContext(ctx, `UPDATE jobs SET `+set+`
		WHERE id = ? AND worker = ? AND attempt = ? AND state = 'running'`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s job %d: %w", op, j.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: %s job %d: %w", op, j.ID, err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: %s job %d attempt %d by %q: %w", op, j.ID, j.Attempt, j.Worker, store.ErrLeaseLost)
	}
	return nil
}

// Job returns one of tenant's jobs.
func (s *Store) Job(ctx context.Context, tenant string, id int64) (store.Job, error) {
	j, err := scanJob(s.read.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE tenant = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Job{}, fmt.Errorf("sqlite: job %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Job{}, fmt.Errorf("sqlite: job %d: %w", id, err)
	}
	return j, nil
}

// ListJobs returns tenant's jobs that match q by ascending ID.
func (s *Store) ListJobs(ctx context.Context, tenant string, q store.JobQuery) ([]store.Job, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("sqlite: list jobs: limit %d is not positive", q.Limit)
	}
	rows, err := s.read.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs
		WHERE tenant = ? AND id > ? AND (? = '' OR kind = ?) AND (? = '' OR state = ?) AND (? = '' OR key = ?)
		ORDER BY id LIMIT ?`,
		tenant, q.AfterID, q.Kind, q.Kind, q.State, q.State, q.Key, q.Key, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list jobs: %w", err)
	}
	jobs, err := collectJobs(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list jobs: %w", err)
	}
	return jobs, nil
}

func scanJob(row interface{ Scan(...any) error }) (store.Job, error) {
	var (
		j                              store.Job
		runAt, lease, created, updated int64
	)
	err := row.Scan(&j.ID, &j.Tenant, &j.Kind, &j.Key, &j.Payload, &j.State, &j.Attempt, &j.MaxAttempts,
		&runAt, &j.Worker, &lease, &j.LastError, &created, &updated)
	j.RunAt = time.UnixMilli(runAt).UTC()
	j.LeaseUntil = expiresTime(lease) // 0 before the first attempt
	j.Created = time.UnixMilli(created).UTC()
	j.Updated = time.UnixMilli(updated).UTC()
	return j, err
}

func collectJobs(rows *sql.Rows) ([]store.Job, error) {
	defer rows.Close()
	var jobs []store.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}
