package engine

import (
	"context"
	"errors"
	"sync"

	"github.com/kiln-health/kiln/fhir/store"
)

// auditLog commits the AuditEvents of reads, searches and refusals with
// group commit: requests that arrive while a commit is in flight are
// written together by the next one, so many concurrent readers share one
// durable commit instead of paying one each, and each request still waits
// until its own AuditEvent is durable.
//
// There is no background goroutine: the first request to find no commit
// in flight leads, commits what is queued, and hands the lead to the
// oldest request that queued meanwhile.
type auditLog struct {
	store  store.Store
	mu     sync.Mutex
	queues map[string]*auditQueue // by tenant
}

type auditQueue struct {
	busy    bool
	pending []*auditRequest
}

type auditRequest struct {
	write store.Write
	done  chan error // the commit's result, or errLead
}

// errLead tells a queued request that it now leads the next commit.
var errLead = errors.New("engine: lead the next audit commit")

// maxAuditBatch bounds one commit; the rest wait for the next.
const maxAuditBatch = 256

func newAuditLog(s store.Store) *auditLog {
	return &auditLog{store: s, queues: map[string]*auditQueue{}}
}

// write makes w durable in tenant, together with whatever else is queued.
func (l *auditLog) write(ctx context.Context, tenant string, w store.Write) error {
	req := &auditRequest{write: w, done: make(chan error, 1)}
	l.mu.Lock()
	q := l.queues[tenant]
	if q == nil {
		q = &auditQueue{}
		l.queues[tenant] = q
	}
	q.pending = append(q.pending, req)
	if q.busy {
		l.mu.Unlock()
		// The request must wait whatever its context says: it is queued,
		// and the access it records has happened.
		if err := <-req.done; err != errLead {
			return err
		}
		l.mu.Lock()
	} else {
		q.busy = true
	}
	n := min(len(q.pending), maxAuditBatch)
	batch := q.pending[:n:n]
	q.pending = q.pending[n:]
	l.mu.Unlock()

	writes := make([]store.Write, len(batch))
	for i, r := range batch {
		writes[i] = r.write
	}
	ctx = context.WithoutCancel(ctx)
	err := l.store.Update(ctx, tenant, func(tx store.Tx) error { return tx.Write(ctx, writes) })
	for _, r := range batch {
		if r != req {
			r.done <- err
		}
	}

	l.mu.Lock()
	if len(q.pending) > 0 {
		q.pending[0].done <- errLead
	} else {
		q.busy = false
	}
	l.mu.Unlock()
	return err
}
