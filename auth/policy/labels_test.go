package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kiln-health/kiln/fhir/search"
	"github.com/kiln-health/kiln/fhir/store"
)

var (
	confR     = Coding{ConfidentialitySystem, "R"}
	confV     = Coding{ConfidentialitySystem, "V"}
	confN     = Coding{ConfidentialitySystem, "N"}
	redacted  = Coding{ObservationValueSystem, "REDACTED"}
	anonymous = Coding{ObservationValueSystem, "ANONYED"}
	pseudo    = Coding{ObservationValueSystem, "PSEUDED"}
	subsetted = Coding{ObservationValueSystem, "SUBSETTED"}
	otherR    = Coding{"http://example.org/other", "R"}
)

func TestClass(t *testing.T) {
	tests := []struct {
		security []Coding
		want     Labels
	}{
		{nil, Normal},
		{[]Coding{confN}, Normal},
		{[]Coding{subsetted}, Normal},
		{[]Coding{otherR}, Normal},
		{[]Coding{{ConfidentialitySystem, "r"}}, Normal}, // codes are case-sensitive
		{[]Coding{confR}, Restricted},
		{[]Coding{confV}, Restricted},
		{[]Coding{redacted}, Redacted},
		{[]Coding{anonymous}, Redacted},
		{[]Coding{pseudo}, Redacted},
		{[]Coding{{"", "REDACTED"}}, Normal},
		{[]Coding{redacted, confR}, Restricted},
		{[]Coding{confV, pseudo}, Restricted},
		{[]Coding{confN, anonymous}, Redacted},
	}
	for _, tt := range tests {
		if got := Class(tt.security); got != tt.want {
			t.Errorf("Class(%v) = %v, want %v", tt.security, got, tt.want)
		}
	}
}

func TestLabelsString(t *testing.T) {
	for l, want := range map[Labels]string{
		0: "none", Normal: "normal", Normal | Redacted: "normal|redacted",
		AllLabels: "normal|redacted|restricted", Restricted: "restricted",
	} {
		if got := l.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint8(l), got, want)
		}
	}
}

func TestFilterStructure(t *testing.T) {
	tok := func(system, code string) store.Filter {
		return store.TokenMatch{Param: "_security", System: system, Code: code}
	}
	restricted := store.AnyOf{tok(ConfidentialitySystem, "R"), tok(ConfidentialitySystem, "V")}
	red := store.AnyOf{
		tok(ObservationValueSystem, "REDACTED"),
		tok(ObservationValueSystem, "ANONYED"),
		tok(ObservationValueSystem, "PSEUDED"),
	}
	tests := []struct {
		l    Labels
		want store.Filter
	}{
		{AllLabels, nil},
		{Restricted, restricted},
		{Redacted, store.AllOf{red, store.Not{Filter: restricted}}},
		{Normal, store.AllOf{store.Not{Filter: restricted}, store.Not{Filter: red}}},
		{Normal | Redacted, store.Not{Filter: restricted}},
		{Normal | Restricted, store.AnyOf{restricted, store.Not{Filter: red}}},
		{Redacted | Restricted, store.AnyOf{restricted, red}},
		{0, store.AllOf{restricted, store.Not{Filter: restricted}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.l.Filter()); diff != "" {
			t.Errorf("%v.Filter() (-want +got):\n%s", tt.l, diff)
		}
	}
}

// labelSets are every set of label classes.
func labelSets() []Labels {
	var out []Labels
	for l := Labels(0); l <= AllLabels; l++ {
		out = append(out, l)
	}
	return out
}

// securityCases are meta.security lists covering every class and their
// mixtures.
var securityCases = [][]Coding{
	nil, {confN}, {subsetted}, {otherR}, {confR}, {confV}, {redacted}, {anonymous},
	{pseudo}, {redacted, confR}, {pseudo, confV}, {confN, anonymous}, {subsetted, redacted},
}

// TestFilterAgreesWithClass evaluates each filter in memory: it must keep
// exactly the resources whose Class is allowed.
func TestFilterAgreesWithClass(t *testing.T) {
	for _, l := range labelSets() {
		f := l.Filter()
		for _, sec := range securityCases {
			got := f == nil || eval(t, f, sec)
			if want := l.Has(Class(sec)); got != want {
				t.Errorf("%v.Filter() on %v = %v, want %v", l, sec, got, want)
			}
		}
	}
}

// eval is a minimal evaluator of the filters Filter builds.
func eval(t *testing.T, f store.Filter, sec []Coding) bool {
	switch f := f.(type) {
	case store.AnyOf:
		return slices.ContainsFunc(f, func(g store.Filter) bool { return eval(t, g, sec) })
	case store.AllOf:
		return !slices.ContainsFunc(f, func(g store.Filter) bool { return !eval(t, g, sec) })
	case store.Not:
		return !eval(t, f.Filter, sec)
	case store.TokenMatch:
		if f.Param != "_security" || f.AnySystem || f.AnyCode {
			t.Fatalf("unexpected token match %+v", f)
		}
		return slices.Contains(sec, Coding{f.System, f.Code})
	default:
		t.Fatalf("unexpected filter %T", f)
		return false
	}
}

// TestFilterOnStore runs each filter as a search on real stores, with
// _security indexed by the search extractor, against Class of each body.
func TestFilterOnStore(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		if err := s.CreateTenant(ctx, "t"); err != nil {
			t.Fatal(err)
		}
		x := search.NewExtractor()
		class := map[string]Labels{}
		var writes []store.Write
		for i, sec := range securityCases {
			id := fmt.Sprintf("o%02d", i)
			class[id] = Class(sec)
			body := observation(t, id, sec)
			var res map[string]any
			d := json.NewDecoder(bytes.NewReader(body))
			d.UseNumber()
			if err := d.Decode(&res); err != nil {
				t.Fatal(err)
			}
			idx, err := x.Extract(res)
			if err != nil {
				t.Fatal(err)
			}
			writes = append(writes, store.Write{Type: "Observation", ID: id, Version: 1,
				LastUpdated: time.Now().UTC().Truncate(time.Millisecond), Method: store.MethodPut, Body: body, Index: idx})
		}
		if err := s.Update(ctx, "t", func(tx store.Tx) error { return tx.Write(ctx, writes) }); err != nil {
			t.Fatal(err)
		}
		for _, l := range labelSets() {
			q := store.Query{Types: []string{"Observation"}, Limit: 100}
			if f := l.Filter(); f != nil {
				q.Filters = []store.Filter{f}
			}
			var got []string
			err := s.View(ctx, "t", func(tx store.Tx) error {
				rs, _, err := tx.Search(ctx, q)
				for _, r := range rs {
					got = append(got, r.ID)
				}
				return err
			})
			if err != nil {
				t.Fatalf("%v: %v", l, err)
			}
			var want []string
			for id, c := range class {
				if l.Has(c) {
					want = append(want, id)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("search with %v.Filter() = %v, want %v", l, got, want)
			}
		}
	})
}

func observation(t *testing.T, id string, sec []Coding) []byte {
	t.Helper()
	security := []map[string]string{}
	for _, c := range sec {
		security = append(security, map[string]string{"system": c.System, "code": c.Code})
	}
	b, err := json.Marshal(map[string]any{
		"resourceType": "Observation",
		"id":           id,
		"meta":         map[string]any{"security": security},
		"status":       "final",
		"code":         map[string]any{"text": "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
