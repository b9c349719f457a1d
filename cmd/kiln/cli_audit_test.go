package main

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// cliChange is what one configuration command's AuditEvent says.
type cliChange struct {
	who     string
	outcome string
	query   url.Values
}

// cliChanges reads the AuditEvents configuration commands left in tenant.
func cliChanges(t *testing.T, c accessCLI, tenant string) []cliChange {
	t.Helper()
	st := c.open()
	defer st.Close()
	var out []cliChange
	for _, r := range search(t, st, tenant, "AuditEvent") {
		var ev struct {
			Outcome string `json:"outcome"`
			Agent   []struct {
				Who struct {
					Identifier struct{ Value string } `json:"identifier"`
				} `json:"who"`
			} `json:"agent"`
			Entity []struct{ Query string } `json:"entity"`
		}
		if err := json.Unmarshal(r.Body, &ev); err != nil {
			t.Fatal(err)
		}
		for _, e := range ev.Entity {
			raw, err := base64.StdEncoding.DecodeString(e.Query)
			q, ok := strings.CutPrefix(string(raw), CLIQueryPrefix)
			if err != nil || !ok {
				continue
			}
			v, err := url.ParseQuery(q)
			if err != nil {
				t.Fatalf("entity query %q: %v", raw, err)
			}
			who := ""
			if len(ev.Agent) > 0 {
				who = ev.Agent[0].Who.Identifier.Value
			}
			out = append(out, cliChange{who: who, outcome: ev.Outcome, query: v})
		}
	}
	return out
}

// TestCLIChangesAreAudited: the commands that create tenants or change
// access, egress or processing leave an AuditEvent naming the command, its
// arguments and flags and who ran it, failed attempts included; the
// commands that only show leave none, and the store flags never appear.
func TestCLIChangesAreAudited(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			c := newAccessCLI(t, b.args(t)) // kiln tenant create t
			eg := groupCLI{c, "egress"}
			eg.run("show")
			eg.run("allow", "openai", "--class", "phi")
			eg.run("deny", "openai")
			c.fails("no API key", "apikey", "revoke", "missing-key")
			c.run("apikey", "create", "--role", "analyst", "--name", "ci")
			c.run("apikey", "list")
			run(t, append([]string{"tenant", "create", "t", "u"}, c.storage...)...) // t exists already
			run(t, append([]string{"tenant", "list"}, c.storage...)...)
			c.run("tenant", "settings", "set", "dates=shift")
			c.run("tenant", "settings", "show")

			got := cliChanges(t, c, "t")
			want := []struct{ command, arg, class, name, outcome string }{
				{"kiln tenant create", "t", "", "", "0"}, // by newAccessCLI and again with u
				{"kiln tenant settings set", "dates=shift", "", "", "0"},
				{"kiln egress allow", "openai", "phi", "", "0"},
				{"kiln egress deny", "openai", "", "", "0"},
				{"kiln apikey create", "", "", "ci", "0"},
				{"kiln apikey revoke", "missing-key", "", "", "4"},
			}
			if len(got) != len(want)+1 { // tenant create t twice
				t.Fatalf("%d audited CLI changes, want %d: %+v", len(got), len(want)+1, got)
			}
			for _, w := range want {
				found := false
				for _, g := range got {
					q := g.query
					if q.Get("command") == w.command && q.Get("arg") == w.arg && q.Get("class") == w.class && q.Get("name") == w.name && g.outcome == w.outcome {
						found = true
						if !strings.HasPrefix(g.who, "cli:") {
							t.Errorf("%s: agent %q, want the operating-system user", w.command, g.who)
						}
						for k := range q {
							if k == "data" || k == "database-url" || k == "tenant" {
								t.Errorf("%s: the event records the store flag %q", w.command, k)
							}
						}
					}
				}
				if !found {
					t.Errorf("no AuditEvent for %+v in %+v", w, got)
				}
			}
			wantOwnCreate(t, cliChanges(t, c, "u"), "u")
		})
	}
}

// wantOwnCreate checks that a tenant created together with another holds
// one AuditEvent of its creation that names it alone: one tenant's audit
// trail does not tell its readers which other tenants exist.
func wantOwnCreate(t *testing.T, got []cliChange, tenant string) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("tenant %s: %d audited CLI changes, want its creation: %+v", tenant, len(got), got)
	}
	q := got[0].query
	if q.Get("command") != "kiln tenant create" || len(q["arg"]) != 1 || q.Get("arg") != tenant || got[0].outcome != "0" {
		t.Errorf("tenant %s: AuditEvent %+v, want kiln tenant create naming only %s", tenant, got[0], tenant)
	}
}
