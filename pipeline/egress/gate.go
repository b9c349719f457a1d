package egress

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/store"
)

// Recorder writes an AuditEvent; *engine.Engine's Record method is one.
type Recorder interface {
	Record(ctx context.Context, tenant string, agent audit.Agent, interaction string, err error, entities ...audit.Entity) error
}

// DefaultAgent is who an egress AuditEvent names when a Call names nobody.
var DefaultAgent = audit.Agent{Who: "kiln-egress", Display: "Kiln egress gate", System: true}

// Call describes one outbound call: never its content.
type Call struct {
	Processor string // who receives the data ("openai")
	Purpose   string // why ("chr-draft")
	Class     Class  // the most sensitive class of data the call carries
	Bytes     int    // size of the request body sent
	// Agent is the Kiln component making the call; DefaultAgent when Who
	// is empty.
	Agent audit.Agent
}

// Gate lets calls out when a tenant's policy allows them and records each
// one as an AuditEvent.
type Gate struct {
	records store.Records
	rec     Recorder
	now     func() time.Time
}

// NewGate returns a Gate reading policies from rs and writing AuditEvents
// through rec.
func NewGate(rs store.Records, rec Recorder) *Gate {
	return &Gate{records: rs, rec: rec, now: time.Now}
}

// Allowed reports whether tenant's policy lets processor receive class.
func (g *Gate) Allowed(ctx context.Context, tenant, processor string, class Class) (bool, error) {
	return Allowed(ctx, g.records, tenant, processor, class)
}

// Send runs fn, the call itself, if tenant's policy lets call.Processor
// receive call.Class, and records the call as an AuditEvent: processor,
// purpose, class, byte count, duration and outcome, never content.
//
// A refused call returns an error wrapping ErrDenied without running fn,
// and is audited as a refusal; so is a call whose policy cannot be read
// (fail closed). Otherwise Send returns fn's error. If the AuditEvent of
// a call that ran cannot be written, Send returns that error too, even
// when fn succeeded: the caller must not use the result of a call that
// left no trace.
func (g *Gate) Send(ctx context.Context, tenant string, call Call, fn func(ctx context.Context) error) error {
	if err := CheckProcessor(call.Processor); err != nil {
		return err
	}
	if _, err := ParseClass(string(call.Class)); err != nil {
		return err
	}
	agent := call.Agent
	if agent.Who == "" {
		agent = DefaultAgent
	}
	// The AuditEvent must be written even when the caller's context ended
	// during the call: what left Kiln has left.
	auditCtx := context.WithoutCancel(ctx)

	ok, perr := g.Allowed(ctx, tenant, call.Processor, call.Class)
	if perr != nil || !ok {
		err := fmt.Errorf("egress: %s data to %s for %s: %w", call.Class, call.Processor, call.Purpose, ErrDenied)
		if perr != nil {
			err = fmt.Errorf("egress: %s data to %s for %s: %w (%w)", call.Class, call.Processor, call.Purpose, ErrDenied, perr)
		}
		refusal := fhir.Errorf(http.StatusForbidden, fhir.IssueForbidden,
			"egress of %s data to %s is not allowed by the tenant's policy", call.Class, call.Processor)
		if aerr := g.rec.Record(auditCtx, tenant, agent, "operation", refusal, entity(call, 0)); aerr != nil {
			err = errors.Join(err, fmt.Errorf("egress: record refusal: %w", aerr))
		}
		return err
	}

	start := g.now()
	err := fn(ctx)
	elapsed := g.now().Sub(start)
	var outcome error
	if err != nil {
		// Status only: the processor's own message may quote what it was sent.
		status, issue := http.StatusBadGateway, fhir.IssueException
		if errors.Is(err, context.DeadlineExceeded) {
			status = http.StatusGatewayTimeout
		}
		outcome = fhir.Errorf(status, issue, "call to %s failed", call.Processor)
	}
	if aerr := g.rec.Record(auditCtx, tenant, agent, "operation", outcome, entity(call, elapsed)); aerr != nil {
		return errors.Join(err, fmt.Errorf("egress: call to %s made but not recorded: %w", call.Processor, aerr))
	}
	return err
}

// QueryPrefix starts the entity query of every egress AuditEvent.
const QueryPrefix = "egress?"

// entity encodes a call as the query of an AuditEvent entity (as the
// document pipeline encodes its events): "egress?bytes=…&class=…&ms=…&
// processor=…&purpose=…", parseable with ParseEntity.
func entity(c Call, elapsed time.Duration) audit.Entity {
	v := url.Values{}
	v.Set("processor", c.Processor)
	v.Set("purpose", c.Purpose)
	v.Set("class", string(c.Class))
	v.Set("bytes", strconv.Itoa(c.Bytes))
	if elapsed > 0 {
		v.Set("ms", strconv.FormatInt(elapsed.Milliseconds(), 10))
	}
	return audit.Entity{Query: QueryPrefix + v.Encode()}
}

// Record is what an egress AuditEvent says about one call.
type Record struct {
	Processor, Purpose string
	Class              Class
	Bytes              int
}

// ParseEntity decodes the base64 AuditEvent.entity.query of an egress
// event; ok is false for any other entity.
func ParseEntity(query64 string) (r Record, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(query64)
	if err != nil {
		return Record{}, false
	}
	q, found := strings.CutPrefix(string(raw), QueryPrefix)
	if !found {
		return Record{}, false
	}
	v, err := url.ParseQuery(q)
	if err != nil {
		return Record{}, false
	}
	n, err := strconv.Atoi(v.Get("bytes"))
	if err != nil {
		return Record{}, false
	}
	return Record{Processor: v.Get("processor"), Purpose: v.Get("purpose"), Class: Class(v.Get("class")), Bytes: n}, true
}
