package token

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

func TestTrustRecords(t *testing.T) {
	ctx := t.Context()
	st := openStore(t)
	a := Trust{Issuer: "https://idp.example.org/realms/kiln", Audiences: []string{"kiln"}, RolesClaim: "kiln_roles"}
	b := Trust{Issuer: "https://ehr.example.com", PatientClaim: "pid"}
	for _, tr := range []Trust{a, b} {
		if err := TrustIssuer(ctx, st, tenantA, tr); err != nil {
			t.Fatal(err)
		}
	}
	got, err := TrustedIssuers(ctx, st, tenantA)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Issuer != b.Issuer || got[1].Issuer != a.Issuer ||
		!slices.Equal(got[1].Audiences, a.Audiences) || got[1].RolesClaim != "kiln_roles" || got[0].PatientClaim != "pid" {
		t.Errorf("trusted issuers = %+v", got)
	}
	if other, err := TrustedIssuers(ctx, st, tenantB); err != nil || len(other) != 0 {
		t.Errorf("tenant b trusts %+v (err %v), want nothing", other, err)
	}

	// Trusting again replaces.
	a.Audiences = []string{"kiln", "fhir"}
	if err := TrustIssuer(ctx, st, tenantA, a); err != nil {
		t.Fatal(err)
	}
	if tr, err := trustOf(ctx, st, tenantA, a.Issuer); err != nil || !slices.Equal(tr.Audiences, a.Audiences) {
		t.Errorf("after replace: %+v, %v", tr, err)
	}

	if err := UntrustIssuer(ctx, st, tenantA, b.Issuer); err != nil {
		t.Fatal(err)
	}
	if err := UntrustIssuer(ctx, st, tenantA, b.Issuer); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("untrust twice: err = %v, want ErrNotFound", err)
	}
}

func TestTrustIssuerValidates(t *testing.T) {
	st := openStore(t)
	for name, tc := range map[string]struct {
		tenant string
		trust  Trust
	}{
		"no tenant":          {"", Trust{Issuer: "https://idp.example.org"}},
		"no issuer":          {tenantA, Trust{}},
		"relative":           {tenantA, Trust{Issuer: "/idp"}},
		"plain http":         {tenantA, Trust{Issuer: "http://idp.example.org"}},
		"query":              {tenantA, Trust{Issuer: "https://idp.example.org?x=1"}},
		"user info":          {tenantA, Trust{Issuer: "https://u:p@idp.example.org"}},
		"blank audience":     {tenantA, Trust{Issuer: "https://idp.example.org", Audiences: []string{" "}}},
		"unsupported scheme": {tenantA, Trust{Issuer: "ftp://idp.example.org"}},
	} {
		if err := TrustIssuer(t.Context(), st, tc.tenant, tc.trust); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, iss := range []string{"http://localhost:8081", "http://127.0.0.1:5556/dex", "http://[::1]:9000"} {
		if err := TrustIssuer(t.Context(), st, tenantA, Trust{Issuer: iss}); err != nil {
			t.Errorf("loopback issuer %s refused: %v", iss, err)
		}
	}
}

func TestClaimSpellings(t *testing.T) {
	for name, tc := range map[string]struct {
		claims map[string]any
		want   string
	}{
		"scope string":   {map[string]any{"scope": "  a  b "}, "a b"},
		"scp array":      {map[string]any{"scp": []any{"a", "b"}}, "a b"},
		"scope wins":     {map[string]any{"scope": "a", "scp": []any{"b"}}, "a"},
		"none":           {map[string]any{}, ""},
		"scope not text": {map[string]any{"scope": 3.0}, ""},
	} {
		if got := scopeClaim(tc.claims); got != tc.want {
			t.Errorf("%s: scope = %q, want %q", name, got, tc.want)
		}
	}

	for name, tc := range map[string]struct {
		v    any
		want []string
	}{
		"array":  {[]any{"reader", 1.0, "", "writer"}, []string{"reader", "writer"}},
		"string": {"reader writer", []string{"reader", "writer"}},
		"object": {map[string]any{"writer": map[string]any{}, "reader": map[string]any{}}, []string{"reader", "writer"}},
		"number": {1.0, nil},
	} {
		if got := namesClaim(tc.v); !slices.Equal(got, tc.want) {
			t.Errorf("%s: names = %q, want %q", name, got, tc.want)
		}
	}

	if got, err := timeClaim(map[string]any{"nbf": 1700000000.5}, "nbf"); err != nil || !got.Equal(time.Unix(1700000000, 5e8)) {
		t.Errorf("nbf = %v, %v", got, err)
	}
	if _, err := timeClaim(map[string]any{"nbf": "soon"}, "nbf"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("text nbf: err = %v", err)
	}
}
