package vault

import (
	"fmt"
	"testing"

	"github.com/kiln-health/kiln/fhir/store"
)

func TestDateShift(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		w := mustLocalKEK(t, map[string][]byte{"v1": randomKey()}, "v1")
		v := mustVault(t, s, w, Options{})
		restarted := mustVault(t, s, w, Options{})
		seen := map[int]bool{}
		for i := range 40 {
			patient := fmt.Sprintf("p%d", i)
			d, err := v.DateShift(t.Context(), "acme", patient)
			if err != nil {
				t.Fatal(err)
			}
			if d < DefaultShiftMinDays || d > DefaultShiftMaxDays {
				t.Errorf("DateShift(%s) = %d, outside the default range", patient, d)
			}
			for _, other := range []*Vault{v, restarted} {
				if again, err := other.DateShift(t.Context(), "acme", patient); err != nil || again != d {
					t.Errorf("DateShift(%s) again = %d, %v; want %d", patient, again, err, d)
				}
			}
			seen[d] = true
		}
		if len(seen) < 30 {
			t.Errorf("40 patients got only %d distinct shifts", len(seen))
		}

		// Another tenant's secret gives other shifts.
		same := 0
		for i := range 40 {
			a, _ := v.DateShift(t.Context(), "acme", fmt.Sprintf("p%d", i))
			b, err := v.DateShift(t.Context(), "globex", fmt.Sprintf("p%d", i))
			if err != nil {
				t.Fatal(err)
			}
			if a == b {
				same++
			}
		}
		if same > 5 {
			t.Errorf("%d of 40 patients have the same shift in two tenants", same)
		}

		tests := []struct{ min, max int }{{-30, -30}, {-10, 10}, {1, 3}}
		for _, tt := range tests {
			rv := mustVault(t, s, w, Options{ShiftMinDays: tt.min, ShiftMaxDays: tt.max})
			for i := range 20 {
				d, err := rv.DateShift(t.Context(), "acme", fmt.Sprintf("p%d", i))
				if err != nil || d < tt.min || d > tt.max {
					t.Errorf("range %d..%d: DateShift = %d, %v", tt.min, tt.max, d, err)
				}
			}
		}
	})
}
