package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kiln-health/kiln/auth/apikey"
	"github.com/kiln-health/kiln/fhir/store/sqlite"
)

func TestAuthFlagsCheck(t *testing.T) {
	const base = "https://kiln.example.org"
	for _, tc := range []struct {
		name    string
		flags   authFlags
		baseURL string
		wantErr string // "" for no error
	}{
		{"development", authFlags{env: "development", enabled: true}, "", ""},
		{"development without auth", authFlags{env: "development", enabled: false}, "", ""},
		{"development with base URL", authFlags{env: "development", enabled: true}, base, ""},
		{"production", authFlags{env: "production", enabled: true}, base, ""},
		{"production without auth", authFlags{env: "production", enabled: false}, base, "--auth=false"},
		{"production without auth or base URL", authFlags{env: "production", enabled: false}, "", "--auth=false"},
		{"production without base URL", authFlags{env: "production", enabled: true}, "", "--base-url"},
		{"unknown env", authFlags{env: "staging", enabled: true}, base, `"staging"`},
		{"empty env", authFlags{env: "", enabled: true}, base, "want development or production"},
		{"env is case-sensitive", authFlags{env: "Production", enabled: false}, "", "want development or production"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.flags.check(tc.baseURL)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("check(%q) = %v, want nil", tc.baseURL, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("check(%q) = %v, want an error mentioning %q", tc.baseURL, err, tc.wantErr)
			}
		})
	}
}

// devKeyLine finds the key that devKey printed.
var devKeyLine = regexp.MustCompile(`export KILN_KEY=(\S+)`)

func printedDevKey(t *testing.T, out string) string {
	t.Helper()
	m := devKeyLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("devKey printed no key:\n%s", out)
	}
	return m[1]
}

