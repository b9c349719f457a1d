package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/kiln-health/kiln/auth/apikey"
	"github.com/kiln-health/kiln/auth/policy"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/postgres"
	"github.com/kiln-health/kiln/fhir/store/sqlite"
)

// runErr executes the kiln command line in-process, expecting it to fail
// with an error that contains want.
func runErr(t *testing.T, want string, args ...string) {
	t.Helper()
	cmd := rootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("kiln %s: error %v, want one containing %q", strings.Join(args, " "), err, want)
	}
}

// accessCLI runs kiln commands against one fresh store holding tenant "t".
type accessCLI struct {
	t       *testing.T
	storage []string
}

func newAccessCLI(t *testing.T, storage []string) accessCLI {
	c := accessCLI{t, storage}
	run(t, append([]string{"tenant", "create", "t"}, storage...)...)
	return c
}

// run runs a command of tenant t and returns its output.
func (c accessCLI) run(args ...string) string {
	c.t.Helper()
	return run(c.t, append(args, append([]string{"--tenant", "t"}, c.storage...)...)...)
}

// fails runs a command of tenant t that must fail with an error containing want.
func (c accessCLI) fails(want string, args ...string) {
	c.t.Helper()
	runErr(c.t, want, append(args, append([]string{"--tenant", "t"}, c.storage...)...)...)
}

// open opens the store the commands use, directly through its backend;
// the caller closes it.
func (c accessCLI) open() store.Store {
	c.t.Helper()
	var (
		st  store.Store
		err error
	)
	switch flag, value := c.storage[0], c.storage[1]; flag {
	case "--data":
		st, err = sqlite.Open(c.t.Context(), filepath.Join(value, "kiln.db"))
	case "--database-url":
		st, err = postgres.Open(c.t.Context(), value)
	default:
		c.t.Fatalf("unknown storage flag %s", flag)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return st
}

// writeJWKS writes a JSON Web Key Set with one key to a temporary file.
func writeJWKS(t *testing.T, key any) string {
	t.Helper()
	data, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: "k1", Algorithm: "ES384", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func wantContains(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Fatalf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestClientCommands(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			c := newAccessCLI(t, b.args(t))
			public, private := writeJWKS(t, &priv.PublicKey), writeJWKS(t, priv)

			out := c.run("client", "register", "--name", "Lab feed", "--role", "integration",
				"--scope", "system/Observation.rs system/Patient.rs", "--scope", "system/Encounter.r", "--jwks-file", public)
			id := regexp.MustCompile(`Registered client (\S+) in tenant t`).FindStringSubmatch(out)
			if id == nil {
				t.Fatalf("register said %q", out)
			}
			wantContains(t, out, "/auth/t/token")
			c.run("client", "register", "--id", "by-url", "--role", "integration", "--scope", "system/*.rs",
				"--jwks-url", "https://lab.example/jwks.json")

			out = c.run("client", "list")
			wantContains(t, out, id[1], "Lab feed", "system/Observation.rs system/Patient.rs system/Encounter.r", "inline: k1",
				"by-url", "https://lab.example/jwks.json")

			c.fails("exactly one of --jwks-file and --jwks-url", "client", "register", "--role", "r", "--scope", "system/*.rs")
			c.fails("exactly one of --jwks-file and --jwks-url", "client", "register", "--role", "r", "--scope", "system/*.rs",
				"--jwks-file", public, "--jwks-url", "https://lab.example/jwks.json")
			c.fails("private", "client", "register", "--role", "r", "--scope", "system/*.rs", "--jwks-file", private)
			c.fails("system/ resource scope", "client", "register", "--role", "r", "--scope", "patient/*.rs", "--jwks-file", public)
			c.fails("conflict", "client", "register", "--id", "by-url", "--role", "r", "--scope", "system/*.rs", "--jwks-file", public)

			c.run("client", "delete", id[1])
			if out := c.run("client", "list"); strings.Contains(out, id[1]) || !strings.Contains(out, "by-url") {
				t.Fatalf("after delete, list = %q", out)
			}
			c.fails("has no client", "client", "delete", id[1])
		})
	}
}

func TestAPIKeyCommands(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			c := newAccessCLI(t, b.args(t))
			out := c.run("apikey", "create", "--role", "integration", "--name", "nightly", "--rate-per-minute", "30")
			wantContains(t, out, "cannot be shown again", "system/*.cruds")
			plaintext := regexp.MustCompile(`kiln_\S+`).FindString(out)

			st := c.open()
			defer st.Close()
			pepper, err := apikey.LoadPepper(t.Context(), st, nil)
			if err != nil {
				t.Fatal(err)
			}
			m, err := apikey.NewManager(st, pepper, apikey.Options{})
			if err != nil {
				t.Fatal(err)
			}
			k, err := m.Verify(t.Context(), plaintext)
			if err != nil {
				t.Fatalf("the printed key does not verify: %v", err)
			}
			if k.Tenant != "t" || k.Role != "integration" || k.Name != "nightly" || k.RatePerMinute != 30 ||
				strings.Join(k.Scopes, " ") != "system/*.cruds" {
				t.Fatalf("created key = %+v", k)
			}

			out = c.run("apikey", "list")
			wantContains(t, out, k.ID, "nightly", "integration", "30", "no")
			if strings.Contains(out, plaintext[len("kiln_"+k.ID+"_"):]) {
				t.Fatalf("list shows the secret:\n%s", out)
			}

			// A configured pepper gives keys that only it verifies.
			pepperFile := filepath.Join(t.TempDir(), "pepper")
			if err := os.WriteFile(pepperFile, []byte(strings.Repeat("p", apikey.MinPepperLen)), 0o600); err != nil {
				t.Fatal(err)
			}
			out = c.run("apikey", "create", "--role", "analyst", "--scopes", "system/Observation.rs", "--apikey-pepper-file", pepperFile)
			if _, err := m.Verify(t.Context(), regexp.MustCompile(`kiln_\S+`).FindString(out)); !errors.Is(err, apikey.ErrInvalidKey) {
				t.Fatalf("a key made with another pepper verifies: %v", err)
			}

			c.run("apikey", "revoke", k.ID)
			if _, err := m.Verify(t.Context(), plaintext); !errors.Is(err, apikey.ErrInvalidKey) {
				t.Fatalf("revoked key: Verify = %v", err)
			}
			wantContains(t, c.run("apikey", "list"), "yes")
			c.fails("has no API key", "apikey", "revoke", "aaaaaaaaaaaa")
			c.fails("scope", "apikey", "create", "--role", "r", "--scopes", "system/Nope.rs")
			c.fails(`required flag(s) "role"`, "apikey", "create")
		})
	}
}

