package storetest

// The search part of the suite. Resources are written with hand-built index
// rows (extracting them from FHIR JSON is fhir/search's job, not the
// store's) and searched with store.Query values shaped as fhir/search
// builds them: values already normalised, date and number ranges already
// worked out. Every expected result is worked out by hand from the FHIR R4
// search semantics that fhir/store/query.go documents.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// ires returns a write of a resource with index x.
func ires(typ, id string, version int64, at time.Time, x store.Index) store.Write {
	w := res(typ, id, version, at)
	w.Index = x
	return w
}

// gone writes a resource with index x and then deletes it: a deleted
// resource must never be found, whatever its last index was.
func (h *harness) gone(tenant, typ, id string, x store.Index) {
	h.Helper()
	h.write(tenant, ires(typ, id, 1, t0, x))
	h.write(tenant, tombstone(typ, id, 2, t0.Add(time.Second)))
}

// searchErr runs q in a View of tenant.
func (h *harness) searchErr(tenant string, q store.Query) (rs []store.Resource, total int, err error) {
	err = h.s.View(h.ctx, tenant, func(tx store.Tx) error {
		var err error
		rs, total, err = tx.Search(h.ctx, q)
		return err
	})
	return rs, total, err
}

// relatedErr runs q in a View of tenant.
func (h *harness) relatedErr(tenant string, q store.RelatedQuery) (rs []store.Resource, err error) {
	err = h.s.View(h.ctx, tenant, func(tx store.Tx) error {
		var err error
		rs, err = tx.Related(h.ctx, q)
		return err
	})
	return rs, err
}

// refs names resources "Type/id", in their order.
func refs(rs []store.Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Type + "/" + r.ID
	}
	return out
}

// sorted returns a sorted copy of s, nil when empty, for comparisons.
func sorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// prefixed returns "typ/id" for each id.
func prefixed(typ string, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = typ + "/" + id
	}
	return out
}

// describe renders filters for failure messages.
func describe(fs []store.Filter) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%T%+v", f, f)
	}
	return strings.Join(parts, ", ")
}

// searchCase is a search of one type with filters and the ids it must find,
// in any order.
type searchCase struct {
	name    string
	filters []store.Filter
	want    []string
}

// checkSearches runs every case as a search of typ and compares the ids
// found, in any order, with want. Each case runs with Total, which must
// count the same matches, and as a count-only search (Limit 0).
//
// With system set, each case also runs as a system-level search (no types)
// and as a search of typ and another type, which must find the same
// resources: the tenant must then hold resources of typ only.
func (h *harness) checkSearches(tenant, typ string, system bool, cases []searchCase) {
	h.Helper()
	variants := [][]string{{typ}}
	if system {
		variants = append(variants, nil, []string{"Basic", typ})
	}
	for _, c := range cases {
		want := sorted(prefixed(typ, c.want))
		for _, types := range variants {
			q := store.Query{Types: types, Filters: c.filters, Limit: 1000, Total: true}
			rs, total, err := h.searchErr(tenant, q)
			if err != nil {
				h.Errorf("%s: Search(types %q; %s): %v", c.name, types, describe(c.filters), err)
				continue
			}
			if got := sorted(refs(rs)); !slices.Equal(got, want) {
				h.Errorf("%s: Search(types %q; %s) = %q, want %q", c.name, types, describe(c.filters), got, want)
			}
			if total != len(want) {
				h.Errorf("%s: Search(types %q; %s): total = %d, want %d", c.name, types, describe(c.filters), total, len(want))
			}
		}
		q := store.Query{Types: []string{typ}, Filters: c.filters, Limit: 0, Total: true}
		rs, total, err := h.searchErr(tenant, q)
		switch {
		case err != nil:
			h.Errorf("%s: count-only Search(%s): %v", c.name, describe(c.filters), err)
		case len(rs) != 0 || total != len(want):
			h.Errorf("%s: count-only Search(%s) = %d resources, total %d; want none, total %d",
				c.name, describe(c.filters), len(rs), total, len(want))
		}
	}
}

// order returns the refs ("Type/id") Search returns for q, in order, or
// nil after reporting an error.
func (h *harness) order(tenant string, q store.Query) []string {
	h.Helper()
	rs, _, err := h.searchErr(tenant, q)
	if err != nil {
		h.Errorf("Search(%+v): %v", q, err)
		return nil
	}
	return refs(rs)
}

// Date helpers. FHIR dates are ranges: a year, month or day covers every
// instant in it; a time given to the second covers that second.

