package egress_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
	"github.com/kiln-health/kiln/pipeline/egress"
)

// onBackends runs fn on a fresh store of every backend, with tenants
// "t" and "u" and an engine that audits.
func onBackends(t *testing.T, fn func(t *testing.T, st store.Store, eng *engine.Engine)) {
	t.Helper()
	val, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			st := b.Open(t)
			for _, tenant := range []string{"t", "u"} {
				if err := st.CreateTenant(t.Context(), tenant); err != nil {
					t.Fatal(err)
				}
			}
			fn(t, st, engine.New(st, val, engine.Options{Audit: true}))
		})
	}
}

// event is what a test reads back of one egress AuditEvent.
type event struct {
	egress.Record
	Outcome, OutcomeDesc, Who string
}

// events reads back tenant's egress AuditEvents.
func events(t *testing.T, st store.Store, tenant string) []event {
	t.Helper()
	var out []event
	err := st.View(context.Background(), tenant, func(tx store.Tx) error {
		rs, _, err := tx.Search(context.Background(), store.Query{Types: []string{"AuditEvent"}, Limit: 1000})
		for _, r := range rs {
			var ev struct {
				Outcome     string `json:"outcome"`
				OutcomeDesc string `json:"outcomeDesc"`
				Agent       []struct {
					Who struct {
						Identifier struct{ Value string } `json:"identifier"`
					} `json:"who"`
				} `json:"agent"`
				Entity []struct{ Query string } `json:"entity"`
			}
			if err := json.Unmarshal(r.Body, &ev); err != nil {
				return err
			}
			for _, en := range ev.Entity {
				if rec, ok := egress.ParseEntity(en.Query); ok {
					out = append(out, event{rec, ev.Outcome, ev.OutcomeDesc, ev.Agent[0].Who.Identifier.Value})
				}
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPolicy(t *testing.T) {
	onBackends(t, func(t *testing.T, st store.Store, _ *engine.Engine) {
		ctx := t.Context()
		steps := []struct {
			do                   func() error
			openaiRedacted, phi  bool // what "openai" may then receive in tenant t
			comprehendPHI, other bool
		}{
			{do: func() error { return nil }}, // default: nothing leaves
			{do: func() error { return egress.Allow(ctx, st, "t", "openai", egress.Redacted) }, openaiRedacted: true},
			{do: func() error { return egress.Allow(ctx, st, "t", "openai", egress.PHI) }, openaiRedacted: true, phi: true},
			{do: func() error { return egress.Allow(ctx, st, "t", "aws-comprehend-medical", egress.PHI) }, openaiRedacted: true, phi: true, comprehendPHI: true},
			{do: func() error { return egress.Allow(ctx, st, "t", "openai", egress.Redacted) }, openaiRedacted: true, comprehendPHI: true}, // narrowed
			{do: func() error { _, err := egress.Deny(ctx, st, "t", "openai"); return err }, comprehendPHI: true},
		}
		for i, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			for _, c := range []struct {
				tenant, processor string
				class             egress.Class
				want              bool
			}{
				{"t", "openai", egress.Redacted, s.openaiRedacted},
				{"t", "openai", egress.PHI, s.phi},
				{"t", "aws-comprehend-medical", egress.PHI, s.comprehendPHI},
				{"t", "aws-comprehend-medical", egress.Redacted, s.comprehendPHI},
				{"t", "elsewhere", egress.Redacted, s.other},
				{"u", "openai", egress.Redacted, false}, // another tenant's policy is its own
				{"u", "aws-comprehend-medical", egress.PHI, false},
			} {
				got, err := egress.Allowed(ctx, st, c.tenant, c.processor, c.class)
				if err != nil || got != c.want {
					t.Errorf("step %d: Allowed(%s, %s, %s) = %v, %v; want %v", i, c.tenant, c.processor, c.class, got, err, c.want)
				}
			}
		}
		grants, err := egress.Grants(ctx, st, "t")
		if err != nil || len(grants) != 1 || grants[0].Processor != "aws-comprehend-medical" || grants[0].Class != egress.PHI || grants[0].Updated.IsZero() {
			t.Fatalf("Grants = %+v, %v", grants, err)
		}
		if had, err := egress.Deny(ctx, st, "t", "openai"); had || err != nil {
			t.Fatalf("denying a processor without a grant: %v, %v", had, err)
		}
	})
}

func TestPolicyRefusesBadInput(t *testing.T) {
	st := testbackends.All()[0].Open(t)
	ctx := t.Context()
	for _, tt := range []struct {
		processor string
		class     egress.Class
		want      string
	}{
		{"OpenAI", egress.Redacted, "processor name"},
		{"", egress.Redacted, "processor name"},
		{"open ai", egress.Redacted, "processor name"},
		{"openai", "everything", "data class"},
		{"openai", "", "data class"},
	} {
		if err := egress.Allow(ctx, st, "t", tt.processor, tt.class); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Allow(%q, %q) = %v, want an error about the %s", tt.processor, tt.class, err, tt.want)
		}
	}
}

func TestGateSend(t *testing.T) {
	onBackends(t, func(t *testing.T, st store.Store, eng *engine.Engine) {
		ctx := t.Context()
		gate := egress.NewGate(st, eng)
		if err := egress.Allow(ctx, st, "t", "openai", egress.Redacted); err != nil {
			t.Fatal(err)
		}
		const secret = "Synthetic Patient MRN-0042" // what a call "sends": must never be recorded
		tests := []struct {
			name       string
			call       egress.Call
			fnErr      error
			wantRan    bool
			wantErr    error
			wantOut    string // AuditEvent.outcome
			wantDesc   string // part of AuditEvent.outcomeDesc
			wantWho    string
			wantTenant string
		}{
			{name: "allowed", call: egress.Call{Processor: "openai", Purpose: "chr-draft", Class: egress.Redacted, Bytes: 1234},
				wantRan: true, wantOut: "0", wantWho: egress.DefaultAgent.Who},
			{name: "phi not granted", call: egress.Call{Processor: "openai", Purpose: "chr-draft", Class: egress.PHI, Bytes: 99},
				wantErr: egress.ErrDenied, wantOut: "4", wantDesc: "not allowed by the tenant's policy", wantWho: egress.DefaultAgent.Who},
			{name: "unknown processor", call: egress.Call{Processor: "elsewhere", Purpose: "phi-detect", Class: egress.Redacted, Bytes: 5},
				wantErr: egress.ErrDenied, wantOut: "4", wantDesc: "Forbidden", wantWho: egress.DefaultAgent.Who},
			{name: "call failed", call: egress.Call{Processor: "openai", Purpose: "chr-draft", Class: egress.Redacted, Bytes: 7},
				fnErr: errors.New("upstream said: " + secret), wantRan: true, wantOut: "8", wantDesc: "Bad Gateway", wantWho: egress.DefaultAgent.Who},
			{name: "call timed out", call: egress.Call{Processor: "openai", Purpose: "chr-draft", Class: egress.Redacted, Bytes: 8},
				fnErr: fmt.Errorf("post: %w", context.DeadlineExceeded), wantRan: true, wantOut: "8", wantDesc: "Gateway Timeout", wantWho: egress.DefaultAgent.Who},
			{name: "agent named", call: egress.Call{Processor: "openai", Purpose: "chr-draft", Class: egress.Redacted, Bytes: 9,
				Agent: audit.Agent{Who: "kiln-chr", Display: "Kiln CHR composer", System: true}}, wantRan: true, wantOut: "0", wantWho: "kiln-chr"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := len(events(t, st, "t"))
				ran := false
				err := gate.Send(ctx, "t", tt.call, func(context.Context) error { ran = true; return tt.fnErr })
				if ran != tt.wantRan {
					t.Fatalf("fn ran: %v, want %v", ran, tt.wantRan)
				}
				switch {
				case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
					t.Fatalf("Send = %v, want %v", err, tt.wantErr)
				case tt.fnErr != nil && !errors.Is(err, tt.fnErr):
					t.Fatalf("Send = %v, want fn's error", err)
				case tt.wantErr == nil && tt.fnErr == nil && err != nil:
					t.Fatalf("Send = %v", err)
				}
				evs := events(t, st, "t")
				if len(evs) != before+1 {
					t.Fatalf("%d new egress AuditEvents, want 1", len(evs)-before)
				}
				var got *event
				for i := range evs {
					if evs[i].Bytes == tt.call.Bytes {
						got = &evs[i]
					}
				}
				if got == nil {
					t.Fatalf("no AuditEvent with %d bytes in %+v", tt.call.Bytes, evs)
				}
				want := egress.Record{Processor: tt.call.Processor, Purpose: tt.call.Purpose, Class: tt.call.Class, Bytes: tt.call.Bytes}
				if got.Record != want || got.Outcome != tt.wantOut || !strings.Contains(got.OutcomeDesc, tt.wantDesc) || got.Who != tt.wantWho {
					t.Fatalf("AuditEvent %+v, want %+v outcome %s (%q) by %s", *got, want, tt.wantOut, tt.wantDesc, tt.wantWho)
				}
				if len(events(t, st, "u")) != 0 {
					t.Fatalf("tenant t's call audited in tenant u")
				}
			})
		}
		// Nothing a call carried, or a processor answered, reaches the audit log.
		err := st.View(ctx, "t", func(tx store.Tx) error {
			rs, _, err := tx.Search(ctx, store.Query{Types: []string{"AuditEvent"}, Limit: 1000})
			for _, r := range rs {
				if strings.Contains(string(r.Body), "MRN-0042") {
					t.Errorf("an AuditEvent holds what a call carried: %s", r.Body)
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A revocation takes effect on the next call, from any Gate on the store.
func TestGateSeesPolicyChanges(t *testing.T) {
	onBackends(t, func(t *testing.T, st store.Store, eng *engine.Engine) {
		ctx := t.Context()
		a, b := egress.NewGate(st, eng), egress.NewGate(st, eng)
		call := egress.Call{Processor: "openai", Purpose: "chr-draft", Class: egress.Redacted, Bytes: 1}
		noop := func(context.Context) error { return nil }
		if err := egress.Allow(ctx, st, "t", "openai", egress.Redacted); err != nil {
			t.Fatal(err)
		}
		if err := a.Send(ctx, "t", call, noop); err != nil {
			t.Fatalf("allowed: %v", err)
		}
		if _, err := egress.Deny(ctx, st, "t", "openai"); err != nil {
			t.Fatal(err)
		}
		for _, g := range []*egress.Gate{a, b} {
			if err := g.Send(ctx, "t", call, noop); !errors.Is(err, egress.ErrDenied) {
				t.Fatalf("after deny: %v", err)
			}
		}
	})
}

// A call whose AuditEvent cannot be written fails even when it succeeded.
func TestGateFailsUnrecordedCalls(t *testing.T) {
	st := testbackends.All()[0].Open(t)
	ctx := t.Context()
	if err := egress.Allow(ctx, st, "t", "openai", egress.Redacted); err != nil {
		t.Fatal(err)
	}
	// The audit log's database is down: its engine's store is closed.
	down := testbackends.All()[0].Open(t)
	if err := down.CreateTenant(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	val, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(down, val, engine.Options{Audit: true})
	down.Close()
	ran := false
	err = egress.NewGate(st, eng).Send(ctx, "t", egress.Call{Processor: "openai", Purpose: "chr-draft", Class: egress.Redacted, Bytes: 1},
		func(context.Context) error { ran = true; return nil })
	if !ran || err == nil || !strings.Contains(err.Error(), "not recorded") {
		t.Fatalf("ran %v, Send = %v; want the call made and an error", ran, err)
	}
}

func TestGateRefusesBadCalls(t *testing.T) {
	st := testbackends.All()[0].Open(t)
	gate := egress.NewGate(st, nil) // never reaches the recorder
	for _, c := range []egress.Call{
		{Processor: "Open AI", Class: egress.Redacted},
		{Processor: "openai", Class: "raw"},
	} {
		ran := false
		if err := gate.Send(t.Context(), "t", c, func(context.Context) error { ran = true; return nil }); err == nil || ran {
			t.Errorf("Send(%+v) = %v, ran %v", c, err, ran)
		}
	}
}
