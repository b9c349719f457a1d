package vault

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
)

func TestRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		v := newTestVault(t, s)
		m := mustMapping(t, v, "acme", "p1")
		tests := []struct {
			category, original, want string
		}{
			{"NAME", "Jane Doe", "[NAME_1]"},
			{"NAME", "Adebayo-Marsh", "[NAME_2]"},
			{"DATE", "3 March 2024", "[DATE_1]"},
			{"HEALTH_PLAN", "XQ-445-22819", "[HEALTH_PLAN_1]"},
			{"LOCATION", "12 rue de l'Église, 75004 Paris", "[LOCATION_1]"},
			{"NAME", "Zoë Ñúñez 王小明", "[NAME_3]"},
			{"ID", strings.Repeat("long identifier ", 40), "[ID_1]"},
		}
		for _, tt := range tests {
			if got := m.Token(tt.category, tt.original); got != tt.want {
				t.Errorf("Token(%s, %.20q) = %s, want %s", tt.category, tt.original, got, tt.want)
			}
		}
		mustSave(t, m)

		var tokens []string
		for _, tt := range tests {
			tokens = append(tokens, tt.want)
		}
		got := mustReveal(t, newTestVaultSameKEK(t, v, s), "acme", "p1", tokens...)
		for _, tt := range tests {
			if got[tt.want] != tt.original {
				t.Errorf("Reveal %s = %.20q, want %.20q", tt.want, got[tt.want], tt.original)
			}
		}
	})
}

// newTestVaultSameKEK is a second vault (a restarted process: empty key
// cache) over the same records and wrapper as v.
func newTestVaultSameKEK(t *testing.T, v *Vault, s store.Records) *Vault {
	t.Helper()
	return mustVault(t, s, v.wrapper, Options{})
}

func TestSameOriginalSameToken(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		v := newTestVault(t, s)
		m1 := mustMapping(t, v, "acme", "p1")
		first := m1.Token("NAME", "John Smith")
		if first != "[NAME_1]" {
			t.Fatalf("first token = %s, want [NAME_1]", first)
		}
		other := m1.Token("NAME", "Mary Smith")
		loc := m1.Token("LOCATION", "John Smith") // same text, other category
		mustSave(t, m1)
		if other != "[NAME_2]" || loc != "[LOCATION_1]" {
			t.Fatalf("other tokens = %s, %s; want [NAME_2], [LOCATION_1]", other, loc)
		}

		m2 := mustMapping(t, v, "acme", "p1")                            // another document
		m3 := mustMapping(t, newTestVaultSameKEK(t, v, s), "acme", "p1") // after a restart
		for _, m := range []*Mapping{m1, m2, m3} {
			for _, variant := range []string{"John Smith", "john smith", "  JOHN\t\nSmith ", "John  SMITH"} {
				if got := m.Token("NAME", variant); got != first {
					t.Errorf("Token(NAME, %q) = %s, want %s", variant, got, first)
				}
			}
			if got := m.Token("NAME", "mary smith"); got != other {
				t.Errorf("Token(NAME, mary smith) = %s, want %s", got, other)
			}
		}
		if got := m3.Token("NAME", "Peter Pan"); got != "[NAME_3]" {
			t.Errorf("new name after restart = %s, want [NAME_3]", got)
		}
		mustSave(t, m3)
		// Reveal gives the spelling first seen.
		if got := mustReveal(t, v, "acme", "p1", first); got[first] != "John Smith" {
			t.Errorf("Reveal = %q, want the first spelling", got[first])
		}
	})
}