func ms(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

// dr returns the range [lo, hi] (Unix ms, inclusive) a FHIR date covers:
// "2025", "2025-03", "2025-03-14", "2025-03-14T12:00:00Z" (a second) or
// "2025-03-14T12:00:00.000Z" (a millisecond).
func dr(s string) (lo, hi int64) {
	var start, end time.Time
	switch len(s) {
	case 4:
		start, _ = time.Parse("2006", s)
		end = start.AddDate(1, 0, 0)
	case 7:
		start, _ = time.Parse("2006-01", s)
		end = start.AddDate(0, 1, 0)
	case 10:
		start, _ = time.Parse("2006-01-02", s)
		end = start.AddDate(0, 0, 1)
	default:
		t := ms(s)
		if strings.Contains(s, ".") {
			return t, t
		}
		return t, t + 999
	}
	if start.IsZero() {
		panic("bad date " + s)
	}
	return start.UnixMilli(), end.UnixMilli() - 1
}

func dateValue(param, s string) store.DateValue {
	lo, hi := dr(s)
	return store.DateValue{Param: param, Lo: lo, Hi: hi}
}

func dateMatch(param string, p store.Prefix, s string) store.DateMatch {
	lo, hi := dr(s)
	return store.DateMatch{Param: param, Prefix: p, Lo: lo, Hi: hi}
}

func str(param, exact, value string) store.StringValue {
	return store.StringValue{Param: param, Value: value, Exact: exact}
}

func tok(param, system, code string) store.TokenValue {
	return store.TokenValue{Param: param, System: system, Code: code}
}

func ref(param, typ, id string) store.ReferenceValue {
	return store.ReferenceValue{Param: param, Type: typ, ID: id}
}

func startsWith(param, v string) store.StringMatch {
	return store.StringMatch{Param: param, Mode: store.StringStartsWith, Value: v}
}

func tokenIs(param, system, code string) store.TokenMatch {
	return store.TokenMatch{Param: param, System: system, Code: code}
}

func refTo(param, typ, id string) store.ReferenceMatch {
	return store.ReferenceMatch{Param: param, Type: typ, ID: id}
}

func fs(f ...store.Filter) []store.Filter { return f }

func testSearchString(h *harness) {
	tn := h.tenant("t")
	name := func(exact, value string) store.Index {
		return store.Index{Strings: []store.StringValue{str("name", exact, value)}}
	}
	h.write(tn,
		ires("Patient", "muller", 1, t0, name("Müller", "muller")),
		ires("Patient", "mullerson", 1, t0, name("Mullerson", "mullerson")),
		ires("Patient", "demuller", 1, t0, name("de Muller", "de muller")),
		ires("Patient", "mumford", 1, t0, name("Mumford", "mumford")),
		ires("Patient", "cotton", 1, t0, name("100% Cotton_blend", "100% cotton_blend")),
		ires("Patient", "cottonx", 1, t0, name("100x CottonAblend", "100x cottonablend")),
		ires("Patient", "backslash", 1, t0, name(`Back\slash`, `back\slash`)),
		ires("Patient", "emoji", 1, t0, name("Mul😀", "mul😀")),
		ires("Patient", "strasse", 1, t0, name("Straße", "straße")),
		ires("Patient", "two", 1, t0, store.Index{Strings: []store.StringValue{
			str("name", "Anna", "anna"), str("name", "Smith", "smith"),
		}}),
		ires("Patient", "family", 1, t0, store.Index{Strings: []store.StringValue{str("family", "Muller", "muller")}}),
		ires("Patient", "none", 1, t0, store.Index{}),
	)
	h.gone(tn, "Patient", "gone", name("Muller", "muller"))

	named := []string{"muller", "mullerson", "demuller", "mumford", "cotton", "cottonx", "backslash", "emoji", "strasse", "two"}
	contains := func(v string) store.StringMatch {
		return store.StringMatch{Param: "name", Mode: store.StringContains, Value: v}
	}
	exact := func(v string) store.StringMatch {
		return store.StringMatch{Param: "name", Mode: store.StringExact, Value: v}
	}
	h.checkSearches(tn, "Patient", true, []searchCase{
		{"starts-with", fs(startsWith("name", "mul")), []string{"muller", "mullerson", "emoji"}},
		{"starts-with longer", fs(startsWith("name", "muller")), []string{"muller", "mullerson"}},
		{"starts-with longest", fs(startsWith("name", "mullers")), []string{"mullerson"}},
		{"starts-with the whole value", fs(startsWith("name", "de muller")), []string{"demuller"}},
		{"starts-with any of the values", fs(startsWith("name", "smi")), []string{"two"}},
		{"starts-with non-ASCII", fs(startsWith("name", "straß")), []string{"strasse"}},
		{"starts-with compares bytes", fs(startsWith("name", "stras")), nil},
		{"starts-with reads the normalised value", fs(startsWith("name", "Mul")), nil},
		{"starts-with no match", fs(startsWith("name", "xyz")), nil},
		{"starts-with a wildcard is literal", fs(startsWith("name", "mu%")), nil},
		{"starts-with an underscore is literal", fs(startsWith("name", "mu_ler")), nil},
		{"starts-with empty matches every value", fs(startsWith("name", "")), named},
		{"starts-with of another param", fs(startsWith("family", "mul")), []string{"family"}},
		{"exact", fs(exact("Müller")), []string{"muller"}},
		{"exact is case-sensitive", fs(exact("Mullerson")), []string{"mullerson"}},
		{"exact is not normalised", fs(exact("muller")), nil},
		{"exact is accent-sensitive", fs(exact("Muller")), nil},
		{"exact is not a prefix", fs(exact("Mul")), nil},
		{"exact empty", fs(exact("")), nil},
		{"contains", fs(contains("ull")), []string{"muller", "mullerson", "demuller"}},
		{"contains at the end", fs(contains("son")), []string{"mullerson"}},
		{"contains a whole value", fs(contains("mumford")), []string{"mumford"}},
		{"contains percent literally", fs(contains("0% c")), []string{"cotton"}},
		{"contains percent alone", fs(contains("%")), []string{"cotton"}},
		{"contains underscore literally", fs(contains("n_b")), []string{"cotton"}},
		{"contains underscore alone", fs(contains("_")), []string{"cotton"}},
		{"contains backslash literally", fs(contains(`k\s`)), []string{"backslash"}},
		{"contains backslash alone", fs(contains(`\`)), []string{"backslash"}},
		{"contains non-ASCII", fs(contains("😀")), []string{"emoji"}},
		{"contains in any of the values", fs(contains("mit")), []string{"two"}},
		{"contains empty matches every value", fs(contains("")), named},
		{"contains of another param", fs(store.StringMatch{Param: "family", Mode: store.StringContains, Value: "ll"}), []string{"family"}},
		{"missing", fs(store.Missing{Param: "name", Table: store.StringTable, Missing: true}), []string{"family", "none"}},
		{"not missing", fs(store.Missing{Param: "name", Table: store.StringTable}), named},
		{"unknown param", fs(startsWith("nickname", "")), nil},
	})
}

func testSearchToken(h *harness) {
	tn := h.tenant("t")
	const loinc, snomed = "http://loinc.org", "http://snomed.info/sct"
	codes := func(ts ...store.TokenValue) store.Index { return store.Index{Tokens: ts} }
	h.write(tn,
		ires("Observation", "loinc", 1, t0, codes(tok("code", loinc, "1234-5"), tok("code", snomed, "abc"))),
		ires("Observation", "nosys", 1, t0, codes(tok("code", "", "1234-5"))),
		ires("Observation", "other", 1, t0, codes(tok("code", "http://other.org", "1234-5"))),
		ires("Observation", "loinc2", 1, t0, codes(tok("code", loinc, "9999"))),
		ires("Observation", "category", 1, t0, codes(tok("category", loinc, "1234-5"))),
		ires("Observation", "none", 1, t0, store.Index{}),
	)
	h.gone(tn, "Observation", "gone", codes(tok("code", loinc, "1234-5")))
	// :text, on a tenant of its own so the cases below keep their data.
	tt := h.tenant("texts")
	h.write(tt,
		ires("Observation", "texts", 1, t0, codes(
			store.TokenValue{Param: "code", System: loinc, Code: "8480-6", Text: "systolic blood pressure"},
			store.TokenValue{Param: "code", Text: "bp reading"})),
		ires("Observation", "plain", 1, t0, codes(tok("code", loinc, "8480-6"))),
	)
	text := func(v string) store.TokenTextMatch { return store.TokenTextMatch{Param: "code", Value: v} }
	h.checkSearches(tt, "Observation", true, []searchCase{
		{":text starts with a display", fs(text("systolic")), []string{"texts"}},
		{":text of a text-only row", fs(text("bp rea")), []string{"texts"}},
		{":text is a prefix, not a word", fs(text("blood")), nil},
		{":text of another param", fs(store.TokenTextMatch{Param: "category", Value: "systolic"}), nil},
		{"a text-only row has no code", fs(store.TokenMatch{Param: "code", Code: "", AnySystem: true}), nil},
	})

	anySystem := func(code string) store.TokenMatch {
		return store.TokenMatch{Param: "code", Code: code, AnySystem: true}
	}
	anyCode := func(system string) store.TokenMatch {
		return store.TokenMatch{Param: "code", System: system, AnyCode: true}
	}
	h.checkSearches(tn, "Observation", true, []searchCase{
		{"system|code", fs(tokenIs("code", loinc, "1234-5")), []string{"loinc"}},
		{"system|code of a second row", fs(tokenIs("code", snomed, "abc")), []string{"loinc"}},
		{"|code means no system", fs(tokenIs("code", "", "1234-5")), []string{"nosys"}},
		{"system|", fs(anyCode(loinc)), []string{"loinc", "loinc2"}},
		{"|", fs(anyCode("")), []string{"nosys"}},
		{"code in any system", fs(anySystem("1234-5")), []string{"loinc", "nosys", "other"}},
		{"any system, any code", fs(store.TokenMatch{Param: "code", AnySystem: true, AnyCode: true}),
			[]string{"loinc", "nosys", "other", "loinc2"}},
		{"code is exact", fs(anySystem("1234")), nil},
		{"code is case-sensitive", fs(tokenIs("code", snomed, "ABC")), nil},
		{"system is exact", fs(tokenIs("code", loinc+"/", "1234-5")), nil},
		{"system and code of different rows", fs(tokenIs("code", snomed, "1234-5")), nil},
		{"param is matched", fs(tokenIs("category", loinc, "1234-5")), []string{"category"}},
		{"unknown param", fs(anySystem("1234-5"), tokenIs("status", "", "final")), nil},
		{"not", fs(store.Not{Filter: tokenIs("code", loinc, "1234-5")}),
			[]string{"nosys", "other", "loinc2", "category", "none"}},
		{"or", fs(store.AnyOf{tokenIs("code", loinc, "9999"), tokenIs("code", "", "1234-5")}), []string{"loinc2", "nosys"}},
		{"and of two rows", fs(tokenIs("code", loinc, "1234-5"), tokenIs("code", snomed, "abc")), []string{"loinc"}},
		{"and that no resource has both of", fs(tokenIs("code", loinc, "1234-5"), tokenIs("code", loinc, "9999")), nil},
		{"missing", fs(store.Missing{Param: "code", Table: store.TokenTable, Missing: true}), []string{"category", "none"}},
		{"not missing", fs(store.Missing{Param: "code", Table: store.TokenTable}), []string{"loinc", "nosys", "other", "loinc2"}},
	})
}

func testSearchDate(h *harness) {
	tn := h.tenant("t")
	dates := func(ds ...store.DateValue) store.Index { return store.Index{Dates: ds} }
	h.write(tn,
		ires("Observation", "day", 1, t0, dates(dateValue("date", "2025-03-14"))),
		ires("Observation", "month", 1, t0, dates(dateValue("date", "2025-03"))),
		ires("Observation", "instant", 1, t0, dates(dateValue("date", "2025-03-14T12:00:00.000Z"))),
		// A Period with a start and no end, and one with only an end.
		ires("Observation", "openEnd", 1, t0, dates(store.DateValue{Param: "date", Lo: ms("2025-03-10T00:00:00Z"), Hi: store.MaxDate})),
		ires("Observation", "openStart", 1, t0, dates(store.DateValue{Param: "date", Lo: store.MinDate, Hi: ms("2025-03-12T23:59:59.999Z")})),
		ires("Observation", "y2024", 1, t0, dates(dateValue("date", "2024-06-01"))),
		ires("Observation", "multi", 1, t0, dates(dateValue("date", "2020-01-01"), dateValue("date", "2026-01-01"))),
		ires("Observation", "other", 1, t0, dates(dateValue("birthdate", "2025-03-14"))),
		ires("Observation", "none", 1, t0, store.Index{}),
	)
	h.gone(tn, "Observation", "gone", dates(dateValue("date", "2025-03-14")))

	d := func(p store.Prefix, s string) store.DateMatch { return dateMatch("date", p, s) }
	h.checkSearches(tn, "Observation", true, []searchCase{
		// eq: the row's range lies within the search range.
		{"eq day", fs(d(store.Eq, "2025-03-14")), []string{"day", "instant"}},
		{"empty prefix is eq", fs(d("", "2025-03-14")), []string{"day", "instant"}},
		{"eq month", fs(d(store.Eq, "2025-03")), []string{"day", "month", "instant"}},
		{"eq year", fs(d(store.Eq, "2025")), []string{"day", "month", "instant"}},
		{"eq second", fs(d(store.Eq, "2025-03-14T12:00:00Z")), []string{"instant"}},
		{"eq another millisecond", fs(d(store.Eq, "2025-03-14T12:00:00.001Z")), nil},
		{"eq another day", fs(d(store.Eq, "2025-03-13")), nil},
		// gt: the row's range extends above the search range.
		{"gt day", fs(d(store.Gt, "2025-03-14")), []string{"month", "openEnd", "multi"}},
		{"gt far future", fs(d(store.Gt, "2030")), []string{"openEnd"}},
		// lt: the row's range extends below it.
		{"lt day", fs(d(store.Lt, "2025-03-14")), []string{"month", "openEnd", "openStart", "y2024", "multi"}},
		{"lt far past", fs(d(store.Lt, "2000")), []string{"openStart"}},
		// ge: the row's range reaches the search range or above it.
		{"ge day", fs(d(store.Ge, "2025-03-14")), []string{"day", "month", "instant", "openEnd", "multi"}},
		{"ge next day", fs(d(store.Ge, "2025-03-15")), []string{"month", "openEnd", "multi"}},
		// le: the row's range reaches the search range or below it.
		{"le day", fs(d(store.Le, "2025-03-14")), []string{"day", "month", "instant", "openEnd", "openStart", "y2024", "multi"}},
		{"le day before", fs(d(store.Le, "2025-03-13")), []string{"month", "openEnd", "openStart", "y2024", "multi"}},
		// sa: starts after the search range; eb: ends before it.
		{"sa", fs(d(store.Sa, "2025-03-12")), []string{"day", "instant", "multi"}},
		{"sa month", fs(d(store.Sa, "2025-03")), []string{"multi"}},
		{"eb", fs(d(store.Eb, "2025-03-13")), []string{"openStart", "y2024", "multi"}},
		{"eb day of the end", fs(d(store.Eb, "2025-03-12")), []string{"y2024", "multi"}},
		// ap: overlaps the search range the parser has widened.
		{"ap", fs(store.DateMatch{Param: "date", Prefix: store.Ap, Lo: ms("2025-03-13T00:00:00Z"), Hi: ms("2025-03-15T23:59:59.999Z")}),
			[]string{"day", "month", "instant", "openEnd"}},
		{"ap far away", fs(store.DateMatch{Param: "date", Prefix: store.Ap, Lo: ms("1990-01-01T00:00:00Z"), Hi: ms("1990-12-31T23:59:59.999Z")}),
			[]string{"openStart"}},
		// ne reaches the store as Not of eq, so resources without the
		// parameter match it.
		{"ne", fs(store.Not{Filter: d(store.Eq, "2025-03-14")}),
			[]string{"month", "openEnd", "openStart", "y2024", "multi", "other", "none"}},
		// Each filter may match another of a resource's values: multi's
		// 2026 is ge, its 2020 le.
		{"range of two prefixes", fs(d(store.Ge, "2025-03-01"), d(store.Le, "2025-03-31")),
			[]string{"day", "month", "instant", "openEnd", "openStart", "multi"}},
		{"param is matched", fs(dateMatch("birthdate", store.Eq, "2025-03-14")), []string{"other"}},
		{"missing", fs(store.Missing{Param: "date", Table: store.DateTable, Missing: true}), []string{"other", "none"}},
		{"not missing", fs(store.Missing{Param: "date", Table: store.DateTable}),
			[]string{"day", "month", "instant", "openEnd", "openStart", "y2024", "multi"}},
	})
}

func testSearchLastUpdated(h *harness) {
	tn := h.tenant("t")
	at := func(s string) time.Time { return time.UnixMilli(ms(s)).UTC() }
	h.write(tn,
		res("Patient", "a", 1, at("2025-03-13T23:59:59.999Z")),
		res("Patient", "b", 1, at("2025-03-14T00:00:00Z")),
		res("Patient", "c", 1, t0),
		res("Patient", "d", 1, at("2025-03-15T00:00:00Z")),
		res("Patient", "e", 1, at("2025-03-10T00:00:00Z")),
		res("Patient", "gone", 1, at("2025-03-14T10:00:00Z")),
	)
	// e's current version is from the 16th; gone was deleted on the 14th.
	h.write(tn, res("Patient", "e", 2, at("2025-03-16T00:00:00Z")), tombstone("Patient", "gone", 2, at("2025-03-14T11:00:00Z")))

	d := func(p store.Prefix, s string) store.DateMatch { return dateMatch("_lastUpdated", p, s) }
	h.checkSearches(tn, "Patient", true, []searchCase{
		{"eq day", fs(d(store.Eq, "2025-03-14")), []string{"b", "c"}},
		{"eq millisecond", fs(d(store.Eq, t0.Format(time.RFC3339Nano))), []string{"c"}},
		{"eq second", fs(d(store.Eq, t0.Truncate(time.Second).Format(time.RFC3339))), []string{"c"}},
		{"gt", fs(d(store.Gt, "2025-03-14")), []string{"d", "e"}},
		{"lt", fs(d(store.Lt, "2025-03-14")), []string{"a"}},
		{"ge", fs(d(store.Ge, "2025-03-14")), []string{"b", "c", "d", "e"}},
		{"le", fs(d(store.Le, "2025-03-14")), []string{"a", "b", "c"}},
		{"sa", fs(d(store.Sa, "2025-03-14")), []string{"d", "e"}},
		{"eb", fs(d(store.Eb, "2025-03-14")), []string{"a"}},
		{"ap", fs(store.DateMatch{Param: "_lastUpdated", Prefix: store.Ap, Lo: ms("2025-03-13T12:00:00Z"), Hi: ms("2025-03-14T12:00:00Z")}),
			[]string{"a", "b"}},
		{"an old version does not count", fs(d(store.Lt, "2025-03-11")), nil},
		{"ne", fs(store.Not{Filter: d(store.Eq, "2025-03-14")}), []string{"a", "d", "e"}},
	})
}

func testSearchNumber(h *harness) {
	tn := h.tenant("t")
	nums := func(param string, vs ...float64) store.Index {
		var x store.Index
		for _, v := range vs {
			x.Numbers = append(x.Numbers, store.NumberValue{Param: param, Value: v})
		}
		return x
	}
	h.write(tn,
		ires("RiskAssessment", "one", 1, t0, nums("probability", 1)),
		ires("RiskAssessment", "onehalf", 1, t0, nums("probability", 1.5)),
		ires("RiskAssessment", "hundred", 1, t0, nums("probability", 100)),
		ires("RiskAssessment", "neg", 1, t0, nums("probability", -2)),
		ires("RiskAssessment", "multi", 1, t0, nums("probability", 10, 1000)),
		ires("RiskAssessment", "small", 1, t0, nums("probability", 0.001)),
		ires("RiskAssessment", "other", 1, t0, nums("other", 100)),
		ires("RiskAssessment", "none", 1, t0, store.Index{}),
	)
	h.gone(tn, "RiskAssessment", "gone", nums("probability", 100))

	n := func(p store.Prefix, v, lo, hi float64) store.NumberMatch {
		return store.NumberMatch{Param: "probability", Prefix: p, Value: v, Lo: lo, Hi: hi}
	}
	eq := func(v, lo, hi float64) store.NumberMatch { return n(store.Eq, v, lo, hi) }
	cmp := func(p store.Prefix, v float64) store.NumberMatch { return n(p, v, 0, 0) }
	h.checkSearches(tn, "RiskAssessment", true, []searchCase{
		// eq matches [Lo, Hi), the range the value's precision implies.
		{"eq 100", fs(eq(100, 99.5, 100.5)), []string{"hundred"}},
		{"empty prefix is eq", fs(n("", 100, 99.5, 100.5)), []string{"hundred"}},
		{"eq 1 excludes 1.5", fs(eq(1, 0.5, 1.5)), []string{"one"}},
		{"eq 1.0", fs(eq(1, 0.95, 1.05)), []string{"one"}},
		{"eq 1.5", fs(eq(1.5, 1.45, 1.55)), []string{"onehalf"}},
		{"eq 1e2", fs(eq(100, 50, 150)), []string{"hundred"}},
		{"eq any of the values", fs(eq(1000, 999.5, 1000.5)), []string{"multi"}},
		{"eq 0.001", fs(eq(0.001, 0.0005, 0.0015)), []string{"small"}},
		{"eq negative", fs(eq(-2, -2.5, -1.5)), []string{"neg"}},
		{"eq nothing", fs(eq(50, 49.5, 50.5)), nil},
		{"gt", fs(cmp(store.Gt, 10)), []string{"hundred", "multi"}},
		{"gt is strict", fs(cmp(store.Gt, 100)), []string{"multi"}},
		{"lt", fs(cmp(store.Lt, 1)), []string{"neg", "small"}},
		{"ge", fs(cmp(store.Ge, 10)), []string{"hundred", "multi"}},
		{"ge 1.5", fs(cmp(store.Ge, 1.5)), []string{"onehalf", "hundred", "multi"}},
		{"le", fs(cmp(store.Le, 1.5)), []string{"one", "onehalf", "neg", "small"}},
		{"le negative", fs(cmp(store.Le, -2)), []string{"neg"}},
		{"sa", fs(cmp(store.Sa, 100)), []string{"multi"}},
		{"eb", fs(cmp(store.Eb, 1)), []string{"neg", "small"}},
		{"ap", fs(n(store.Ap, 100, 90, 110)), []string{"hundred"}},
		{"ap includes its upper bound", fs(n(store.Ap, 95, 90, 100)), []string{"hundred"}},
		{"ne", fs(store.Not{Filter: eq(100, 99.5, 100.5)}), []string{"one", "onehalf", "neg", "multi", "small", "other", "none"}},
		{"or", fs(store.AnyOf{eq(1, 0.5, 1.5), eq(100, 99.5, 100.5)}), []string{"one", "hundred"}},
		{"range", fs(cmp(store.Gt, 1), cmp(store.Lt, 100)), []string{"onehalf", "multi"}},
		{"param is matched", fs(store.NumberMatch{Param: "other", Prefix: store.Eq, Value: 100, Lo: 99.5, Hi: 100.5}), []string{"other"}},
		{"missing", fs(store.Missing{Param: "probability", Table: store.NumberTable, Missing: true}), []string{"other", "none"}},
		{"not missing", fs(store.Missing{Param: "probability", Table: store.NumberTable}),
			[]string{"one", "onehalf", "hundred", "neg", "multi", "small"}},
	})
}

func testSearchQuantity(h *harness) {
	tn := h.tenant("t")
	const ucum, snomed = "http://unitsofmeasure.org", "http://snomed.info/sct"
	qty := func(param, system, code string, v float64) store.Index {
		return store.Index{Quantities: []store.QuantityValue{{Param: param, System: system, Code: code, Value: v}}}
	}
	h.write(tn,
		ires("Observation", "mg", 1, t0, qty("value-quantity", ucum, "mg", 5.4)),
		ires("Observation", "nosys", 1, t0, qty("value-quantity", "", "mg", 5.4)),
		ires("Observation", "g", 1, t0, qty("value-quantity", ucum, "g", 5.4)),
		ires("Observation", "hundred", 1, t0, qty("value-quantity", ucum, "mg", 100)),
		ires("Observation", "snomed", 1, t0, qty("value-quantity", snomed, "mg", 5.4)),
		ires("Observation", "component", 1, t0, qty("component-value-quantity", ucum, "mg", 5.4)),
		ires("Observation", "none", 1, t0, store.Index{}),
	)
	h.gone(tn, "Observation", "gone", qty("value-quantity", ucum, "mg", 5.4))

	q := func(p store.Prefix, v, lo, hi float64, system, code string) store.QuantityMatch {
		return store.QuantityMatch{
			NumberMatch: store.NumberMatch{Param: "value-quantity", Prefix: p, Value: v, Lo: lo, Hi: hi},
			System:      system, Code: code,
		}
	}
	eq54 := func(system, code string) store.QuantityMatch { return q(store.Eq, 5.4, 5.35, 5.45, system, code) }
	cmp := func(p store.Prefix, v float64, system, code string) store.QuantityMatch {
		return q(p, v, 0, 0, system, code)
	}
	component := eq54(ucum, "mg")
	component.Param = "component-value-quantity"
	h.checkSearches(tn, "Observation", true, []searchCase{
		{"value alone", fs(eq54("", "")), []string{"mg", "nosys", "g", "snomed"}},
		{"system|code", fs(eq54(ucum, "mg")), []string{"mg"}},
		{"code alone", fs(eq54("", "mg")), []string{"mg", "nosys", "snomed"}},
		{"other code", fs(eq54(ucum, "g")), []string{"g"}},
		{"other system", fs(eq54(snomed, "mg")), []string{"snomed"}},
		{"unknown unit", fs(eq54(ucum, "kg")), nil},
		{"code is exact", fs(eq54("", "MG")), nil},
		{"eq other value", fs(q(store.Eq, 100, 99.5, 100.5, ucum, "mg")), []string{"hundred"}},
		{"gt with unit", fs(cmp(store.Gt, 5.4, ucum, "mg")), []string{"hundred"}},
		{"gt without unit", fs(cmp(store.Gt, 5, "", "")), []string{"mg", "nosys", "g", "hundred", "snomed"}},
		{"lt with code", fs(cmp(store.Lt, 100, "", "mg")), []string{"mg", "nosys", "snomed"}},
		{"le with code", fs(cmp(store.Le, 100, "", "mg")), []string{"mg", "nosys", "hundred", "snomed"}},
		{"ge", fs(cmp(store.Ge, 100, "", "")), []string{"hundred"}},
		{"sa", fs(cmp(store.Sa, 5.4, "", "")), []string{"hundred"}},
		{"eb", fs(cmp(store.Eb, 100, "", "")), []string{"mg", "nosys", "g", "snomed"}},
		{"ap", fs(q(store.Ap, 100, 90, 110, ucum, "mg")), []string{"hundred"}},
		{"ne", fs(store.Not{Filter: eq54(ucum, "mg")}), []string{"nosys", "g", "hundred", "snomed", "component", "none"}},
		{"param is matched", fs(component), []string{"component"}},
		{"missing", fs(store.Missing{Param: "value-quantity", Table: store.QuantityTable, Missing: true}), []string{"component", "none"}},
		{"not missing", fs(store.Missing{Param: "value-quantity", Table: store.QuantityTable}),
			[]string{"mg", "nosys", "g", "hundred", "snomed"}},
	})
}

func testSearchReference(h *harness) {
	tn := h.tenant("t")
	refs := func(rs ...store.ReferenceValue) store.Index { return store.Index{References: rs} }
	const url = "http://other.org/fhir/Patient/p1"
	h.write(tn,
		ires("Observation", "pat", 1, t0, refs(ref("subject", "Patient", "p1"))),
		ires("Observation", "grp", 1, t0, refs(ref("subject", "Group", "p1"))),
		ires("Observation", "pat2", 1, t0, refs(ref("subject", "Patient", "p2"))),
		ires("Observation", "url", 1, t0, refs(store.ReferenceValue{Param: "subject", URL: url})),
		ires("Observation", "perf", 1, t0, refs(ref("performer", "Patient", "p1"))),
		ires("Observation", "both", 1, t0, refs(ref("performer", "Practitioner", "dr"), ref("performer", "Organization", "org"))),
		ires("Observation", "none", 1, t0, store.Index{}),
	)
	h.gone(tn, "Observation", "gone", refs(ref("subject", "Patient", "p1")))

	h.checkSearches(tn, "Observation", true, []searchCase{
		{"type and id", fs(refTo("subject", "Patient", "p1")), []string{"pat"}},
		{"other type, same id", fs(refTo("subject", "Group", "p1")), []string{"grp"}},
		{"id of any type", fs(refTo("subject", "", "p1")), []string{"pat", "grp"}},
		{"other id", fs(refTo("subject", "Patient", "p2")), []string{"pat2"}},
		{"unknown id", fs(refTo("subject", "", "p9")), nil},
		{"url", fs(store.ReferenceMatch{Param: "subject", URL: url}), []string{"url"}},
		{"url is exact", fs(store.ReferenceMatch{Param: "subject", URL: "Patient/p1"}), nil},
		{"param is matched", fs(refTo("performer", "Patient", "p1")), []string{"perf"}},
		{"any of several rows", fs(refTo("performer", "Organization", "org")), []string{"both"}},
		{"and of several rows", fs(refTo("performer", "Organization", "org"), refTo("performer", "Practitioner", "dr")), []string{"both"}},
		{"or", fs(store.AnyOf{refTo("subject", "Patient", "p1"), refTo("subject", "Patient", "p2")}), []string{"pat", "pat2"}},
		{"not", fs(store.Not{Filter: refTo("subject", "Patient", "p1")}), []string{"grp", "pat2", "url", "perf", "both", "none"}},
		{"missing", fs(store.Missing{Param: "subject", Table: store.ReferenceTable, Missing: true}), []string{"perf", "both", "none"}},
		{"not missing", fs(store.Missing{Param: "subject", Table: store.ReferenceTable}), []string{"pat", "grp", "pat2", "url"}},
	})
}

func testSearchURI(h *harness) {
	tn := h.tenant("t")
	uri := func(param, v string) store.Index {
		return store.Index{URIs: []store.URIValue{{Param: param, Value: v}}}
	}
	const base = "http://acme.org/fhir"
	h.write(tn,
		ires("ValueSet", "a", 1, t0, uri("url", base+"/ValueSet/a")),
		ires("ValueSet", "b", 1, t0, uri("url", base+"/ValueSet/b")),
		ires("ValueSet", "base", 1, t0, uri("url", base)),
		ires("ValueSet", "oid", 1, t0, uri("url", "urn:oid:1.2.3")),
		ires("ValueSet", "other", 1, t0, uri("reference", base+"/ValueSet/a")),
		ires("ValueSet", "none", 1, t0, store.Index{}),
	)
	h.gone(tn, "ValueSet", "gone", uri("url", base+"/ValueSet/a"))

	m := func(mode store.URIMode, v string) store.URIMatch {
		return store.URIMatch{Param: "url", Mode: mode, Value: v}
	}
	h.checkSearches(tn, "ValueSet", true, []searchCase{
		{"equal", fs(m(store.URIEqual, base)), []string{"base"}},
		{"equal longer", fs(m(store.URIEqual, base+"/ValueSet/a")), []string{"a"}},
		{"equal is case-sensitive", fs(m(store.URIEqual, "HTTP://ACME.ORG/fhir")), nil},
		{"equal is not a prefix", fs(m(store.URIEqual, "http://acme.org")), nil},
		{"urn", fs(m(store.URIEqual, "urn:oid:1.2.3")), []string{"oid"}},
		{"below", fs(m(store.URIBelow, base+"/ValueSet")), []string{"a", "b"}},
		{"below itself", fs(m(store.URIBelow, base+"/ValueSet/a")), []string{"a"}},
		{"below includes the value", fs(m(store.URIBelow, base)), []string{"a", "b", "base"}},
		{"below urn", fs(m(store.URIBelow, "urn:oid:1.2")), []string{"oid"}},
		{"below: underscore is literal", fs(m(store.URIBelow, "urn_oid")), nil},
		{"below: percent is literal", fs(m(store.URIBelow, "http://acme.org/%")), nil},
		{"above", fs(m(store.URIAbove, base+"/ValueSet/a/_history/2")), []string{"a", "base"}},
		{"above itself", fs(m(store.URIAbove, base+"/ValueSet/b")), []string{"b", "base"}},
		{"above the base only", fs(m(store.URIAbove, base+"/ValueSet")), []string{"base"}},
		{"above nothing", fs(m(store.URIAbove, "http://acme.org")), nil},
		{"above urn", fs(m(store.URIAbove, "urn:oid:1.2.3.4")), []string{"oid"}},
		{"param is matched", fs(store.URIMatch{Param: "reference", Value: base + "/ValueSet/a"}), []string{"other"}},
		{"missing", fs(store.Missing{Param: "url", Table: store.URITable, Missing: true}), []string{"other", "none"}},
		{"not missing", fs(store.Missing{Param: "url", Table: store.URITable}), []string{"a", "b", "base", "oid"}},
	})
}

func testSearchID(h *harness) {
	tn := h.tenant("t")
	h.write(tn,
		res("Patient", "a", 1, t0),
		res("Patient", "b", 1, t0),
		res("Patient", "c", 1, t0),
		res("Observation", "o", 1, t0),
	)
	h.gone(tn, "Patient", "gone", store.Index{})
	h.checkSearches(tn, "Patient", false, []searchCase{
		{"everything", nil, []string{"a", "b", "c"}},
		{"one", fs(store.IDMatch{IDs: []string{"a"}}), []string{"a"}},
		{"several", fs(store.IDMatch{IDs: []string{"a", "c"}}), []string{"a", "c"}},
		{"unknown", fs(store.IDMatch{IDs: []string{"zz"}}), nil},
		{"known and unknown", fs(store.IDMatch{IDs: []string{"zz", "b"}}), []string{"b"}},
		{"none", fs(store.IDMatch{}), nil},
		{"deleted", fs(store.IDMatch{IDs: []string{"gone"}}), nil},
		{"of another type", fs(store.IDMatch{IDs: []string{"o"}}), nil},
		{"is case-sensitive", fs(store.IDMatch{IDs: []string{"A"}}), nil},
		{"and", fs(store.IDMatch{IDs: []string{"a", "b"}}, store.IDMatch{IDs: []string{"b", "c"}}), []string{"b"}},
		{"not", fs(store.Not{Filter: store.IDMatch{IDs: []string{"a"}}}), []string{"b", "c"}},
	})
	if got := h.order(tn, store.Query{Filters: fs(store.IDMatch{IDs: []string{"o", "a"}}), Limit: 10}); !slices.Equal(got, []string{"Observation/o", "Patient/a"}) {
		h.Errorf("system-level _id=o,a = %q, want [Observation/o Patient/a]", got)
	}
}

// testSearchLogic combines filters of several tables with AnyOf, AllOf and
// Not.
func testSearchLogic(h *harness) {
	tn := h.tenant("t")
	p := func(id, gender, name, birth string) store.Write {
		var x store.Index
		if gender != "" {
			x.Tokens = append(x.Tokens, tok("gender", "", gender))
		}
		if name != "" {
			x.Strings = append(x.Strings, str("name", name, name))
		}
		if birth != "" {
			x.Dates = append(x.Dates, dateValue("birthdate", birth))
		}
		return ires("Patient", id, 1, t0, x)
	}
	h.write(tn,
		p("a", "female", "alice", "1990"),
		p("b", "male", "bob", "1985"),
		p("c", "female", "carol", ""),
		p("d", "", "dave", "2000"),
		p("e", "", "", ""),
	)
	h.gone(tn, "Patient", "gone", store.Index{Tokens: []store.TokenValue{tok("gender", "", "female")}})

	gender := func(g string) store.TokenMatch { return tokenIs("gender", "", g) }
	name := func(v string) store.StringMatch { return startsWith("name", v) }
	missing := func(param string, table store.Table, m bool) store.Missing {
		return store.Missing{Param: param, Table: table, Missing: m}
	}
	all := []string{"a", "b", "c", "d", "e"}
	h.checkSearches(tn, "Patient", true, []searchCase{
		{"no filters", nil, all},
		{"or of one param", fs(store.AnyOf{gender("female"), gender("male")}), []string{"a", "b", "c"}},
		{"or of two tables", fs(store.AnyOf{name("bo"), dateMatch("birthdate", store.Eq, "2000")}), []string{"b", "d"}},
		{"or of one", fs(store.AnyOf{gender("male")}), []string{"b"}},
		{"empty or", fs(store.AnyOf{}), nil},
		{"and", fs(store.AllOf{gender("female"), missing("birthdate", store.DateTable, false)}), []string{"a"}},
		{"and of ors", fs(store.AllOf{store.AnyOf{gender("female"), gender("male")}, store.AnyOf{name("a"), name("c")}}), []string{"a", "c"}},
		{"or of ands", fs(store.AnyOf{store.AllOf{gender("female"), name("c")}, store.AllOf{gender("male"), name("b")}}), []string{"b", "c"}},
		{"empty and", fs(store.AllOf{}), all},
		{"top-level filters are ANDed", fs(gender("female"), missing("birthdate", store.DateTable, true)), []string{"c"}},
		{"not", fs(store.Not{Filter: gender("female")}), []string{"b", "d", "e"}},
		{"not of or", fs(store.Not{Filter: store.AnyOf{gender("female"), gender("male")}}), []string{"d", "e"}},
		{"not of not", fs(store.Not{Filter: store.Not{Filter: gender("female")}}), []string{"a", "c"}},
		{"not of and", fs(store.Not{Filter: store.AllOf{gender("female"), name("a")}}), []string{"b", "c", "d", "e"}},
		{"and with not", fs(gender("female"), store.Not{Filter: name("a")}), []string{"c"}},
		{"missing token", fs(missing("gender", store.TokenTable, true)), []string{"d", "e"}},
		{"not missing token", fs(missing("gender", store.TokenTable, false)), []string{"a", "b", "c"}},
		{"missing string", fs(missing("name", store.StringTable, true)), []string{"e"}},
		{"missing date", fs(missing("birthdate", store.DateTable, true)), []string{"c", "e"}},
		{"missing reads its table", fs(missing("gender", store.StringTable, true)), all},
		{"missing reads its table, not missing", fs(missing("gender", store.StringTable, false)), nil},
		{"or of missing", fs(store.AnyOf{missing("gender", store.TokenTable, true), missing("birthdate", store.DateTable, true)}),
			[]string{"c", "d", "e"}},
	})
}

func testSearchText(h *harness) {
	tn := h.tenant("t")
	text := func(narrative, content string) store.Index {
		return store.Index{Narrative: narrative, Content: content}
	}
	h.write(tn,
		ires("Observation", "fox", 1, t0, text("the quick brown fox", "the quick brown fox jumps over the lazy dog")),
		ires("Observation", "bear", 1, t0, text("", "brown bear category 2339 0")),
		ires("Observation", "cat", 1, t0, text("lazy cat", "lazy cat")),
		// FTS5 operators as words.
		ires("Observation", "ops", 1, t0, text("not and or near", "not and or near")),
		ires("Observation", "none", 1, t0, store.Index{Strings: []store.StringValue{str("name", "brown", "brown")}}),
	)
	h.gone(tn, "Observation", "gone", text("brown", "brown"))

	narrative := func(terms ...string) store.TextMatch { return store.TextMatch{Terms: terms} }
	content := func(terms ...string) store.TextMatch { return store.TextMatch{Content: true, Terms: terms} }
	h.checkSearches(tn, "Observation", true, []searchCase{
		{"narrative", fs(narrative("brown")), []string{"fox"}},
		{"content", fs(content("brown")), []string{"fox", "bear"}},
		{"narrative, all terms", fs(narrative("quick", "fox")), []string{"fox"}},
		{"narrative, not all terms", fs(narrative("quick", "bear")), nil},
		{"content, all terms in any order", fs(content("dog", "lazy")), []string{"fox"}},
		{"content, terms of two resources", fs(content("fox", "cat")), nil},
		{"whole words", fs(content("cat")), []string{"cat"}},
		{"no prefix match", fs(content("quic")), nil},
		{"content only", fs(narrative("jumps")), nil},
		{"in both", fs(content("lazy")), []string{"fox", "cat"}},
		{"digits", fs(content("2339")), []string{"bear"}},
		{"operator words are words", fs(content("not")), []string{"ops"}},
		{"operator words are words, narrative", fs(narrative("near", "or")), []string{"ops"}},
		{"not", fs(store.Not{Filter: content("lazy")}), []string{"bear", "ops", "none"}},
		{"or", fs(store.AnyOf{narrative("cat"), content("bear")}), []string{"cat", "bear"}},
		{"and with another filter", fs(content("brown"), store.Missing{Param: "name", Table: store.StringTable, Missing: true}), []string{"fox", "bear"}},
	})
}

// testSearchChain searches through references: subject:Patient.name=smith.
func testSearchChain(h *harness) {
	tn := h.tenant("t")
	h.write(tn,
		ires("Patient", "p1", 1, t0, store.Index{
			Strings:    []store.StringValue{str("name", "Smith", "smith")},
			Tokens:     []store.TokenValue{tok("gender", "", "female")},
			References: []store.ReferenceValue{ref("organization", "Organization", "org1")},
		}),
		ires("Patient", "p2", 1, t0, store.Index{
			Strings:    []store.StringValue{str("name", "Jones", "jones")},
			References: []store.ReferenceValue{ref("organization", "Organization", "org2")},
		}),
		ires("Group", "g1", 1, t0, store.Index{Strings: []store.StringValue{str("name", "Smith", "smith")}}),
		ires("Organization", "org1", 1, t0, store.Index{Strings: []store.StringValue{str("name", "Acme", "acme")}}),
		ires("Organization", "org2", 1, t0, store.Index{Strings: []store.StringValue{str("name", "Globex", "globex")}}),
		ires("Observation", "o1", 1, t0, store.Index{References: []store.ReferenceValue{ref("subject", "Patient", "p1")}}),
		ires("Observation", "o2", 1, t0, store.Index{References: []store.ReferenceValue{ref("subject", "Patient", "p2")}}),
		ires("Observation", "o3", 1, t0, store.Index{References: []store.ReferenceValue{ref("subject", "Group", "g1")}}),
		ires("Observation", "o4", 1, t0, store.Index{References: []store.ReferenceValue{{Param: "subject", URL: "http://other.org/Patient/p1"}}}),
		ires("Observation", "o5", 1, t0, store.Index{References: []store.ReferenceValue{ref("subject", "Patient", "gone")}}),
		ires("Observation", "o6", 1, t0, store.Index{References: []store.ReferenceValue{ref("performer", "Patient", "p1")}}),
		ires("Observation", "o7", 1, t0, store.Index{References: []store.ReferenceValue{ref("subject", "Patient", "nowhere")}}),
		ires("Observation", "o8", 1, t0, store.Index{}),
	)
	// The deleted patient was called Smith and belonged to Acme.
	h.gone(tn, "Patient", "gone", store.Index{
		Strings:    []store.StringValue{str("name", "Smith", "smith")},
		References: []store.ReferenceValue{ref("organization", "Organization", "org1")},
	})

	smith := startsWith("name", "smith")
	chain := func(param string, types []string, where store.Filter) store.Chain {
		return store.Chain{Param: param, Types: types, Where: where}
	}
	patient := []string{"Patient"}
	h.checkSearches(tn, "Observation", false, []searchCase{
		{"one level", fs(chain("subject", patient, smith)), []string{"o1"}},
		{"any target type", fs(chain("subject", nil, smith)), []string{"o1", "o3"}},
		{"two target types", fs(chain("subject", []string{"Patient", "Group"}, smith)), []string{"o1", "o3"}},
		{"other target type", fs(chain("subject", []string{"Group"}, smith)), []string{"o3"}},
		{"target type without a match", fs(chain("subject", []string{"Device"}, smith)), nil},
		{"token", fs(chain("subject", patient, tokenIs("gender", "", "female"))), []string{"o1"}},
		{"_id", fs(chain("subject", patient, store.IDMatch{IDs: []string{"p2"}})), []string{"o2"}},
		{"_id of any type", fs(chain("subject", nil, store.IDMatch{IDs: []string{"g1", "p2"}})), []string{"o2", "o3"}},
		{"param is matched", fs(chain("performer", patient, smith)), []string{"o6"}},
		{"where with or", fs(chain("subject", patient, store.AnyOf{smith, startsWith("name", "jones")})), []string{"o1", "o2"}},
		{"where with not", fs(chain("subject", patient, store.Not{Filter: smith})), []string{"o2"}},
		{"two levels", fs(chain("subject", patient, chain("organization", []string{"Organization"}, startsWith("name", "acme")))), []string{"o1"}},
		{"two levels, any types", fs(chain("subject", nil, chain("organization", nil, startsWith("name", "globex")))), []string{"o2"}},
		{"two levels, no match", fs(chain("subject", []string{"Group"}, chain("organization", nil, startsWith("name", "acme")))), nil},
		{"not", fs(store.Not{Filter: chain("subject", patient, smith)}), []string{"o2", "o3", "o4", "o5", "o6", "o7", "o8"}},
		{"or with a value match", fs(store.AnyOf{chain("subject", patient, smith), refTo("subject", "Group", "g1")}), []string{"o1", "o3"}},
		{"and of two chains", fs(chain("subject", patient, smith), chain("subject", patient, tokenIs("gender", "", "female"))), []string{"o1"}},
	})
	// A chain in a system-level search.
	if got := h.order(tn, store.Query{Filters: fs(chain("subject", nil, smith)), Limit: 10}); !slices.Equal(got, []string{"Observation/o1", "Observation/o3"}) {
		h.Errorf("system-level chain = %q, want [Observation/o1 Observation/o3]", got)
	}
	if got := h.order(tn, store.Query{Types: []string{"Observation", "Patient"}, Filters: fs(chain("organization", nil, startsWith("name", "acme"))), Limit: 10}); !slices.Equal(got, []string{"Patient/p1"}) {
		h.Errorf("two-type chain = %q, want [Patient/p1]", got)
	}
}

// testSearchHas searches by the resources that refer to a resource: _has.
func testSearchHas(h *harness) {
	tn := h.tenant("t")
	const loinc = "http://loinc.org"
	obs := func(id, code string, subject store.ReferenceValue) store.Write {
		return ires("Observation", id, 1, t0, store.Index{
			Tokens:     []store.TokenValue{tok("code", loinc, code)},
			References: []store.ReferenceValue{subject},
		})
	}
	h.write(tn,
		ires("Patient", "p1", 1, t0, store.Index{References: []store.ReferenceValue{ref("organization", "Organization", "org1")}}),
		ires("Patient", "p2", 1, t0, store.Index{References: []store.ReferenceValue{ref("organization", "Organization", "org2")}}),
		res("Patient", "p3", 1, t0),
		res("Group", "p1", 1, t0),
		res("Group", "g1", 1, t0),
		res("Organization", "org1", 1, t0),
		res("Organization", "org2", 1, t0),
		obs("o1", "x", ref("subject", "Patient", "p1")),
		obs("o2", "y", ref("subject", "Patient", "p2")),
		obs("o3", "x", ref("subject", "Group", "g1")),
		obs("o4", "z", ref("performer", "Patient", "p3")),
		obs("o5", "x", store.ReferenceValue{Param: "subject", URL: "http://other.org/Patient/p2"}),
	)
	// A deleted observation of code x about p2 does not count.
	h.gone(tn, "Observation", "gone", store.Index{
		Tokens:     []store.TokenValue{tok("code", loinc, "x")},
		References: []store.ReferenceValue{ref("subject", "Patient", "p2")},
	})

	has := func(typ, param string, where store.Filter) store.Has {
		return store.Has{Type: typ, Param: param, Where: where}
	}
	code := func(c string) store.TokenMatch { return tokenIs("code", loinc, c) }
	h.checkSearches(tn, "Patient", false, []searchCase{
		{"has", fs(has("Observation", "subject", code("x"))), []string{"p1"}},
		{"has other value", fs(has("Observation", "subject", code("y"))), []string{"p2"}},
		{"has by _id", fs(has("Observation", "subject", store.IDMatch{IDs: []string{"o2"}})), []string{"p2"}},
		{"param is matched", fs(has("Observation", "performer", code("z"))), []string{"p3"}},
		{"param is matched, other param", fs(has("Observation", "subject", code("z"))), nil},
		{"type is matched", fs(has("Encounter", "subject", code("x"))), nil},
		{"where with or", fs(has("Observation", "subject", store.AnyOf{code("x"), code("y")})), []string{"p1", "p2"}},
		{"not", fs(store.Not{Filter: has("Observation", "subject", code("x"))}), []string{"p2", "p3"}},
		{"and", fs(has("Observation", "subject", code("x")), store.IDMatch{IDs: []string{"p1", "p2"}}), []string{"p1"}},
	})
	h.checkSearches(tn, "Group", false, []searchCase{
		// Group/p1 shares Patient/p1's id, but o1 points at the patient.
		{"target type is matched", fs(has("Observation", "subject", code("x"))), []string{"g1"}},
	})
	h.checkSearches(tn, "Organization", false, []searchCase{
		// Organization?_has:Patient:organization:_has:Observation:subject:code=x
		{"nested", fs(has("Patient", "organization", has("Observation", "subject", code("x")))), []string{"org1"}},
		{"nested, other value", fs(has("Patient", "organization", has("Observation", "subject", code("y")))), []string{"org2"}},
		{"has inside a chain's where", fs(has("Patient", "organization", store.Chain{Param: "organization", Types: []string{"Organization"},
			Where: store.IDMatch{IDs: []string{"org2"}}})), []string{"org2"}},
	})
	// _has in a system-level and a two-type search.
	if got := h.order(tn, store.Query{Filters: fs(has("Observation", "subject", code("x"))), Limit: 10}); !slices.Equal(got, []string{"Group/g1", "Patient/p1"}) {
		h.Errorf("system-level _has = %q, want [Group/g1 Patient/p1]", got)
	}
	if got := h.order(tn, store.Query{Types: []string{"Patient", "Group"}, Filters: fs(has("Observation", "subject", code("x"))), Limit: 10}); !slices.Equal(got, []string{"Group/g1", "Patient/p1"}) {
		h.Errorf("two-type _has = %q, want [Group/g1 Patient/p1]", got)
	}
}

// testSearchComposite checks that a composite's components must match
// within one item (Group) of the composite.
func testSearchComposite(h *harness) {
	tn := h.tenant("t")
	const loinc, ucum = "http://loinc.org", "http://unitsofmeasure.org"
	const cvq = "code-value-quantity"
	item := func(group int, code string, value float64) ([]store.TokenValue, []store.QuantityValue) {
		return []store.TokenValue{{Param: store.ComponentParam(cvq, 0), Group: group, System: loinc, Code: code}},
			[]store.QuantityValue{{Param: store.ComponentParam(cvq, 1), Group: group, System: ucum, Code: "mg", Value: value}}
	}
	// it is one item of the composite: its group, code and value.
	type it struct {
		g    int
		code string
		v    float64
	}
	build := func(id string, items ...it) store.Write {
		var x store.Index
		for _, it := range items {
			ts, qs := item(it.g, it.code, it.v)
			x.Tokens = append(x.Tokens, ts...)
			x.Quantities = append(x.Quantities, qs...)
		}
		return ires("Observation", id, 1, t0, x)
	}
	// c1: A=5 and B=10. c2: A=10 and B=5, so A and 5 both occur but in
	// different items. c3: A=5 under another composite. c4: A and 5 as
	// ordinary rows (Group 0) of the composite's code.
	c3 := build("c3", it{1, "A", 5})
	for i := range c3.Index.Tokens {
		c3.Index.Tokens[i].Param = store.ComponentParam("component-code-value-quantity", 0)
		c3.Index.Quantities[i].Param = store.ComponentParam("component-code-value-quantity", 1)
	}
	c4 := build("c4", it{0, "A", 5})
	h.write(tn,
		build("c1", it{1, "A", 5}, it{2, "B", 10}),
		build("c2", it{1, "A", 10}, it{2, "B", 5}),
		c3,
		c4,
		build("c5", it{7, "B", 10}),
		res("Observation", "none", 1, t0),
	)
	h.gone(tn, "Observation", "gone", build("gone", it{1, "A", 5}).Index)

	cvq0, cvq1 := store.ComponentParam(cvq, 0), store.ComponentParam(cvq, 1)
	code := func(c string) store.TokenMatch { return store.TokenMatch{Param: cvq0, System: loinc, Code: c} }
	qty := func(p store.Prefix, v float64) store.QuantityMatch {
		return store.QuantityMatch{NumberMatch: store.NumberMatch{Param: cvq1, Prefix: p, Value: v, Lo: v - 0.5, Hi: v + 0.5}}
	}
	comp := func(parts ...store.Filter) store.Composite { return store.Composite{Param: cvq, Parts: parts} }
	h.checkSearches(tn, "Observation", true, []searchCase{
		{"A and 5 in one item", fs(comp(code("A"), qty(store.Eq, 5))), []string{"c1"}},
		{"A and 10 in one item", fs(comp(code("A"), qty(store.Eq, 10))), []string{"c2"}},
		{"B and 10 in one item", fs(comp(code("B"), qty(store.Eq, 10))), []string{"c1", "c5"}},
		{"B and 5 in one item", fs(comp(code("B"), qty(store.Eq, 5))), []string{"c2"}},
		{"A and more than 6", fs(comp(code("A"), qty(store.Gt, 6))), []string{"c2"}},
		{"any system and at most 5", fs(comp(store.TokenMatch{Param: cvq0, Code: "A", AnySystem: true}, qty(store.Le, 5))), []string{"c1"}},
		{"parts in the other order", fs(comp(qty(store.Eq, 5), code("A"))), []string{"c1"}},
		{"no item matches", fs(comp(code("A"), qty(store.Eq, 7))), nil},
		{"unit of the item", fs(comp(code("A"), store.QuantityMatch{
			NumberMatch: store.NumberMatch{Param: cvq1, Prefix: store.Eq, Value: 5, Lo: 4.5, Hi: 5.5},
			System:      ucum, Code: "mg",
		})), []string{"c1"}},
		{"other unit", fs(comp(code("A"), store.QuantityMatch{
			NumberMatch: store.NumberMatch{Param: cvq1, Prefix: store.Eq, Value: 5, Lo: 4.5, Hi: 5.5},
			System:      ucum, Code: "g",
		})), nil},
		{"or of composites", fs(store.AnyOf{comp(code("A"), qty(store.Eq, 5)), comp(code("A"), qty(store.Eq, 10))}), []string{"c1", "c2"}},
		{"and of composites", fs(comp(code("A"), qty(store.Eq, 5)), comp(code("B"), qty(store.Eq, 10))), []string{"c1"}},
		{"not", fs(store.Not{Filter: comp(code("A"), qty(store.Eq, 5))}), []string{"c2", "c3", "c4", "c5", "none"}},
	})

	// Two token components (code-value-concept): each row keeps its role,
	// so t1 (code A, value B) matches A$B and t2 (code B, value A) does not.
	const cvc = "code-value-concept"
	tt := func(id, c, v string) store.Write {
		return ires("Observation", id, 1, t0, store.Index{Tokens: []store.TokenValue{
			{Param: store.ComponentParam(cvc, 0), Group: 1, Code: c},
			{Param: store.ComponentParam(cvc, 1), Group: 1, Code: v},
		}})
	}
	h.write(tn, tt("t1", "A", "B"), tt("t2", "B", "A"))
	any0 := store.TokenMatch{Param: store.ComponentParam(cvc, 0), Code: "A", AnySystem: true}
	any1 := store.TokenMatch{Param: store.ComponentParam(cvc, 1), Code: "B", AnySystem: true}
	h.checkSearches(tn, "Observation", true, []searchCase{
		{"token components keep their roles", fs(store.Composite{Param: cvc, Parts: fs(any0, any1)}), []string{"t1"}},
	})
}

// sortWrites is the data set of the sort and paging tests: Patients with
// names, birth dates and ranks, some without, written at different times.
func sortWrites() []store.Write {
	p := func(id string, at time.Duration, names []string, births []string, ranks []float64) store.Write {
		var x store.Index
		for _, n := range names {
			x.Strings = append(x.Strings, str("name", n, n))
		}
		for _, b := range births {
			x.Dates = append(x.Dates, dateValue("birthdate", b))
		}
		for _, r := range ranks {
			x.Numbers = append(x.Numbers, store.NumberValue{Param: "rank", Value: r})
		}
		return ires("Patient", id, 1, t0.Add(at), x)
	}
	return []store.Write{
		p("s1", 3*time.Hour, []string{"baker"}, []string{"1990-01-01"}, []float64{3}),
		p("s2", 1*time.Hour, []string{"adams"}, []string{"1985"}, []float64{1}),
		p("s3", 2*time.Hour, []string{"carter"}, nil, []float64{2}),
		p("s4", 0, nil, []string{"2000-05-05"}, nil),
		p("s5", 3*time.Hour, []string{"adams"}, []string{"1970"}, []float64{10}),
		// Two names and two birth dates: ascending sorts by the smallest,
		// descending by the largest.
		p("s6", 5*time.Hour, []string{"zed", "abel"}, []string{"1960", "2010"}, []float64{-1}),
	}
}

func testSearchSort(h *harness) {
	tn := h.tenant("t")
	h.write(tn, sortWrites()...)
	h.gone(tn, "Patient", "gone", store.Index{Strings: []store.StringValue{str("name", "aaa", "aaa")}})

	by := func(param string, table store.Table, desc bool) store.Sort {
		return store.Sort{Param: param, Table: table, Desc: desc}
	}
	tests := []struct {
		name string
		sort []store.Sort
		want []string
	}{
		{"no sort: by id", nil, []string{"s1", "s2", "s3", "s4", "s5", "s6"}},
		// Ties (adams) by id; no name (s4) last.
		{"string asc", []store.Sort{by("name", store.StringTable, false)}, []string{"s6", "s2", "s5", "s1", "s3", "s4"}},
		{"string desc", []store.Sort{by("name", store.StringTable, true)}, []string{"s6", "s3", "s1", "s2", "s5", "s4"}},
		{"date asc", []store.Sort{by("birthdate", store.DateTable, false)}, []string{"s6", "s5", "s2", "s1", "s4", "s3"}},
		{"date desc", []store.Sort{by("birthdate", store.DateTable, true)}, []string{"s6", "s4", "s1", "s2", "s5", "s3"}},
		{"number asc", []store.Sort{by("rank", store.NumberTable, false)}, []string{"s6", "s2", "s3", "s1", "s5", "s4"}},
		{"number desc", []store.Sort{by("rank", store.NumberTable, true)}, []string{"s5", "s1", "s3", "s2", "s6", "s4"}},
		{"_id asc", []store.Sort{{Param: "_id"}}, []string{"s1", "s2", "s3", "s4", "s5", "s6"}},
		{"_id desc", []store.Sort{{Param: "_id", Desc: true}}, []string{"s6", "s5", "s4", "s3", "s2", "s1"}},
		{"_lastUpdated asc", []store.Sort{{Param: "_lastUpdated"}}, []string{"s4", "s2", "s3", "s1", "s5", "s6"}},
		{"_lastUpdated desc", []store.Sort{{Param: "_lastUpdated", Desc: true}}, []string{"s6", "s1", "s5", "s3", "s2", "s4"}},
		{"two keys", []store.Sort{by("name", store.StringTable, false), {Param: "_lastUpdated", Desc: true}},
			[]string{"s6", "s5", "s2", "s1", "s3", "s4"}},
		{"two keys, _lastUpdated then _id desc", []store.Sort{{Param: "_lastUpdated"}, {Param: "_id", Desc: true}},
			[]string{"s4", "s2", "s3", "s5", "s1", "s6"}},
		{"three keys", []store.Sort{by("name", store.StringTable, true), by("birthdate", store.DateTable, false), {Param: "_id"}},
			[]string{"s6", "s3", "s1", "s5", "s2", "s4"}},
		{"param without values sorts by id", []store.Sort{by("nickname", store.StringTable, false)},
			[]string{"s1", "s2", "s3", "s4", "s5", "s6"}},
	}
	for _, tt := range tests {
		q := store.Query{Types: []string{"Patient"}, Sort: tt.sort, Limit: 100}
		if got := h.order(tn, q); !slices.Equal(got, prefixed("Patient", tt.want)) {
			h.Errorf("%s: Search(sort %+v) = %q, want %q", tt.name, tt.sort, got, prefixed("Patient", tt.want))
		}
	}

	// A sorted, filtered search.
	q := store.Query{Types: []string{"Patient"}, Filters: fs(startsWith("name", "a")), Sort: []store.Sort{by("birthdate", store.DateTable, true)}, Limit: 100}
	if got, want := h.order(tn, q), prefixed("Patient", []string{"s6", "s2", "s5"}); !slices.Equal(got, want) {
		h.Errorf("filtered sort = %q, want %q", got, want)
	}

	// Ties across types fall back to type, then id.
	h.write(tn,
		ires("Observation", "s0", 1, t0, store.Index{Strings: []store.StringValue{str("name", "adams", "adams")}}),
		ires("Observation", "s9", 1, t0, store.Index{Strings: []store.StringValue{str("name", "adams", "adams")}}),
	)
	q = store.Query{Types: []string{"Patient", "Observation"}, Filters: fs(startsWith("name", "adams")),
		Sort: []store.Sort{by("name", store.StringTable, false)}, Limit: 100}
	if got, want := h.order(tn, q), []string{"Observation/s0", "Observation/s9", "Patient/s2", "Patient/s5"}; !slices.Equal(got, want) {
		h.Errorf("tie across types = %q, want %q", got, want)
	}
	q = store.Query{Types: nil, Sort: []store.Sort{by("name", store.StringTable, false)}, Limit: 100}
	if got, want := h.order(tn, q), []string{"Patient/s6", "Observation/s0", "Observation/s9", "Patient/s2", "Patient/s5",
		"Patient/s1", "Patient/s3", "Patient/s4"}; !slices.Equal(got, want) {
		h.Errorf("system-level sort = %q, want %q", got, want)
	}
}

func testSearchPaging(h *harness) {
	tn := h.tenant("t")
	ws := sortWrites()
	h.write(tn, ws...)
	h.gone(tn, "Patient", "gone", store.Index{})
	const n = 6

	sorts := [][]store.Sort{
		nil,
		{{Param: "name", Table: store.StringTable}},
		{{Param: "name", Table: store.StringTable, Desc: true}},
		{{Param: "_lastUpdated", Desc: true}},
		{{Param: "rank", Table: store.NumberTable}},
	}
	for _, sort := range sorts {
		full, total, err := h.searchErr(tn, store.Query{Types: []string{"Patient"}, Sort: sort, Limit: 100, Total: true})
		if err != nil {
			h.Errorf("Search(sort %+v): %v", sort, err)
			continue
		}
		if len(full) != n || total != n {
			h.Errorf("Search(sort %+v) = %d resources, total %d; want %d", sort, len(full), total, n)
		}
		for size := 1; size <= n+1; size++ {
			var pages []string
			for offset := 0; offset < n+size; offset += size {
				rs, total, err := h.searchErr(tn, store.Query{Types: []string{"Patient"}, Sort: sort, Offset: offset, Limit: size, Total: true})
				if err != nil {
					h.Errorf("Search(sort %+v, offset %d, limit %d): %v", sort, offset, size, err)
					break
				}
				if total != n {
					h.Errorf("Search(sort %+v, offset %d, limit %d): total %d, want %d", sort, offset, size, total, n)
				}
				if want := min(size, max(n-offset, 0)); len(rs) != want {
					h.Errorf("Search(sort %+v, offset %d, limit %d) = %d resources, want %d", sort, offset, size, len(rs), want)
				}
				pages = append(pages, refs(rs)...)
			}
			if !slices.Equal(pages, refs(full)) {
				h.Errorf("sort %+v, pages of %d = %q, want %q", sort, size, pages, refs(full))
			}
		}
	}

	// Count only.
	rs, total, err := h.searchErr(tn, store.Query{Types: []string{"Patient"}, Limit: 0, Total: true})
	if err != nil || len(rs) != 0 || total != n {
		h.Errorf("count-only Search = %q, total %d, %v; want none, total %d", refs(rs), total, err, n)
	}
	rs, total, err = h.searchErr(tn, store.Query{Types: []string{"Patient"}, Filters: fs(startsWith("name", "a")), Limit: 0, Total: true})
	if err != nil || len(rs) != 0 || total != 3 {
		h.Errorf("filtered count-only Search = %q, total %d, %v; want none, total 3", refs(rs), total, err)
	}
	// Without Total, total is -1.
	rs, total, err = h.searchErr(tn, store.Query{Types: []string{"Patient"}, Limit: 2})
	if err != nil || len(rs) != 2 || total != -1 {
		h.Errorf("Search without Total = %q, total %d, %v; want 2 resources, total -1", refs(rs), total, err)
	}
	// Total counts every match, not the page.
	rs, total, err = h.searchErr(tn, store.Query{Types: []string{"Patient"}, Filters: fs(startsWith("name", "a")), Offset: 1, Limit: 1, Total: true})
	if err != nil || !slices.Equal(refs(rs), []string{"Patient/s5"}) || total != 3 {
		h.Errorf("second page of name=a = %q, total %d, %v; want [Patient/s5], total 3", refs(rs), total, err)
	}
	// Past the end: nothing, and still the total.
	rs, total, err = h.searchErr(tn, store.Query{Types: []string{"Patient"}, Offset: 100, Limit: 10, Total: true})
	if err != nil || len(rs) != 0 || total != n {
		h.Errorf("page past the end = %q, total %d, %v; want none, total %d", refs(rs), total, err, n)
	}
	// An empty tenant.
	empty := h.tenant("empty")
	rs, total, err = h.searchErr(empty, store.Query{Types: []string{"Patient"}, Limit: 10, Total: true})
	if err != nil || len(rs) != 0 || total != 0 {
		h.Errorf("Search of an empty tenant = %q, total %d, %v; want none, total 0", refs(rs), total, err)
	}
}

// testSearchSystem searches several types and every type.
func testSearchSystem(h *harness) {
	tn := h.tenant("t")
	id := func(code string) store.Index { return store.Index{Tokens: []store.TokenValue{identifier("sys", code)}} }
	h.write(tn,
		ires("Patient", "p1", 1, t0, id("1")),
		ires("Patient", "p2", 1, t0, id("2")),
		ires("Observation", "o1", 1, t0, id("1")),
		ires("Encounter", "e1", 1, t0, id("1")),
		ires("Encounter", "p1", 1, t0, store.Index{Narrative: "hello", Content: "hello world"}),
		ires("Patient", "x", 1, t0, store.Index{Narrative: "hello", Content: "hello"}),
	)
	h.gone(tn, "Observation", "gone", id("1"))

	by := func(code string) store.TokenMatch { return tokenIs("identifier", "sys", code) }
	tests := []struct {
		name  string
		types []string
		f     []store.Filter
		sort  []store.Sort
		want  []string
	}{
		{"two types", []string{"Patient", "Observation"}, fs(by("1")), nil, []string{"Observation/o1", "Patient/p1"}},
		{"two types in the other order", []string{"Observation", "Patient"}, fs(by("1")), nil, []string{"Observation/o1", "Patient/p1"}},
		{"every type", nil, fs(by("1")), nil, []string{"Encounter/e1", "Observation/o1", "Patient/p1"}},
		{"every type, no filter", nil, nil, nil,
			[]string{"Encounter/e1", "Encounter/p1", "Observation/o1", "Patient/p1", "Patient/p2", "Patient/x"}},
		{"two types, no filter", []string{"Encounter", "Observation"}, nil, nil, []string{"Encounter/e1", "Encounter/p1", "Observation/o1"}},
		{"a type without resources", []string{"Device"}, nil, nil, nil},
		{"_id of two types", nil, fs(store.IDMatch{IDs: []string{"p1"}}), nil, []string{"Encounter/p1", "Patient/p1"}},
		{"_id sorted desc", nil, fs(store.IDMatch{IDs: []string{"p1", "e1"}}), []store.Sort{{Param: "_id", Desc: true}},
			[]string{"Encounter/p1", "Patient/p1", "Encounter/e1"}},
		{"missing", nil, fs(store.Missing{Param: "identifier", Table: store.TokenTable, Missing: true}), nil, []string{"Encounter/p1", "Patient/x"}},
		{"missing, two types", []string{"Patient", "Encounter"}, fs(store.Missing{Param: "identifier", Table: store.TokenTable, Missing: true}), nil,
			[]string{"Encounter/p1", "Patient/x"}},
		{"not", nil, fs(store.Not{Filter: by("1")}), nil, []string{"Encounter/p1", "Patient/p2", "Patient/x"}},
		{"text", nil, fs(store.TextMatch{Terms: []string{"hello"}}), nil, []string{"Encounter/p1", "Patient/x"}},
		{"text, two types", []string{"Patient", "Encounter"}, fs(store.TextMatch{Content: true, Terms: []string{"world"}}), nil, []string{"Encounter/p1"}},
		{"text, one type", []string{"Patient"}, fs(store.TextMatch{Content: true, Terms: []string{"hello"}}), nil, []string{"Patient/x"}},
	}
	for _, tt := range tests {
		q := store.Query{Types: tt.types, Filters: tt.f, Sort: tt.sort, Limit: 100, Total: true}
		rs, total, err := h.searchErr(tn, q)
		if err != nil {
			h.Errorf("%s: Search: %v", tt.name, err)
			continue
		}
		if got := refs(rs); !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			h.Errorf("%s: Search(types %q; %s) = %q, want %q", tt.name, tt.types, describe(tt.f), got, tt.want)
		}
		if total != len(tt.want) {
			h.Errorf("%s: total = %d, want %d", tt.name, total, len(tt.want))
		}
	}
}

// testRelated follows references forward (_include) and back
// (_revinclude).
func testRelated(h *harness) {
	tn := h.tenant("t")
	refsIx := func(rs ...store.ReferenceValue) store.Index { return store.Index{References: rs} }
	h.write(tn,
		ires("Patient", "p1", 1, t0, refsIx(ref("organization", "Organization", "org1"), ref("general-practitioner", "Practitioner", "dr1"))),
		res("Patient", "p2", 1, t0),
		res("Group", "p1", 1, t0),
		res("Organization", "org1", 1, t0),
		res("Practitioner", "dr1", 1, t0),
		ires("Observation", "o1", 1, t0, refsIx(
			ref("subject", "Patient", "p1"),
			ref("performer", "Practitioner", "dr1"),
			ref("performer", "Organization", "org1"),
			store.ReferenceValue{Param: "derived-from", URL: "http://other.org/Observation/x"},
		)),
		ires("Observation", "o2", 1, t0, refsIx(ref("subject", "Patient", "p2"), ref("performer", "Organization", "org1"))),
		ires("Observation", "o3", 1, t0, refsIx(ref("subject", "Patient", "gone"))),
		ires("Observation", "o4", 1, t0, refsIx(ref("subject", "Patient", "nowhere"))),
		ires("Encounter", "e1", 1, t0, refsIx(ref("subject", "Patient", "p1"))),
	)
	h.gone(tn, "Patient", "gone", store.Index{})
	// A deleted observation of p1 is not a revinclude of it.
	h.gone(tn, "Observation", "odel", refsIx(ref("subject", "Patient", "p1")))

	r := func(typ, id string) store.Ref { return store.Ref{Type: typ, ID: id} }
	obs := func(ids ...string) []store.Ref {
		var out []store.Ref
		for _, id := range ids {
			out = append(out, r("Observation", id))
		}
		return out
	}
	fwd := func(refs []store.Ref, source, param, target string) store.RelatedQuery {
		return store.RelatedQuery{Refs: refs, SourceType: source, Param: param, TargetType: target, Limit: 100}
	}
	rev := func(refs []store.Ref, source, param string) store.RelatedQuery {
		return store.RelatedQuery{Refs: refs, Reverse: true, SourceType: source, Param: param, Limit: 100}
	}
	tests := []struct {
		name string
		q    store.RelatedQuery
		want []string
	}{
		{"include", fwd(obs("o1"), "Observation", "subject", ""), []string{"Patient/p1"}},
		{"include of several", fwd(obs("o1", "o2"), "Observation", "subject", ""), []string{"Patient/p1", "Patient/p2"}},
		{"include of a deleted or unknown target", fwd(obs("o3", "o4"), "Observation", "subject", ""), nil},
		{"include of several targets", fwd(obs("o1"), "Observation", "performer", ""), []string{"Organization/org1", "Practitioner/dr1"}},
		{"include with a target type", fwd(obs("o1"), "Observation", "performer", "Practitioner"), []string{"Practitioner/dr1"}},
		{"include with a target type without a match", fwd(obs("o1"), "Observation", "subject", "Group"), nil},
		{"include *", fwd(obs("o1", "o2"), "Observation", "*", ""),
			[]string{"Organization/org1", "Patient/p1", "Patient/p2", "Practitioner/dr1"}},
		{"include * with a target type", fwd(obs("o1", "o2"), "Observation", "*", "Organization"), []string{"Organization/org1"}},
		{"include of another param", fwd(obs("o1"), "Observation", "derived-from", ""), nil},
		{"include from refs of other types", fwd([]store.Ref{r("Patient", "p1"), r("Observation", "o2")}, "Observation", "subject", ""),
			[]string{"Patient/p2"}},
		{"include from refs of another type only", fwd([]store.Ref{r("Encounter", "e1")}, "Observation", "subject", ""), nil},
		{"include from Patient", fwd([]store.Ref{r("Patient", "p1")}, "Patient", "*", ""),
			[]string{"Organization/org1", "Practitioner/dr1"}},
		{"include from no refs", fwd(nil, "Observation", "*", ""), nil},
		{"revinclude", rev([]store.Ref{r("Patient", "p1")}, "Observation", "subject"), []string{"Observation/o1"}},
		{"revinclude of several", rev([]store.Ref{r("Patient", "p1"), r("Patient", "p2")}, "Observation", "subject"),
			[]string{"Observation/o1", "Observation/o2"}},
		{"revinclude of several types", rev([]store.Ref{r("Patient", "p2"), r("Practitioner", "dr1")}, "Observation", "performer"),
			[]string{"Observation/o1"}},
		{"revinclude of mixed types", rev([]store.Ref{r("Patient", "p2"), r("Organization", "org1")}, "Observation", "*"),
			[]string{"Observation/o1", "Observation/o2"}},
		{"revinclude other source", rev([]store.Ref{r("Patient", "p1")}, "Encounter", "subject"), []string{"Encounter/e1"}},
		{"revinclude *", rev([]store.Ref{r("Organization", "org1")}, "Observation", "*"), []string{"Observation/o1", "Observation/o2"}},
		{"revinclude * of Patient", rev([]store.Ref{r("Organization", "org1")}, "Patient", "*"), []string{"Patient/p1"}},
		{"revinclude of another param", rev([]store.Ref{r("Practitioner", "dr1")}, "Observation", "subject"), nil},
		{"revinclude: target type is matched", rev([]store.Ref{r("Group", "p1")}, "Observation", "subject"), nil},
		{"revinclude from no refs", rev(nil, "Observation", "*"), nil},
	}
	for _, tt := range tests {
		rs, err := h.relatedErr(tn, tt.q)
		if err != nil {
			h.Errorf("%s: Related(%+v): %v", tt.name, tt.q, err)
			continue
		}
		if got := refs(rs); !slices.Equal(sorted(got), tt.want) {
			h.Errorf("%s: Related(%+v) = %q, want %q", tt.name, tt.q, got, tt.want)
		}
		for _, res := range rs {
			if res.Body == nil || res.Deleted || res.Version != 1 {
				h.Errorf("%s: Related returned %s/%s version %d deleted %v body %q, want a current version with its body",
					tt.name, res.Type, res.ID, res.Version, res.Deleted, res.Body)
			}
		}
	}

	// Limit caps the resources returned.
	for limit := 1; limit <= 3; limit++ {
		q := fwd(obs("o1", "o2"), "Observation", "*", "")
		q.Limit = limit
		rs, err := h.relatedErr(tn, q)
		if err != nil {
			h.Errorf("Related(limit %d): %v", limit, err)
			continue
		}
		all := []string{"Organization/org1", "Patient/p1", "Patient/p2", "Practitioner/dr1"}
		if len(rs) != limit {
			h.Errorf("include * with limit %d = %q, want %d resources", limit, refs(rs), limit)
		}
		for _, got := range refs(rs) {
			if !slices.Contains(all, got) {
				h.Errorf("include * with limit %d returned %s", limit, got)
			}
		}
		q = rev([]store.Ref{r("Patient", "p1"), r("Patient", "p2")}, "Observation", "subject")
		q.Limit = 1
		if rs, err := h.relatedErr(tn, q); err != nil || len(rs) != 1 {
			h.Errorf("revinclude with limit 1 = %q, %v; want 1 resource", refs(rs), err)
		}
	}
}

// testSearchIndexFollowsCurrentVersion checks that searches read the index
// of the current version only, and WriteIndex.
func testSearchIndexFollowsCurrentVersion(h *harness) {
	tn := h.tenant("t")
	full := func(name, code string, day string, n float64, target, uri, word string) store.Index {
		return store.Index{
			Strings:    []store.StringValue{str("name", name, name)},
			Tokens:     []store.TokenValue{tok("code", "sys", code)},
			Dates:      []store.DateValue{dateValue("date", day)},
			Numbers:    []store.NumberValue{{Param: "n", Value: n}},
			Quantities: []store.QuantityValue{{Param: "q", System: "u", Code: "mg", Value: n}},
			References: []store.ReferenceValue{ref("subject", "Patient", target)},
			URIs:       []store.URIValue{{Param: "url", Value: uri}},
			Narrative:  word,
			Content:    word,
		}
	}
	matches := func(name, code string, day string, n float64, target, uri, word string) []searchCase {
		eq := store.NumberMatch{Param: "n", Prefix: store.Eq, Value: n, Lo: n - 0.5, Hi: n + 0.5}
		q := eq
		q.Param = "q"
		return []searchCase{
			{"string " + name, fs(startsWith("name", name)), nil},
			{"token " + code, fs(tokenIs("code", "sys", code)), nil},
			{"date " + day, fs(dateMatch("date", store.Eq, day)), nil},
			{fmt.Sprint("number ", n), fs(eq), nil},
			{fmt.Sprint("quantity ", n), fs(store.QuantityMatch{NumberMatch: q, System: "u", Code: "mg"}), nil},
			{"reference " + target, fs(refTo("subject", "Patient", target)), nil},
			{"uri " + uri, fs(store.URIMatch{Param: "url", Value: uri}), nil},
			{"narrative " + word, fs(store.TextMatch{Terms: []string{word}}), nil},
			{"content " + word, fs(store.TextMatch{Content: true, Terms: []string{word}}), nil},
			{"chain to " + target, fs(store.Chain{Param: "subject", Types: []string{"Patient"}, Where: store.IDMatch{IDs: []string{target}}}), nil},
		}
	}
	want := func(cs []searchCase, ids ...string) []searchCase {
		for i := range cs {
			cs[i].want = ids
			cs[i].name += fmt.Sprintf(" (want %q)", ids)
		}
		return cs
	}
	missing := func(m bool, ids ...string) []searchCase {
		var cs []searchCase
		for _, t := range []struct {
			p string
			t store.Table
		}{{"name", store.StringTable}, {"code", store.TokenTable}, {"date", store.DateTable}, {"n", store.NumberTable},
			{"q", store.QuantityTable}, {"subject", store.ReferenceTable}, {"url", store.URITable}} {
			cs = append(cs, searchCase{fmt.Sprintf("missing %s %v", t.p, m), fs(store.Missing{Param: t.p, Table: t.t, Missing: m}), ids})
		}
		return cs
	}
	oldV := []any{"old", "c1", "2020-01-01", 1.0, "p1", "http://a/1", "alpha"}
	newV := []any{"new", "c2", "2021-01-01", 2.0, "p2", "http://a/2", "beta"}
	reV := []any{"reindexed", "c3", "2022-01-01", 3.0, "p3", "http://a/3", "gamma"}
	idx := func(v []any) store.Index {
		return full(v[0].(string), v[1].(string), v[2].(string), v[3].(float64), v[4].(string), v[5].(string), v[6].(string))
	}
	cases := func(v []any) []searchCase {
		return matches(v[0].(string), v[1].(string), v[2].(string), v[3].(float64), v[4].(string), v[5].(string), v[6].(string))
	}
	checkRelated := func(what string, wantFwd, wantRev []string) {
		h.Helper()
		rs, err := h.relatedErr(tn, store.RelatedQuery{Refs: []store.Ref{{Type: "Observation", ID: "o"}}, SourceType: "Observation", Param: "subject", Limit: 10})
		if err != nil || !slices.Equal(sorted(refs(rs)), wantFwd) {
			h.Errorf("%s: include of o = %q, %v; want %q", what, refs(rs), err, wantFwd)
		}
		rs, err = h.relatedErr(tn, store.RelatedQuery{Refs: []store.Ref{{Type: "Patient", ID: "p1"}, {Type: "Patient", ID: "p2"}, {Type: "Patient", ID: "p3"}},
			Reverse: true, SourceType: "Observation", Param: "subject", Limit: 10})
		if err != nil || !slices.Equal(sorted(refs(rs)), wantRev) {
			h.Errorf("%s: revinclude of p1, p2, p3 = %q, %v; want %q", what, refs(rs), err, wantRev)
		}
	}
	h.write(tn, res("Patient", "p1", 1, t0), res("Patient", "p2", 1, t0), res("Patient", "p3", 1, t0))

	v1 := ires("Observation", "o", 1, t0, idx(oldV))
	h.write(tn, v1)
	h.checkSearches(tn, "Observation", false, want(cases(oldV), "o"))
	h.checkSearches(tn, "Observation", false, missing(false, "o"))
	checkRelated("v1", []string{"Patient/p1"}, []string{"Observation/o"})

	// An update with another index replaces the old rows.
	v2 := ires("Observation", "o", 2, t0.Add(time.Second), idx(newV))
	h.write(tn, v2)
	h.checkSearches(tn, "Observation", false, want(cases(oldV)))
	h.checkSearches(tn, "Observation", false, want(cases(newV), "o"))
	checkRelated("v2", []string{"Patient/p2"}, []string{"Observation/o"})
	// Searches return the current version, whole.
	if rs, _, err := h.searchErr(tn, store.Query{Types: []string{"Observation"}, Filters: fs(startsWith("name", "new")), Limit: 10}); err != nil || len(rs) != 1 {
		h.Errorf("Search(name=new) = %q, %v; want o", refs(rs), err)
	} else {
		h.checkResource(rs[0], v2)
	}

	// An update without index rows leaves none.
	v3 := res("Observation", "o", 3, t0.Add(2*time.Second))
	h.write(tn, v3)
	h.checkSearches(tn, "Observation", false, want(cases(newV)))
	h.checkSearches(tn, "Observation", false, missing(true, "o"))
	checkRelated("v3", nil, nil)

	reindex := func(es ...store.IndexEntry) error {
		return h.s.Update(h.ctx, tn, func(tx store.Tx) error { return tx.WriteIndex(h.ctx, es) })
	}
	entry := func(version int64, v []any) store.IndexEntry {
		return store.IndexEntry{Type: "Observation", ID: "o", Version: version, Index: idx(v)}
	}

	// WriteIndex replaces the rows without a new version.
	if err := reindex(entry(3, reV)); err != nil {
		h.Fatalf("WriteIndex: %v", err)
	}
	h.checkSearches(tn, "Observation", false, want(cases(reV), "o"))
	h.checkSearches(tn, "Observation", false, missing(false, "o"))
	checkRelated("after WriteIndex", []string{"Patient/p3"}, []string{"Observation/o"})
	if rs, _, err := h.searchErr(tn, store.Query{Types: []string{"Observation"}, Filters: fs(startsWith("name", "reindexed")), Limit: 10}); err != nil || len(rs) != 1 {
		h.Errorf("Search(name=reindexed) = %q, %v; want o", refs(rs), err)
	} else {
		h.checkResource(rs[0], v3)
	}
	if got := h.history(tn, store.HistoryQuery{Type: "Observation", ID: "o", Limit: 10}); len(got) != 3 {
		h.Errorf("history after WriteIndex = %q, want 3 versions", keys(got))
	}
	// An entry of another version than the current one is skipped: a
	// reindex never replaces a newer index with an older one. So is an
	// entry of a resource that does not exist.
	err := reindex(entry(2, newV), entry(4, newV),
		store.IndexEntry{Type: "Observation", ID: "nowhere", Version: 1, Index: idx(newV)})
	if err != nil {
		h.Fatalf("WriteIndex of stale entries: %v", err)
	}
	h.checkSearches(tn, "Observation", false, want(cases(reV), "o"))
	h.checkSearches(tn, "Observation", false, want(cases(newV)))
	// WriteIndex replaces again, with another index, beside an entry of
	// another resource.
	err = reindex(entry(3, oldV), store.IndexEntry{Type: "Patient", ID: "p1", Version: 1,
		Index: store.Index{Strings: []store.StringValue{str("name", "old", "old")}}})
	if err != nil {
		h.Fatalf("WriteIndex: %v", err)
	}
	h.checkSearches(tn, "Observation", false, want(cases(reV)))
	h.checkSearches(tn, "Observation", false, want(cases(oldV), "o"))
	h.checkSearches(tn, "Patient", false, []searchCase{{"reindexed Patient", fs(startsWith("name", "old")), []string{"p1"}}})
	// WriteIndex in a View fails and changes nothing.
	err = h.s.View(h.ctx, tn, func(tx store.Tx) error {
		return tx.WriteIndex(h.ctx, []store.IndexEntry{entry(3, newV)})
	})
	if err == nil {
		h.Errorf("WriteIndex in View succeeded, want an error")
	}
	h.checkSearches(tn, "Observation", false, want(cases(newV)))
	// A WriteIndex that fails with its Update is undone.
	errFail := fmt.Errorf("fn failed")
	err = h.s.Update(h.ctx, tn, func(tx store.Tx) error {
		if err := tx.WriteIndex(h.ctx, []store.IndexEntry{entry(3, newV)}); err != nil {
			return err
		}
		return errFail
	})
	if err != errFail && (err == nil || !strings.Contains(err.Error(), errFail.Error())) {
		h.Errorf("failing Update = %v, want %v", err, errFail)
	}
	h.checkSearches(tn, "Observation", false, want(cases(oldV), "o"))
	h.checkSearches(tn, "Observation", false, want(cases(newV)))

	// Searches in an Update see its own writes.
	err = h.s.Update(h.ctx, tn, func(tx store.Tx) error {
		if err := tx.Write(h.ctx, []store.Write{ires("Observation", "o", 4, t0.Add(3*time.Second), idx(newV))}); err != nil {
			return err
		}
		for _, v := range []struct {
			name string
			want int
		}{{"old", 0}, {"new", 1}} {
			rs, _, err := tx.Search(h.ctx, store.Query{Types: []string{"Observation"}, Filters: fs(startsWith("name", v.name)), Limit: 10})
			if err != nil {
				return err
			}
			if len(rs) != v.want {
				h.Errorf("in the Update, Search(name=%s) = %q, want %d", v.name, refs(rs), v.want)
			}
		}
		return nil
	})
	if err != nil {
		h.Fatalf("Update: %v", err)
	}

	// A tombstone leaves nothing to find, not even by Missing or _id.
	h.write(tn, tombstone("Observation", "o", 5, t0.Add(4*time.Second)))
	h.checkSearches(tn, "Observation", false, want(cases(newV)))
	h.checkSearches(tn, "Observation", false, missing(true))
	h.checkSearches(tn, "Observation", false, missing(false))
	h.checkSearches(tn, "Observation", false, []searchCase{
		{"_id of the deleted", fs(store.IDMatch{IDs: []string{"o"}}), nil},
		{"everything", nil, nil},
		{"_lastUpdated", fs(dateMatch("_lastUpdated", store.Ge, "2000")), nil},
	})
	checkRelated("after delete", nil, nil)
	// WriteIndex of a deleted resource, at its last version before the
	// delete or at the tombstone's, does not bring it back.
	if err := reindex(entry(4, reV), entry(5, reV)); err != nil {
		h.Fatalf("WriteIndex of a deleted resource: %v", err)
	}
	h.checkSearches(tn, "Observation", false, want(cases(reV)))
	h.checkSearches(tn, "Observation", false, missing(false))
	h.checkSearches(tn, "Patient", false, []searchCase{
		{"_has through the deleted", fs(store.Has{Type: "Observation", Param: "subject", Where: startsWith("name", "reindexed")}), nil},
	})
	checkRelated("after WriteIndex of the deleted", nil, nil)

	// A write after the delete brings it back with its new index.
	h.write(tn, ires("Observation", "o", 6, t0.Add(5*time.Second), idx(reV)))
	h.checkSearches(tn, "Observation", false, want(cases(reV), "o"))
	h.checkSearches(tn, "Observation", false, want(cases(newV)))
	checkRelated("after undelete", []string{"Patient/p3"}, []string{"Observation/o"})
}

// testSearchTenantIsolation checks that nothing of tenant b is found from
// tenant a: not directly, not through a chain, _has or Related.
func testSearchTenantIsolation(h *harness) {
	a, b := h.tenant("a"), h.tenant("b")
	const loinc = "http://loinc.org"
	name := func(n string) store.StringValue { return str("name", n, n) }
	bp1 := ires("Patient", "p1", 1, t0, store.Index{Strings: []store.StringValue{name("smith")}, Narrative: "secret", Content: "secret"})
	bp1.Body = []byte(`{"resourceType":"Patient","id":"p1","name":[{"family":"Smith"}]}`)
	h.write(b,
		bp1,
		ires("Patient", "pb", 1, t0, store.Index{
			Strings:    []store.StringValue{name("smith")},
			References: []store.ReferenceValue{ref("organization", "Organization", "org")},
		}),
		ires("Organization", "org", 1, t0, store.Index{Strings: []store.StringValue{name("acme")}}),
		ires("Observation", "o1", 1, t0, store.Index{
			Tokens:     []store.TokenValue{tok("code", loinc, "x")},
			References: []store.ReferenceValue{ref("subject", "Patient", "p1")},
			Quantities: []store.QuantityValue{{Param: "cvq$1", Group: 1, Code: "mg", Value: 5}},
		}),
	)
	h.write(a,
		ires("Patient", "p1", 1, t0, store.Index{Strings: []store.StringValue{name("jones")}}),
		ires("Observation", "oa", 1, t0, store.Index{
			Tokens:     []store.TokenValue{tok("code", loinc, "y"), {Param: "cvq$0", Group: 1, Code: "A"}},
			References: []store.ReferenceValue{ref("subject", "Patient", "p1")},
		}),
		ires("Observation", "ob", 1, t0, store.Index{References: []store.ReferenceValue{ref("subject", "Patient", "pb")}}),
	)

	smith := startsWith("name", "smith")
	check := func(tenant, typ string, f store.Filter, want ...string) {
		h.Helper()
		h.checkSearches(tenant, typ, false, []searchCase{{fmt.Sprintf("tenant %s: %T", tenant, f), fs(f), want}})
	}
	// Directly.
	check(a, "Patient", smith)
	check(b, "Patient", smith, "p1", "pb")
	check(a, "Patient", store.TextMatch{Terms: []string{"secret"}})
	check(a, "Observation", tokenIs("code", loinc, "x"))
	check(a, "Patient", store.IDMatch{IDs: []string{"pb"}})
	check(a, "Observation", store.Composite{Param: "cvq", Parts: fs(
		store.TokenMatch{Param: "cvq$0", Code: "A", AnySystem: true},
		store.QuantityMatch{NumberMatch: store.NumberMatch{Param: "cvq$1", Prefix: store.Eq, Value: 5, Lo: 4.5, Hi: 5.5}},
	)})
	// Missing counts a's rows only: a's p1 has no reference rows even
	// though b's Patients do.
	check(a, "Patient", store.Missing{Param: "organization", Table: store.ReferenceTable, Missing: true}, "p1")
	check(a, "Patient", store.Missing{Param: "name", Table: store.StringTable, Missing: true})
	// Through a chain: ob points at Patient/pb, a Smith in b only, and oa
	// at Patient/p1, a Smith in b but a Jones in a.
	check(a, "Observation", store.Chain{Param: "subject", Types: []string{"Patient"}, Where: smith})
	check(a, "Observation", store.Chain{Param: "subject", Where: smith})
	check(a, "Observation", store.Chain{Param: "subject", Types: []string{"Patient"}, Where: store.IDMatch{IDs: []string{"pb"}}})
	check(a, "Observation", store.Chain{Param: "subject", Types: []string{"Patient"},
		Where: store.Chain{Param: "organization", Where: startsWith("name", "acme")}})
	check(b, "Observation", store.Chain{Param: "subject", Types: []string{"Patient"}, Where: smith}, "o1")
	// Through _has: b's o1 of code x points at Patient/p1, which a has too.
	check(a, "Patient", store.Has{Type: "Observation", Param: "subject", Where: tokenIs("code", loinc, "x")})
	check(a, "Patient", store.Has{Type: "Observation", Param: "subject", Where: tokenIs("code", loinc, "y")}, "p1")
	check(b, "Patient", store.Has{Type: "Observation", Param: "subject", Where: tokenIs("code", loinc, "x")}, "p1")
	// Every type and the total.
	rs, total, err := h.searchErr(a, store.Query{Limit: 100, Total: true})
	if want := []string{"Observation/oa", "Observation/ob", "Patient/p1"}; err != nil || !slices.Equal(refs(rs), want) || total != 3 {
		h.Errorf("system-level search of a = %q, total %d, %v; want %q, total 3", refs(rs), total, err, want)
	}

	// Related.
	relTests := []struct {
		name string
		q    store.RelatedQuery
		want []string
	}{
		{"include of b's resource", store.RelatedQuery{Refs: []store.Ref{{Type: "Observation", ID: "o1"}}, SourceType: "Observation", Param: "subject", Limit: 10}, nil},
		{"include of a target in b only", store.RelatedQuery{Refs: []store.Ref{{Type: "Observation", ID: "ob"}}, SourceType: "Observation", Param: "*", Limit: 10}, nil},
		{"include from a", store.RelatedQuery{Refs: []store.Ref{{Type: "Observation", ID: "oa"}, {Type: "Observation", ID: "o1"}}, SourceType: "Observation", Param: "subject", Limit: 10},
			[]string{"Patient/p1"}},
		{"revinclude", store.RelatedQuery{Refs: []store.Ref{{Type: "Patient", ID: "p1"}}, Reverse: true, SourceType: "Observation", Param: "*", Limit: 10},
			[]string{"Observation/oa"}},
		{"revinclude of a resource in b only", store.RelatedQuery{Refs: []store.Ref{{Type: "Organization", ID: "org"}}, Reverse: true, SourceType: "Patient", Param: "*", Limit: 10}, nil},
	}
	for _, tt := range relTests {
		rs, err := h.relatedErr(a, tt.q)
		if err != nil || !slices.Equal(sorted(refs(rs)), tt.want) {
			h.Errorf("%s: Related in a = %q, %v; want %q", tt.name, refs(rs), err, tt.want)
		}
		// a's own Patient/p1, not b's.
		if len(rs) == 1 && rs[0].Type == "Patient" && !jsonEqual(rs[0].Body, res("Patient", "p1", 1, t0).Body) {
			h.Errorf("%s: Related in a returned %s with body %s", tt.name, refs(rs), rs[0].Body)
		}
	}
	if rs, err := h.relatedErr(b, store.RelatedQuery{Refs: []store.Ref{{Type: "Organization", ID: "org"}}, Reverse: true, SourceType: "Patient", Param: "*", Limit: 10}); err != nil ||
		!slices.Equal(refs(rs), []string{"Patient/pb"}) {
		h.Errorf("revinclude in b = %q, %v; want [Patient/pb]", refs(rs), err)
	}
}

func testIndexVersion(h *harness) {
	v, err := h.s.IndexVersion(h.ctx)
	if err != nil || v != "" {
		h.Fatalf("IndexVersion of a new store = %q, %v; want \"\"", v, err)
	}
	for _, want := range []string{"1", "2025-03-14.2", "1"} {
		if err := h.s.SetIndexVersion(h.ctx, want); err != nil {
			h.Fatalf("SetIndexVersion(%q): %v", want, err)
		}
		if v, err := h.s.IndexVersion(h.ctx); err != nil || v != want {
			h.Errorf("IndexVersion after SetIndexVersion(%q) = %q, %v", want, v, err)
		}
	}
	// It belongs to the store, not to a tenant.
	h.tenant("t")
	if v, err := h.s.IndexVersion(h.ctx); err != nil || v != "1" {
		h.Errorf("IndexVersion after CreateTenant = %q, %v; want \"1\"", v, err)
	}
}

// testSearchAfter walks a tenant with keyset paging (Query.After), as kiln
// reindex does: deletes between pages must not make the walk skip
// resources.
func testSearchAfter(h *harness) {
	tn := h.tenant("t")
	h.write(tn,
		ires("Patient", "a", 1, t0, store.Index{Tokens: []store.TokenValue{tok("gender", "", "female")}}),
		res("Patient", "b", 1, t0),
		ires("Patient", "c", 1, t0, store.Index{Tokens: []store.TokenValue{tok("gender", "", "female")}}),
		res("Observation", "a", 1, t0),
		res("Observation", "x", 1, t0),
		res("Encounter", "z", 1, t0),
	)
	h.gone(tn, "Basic", "gone", store.Index{})

	walk := func(q store.Query, between func(page int)) []string {
		var all []string
		for page := 0; page < 20; page++ {
			rs, _, err := h.searchErr(tn, q)
			if err != nil {
				h.Errorf("Search(%+v): %v", q, err)
				return all
			}
			all = append(all, refs(rs)...)
			if len(rs) < q.Limit {
				return all
			}
			last := rs[len(rs)-1]
			q.After = &store.Ref{Type: last.Type, ID: last.ID}
			if between != nil {
				between(page)
			}
		}
		h.Errorf("walk of %+v does not end", q)
		return all
	}

	everything := []string{"Encounter/z", "Observation/a", "Observation/x", "Patient/a", "Patient/b", "Patient/c"}
	for size := 1; size <= 7; size++ {
		if got := walk(store.Query{Limit: size}, nil); !slices.Equal(got, everything) {
			h.Errorf("walk in pages of %d = %q, want %q", size, got, everything)
		}
	}
	if got, want := walk(store.Query{Types: []string{"Patient"}, Limit: 1}, nil), prefixed("Patient", []string{"a", "b", "c"}); !slices.Equal(got, want) {
		h.Errorf("walk of Patient = %q, want %q", got, want)
	}
	if got, want := walk(store.Query{Types: []string{"Patient"}, Filters: fs(tokenIs("gender", "", "female")), Limit: 1}, nil),
		prefixed("Patient", []string{"a", "c"}); !slices.Equal(got, want) {
		h.Errorf("filtered walk of Patient = %q, want %q", got, want)
	}
	// Total counts the whole result, not what follows After.
	if rs, total, err := h.searchErr(tn, store.Query{Types: []string{"Patient"}, After: &store.Ref{Type: "Patient", ID: "a"}, Limit: 1, Total: true}); err != nil || total != 3 || !slices.Equal(refs(rs), []string{"Patient/b"}) {
		h.Errorf("page after Patient/a with Total = %q, total %d, %v; want [Patient/b], total 3", refs(rs), total, err)
	}
	// After is exclusive and need not name an existing resource.
	tests := []struct {
		after store.Ref
		want  []string
	}{
		{store.Ref{Type: "Observation", ID: "a"}, everything[2:]},
		{store.Ref{Type: "Observation", ID: "b"}, everything[2:]},
		{store.Ref{Type: "Observation", ID: ""}, everything[1:]},
		{store.Ref{Type: "A", ID: "zzz"}, everything},
		{store.Ref{Type: "Patient", ID: "c"}, nil},
	}
	for _, tt := range tests {
		got := h.order(tn, store.Query{After: &tt.after, Limit: 100})
		if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			h.Errorf("Search(After %v) = %q, want %q", tt.after, got, tt.want)
		}
	}

	// Deletes between pages, of the resource the walk continues after and
	// of one it has not reached yet, skip nothing else.
	n := 1
	del := func(typ, id string) {
		n++
		r := h.mustCurrent(tn, typ, id)
		h.write(tn, tombstone(typ, id, r.Version+1, t0.Add(time.Duration(n)*time.Second)))
	}
	got := walk(store.Query{Limit: 2}, func(page int) {
		switch page {
		case 0: // after Encounter/z, Observation/a
			del("Observation", "a")
		case 1: // after Observation/x, Patient/a
			del("Patient", "a")
			del("Patient", "b")
		}
	})
	if want := []string{"Encounter/z", "Observation/a", "Observation/x", "Patient/a", "Patient/c"}; !slices.Equal(got, want) {
		h.Errorf("walk with deletes = %q, want %q", got, want)
	}
}

// testSearchSameValue checks that SameValue wants one row meeting every
// bound, where AllOf lets different rows meet different bounds.
func testSearchSameValue(h *harness) {
	tn := h.tenant("t")
	dates := func(ds ...string) store.Index {
		var x store.Index
		for _, d := range ds {
			x.Dates = append(x.Dates, dateValue("date", d))
		}
		return x
	}
	h.write(tn,
		ires("Observation", "inside", 1, t0, dates("2020-06-15")),
		ires("Observation", "around", 1, t0, dates("2010-01-01", "2030-01-01")),
		ires("Observation", "before", 1, t0, dates("2019-12-31")),
		ires("Observation", "other-param", 1, t0, store.Index{Dates: []store.DateValue{dateValue("issued", "2020-06-15")}}),
	)
	ge, lt := dateMatch("date", store.Ge, "2020-01-01"), dateMatch("date", store.Lt, "2021-01-01")
	h.checkSearches(tn, "Observation", true, []searchCase{
		{"one date in the range", fs(store.SameValue{Filters: fs(ge, lt)}), []string{"inside"}},
		{"bounds met by different dates", fs(ge, lt), []string{"around", "inside"}},
		{"one bound", fs(store.SameValue{Filters: fs(ge)}), []string{"around", "inside"}},
		{"not", fs(store.Not{Filter: store.SameValue{Filters: fs(ge, lt)}}), []string{"around", "before", "other-param"}},
	})
}
