package apikey

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
)

// eachBackend runs fn on a fresh store of every backend.
func eachBackend(t *testing.T, fn func(t *testing.T, s store.Store)) {
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

var testClock = time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

func newManager(t *testing.T, s store.Records, pepper string) *Manager {
	t.Helper()
	m, err := NewManager(s, []byte(strings.Repeat(pepper, 32)[:32]), Options{Now: func() time.Time { return testClock }})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func create(t *testing.T, m *Manager, k Key) (string, Key) {
	t.Helper()
	plain, got, err := m.Create(t.Context(), k)
	if err != nil {
		t.Fatalf("Create(%+v): %v", k, err)
	}
	return plain, got
}

// wantInvalid checks that Verify refuses plaintext with ErrInvalidKey and
// an error message that does not repeat it.
func wantInvalid(t *testing.T, m *Manager, what, plaintext string) {
	t.Helper()
	k, err := m.Verify(t.Context(), plaintext)
	if !errors.Is(err, ErrInvalidKey) {
		t.Errorf("%s: Verify = %+v, %v; want ErrInvalidKey", what, k, err)
		return
	}
	if _, secret, ok := strings.Cut(strings.TrimPrefix(plaintext, "kiln_"), "_"); ok && len(secret) > 8 && strings.Contains(err.Error(), secret) {
		t.Errorf("%s: error %q quotes the secret", what, err)
	}
	if len(plaintext) > 8 && strings.Contains(err.Error(), plaintext) {
		t.Errorf("%s: error %q quotes the key", what, err)
	}
}

func TestCreateVerify(t *testing.T) {
	eachBackend(t, func(t *testing.T, s store.Store) {
		m := newManager(t, s, "p")
		in := Key{Tenant: "acme", Name: "lab feed", Role: "writer", Scopes: []string{"system/Observation.cr", "system/Patient.r"}, RatePerMinute: 120}
		plain, created := create(t, m, in)
		if !strings.HasPrefix(plain, "kiln_"+created.ID+"_") || len(created.ID) != 12 {
			t.Fatalf("Create = %q, id %q; want kiln_<id>_<secret>", plain, created.ID)
		}
		want := in
		want.ID, want.Created = created.ID, testClock
		if !equalKeys(created, want) {
			t.Errorf("Create returned %+v; want %+v", created, want)
		}
		got, err := m.Verify(t.Context(), plain)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if !equalKeys(got, want) {
			t.Errorf("Verify = %+v; want %+v", got, want)
		}
		if got.Rate() != 120 {
			t.Errorf("Rate() = %d; want 120", got.Rate())
		}

		plain2, second := create(t, m, Key{Tenant: "acme", Role: "reader"})
		if second.ID == created.ID || plain2 == plain {
			t.Fatalf("two keys share id %q", second.ID)
		}
		if got, err := m.Verify(t.Context(), plain2); err != nil || got.ID != second.ID || got.Rate() != DefaultRatePerMinute {
			t.Errorf("Verify(second) = %+v, %v; want id %s at the default rate", got, err, second.ID)
		}
	})
}

func equalKeys(a, b Key) bool {
	return a.ID == b.ID && a.Tenant == b.Tenant && a.Name == b.Name && a.Role == b.Role &&
		slices.Equal(a.Scopes, b.Scopes) && a.RatePerMinute == b.RatePerMinute &&
		a.Created.Equal(b.Created) && a.Revoked == b.Revoked && a.Dev == b.Dev
}

func TestCreateValidates(t *testing.T) {
	eachBackend(t, func(t *testing.T, s store.Store) {
		m := newManager(t, s, "p")
		for _, k := range []Key{{Role: "reader"}, {Tenant: "acme"}, {Tenant: "acme", Role: "reader", RatePerMinute: -1}} {
			if _, _, err := m.Create(t.Context(), k); err == nil {
				t.Errorf("Create(%+v) succeeded", k)
			}
		}
		if keys, err := m.List(t.Context(), "acme"); err != nil || len(keys) != 0 {
			t.Errorf("List after refused creates = %v, %v; want none", keys, err)
		}
	})
}

func TestVerifyRefuses(t *testing.T) {
	eachBackend(t, func(t *testing.T, s store.Store) {
		m := newManager(t, s, "p")
		plain, k := create(t, m, Key{Tenant: "acme", Role: "reader"})
		id, secret, err := parse(plain)
		if err != nil {
			t.Fatal(err)
		}

		flipped := slices.Clone(secret)
		flipped[7] ^= 1
		wantInvalid(t, m, "tampered secret", format(id, flipped))
		// Changing one character of the text (not only the decoded bytes).
		i := len(plain) - 20
		c := byte('A')
		if plain[i] == c {
			c = 'B'
		}
		wantInvalid(t, m, "tampered character", plain[:i]+string(c)+plain[i+1:])
		wantInvalid(t, m, "unknown id", format(newID(), secret))
		wantInvalid(t, m, "tampered id", "kiln_"+strings.Repeat("a", 12)+plain[len("kiln_")+12:])
		for _, s := range []string{"", "kiln_", "kiln__", plain + "x", plain[:len(plain)-1], strings.ToUpper(plain), "Bearer " + plain, plain + "\n"} {
			wantInvalid(t, m, "malformed", s)
		}

		if err := m.Revoke(t.Context(), "other", k.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Revoke from another tenant: %v; want ErrNotFound", err)
		}
		if _, err := m.Verify(t.Context(), plain); err != nil {
			t.Fatalf("Verify after a refused cross-tenant Revoke: %v", err)
		}
		if err := m.Revoke(t.Context(), "acme", k.ID); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		wantInvalid(t, m, "revoked", plain)
		if err := m.Revoke(t.Context(), "acme", k.ID); err != nil {
			t.Errorf("Revoke twice: %v; want nil", err)
		}
		for _, id := range []string{newID(), "", "../x", strings.ToUpper(k.ID)} {
			if err := m.Revoke(t.Context(), "acme", id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Revoke(%q): %v; want ErrNotFound", id, err)
			}
		}
		keys, err := m.List(t.Context(), "acme")
		if err != nil || len(keys) != 1 || !keys[0].Revoked || keys[0].ID != k.ID {
			t.Errorf("List after Revoke = %+v, %v; want the key, marked revoked", keys, err)
		}
	})
}

// TestStoredRecordsHoldNoSecret scans every record a key leaves for the
// secret in any encoding.
func TestStoredRecordsHoldNoSecret(t *testing.T) {
	eachBackend(t, func(t *testing.T, s store.Store) {
		m := newManager(t, s, "p")
		plain, k := create(t, m, Key{Tenant: "acme", Role: "reader", Name: "feed"})
		_, secret, err := parse(plain)
		if err != nil {
			t.Fatal(err)
		}
		forms := map[string][]byte{
			"plaintext":  []byte(plain),
			"base64url":  []byte(plain[len(plain)-secretLen:]),
			"raw bytes":  secret,
			"hex":        []byte(hex.EncodeToString(secret)),
			"std base64": []byte(base64.StdEncoding.EncodeToString(secret)),
		}
		var records []store.Record
		for _, q := range [][2]string{{"acme", kindKey}, {"", kindTenant}} {
			rs, err := s.ListRecords(t.Context(), q[0], q[1])
			if err != nil {
				t.Fatal(err)
			}
			records = append(records, rs...)
		}
		if len(records) != 2 {
			t.Fatalf("Create left %d records; want the key and its index", len(records))
		}
		for _, r := range records {
			for name, f := range forms {
				if bytes.Contains(r.Value, f) || strings.Contains(r.Key, string(f)) {
					t.Errorf("record %s/%s/%s holds the secret (%s): %s", r.Tenant, r.Kind, r.Key, name, r.Value)
				}
			}
			if r.Key != k.ID {
				t.Errorf("record key %q; want the id %q", r.Key, k.ID)
			}
		}
	})
}

func TestPeppersSeparateKeys(t *testing.T) {
	eachBackend(t, func(t *testing.T, s store.Store) {
		a, b := newManager(t, s, "a"), newManager(t, s, "b")
		pa, _ := create(t, a, Key{Tenant: "acme", Role: "reader"})
		pb, _ := create(t, b, Key{Tenant: "acme", Role: "reader"})
		wantInvalid(t, b, "a's key at b", pa)
		wantInvalid(t, a, "b's key at a", pb)
		if _, err := a.Verify(t.Context(), pa); err != nil {
			t.Errorf("a's key at a: %v", err)
		}
	})
}

func TestNewManagerNeedsLongPepper(t *testing.T) {
	if _, err := NewManager(nil, make([]byte, MinPepperLen-1), Options{}); err == nil {
		t.Error("NewManager accepted a 31-byte pepper")
	}
}

func TestListAndHasDevKeys(t *testing.T) {
	eachBackend(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		m := newManager(t, s, "p")
		tenants := []string{"acme", "beta"}
		wantDev := func(tenants []string, want bool) {
			t.Helper()
			if got, err := m.HasDevKeys(ctx, tenants); err != nil || got != want {
				t.Errorf("HasDevKeys(%q) = %v, %v; want %v", tenants, got, err, want)
			}
		}
		wantDev(tenants, false)
		create(t, m, Key{Tenant: "acme", Role: "reader"})
		wantDev(tenants, false)
		_, dev := create(t, m, Key{Tenant: "beta", Role: "admin", Dev: true})
		wantDev(tenants, true)
		wantDev([]string{"acme"}, false)
		create(t, m, Key{Tenant: "acme", Role: "reader"})

		keys, err := m.List(ctx, "acme")
		if err != nil || len(keys) != 2 || keys[0].ID >= keys[1].ID || keys[0].Tenant != "acme" {
			t.Errorf("List(acme) = %+v, %v; want acme's two keys by id", keys, err)
		}
		if err := m.Revoke(ctx, "beta", dev.ID); err != nil {
			t.Fatal(err)
		}
		wantDev(tenants, false)
	})
}

func TestLoadPepper(t *testing.T) {
	eachBackend(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		if _, err := LoadPepper(ctx, s, []byte("short")); err == nil {
			t.Error("LoadPepper accepted a 5-byte configured pepper")
		}
		configured := bytes.Repeat([]byte{7}, 40)
		if p, err := LoadPepper(ctx, s, configured); err != nil || !bytes.Equal(p, configured) {
			t.Errorf("LoadPepper(configured) = %x, %v; want it back", p, err)
		}
		if _, err := s.GetRecord(ctx, "", pepperKind, pepperKey); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a configured pepper was stored: %v", err)
		}

		// Several servers starting at once agree on one generated pepper.
		const n = 8
		peppers := make([][]byte, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				p, err := LoadPepper(ctx, s, nil)
				if err != nil {
					t.Errorf("LoadPepper: %v", err)
				}
				peppers[i] = p
			})
		}
		wg.Wait()
		for _, p := range peppers {
			if len(p) != MinPepperLen || !bytes.Equal(p, peppers[0]) {
				t.Fatalf("concurrent LoadPepper gave %x and %x; want one 32-byte pepper", peppers[0], p)
			}
		}
		if p, err := LoadPepper(context.Background(), s, nil); err != nil || !bytes.Equal(p, peppers[0]) {
			t.Errorf("LoadPepper again = %x, %v; want the stored %x", p, err, peppers[0])
		}
		if bytes.Equal(peppers[0], make([]byte, MinPepperLen)) {
			t.Error("generated pepper is all zeros")
		}

		// Keys made with the stored pepper verify after a restart.
		m1, err := NewManager(s, peppers[0], Options{})
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := create(t, m1, Key{Tenant: "acme", Role: "reader"})
		p, _ := LoadPepper(ctx, s, nil)
		m2, _ := NewManager(s, p, Options{})
		if _, err := m2.Verify(ctx, plain); err != nil {
			t.Errorf("Verify after reloading the pepper: %v", err)
		}
	})
}

// TestVerifyStoreError checks that a database failure is not reported as
// an invalid key (which would answer 401 instead of 503).
func TestVerifyStoreError(t *testing.T) {
	s := testbackends.All()[0].Open(t)
	m := newManager(t, s, "p")
	plain, _ := create(t, m, Key{Tenant: "acme", Role: "reader"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if k, err := m.Verify(t.Context(), plain); err == nil || errors.Is(err, ErrInvalidKey) {
		t.Errorf("Verify on a closed store = %+v, %v; want an error other than ErrInvalidKey", k, err)
	}
}
