package vault

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/kiln-health/kiln/fhir/store"
)

// entryDEKOf is the id of the DEK that sealed a stored entry.
func entryDEKOf(t *testing.T, s store.Records, tenant, patient, token string) string {
	t.Helper()
	r, err := s.GetRecord(t.Context(), tenant, kindEntry, entryKey(patient, token))
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := entryDEK(r.Value)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRotateDEK(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		v := newTestVault(t, s)
		m := mustMapping(t, v, "acme", "p1")
		old := m.Token("NAME", "Before Rotation")
		mustSave(t, m)
		oldDEK := entryDEKOf(t, s, "acme", "p1", old)

		newDEK, err := v.Rotate(t.Context(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		if newDEK == oldDEK {
			t.Fatal("Rotate kept the DEK")
		}
		for _, v := range []*Vault{v, newTestVaultSameKEK(t, v, s)} {
			m = mustMapping(t, v, "acme", "p1")
			if got := m.Token("NAME", "before rotation"); got != old {
				t.Errorf("known original after rotation = %s, want %s", got, old)
			}
			m.Token("NAME", "After Rotation")
			mustSave(t, m)
		}
		if got := entryDEKOf(t, s, "acme", "p1", "[NAME_2]"); got != newDEK {
			t.Errorf("new entry sealed with %s, want the new DEK %s", got, newDEK)
		}
		want := map[string]string{old: "Before Rotation", "[NAME_2]": "After Rotation"}
		if got := mustReveal(t, newTestVaultSameKEK(t, v, s), "acme", "p1", old, "[NAME_2]"); !maps.Equal(got, want) {
			t.Errorf("Reveal = %v, want %v", got, want)
		}
		if _, err := v.Rotate(t.Context(), ""); err == nil {
			t.Error("Rotate of the empty tenant succeeded")
		}
	})
}

// TestRewrapAllLocalKEK rotates the KEK: v1 → v1+v2 (v2 current) →
// RewrapAll → v2 alone, which must still reveal and find every token.
func TestRewrapAllLocalKEK(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		k1, k2 := randomKey(), randomKey()
		before := mustVault(t, s, mustLocalKEK(t, map[string][]byte{"v1": k1}, "v1"), Options{})
		m := mustMapping(t, before, "acme", "p1")
		tok := m.Token("NAME", "Rewrapped Person")
		mustSave(t, m)
		if _, err := before.Rotate(t.Context(), "acme"); err != nil {
			t.Fatal(err)
		}
		m = mustMapping(t, before, "acme", "p1")
		tok2 := m.Token("NAME", "Second Person")
		mustSave(t, m)
		shift, err := before.DateShift(t.Context(), "acme", "p1")
		if err != nil {
			t.Fatal(err)
		}

		// Without v1 nothing unwraps yet.
		v2only := mustLocalKEK(t, map[string][]byte{"v2": k2}, "v2")
		if _, err := mustVault(t, s, v2only, Options{}).Reveal(t.Context(), "acme", "p1", []string{tok}); err == nil {
			t.Fatal("Reveal without the old KEK succeeded before RewrapAll")
		}

		during := mustVault(t, s, mustLocalKEK(t, map[string][]byte{"v1": k1, "v2": k2}, "v2"), Options{})
		n, err := during.RewrapAll(t.Context(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 { // two DEKs and the secret
			t.Errorf("RewrapAll rewrapped %d keys, want 3", n)
		}
		rs, err := s.ListRecords(t.Context(), "acme", kindKey)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			var sk storedKey
			if r.Key != keyCurrent && (json.Unmarshal(r.Value, &sk) != nil || sk.KEK != "v2") {
				t.Errorf("key %s is under KEK %q after RewrapAll", r.Key, sk.KEK)
			}
		}

		after := mustVault(t, s, v2only, Options{})
		want := map[string]string{tok: "Rewrapped Person", tok2: "Second Person"}
		if got := mustReveal(t, after, "acme", "p1", tok, tok2); !maps.Equal(got, want) {
			t.Errorf("Reveal with v2 only = %v, want %v", got, want)
		}
		m = mustMapping(t, after, "acme", "p1")
		if got := m.Token("NAME", "REWRAPPED PERSON"); got != tok {
			t.Errorf("token with v2 only = %s, want %s", got, tok)
		}
		mustSave(t, m)
		if got, err := after.DateShift(t.Context(), "acme", "p1"); err != nil || got != shift {
			t.Errorf("DateShift with v2 only = %d, %v; want %d", got, err, shift)
		}
	})
}
