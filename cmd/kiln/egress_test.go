package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/pipeline/egress"
)

// groupCLI runs the commands of one `kiln` group (egress, coding) for
// tenant t on one fresh store.
type groupCLI struct {
	accessCLI
	group string
}

func (c groupCLI) exec(args ...string) (string, error) {
	var out bytes.Buffer
	cmd := rootCmd()
	cmd.SetArgs(append(append([]string{c.group}, args...), append([]string{"--tenant", "t"}, c.storage...)...))
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	return out.String(), err
}

func (c groupCLI) run(args ...string) string {
	c.t.Helper()
	out, err := c.exec(args...)
	if err != nil {
		c.t.Fatalf("kiln %s %s: %v", c.group, strings.Join(args, " "), err)
	}
	return out
}

func (c groupCLI) fails(want string, args ...string) {
	c.t.Helper()
	if _, err := c.exec(args...); err == nil || !strings.Contains(err.Error(), want) {
		c.t.Fatalf("kiln %s %s: error %v, want one containing %q", c.group, strings.Join(args, " "), err, want)
	}
}

func TestEgressCommands(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			c := groupCLI{newAccessCLI(t, b.args(t)), "egress"}

			wantContains(t, c.run("show"), "sends no data to any processor")
			wantContains(t, c.run("allow", "openai", "--class", "redacted"), "may now send redacted data to openai")
			wantContains(t, c.run("allow", "aws-comprehend-medical", "--class", "phi"), "phi data to aws-comprehend-medical")
			out := c.run("show")
			wantContains(t, out, "PROCESSOR", "aws-comprehend-medical  phi", "openai                  redacted")
			if strings.Index(out, "aws-comprehend-medical") > strings.Index(out, "openai") {
				t.Fatalf("show is not ordered by processor:\n%s", out)
			}

			// What the commands wrote is what the gate reads.
			st := c.open()
			defer st.Close()
			for _, tt := range []struct {
				processor string
				class     egress.Class
				want      bool
			}{
				{"openai", egress.Redacted, true},
				{"openai", egress.PHI, false},
				{"aws-comprehend-medical", egress.PHI, true},
				{"elsewhere", egress.Redacted, false},
			} {
				if got, err := egress.Allowed(t.Context(), st, "t", tt.processor, tt.class); err != nil || got != tt.want {
					t.Errorf("after allow: Allowed(%s, %s) = %v, %v; want %v", tt.processor, tt.class, got, err, tt.want)
				}
			}

			wantContains(t, c.run("deny", "openai"), "sends nothing to openai any more")
			wantContains(t, c.run("deny", "openai"), "had no grant for openai")
			if got, err := egress.Allowed(t.Context(), st, "t", "openai", egress.Redacted); err != nil || got {
				t.Fatalf("after deny: Allowed = %v, %v", got, err)
			}
			if out := c.run("show"); strings.Contains(out, "openai") || !strings.Contains(out, "aws-comprehend-medical") {
				t.Fatalf("show after deny:\n%s", out)
			}

			c.fails(`required flag(s) "class" not set`, "allow", "openai")
			c.fails("data class", "allow", "openai", "--class", "everything")
			c.fails("processor name", "allow", "Open AI", "--class", "redacted")
			c.fails("processor name", "deny", "OPENAI")
			c.fails("accepts 1 arg", "allow", "--class", "phi")
		})
	}
}

func TestEgressCommandsRefuseBadTenants(t *testing.T) {
	data := t.TempDir()
	run(t, "tenant", "create", "t", "--data", data)
	for _, args := range [][]string{
		{"egress", "show", "--data", data},
		{"egress", "show", "--tenant", "nope", "--data", data},
		{"egress", "allow", "openai", "--class", "redacted", "--tenant", "Bad Name", "--data", data},
	} {
		cmd := rootCmd()
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		if err := cmd.Execute(); err == nil {
			t.Errorf("kiln %s succeeded", strings.Join(args, " "))
		}
	}
}
