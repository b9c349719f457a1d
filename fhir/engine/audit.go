package engine

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/store"
)

// auditWrite builds the AuditEvent of one interaction as a store write, so
// that a write interaction can commit it in its own transaction.
func (e *Engine) auditWrite(c Caller, now time.Time, interaction string, err error, entities []audit.Entity) (store.Write, error) {
	status, msg := http.StatusOK, ""
	if err != nil {
		fe := fhir.AsError(err)
		status = fe.Status
		if status == http.StatusForbidden && len(fe.Issues) > 0 {
			// Kiln's own access decision: names types and ids, never content.
			msg = fe.Issues[0].Diagnostics
		}
	}
	ev := audit.Event{
		Interaction: interaction,
		Agent:       c.Agent,
		Entities:    entities,
		Status:      status,
		Message:     msg,
		Recorded:    fhir.FormatInstant(now),
	}
	body, err := ev.Resource()
	if err != nil {
		return store.Write{}, fmt.Errorf("engine: encode AuditEvent: %w", err)
	}
	obj, err := fhir.ParseObject(body)
	if err != nil {
		return store.Write{}, fmt.Errorf("engine: AuditEvent: %w", err)
	}
	w := store.Write{Type: "AuditEvent", ID: newID(), Version: 1, LastUpdated: now, Method: store.MethodPost}
	obj.SetID(w.ID)
	obj.SetMeta(w.Version, w.LastUpdated)
	if w.Body, err = obj.Marshal(); err != nil {
		return store.Write{}, fmt.Errorf("engine: encode AuditEvent: %w", err)
	}
	if w.Index, err = e.extractor.Extract(obj); err != nil {
		return store.Write{}, fmt.Errorf("engine: index AuditEvent: %w", err)
	}
	return w, nil
}

// record writes the AuditEvent of an interaction in a transaction of its
// own: reads, searches and refused requests. It is durable before the
// response goes out; if it cannot be written, the request fails, because
// an access that leaves no trace must not happen.
func (e *Engine) record(ctx context.Context, tenant string, c Caller, interaction string, err error, entities []audit.Entity) error {
	if !e.audit {
		return nil
	}
	w, aerr := e.auditWrite(c, e.now().UTC().Truncate(time.Millisecond), interaction, err, entities)
	if aerr == nil {
		// A client that hangs up must not take the record of its access
		// with it: the log commits whatever the request's context says.
		aerr = e.auditLog.write(ctx, tenant, w)
	}
	if aerr != nil {
		return fmt.Errorf("engine: record AuditEvent: %w", aerr)
	}
	return nil
}

// Record writes an AuditEvent for a request refused before it reached the
// engine (no or bad credentials, a blocked address, a rate limit), or for
// an operation the server carries out itself.
func (e *Engine) Record(ctx context.Context, tenant string, agent audit.Agent, interaction string, err error, entities ...audit.Entity) error {
	return e.record(ctx, tenant, Caller{Access: Unrestricted, Agent: agent}, interaction, err, entities)
}

// audited runs an interaction's outcome through record: err is the
// interaction's own error, which wins over a failure to audit a failure.
func (e *Engine) audited(ctx context.Context, tenant string, c Caller, interaction string, err error, entities []audit.Entity) error {
	if aerr := e.record(ctx, tenant, c, interaction, err, entities); aerr != nil && err == nil {
		return aerr
	}
	return err
}

func ref(typ, id string) audit.Entity { return audit.Entity{Reference: typ + "/" + id} }

func versionRef(r store.Resource) audit.Entity {
	return audit.Entity{Reference: fmt.Sprintf("%s/%s/_history/%d", r.Type, r.ID, r.Version)}
}
