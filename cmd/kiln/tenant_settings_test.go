package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kiln-health/kiln/pipeline/document"
)

// settingsRoot is the kiln command line with `kiln tenant settings`,
// whether or not main.go registers it yet.
func settingsRoot() *cobra.Command {
	root := rootCmd()
	if c, _, _ := root.Find([]string{"tenant", "settings"}); c == nil || c.Name() != "settings" {
		tenant, _, err := root.Find([]string{"tenant"})
		if err != nil {
			panic(err)
		}
		tenant.AddCommand(tenantSettingsCmd())
	}
	return root
}

func settingsExec(storage []string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := settingsRoot()
	cmd.SetArgs(append(append([]string{"tenant", "settings"}, args...), storage...))
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	return out.String(), err
}

func TestTenantSettingsCommands(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			storage := b.args(t)
			c := newAccessCLI(t, storage)
			tenant := []string{"--tenant", "t"}
			run := func(args ...string) string {
				t.Helper()
				out, err := settingsExec(append(tenant, storage...), args...)
				if err != nil {
					t.Fatalf("kiln tenant settings %s: %v", strings.Join(args, " "), err)
				}
				return out
			}
			fails := func(want string, args ...string) {
				t.Helper()
				if _, err := settingsExec(append(tenant, storage...), args...); err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("kiln tenant settings %s: error %v, want one containing %q", strings.Join(args, " "), err, want)
				}
			}

			wantContains(t, run("show"), "dates=token")
			wantContains(t, run("set", "dates=shift"), "dates=shift")
			wantContains(t, run("show"), "dates=shift")
			fails("want token or shift", "set", "dates=blur")
			fails("unknown setting", "set", "colour=red")
			fails("want NAME=VALUE", "set", "dates")
			wantContains(t, run("show"), "dates=shift") // a refused change changes nothing

			// The pipeline reads what the command stored.
			st := c.open()
			defer st.Close()
			s, err := document.LoadSettings(t.Context(), st, "t")
			if err != nil || s.DateMethod() != document.DatesShift {
				t.Errorf("stored settings: %+v, %v; want dates=shift", s, err)
			}
			wantContains(t, run("set", "dates=token"), "dates=token")

			// Unknown tenants are refused, not created.
			if _, err := settingsExec(append([]string{"--tenant", "nobody"}, storage...), "show"); err == nil || !strings.Contains(err.Error(), "does not exist") {
				t.Errorf("show of an unknown tenant: %v", err)
			}
		})
	}
}
