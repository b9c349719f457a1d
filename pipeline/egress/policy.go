// Package egress decides which outside processors may receive a tenant's
// data and records every call that sends it.
//
// A tenant's policy grants a processor ("openai", "aws-comprehend-medical",
// any name) a data class: [Redacted] (vault tokens instead of PHI, or
// de-identified facts) or [PHI] (raw text). A grant of PHI covers redacted
// data too. Without a grant nothing leaves: the default is deny.
//
// The policy lives in store.Records (kind [Kind], one record per
// processor), so every process of a tenant reads the same policy, and it
// is read on every call, so a revocation takes effect at once.
package egress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// Kind is the store.Record kind of a tenant's egress grants; the key is
// the processor.
const Kind = "egress-policy"

// Class is a class of data that may leave Kiln.
type Class string

// Data classes, from least to most sensitive.
const (
	// Redacted data holds no PHI: vault tokens stand in for it, or it is a
	// fact's de-identified form.
	Redacted Class = "redacted"
	// PHI is raw text that may hold protected health information.
	PHI Class = "phi"
)

// ParseClass checks a class name.
func ParseClass(s string) (Class, error) {
	switch c := Class(s); c {
	case Redacted, PHI:
		return c, nil
	}
	return "", fmt.Errorf("egress: data class %q: want %q or %q", s, Redacted, PHI)
}

// covers reports whether a grant of class g allows sending data of class c.
func (g Class) covers(c Class) bool {
	switch g {
	case PHI:
		return c == PHI || c == Redacted
	case Redacted:
		return c == Redacted
	}
	return false
}

// ErrDenied is returned (wrapped) when a tenant's policy does not let a
// processor receive a class of data.
var ErrDenied = errors.New("egress denied by policy")

var processorName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// CheckProcessor checks a processor name: 1-63 lowercase letters, digits,
// '.', '_' and '-', starting with a letter or digit. Names are plain so
// that they read the same in policies, logs and AuditEvents.
func CheckProcessor(name string) error {
	if !processorName.MatchString(name) {
		return fmt.Errorf("egress: processor name %q: use 1-63 lowercase letters, digits, '.', '_' and '-', starting with a letter or digit", name)
	}
	return nil
}

// Grant is one processor's entry in a tenant's policy.
type Grant struct {
	Processor string    `json:"-"`
	Class     Class     `json:"class"`
	Updated   time.Time `json:"updated"`
}

// Allow grants processor the class in tenant's policy, replacing any
// earlier grant (so it also narrows PHI to redacted).
func Allow(ctx context.Context, rs store.Records, tenant, processor string, class Class) error {
	if err := CheckProcessor(processor); err != nil {
		return err
	}
	if _, err := ParseClass(string(class)); err != nil {
		return err
	}
	value, err := json.Marshal(Grant{Class: class, Updated: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return fmt.Errorf("egress: encode grant: %w", err)
	}
	if err := rs.PutRecord(ctx, store.Record{Tenant: tenant, Kind: Kind, Key: processor, Value: value}); err != nil {
		return fmt.Errorf("egress: store grant of %s: %w", processor, err)
	}
	return nil
}

// Deny removes processor's grant from tenant's policy. It reports whether
// there was one; denying a processor without a grant is not an error.
func Deny(ctx context.Context, rs store.Records, tenant, processor string) (bool, error) {
	if err := CheckProcessor(processor); err != nil {
		return false, err
	}
	err := rs.DeleteRecord(ctx, tenant, Kind, processor)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("egress: delete grant of %s: %w", processor, err)
	}
	return true, nil
}

// Grants lists tenant's policy, ordered by processor.
func Grants(ctx context.Context, rs store.Records, tenant string) ([]Grant, error) {
	recs, err := rs.ListRecords(ctx, tenant, Kind)
	if err != nil {
		return nil, fmt.Errorf("egress: list grants: %w", err)
	}
	out := make([]Grant, 0, len(recs))
	for _, r := range recs {
		g, err := decode(r)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// Allowed reports whether tenant's policy lets processor receive class.
// An unreadable policy is an error, which callers treat as a refusal.
func Allowed(ctx context.Context, rs store.Records, tenant, processor string, class Class) (bool, error) {
	r, err := rs.GetRecord(ctx, tenant, Kind, processor)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("egress: read grant of %s: %w", processor, err)
	}
	g, err := decode(r)
	if err != nil {
		return false, err
	}
	return g.Class.covers(class), nil
}

func decode(r store.Record) (Grant, error) {
	var g Grant
	if err := json.Unmarshal(r.Value, &g); err != nil {
		return Grant{}, fmt.Errorf("egress: grant of %s is not valid JSON: %w", r.Key, err)
	}
	g.Processor = r.Key
	return g, nil
}