func TestPolicyCommands(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			c := newAccessCLI(t, b.args(t))
			wantContains(t, c.run("policy", "list"), "clinician", "clinical", "admin-data") // the defaults

			decide := func(subject string) policy.Labels {
				t.Helper()
				st := c.open()
				defer st.Close()
				e, err := policy.New(t.Context(), st, policy.Options{})
				if err != nil {
					t.Fatal(err)
				}
				l, err := e.Decide(t.Context(), "t", []string{subject}, "Observation", policy.ActionRead)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			if l := decide("clinician"); l != policy.Normal|policy.Redacted {
				t.Fatalf("clinician may read %v by default", l)
			}

			deny := []string{"--subject", "clinician", "--type", "Observation", "--action", "read", "--effect", "deny"}
			c.run(append([]string{"policy", "add"}, deny...)...)
			wantContains(t, c.run("policy", "list"), "deny")
			if l := decide("clinician"); l != 0 {
				t.Fatalf("after the deny rule, clinician may read %v", l)
			}
			c.run(append([]string{"policy", "remove"}, deny...)...)
			if l := decide("clinician"); l != policy.Normal|policy.Redacted {
				t.Fatalf("after removing the deny rule, clinician may read %v", l)
			}
			c.fails("no such rule", append([]string{"policy", "remove"}, deny...)...)

			c.run("policy", "add", "--subject", "auditor", "--type", "Observation", "--action", "read", "--all-tenants")
			if out := c.run("policy", "list"); !regexp.MustCompile(`\*\s+auditor\s+Observation\s+read`).MatchString(out) {
				t.Fatalf("rule for every tenant not listed:\n%s", out)
			}

			c.run("policy", "assign", "user:https://idp.example|42", "clinician")
			wantContains(t, c.run("policy", "list"), "user:https://idp.example|42")
			if l := decide("user:https://idp.example|42"); l != policy.Normal|policy.Redacted {
				t.Fatalf("assigned clinician may read %v", l)
			}
			c.run("policy", "unassign", "user:https://idp.example|42", "clinician")
			if l := decide("user:https://idp.example|42"); l != 0 {
				t.Fatalf("unassigned user may read %v", l)
			}
			c.fails("does not have role", "policy", "unassign", "user:https://idp.example|42", "clinician")

			c.fails("action", "policy", "add", "--subject", "clinician", "--type", "Observation", "--action", "peek")
			c.fails("effect", "policy", "add", "--subject", "clinician", "--type", "Observation", "--action", "read", "--effect", "maybe")
			c.fails("type", "policy", "add", "--subject", "clinician", "--type", "Nope", "--action", "read")
		})
	}
}

func TestIssuerCommands(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			c := newAccessCLI(t, b.args(t))
			c.run("issuer", "trust", "--issuer", "https://idp.example", "--audience", "kiln-api", "--audience", "other",
				"--roles-claim", "kiln_roles")
			wantContains(t, c.run("issuer", "list"), "https://idp.example", "kiln-api other", "kiln_roles", "patient")
			c.fails("https", "issuer", "trust", "--issuer", "http://idp.example")
			c.run("issuer", "untrust", "https://idp.example")
			if out := c.run("issuer", "list"); strings.Contains(out, "idp.example") {
				t.Fatalf("after untrust, list = %q", out)
			}
			c.fails("does not trust", "issuer", "untrust", "https://idp.example")
		})
	}
}

func TestAllowlistCommands(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			c := newAccessCLI(t, b.args(t))
			wantContains(t, c.run("allowlist", "show"), "every address")
			c.run("allowlist", "set", "10.1.2.3/8", "192.0.2.7")
			wantContains(t, c.run("allowlist", "show"), "10.0.0.0/8", "192.0.2.7/32")
			c.fails("10.0.0.0/33", "allowlist", "set", "10.0.0.0/33")
			wantContains(t, c.run("allowlist", "show"), "10.0.0.0/8") // unchanged
			wantContains(t, c.run("allowlist", "set"), "every address")
		})
	}
}

func TestAccessCommandsRefuseBadTenants(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			storage := newAccessCLI(t, b.args(t)).storage
			for _, args := range [][]string{
				{"client", "list"}, {"apikey", "list"}, {"policy", "list"}, {"issuer", "list"}, {"allowlist", "show"},
			} {
				runErr(t, `required flag(s) "tenant"`, append(args, storage...)...)
				runErr(t, `tenant "nope" does not exist`, append(args, append([]string{"--tenant", "nope"}, storage...)...)...)
				runErr(t, "tenant name", append(args, append([]string{"--tenant", "Bad_Name"}, storage...)...)...)
			}
		})
	}
}