func TestPatientsAreIndependent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		v := newTestVault(t, s)
		p1 := mustMapping(t, v, "acme", "p1")
		p2 := mustMapping(t, v, "acme", "p2")
		other := mustMapping(t, v, "globex", "p1") // same patient id, other tenant
		for _, step := range []struct {
			m              *Mapping
			original, want string
		}{
			{p1, "Alice Moss", "[NAME_1]"},
			{p1, "Bob Moss", "[NAME_2]"},
			{p2, "Bob Moss", "[NAME_1]"},
			{p2, "Carol Reed", "[NAME_2]"},
			{other, "Carol Reed", "[NAME_1]"},
		} {
			if got := step.m.Token("NAME", step.original); got != step.want {
				t.Errorf("%s/%s Token(%s) = %s, want %s", step.m.tenant, step.m.patient, step.original, got, step.want)
			}
		}
		for _, m := range []*Mapping{p1, p2, other} {
			mustSave(t, m)
		}
		checks := []struct {
			tenant, patient string
			want            map[string]string
		}{
			{"acme", "p1", map[string]string{"[NAME_1]": "Alice Moss", "[NAME_2]": "Bob Moss"}},
			{"acme", "p2", map[string]string{"[NAME_1]": "Bob Moss", "[NAME_2]": "Carol Reed"}},
			{"globex", "p1", map[string]string{"[NAME_1]": "Carol Reed"}},
		}
		for _, c := range checks {
			got := mustReveal(t, v, c.tenant, c.patient, "[NAME_1]", "[NAME_2]")
			if !maps.Equal(got, c.want) {
				t.Errorf("Reveal %s/%s = %v, want %v", c.tenant, c.patient, got, c.want)
			}
		}

		// The same name of two patients has unrelated index keys.
		idx, err := s.ListRecords(t.Context(), "acme", kindIndex)
		if err != nil {
			t.Fatal(err)
		}
		hashes := map[string]bool{}
		for _, r := range idx {
			_, h, _ := strings.Cut(r.Key, "/")
			if hashes[h] {
				t.Errorf("index key %s is shared by two patients", h)
			}
			hashes[h] = true
		}
	})
}

// TestEntriesAreBound moves and alters stored entries: none may decrypt
// where it does not belong.
func TestEntriesAreBound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		v := newTestVault(t, s)
		for _, p := range []struct{ tenant, patient string }{{"acme", "p1"}, {"acme", "p2"}, {"globex", "p1"}} {
			m := mustMapping(t, v, p.tenant, p.patient)
			m.Token("NAME", "Name of "+p.tenant+" "+p.patient)
			m.Token("NAME", "Second name of "+p.tenant+" "+p.patient)
			mustSave(t, m)
		}
		ctx := t.Context()
		get := func(tenant, patient, token string) []byte {
			r, err := s.GetRecord(ctx, tenant, kindEntry, entryKey(patient, token))
			if err != nil {
				t.Fatal(err)
			}
			return r.Value
		}
		put := func(tenant, patient, token string, value []byte) {
			if err := s.PutRecord(ctx, store.Record{Tenant: tenant, Kind: kindEntry, Key: entryKey(patient, token), Value: value}); err != nil {
				t.Fatal(err)
			}
		}
		swap := func(t1, p1, k1, t2, p2, k2 string) func() {
			return func() {
				a, b := get(t1, p1, k1), get(t2, p2, k2)
				put(t1, p1, k1, b)
				put(t2, p2, k2, a)
			}
		}
		tests := []struct {
			name   string
			mutate func()
			check  []struct{ tenant, patient, token string }
		}{
			{"swap across patients", swap("acme", "p1", "[NAME_1]", "acme", "p2", "[NAME_1]"),
				[]struct{ tenant, patient, token string }{{"acme", "p1", "[NAME_1]"}, {"acme", "p2", "[NAME_1]"}}},
			{"swap across tokens", swap("acme", "p1", "[NAME_2]", "acme", "p1", "[NAME_1]"),
				[]struct{ tenant, patient, token string }{{"acme", "p1", "[NAME_2]"}}},
			{"copy across tenants", func() { put("globex", "p1", "[NAME_2]", get("acme", "p2", "[NAME_2]")) },
				[]struct{ tenant, patient, token string }{{"globex", "p1", "[NAME_2]"}}},
			{"flip a ciphertext bit", func() {
				b := bytes.Clone(get("acme", "p2", "[NAME_2]"))
				b[len(b)-1] ^= 1
				put("acme", "p2", "[NAME_2]", b)
			}, []struct{ tenant, patient, token string }{{"acme", "p2", "[NAME_2]"}}},
			{"name the tenant secret as DEK", func() {
				b := get("acme", "p1", "[NAME_1]")
				put("acme", "p1", "[NAME_1]", append([]byte{entryVersion, byte(len(keySecret))}, append([]byte(keySecret), b[2+int(b[1]):]...)...))
			}, []struct{ tenant, patient, token string }{{"acme", "p1", "[NAME_1]"}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.mutate()
				for _, c := range tt.check {
					got, err := v.Reveal(ctx, c.tenant, c.patient, []string{c.token})
					if err == nil {
						t.Errorf("Reveal %s/%s %s after %s = %v, want an error", c.tenant, c.patient, c.token, tt.name, got)
					} else if strings.Contains(err.Error(), "Name of") {
						t.Errorf("error reveals an original: %v", err)
					}
				}
			})
		}
	})
}

