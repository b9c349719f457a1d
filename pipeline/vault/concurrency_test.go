package vault

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-health/kiln/fhir/store"
)

// TestConcurrentMappings redacts documents of one patient at once, each
// with its own Vault (as separate processes would: no shared cache, and
// the tenant's first keys made in a race). No two originals may share a
// token and no original may get two.
func TestConcurrentMappings(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		const workers = 8
		w := mustLocalKEK(t, map[string][]byte{"v1": randomKey()}, "v1")
		shared := make([]string, 12)
		for i := range shared {
			shared[i] = fmt.Sprintf("Shared Person %d", i)
		}

		type result struct {
			tokens map[string]string // normalised original → token
			err    error
		}
		results := make([]result, workers)
		var wg sync.WaitGroup
		for g := range workers {
			wg.Go(func() {
				v, err := New(s, w, Options{})
				if err != nil {
					results[g].err = err
					return
				}
				m, err := v.Tokens(t.Context(), "acme", "p1")
				if err != nil {
					results[g].err = err
					return
				}
				originals := append([]string{}, shared...)
				for i := range 4 {
					originals = append(originals, fmt.Sprintf("Own Person %d-%d", g, i))
				}
				rand.Shuffle(len(originals), func(i, j int) { originals[i], originals[j] = originals[j], originals[i] })
				got := map[string]string{}
				for i, o := range originals {
					if i%2 == 1 {
						o = strings.ToUpper(o) // another spelling of the same
					}
					got[normalise(o)] = m.Token("NAME", o)
				}
				results[g] = result{got, m.Save(t.Context())}
			})
		}
		wg.Wait()

		byOriginal := map[string]string{}
		byToken := map[string]string{}
		for g, r := range results {
			if r.err != nil {
				t.Fatalf("worker %d: %v", g, r.err)
			}
			for o, tok := range r.tokens {
				if prev, ok := byOriginal[o]; ok && prev != tok {
					t.Errorf("%q got two tokens: %s and %s", o, prev, tok)
				}
				byOriginal[o] = tok
				if prev, ok := byToken[tok]; ok && prev != o {
					t.Errorf("%s given to two originals: %q and %q", tok, prev, o)
				}
				byToken[tok] = o
			}
		}
		if want := len(shared) + workers*4; len(byOriginal) != want {
			t.Errorf("%d originals, want %d", len(byOriginal), want)
		}

		// Every worker's vault agreed on the tenant's keys, and the vault
		// reveals exactly what each token stands for.
		v := mustVault(t, s, w, Options{})
		var tokens []string
		for tok := range byToken {
			tokens = append(tokens, tok)
		}
		got := mustReveal(t, v, "acme", "p1", tokens...)
		for tok, o := range byToken {
			if normalise(got[tok]) != o {
				t.Errorf("Reveal %s = %q, want %q", tok, got[tok], o)
			}
		}
		if rs, _ := s.ListRecords(t.Context(), "acme", kindIndex); len(rs) != len(byOriginal) {
			t.Errorf("%d index records, want %d", len(rs), len(byOriginal))
		}
	})
}