func TestDevKeyAndProductionRefusal(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kiln.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tenant := range []string{"default", "second"} {
		if err := st.CreateTenant(ctx, tenant); err != nil {
			t.Fatal(err)
		}
	}
	dev := authFlags{env: "development", enabled: true}
	prod := authFlags{env: "production", enabled: true}

	// Production starts on a store without development keys.
	if svc, err := prod.service(ctx, st); err != nil || svc == nil {
		t.Fatalf("production service on a clean store: %v, %v", svc, err)
	}
	// Without auth there is no service (check refuses that in production).
	if svc, err := (&authFlags{env: "development", enabled: false}).service(ctx, st); err != nil || svc != nil {
		t.Fatalf("service with auth disabled = %v, %v; want nil, nil", svc, err)
	}

	svc, err := dev.service(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	const base = "http://localhost:8080/fhir/default"
	var out bytes.Buffer
	if err := devKey(ctx, svc, "default", base, &out); err != nil {
		t.Fatal(err)
	}
	first := printedDevKey(t, out.String())
	if !strings.Contains(out.String(), base+"/Patient") || !strings.Contains(out.String(), `"default"`) {
		t.Errorf("devKey output does not show the tenant and how to use the key:\n%s", out.String())
	}
	k, err := svc.APIKeys().Verify(ctx, first)
	if err != nil {
		t.Fatalf("the printed development key does not verify: %v", err)
	}
	if !k.Dev || k.Role != "admin" || k.Tenant != "default" || k.Revoked {
		t.Errorf("development key = %+v, want an unrevoked dev admin key of tenant default", k)
	}
	// The key verifies in another process on the same store (the pepper
	// is kept in the store).
	again, err := dev.service(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.APIKeys().Verify(ctx, first); err != nil {
		t.Errorf("the development key does not verify with a second service: %v", err)
	}

	// Production refuses while the key exists.
	if _, err := prod.service(ctx, st); err == nil || !strings.Contains(err.Error(), "development API keys") {
		t.Fatalf("production service with a development key: %v, want a refusal naming development API keys", err)
	}

	// The next development start replaces the key.
	out.Reset()
	if err := devKey(ctx, svc, "default", base, &out); err != nil {
		t.Fatal(err)
	}
	second := printedDevKey(t, out.String())
	if second == first {
		t.Fatal("the second devKey printed the same key")
	}
	if _, err := svc.APIKeys().Verify(ctx, first); !errors.Is(err, apikey.ErrInvalidKey) {
		t.Errorf("the replaced development key: Verify = %v, want ErrInvalidKey", err)
	}
	if _, err := svc.APIKeys().Verify(ctx, second); err != nil {
		t.Errorf("the new development key does not verify: %v", err)
	}
	keys, err := svc.APIKeys().List(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	live := 0
	for _, k := range keys {
		if k.Dev && !k.Revoked {
			live++
		}
	}
	if len(keys) != 2 || live != 1 {
		t.Errorf("after two development starts: %d keys, %d live development keys; want 2 and 1", len(keys), live)
	}
	if _, err := prod.service(ctx, st); err == nil || !strings.Contains(err.Error(), "development API keys") {
		t.Fatalf("production service with the second development key: %v", err)
	}

	// Revoking it lets production start; a development key in any other
	// tenant stops it again.
	k2, err := svc.APIKeys().Verify(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.APIKeys().Revoke(ctx, "default", k2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := prod.service(ctx, st); err != nil {
		t.Fatalf("production service after revoking the development key: %v", err)
	}
	out.Reset()
	if err := devKey(ctx, svc, "second", "http://localhost:8080/fhir/second", &out); err != nil {
		t.Fatal(err)
	}
	if _, err := prod.service(ctx, st); err == nil || !strings.Contains(err.Error(), "development API keys") {
		t.Fatalf("production service with a development key in another tenant: %v", err)
	}
	// An ordinary key is no obstacle.
	if _, _, err := svc.APIKeys().Create(ctx, apikey.Key{Tenant: "default", Name: "integration", Role: "integration"}); err != nil {
		t.Fatal(err)
	}
}

func TestAuthFlagsPepper(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kiln.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("too short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (&authFlags{env: "development", enabled: true, pepperFile: short}).service(ctx, st); err == nil {
		t.Error("a 9-byte pepper was accepted")
	}
	if _, err := (&authFlags{env: "development", enabled: true, pepperFile: filepath.Join(dir, "missing")}).service(ctx, st); err == nil {
		t.Error("a missing pepper file was accepted")
	}
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte(strings.Repeat("p", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if svc, err := (&authFlags{env: "development", enabled: true, pepperFile: good}).service(ctx, st); err != nil || svc == nil {
		t.Errorf("a 40-byte pepper: %v, %v", svc, err)
	}
}

// executeServe runs `kiln serve args...` in-process and returns its error.
// serve must fail fast: if it is still running after timeout (it started
// serving), the test fails and the command is stopped.
func executeServe(t *testing.T, timeout time.Duration, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := rootCmd()
	cmd.SetArgs(append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "error"}, args...))
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		cancel()
		<-done
		t.Fatalf("kiln serve %s did not fail fast: it was still running after %v", strings.Join(args, " "), timeout)
		return nil
	}
}

func TestServeRefusesProductionWithoutAuth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"flags", nil, []string{"--env", "production", "--auth=false", "--base-url", "https://kiln.example.org"}, "--auth=false"},
		{"environment", map[string]string{"KILN_ENV": "production", "KILN_AUTH": "false", "KILN_BASE_URL": "https://kiln.example.org"}, nil, "--auth=false"},
		{"no base URL", nil, []string{"--env", "production"}, "--base-url"},
		{"unknown env", nil, []string{"--env", "prod"}, `"prod"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			data := t.TempDir()
			err := executeServe(t, 20*time.Second, append(tc.args, "--data", data)...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("kiln serve: %v, want an error mentioning %q", err, tc.wantErr)
			}
			// The refusal comes before the database is even opened.
			if _, err := os.Stat(filepath.Join(data, "kiln.db")); err == nil {
				t.Error("the refused serve created a database")
			}
		})
	}
}

func TestServeRefusesProductionWithDevKeys(t *testing.T) {
	ctx := t.Context()
	data := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(data, "kiln.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTenant(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	svc, err := (&authFlags{env: "development", enabled: true}).service(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := devKey(ctx, svc, "default", "http://localhost:8080/fhir/default", &out); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	err = executeServe(t, 30*time.Second, "--env", "production", "--base-url", "https://kiln.example.org", "--data", data)
	if err == nil || !strings.Contains(err.Error(), "development API keys") {
		t.Fatalf("kiln serve in production with a development key: %v, want a refusal naming development API keys", err)
	}
}