func TestRevealSkipsUnknown(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		v := newTestVault(t, s)
		m := mustMapping(t, v, "acme", "p1")
		tok := m.Token("PHONE", "+1 555 0100")
		mustSave(t, m)
		got := mustReveal(t, v, "acme", "p1", tok, tok, "[PHONE_2]", "not a token", "[phone_1]", "[NAME_1]")
		if want := map[string]string{tok: "+1 555 0100"}; !maps.Equal(got, want) {
			t.Errorf("Reveal = %v, want %v", got, want)
		}
		// A tenant the vault never saw has nothing, and gets no keys made.
		if got := mustReveal(t, v, "nobody", "p1", tok); len(got) != 0 {
			t.Errorf("Reveal in unknown tenant = %v", got)
		}
		if rs, _ := s.ListRecords(t.Context(), "nobody", kindKey); len(rs) != 0 {
			t.Errorf("Reveal made %d keys", len(rs))
		}
	})
}

func TestInvalidArguments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		v := newTestVault(t, s)
		ctx := t.Context()
		for _, c := range []struct{ tenant, patient string }{{"", "p1"}, {"acme", ""}} {
			if _, err := v.Tokens(ctx, c.tenant, c.patient); !errors.Is(err, ErrInvalid) {
				t.Errorf("Tokens(%q, %q) error = %v, want ErrInvalid", c.tenant, c.patient, err)
			}
			if _, err := v.Reveal(ctx, c.tenant, c.patient, nil); !errors.Is(err, ErrInvalid) {
				t.Errorf("Reveal(%q, %q) error = %v, want ErrInvalid", c.tenant, c.patient, err)
			}
			if _, err := v.DateShift(ctx, c.tenant, c.patient); !errors.Is(err, ErrInvalid) {
				t.Errorf("DateShift(%q, %q) error = %v, want ErrInvalid", c.tenant, c.patient, err)
			}
		}
		m := mustMapping(t, v, "acme", "p1")
		for _, category := range []string{"", "name", "NAME]", "NA ME", "1NAME"} {
			if got := m.Token(category, "Secret Person"); got != invalidToken {
				t.Errorf("Token(%q) = %s, want %s", category, got, invalidToken)
			}
		}
		if got := m.Token("NAME", "Kept Working"); got != "[NAME_1]" {
			t.Errorf("Token after an invalid category = %s", got)
		}
		err := m.Save(ctx)
		if !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "Secret Person") {
			t.Errorf("Save error = %v, want ErrInvalid without the original", err)
		}
	})
}

