package vault

import (
	"crypto/rand"
	"testing"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
)

// forEachBackend runs fn on a fresh store of every backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Helper()
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, b.Open(t))
		})
	}
}

// randomKey is a fresh 32-byte key.
func randomKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

func mustLocalKEK(t *testing.T, keys map[string][]byte, current string) *LocalKEK {
	t.Helper()
	k, err := NewLocalKEK(keys, current)
	if err != nil {
		t.Fatalf("NewLocalKEK: %v", err)
	}
	return k
}

func mustVault(t *testing.T, records store.Records, w KeyWrapper, opts Options) *Vault {
	t.Helper()
	v, err := New(records, w, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

// newTestVault is a vault over s with a one-version local KEK.
func newTestVault(t *testing.T, s store.Records) *Vault {
	t.Helper()
	return mustVault(t, s, mustLocalKEK(t, map[string][]byte{"v1": randomKey()}, "v1"), Options{})
}

func mustMapping(t *testing.T, v *Vault, tenant, patient string) *Mapping {
	t.Helper()
	m, err := v.Tokens(t.Context(), tenant, patient)
	if err != nil {
		t.Fatalf("Tokens(%s, %s): %v", tenant, patient, err)
	}
	return m
}

func mustSave(t *testing.T, m *Mapping) {
	t.Helper()
	if err := m.Save(t.Context()); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

func mustReveal(t *testing.T, v *Vault, tenant, patient string, tokens ...string) map[string]string {
	t.Helper()
	got, err := v.Reveal(t.Context(), tenant, patient, tokens)
	if err != nil {
		t.Fatalf("Reveal(%s, %s): %v", tenant, patient, err)
	}
	return got
}
