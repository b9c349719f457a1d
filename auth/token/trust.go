package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/kiln-health/kiln/fhir/store"
)

// kindIssuer is the store.Record kind of a tenant's trusted external
// issuers; the record's Key is the issuer URL.
const kindIssuer = "issuer"

// DefaultPatientClaim is the claim that carries the SMART patient context
// when a Trust names none.
const DefaultPatientClaim = "patient"

// Trust is one external OpenID Connect issuer that a tenant accepts access
// tokens from.
type Trust struct {
	// Issuer is the issuer URL exactly as in its tokens' iss and its
	// discovery document.
	Issuer string `json:"issuer"`
	// Audiences are accepted in aud besides the tenant's FHIR base URL,
	// for IdPs that cannot put a resource URL in aud (they often use an
	// API name or the client id).
	Audiences []string `json:"audiences,omitempty"`
	// RolesClaim names the claim holding Kiln role names, e.g.
	// "kiln_roles"; empty means the issuer grants no roles.
	RolesClaim string `json:"rolesClaim,omitempty"`
	// PatientClaim names the claim holding the patient id; empty means
	// DefaultPatientClaim.
	PatientClaim string `json:"patientClaim,omitempty"`
}

func (t Trust) patientClaim() string {
	if t.PatientClaim == "" {
		return DefaultPatientClaim
	}
	return t.PatientClaim
}

// TrustIssuer makes tenant accept tokens from t.Issuer, replacing any
// earlier Trust of that issuer.
func TrustIssuer(ctx context.Context, records store.Records, tenant string, t Trust) error {
	if tenant == "" {
		return errors.New("token: trust issuer: no tenant")
	}
	if err := validateIssuerURL(t.Issuer); err != nil {
		return fmt.Errorf("token: trust issuer: %w", err)
	}
	for _, a := range t.Audiences {
		if strings.TrimSpace(a) == "" {
			return fmt.Errorf("token: trust issuer %s: empty audience", t.Issuer)
		}
	}
	v, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("token: trust issuer %s: %w", t.Issuer, err)
	}
	if err := records.PutRecord(ctx, store.Record{Tenant: tenant, Kind: kindIssuer, Key: t.Issuer, Value: v}); err != nil {
		return fmt.Errorf("token: trust issuer %s for tenant %s: %w", t.Issuer, tenant, err)
	}
	return nil
}

// UntrustIssuer stops tenant accepting tokens from issuer; the next
// Verify refuses them. store.ErrNotFound (wrapped) if it was not trusted.
func UntrustIssuer(ctx context.Context, records store.Records, tenant, issuer string) error {
	if err := records.DeleteRecord(ctx, tenant, kindIssuer, issuer); err != nil {
		return fmt.Errorf("token: untrust issuer %s for tenant %s: %w", issuer, tenant, err)
	}
	return nil
}

// TrustedIssuers lists the issuers tenant trusts, ordered by issuer URL.
func TrustedIssuers(ctx context.Context, records store.Records, tenant string) ([]Trust, error) {
	rs, err := records.ListRecords(ctx, tenant, kindIssuer)
	if err != nil {
		return nil, fmt.Errorf("token: list trusted issuers of tenant %s: %w", tenant, err)
	}
	out := make([]Trust, 0, len(rs))
	for _, r := range rs {
		t, err := decodeTrust(r)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// trustOf returns tenant's Trust of issuer; store.ErrNotFound (wrapped)
// when tenant does not trust it.
func trustOf(ctx context.Context, records store.Records, tenant, issuer string) (Trust, error) {
	r, err := records.GetRecord(ctx, tenant, kindIssuer, issuer)
	if err != nil {
		return Trust{}, fmt.Errorf("token: trusted issuer %q of tenant %s: %w", issuer, tenant, err)
	}
	return decodeTrust(r)
}

func decodeTrust(r store.Record) (Trust, error) {
	var t Trust
	if err := json.Unmarshal(r.Value, &t); err != nil {
		return Trust{}, fmt.Errorf("token: decode trusted issuer %s of tenant %s: %w", r.Key, r.Tenant, err)
	}
	if t.Issuer != r.Key {
		return Trust{}, fmt.Errorf("token: trusted issuer record %s of tenant %s names issuer %q", r.Key, r.Tenant, t.Issuer)
	}
	return t, nil
}

// validateIssuerURL insists on https, as OpenID Connect discovery does,
// except on loopback hosts, where a developer's or a test's IdP runs.
func validateIssuerURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("issuer %q: %w", s, err)
	}
	if u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("issuer %q is not an absolute URL without query, fragment or user info", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
	}
	return fmt.Errorf("issuer %q must use https", s)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