// TestStoreFailure: when the store cannot be reached, Token still hides
// the original and Save says the document must be redone.
func TestStoreFailure(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		v := newTestVault(t, s)
		ctx, cancel := context.WithCancel(t.Context())
		m, err := v.Tokens(ctx, "acme", "p1")
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Token("NAME", "Jane Doe"); got != "[NAME_1]" {
			t.Fatalf("Token = %s", got)
		}
		cancel()
		if got := m.Token("NAME", "Jane Doe"); got != "[NAME_1]" {
			t.Errorf("known original after failure = %s, want [NAME_1]", got)
		}
		if got := m.Token("NAME", "Richard Roe"); got != "[NAME]" {
			t.Errorf("new original after failure = %s, want [NAME]", got)
		}
		err = m.Save(t.Context())
		if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "Richard") {
			t.Errorf("Save error = %v, want context.Canceled without the original", err)
		}
	})
}

// TestRecordsHoldNoOriginals scans every record the vault wrote for the
// originals (as given and normalised) and for its keys.
func TestRecordsHoldNoOriginals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		v := newTestVault(t, s)
		originals := map[string][]string{
			"NAME":     {"Margaret Thornbury", "Oluwaseun Adeyemi", "THORNBURY"},
			"PHONE":    {"(617) 555-0199"},
			"EMAIL":    {"m.thornbury@example.org"},
			"LOCATION": {"221B Baker Street"},
			"SSN":      {"078-05-1120"},
		}
		for _, patient := range []string{"p1", "p2"} {
			m := mustMapping(t, v, "acme", patient)
			for c, os := range originals {
				for _, o := range os {
					m.Token(c, o)
				}
			}
			mustSave(t, m)
		}
		if _, err := v.Rotate(t.Context(), "acme"); err != nil {
			t.Fatal(err)
		}
		m := mustMapping(t, v, "acme", "p1")
		m.Token("NAME", "Wilhelmina Castellanos")
		mustSave(t, m)
		originals["NAME"] = append(originals["NAME"], "Wilhelmina Castellanos")

		var needles [][]byte
		for _, os := range originals {
			for _, o := range os {
				needles = append(needles, []byte(o), []byte(normalise(o)), []byte(strings.ToUpper(o)))
			}
		}
		v.mu.Lock()
		for _, k := range v.keys {
			needles = append(needles, k)
		}
		v.mu.Unlock()
		if len(v.keys) < 3 {
			t.Fatalf("only %d keys cached; expected two DEKs and the secret", len(v.keys))
		}

		n := 0
		for _, kind := range []string{kindKey, kindEntry, kindIndex} {
			rs, err := s.ListRecords(t.Context(), "acme", kind)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				n++
				for _, needle := range needles {
					if bytes.Contains(r.Value, needle) || strings.Contains(r.Key, string(needle)) {
						t.Errorf("record %s %s contains a secret", kind, r.Key)
					}
				}
			}
		}
		if n < 20 {
			t.Errorf("scanned %d records, expected more", n)
		}
	})
}

func TestTokensIn(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"[NAME_1] saw [NAME_2] and [NAME_1] on [DATE_3].", []string{"[NAME_1]", "[NAME_2]", "[DATE_3]"}},
		{"[HEALTH_PLAN_12][NAME_1]", []string{"[HEALTH_PLAN_12]", "[NAME_1]"}},
		{"[NAME] [NAME_0] [name_1] [NAME_01] 90+ [REDACTED]", nil},
	}
	for _, tt := range tests {
		if got := TokensIn(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("TokensIn(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestNewOptions(t *testing.T) {
	s := testbackends.All()[0].Open(t) // New never touches it
	w := mustLocalKEK(t, map[string][]byte{"v1": randomKey()}, "v1")
	for _, tt := range []struct {
		name string
		opts Options
		ok   bool
	}{
		{"zero", Options{}, true},
		{"range", Options{ShiftMinDays: -30, ShiftMaxDays: 30}, true},
		{"empty range", Options{ShiftMinDays: -1, ShiftMaxDays: -2}, false},
		{"too wide", Options{ShiftMinDays: -100000, ShiftMaxDays: -1}, false},
		{"duplicate wrapper", Options{OldWrappers: []KeyWrapper{w}}, false},
	} {
		_, err := New(s, w, tt.opts)
		if (err == nil) != tt.ok {
			t.Errorf("%s: New error = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
