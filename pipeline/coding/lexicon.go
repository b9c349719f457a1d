package coding

import (
	"fmt"
	"strings"
)

// matchKind says where a lexicon form came from; it ranks forms that
// collide and sets the base confidence of a match.
type matchKind uint8

const (
	kindExact     matchKind = iota // a code's whole description
	kindDerived                    // the description without qualifiers (", unspecified", "without complications")
	kindDefaulted                  // also without a trailing "without …" clause: the index's default
	kindVariant                    // a derived form with a common rewording ("diabetes" for "diabetes mellitus")
	kindSynonym                    // curated clinical wording
	kindAbbrev                     // curated abbreviation
)

// baseConfidence of a match by kind, before hedging and specificity.
var baseConfidence = [...]float64{
	kindExact:     0.95,
	kindDerived:   0.9,
	kindDefaulted: 0.8,
	kindVariant:   0.85,
	kindSynonym:   0.85,
	kindAbbrev:    0.75,
}

// entry is what a lexicon form stands for.
type entry struct {
	code int32 // index into Table.codes
	kind matchKind
	conf float64 // base confidence, specificity included
	n    int     // tokens in the form
}

// lexicon is a token trie over every form: one hash map keyed by
// (node, word id) holds the edges, which is far smaller than a map per
// node for ~200k nodes. Matching walks it word by word, so the cost per
// text word is a few map lookups whatever the number of forms.
type lexicon struct {
	words    map[string]int32 // vocabulary
	edges    map[uint64]int32 // node<<32 | word → child node
	terminal []int32          // node → entries index, or -1
	entries  []entry
	bmi      []int32 // Z68 adult BMI codes by band, see bmiCode (ICD-10-CM only)
}

func (l *lexicon) child(node int32, word string) (int32, bool) {
	w, ok := l.words[word]
	if !ok {
		return 0, false
	}
	c, ok := l.edges[uint64(node)<<32|uint64(w)]
	return c, ok
}

// candidate is one code's claim on a form while the lexicon is built.
type candidate struct {
	code     int
	kind     matchKind
	billable bool
	assumed  bool // the form dropped a 7th-character encounter the text may not support
}

// better reports whether a should own a form rather than b: a billable code
// over a category header (a bare "type 2 diabetes mellitus" is E11.9, not
// E11), then the more faithful kind, then tabular order (for fractures
// that is the closed-fracture code, the guideline's default).
func (a candidate) better(b candidate) bool {
	if a.billable != b.billable {
		return a.billable
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.code < b.code
}

// synonym is a curated form: a phrase clinicians write and the code a coder
// would give it.
type synonym struct {
	phrase string
	code   string
	abbrev bool
}

func buildLexicon(t *Table, synonyms []synonym) (*lexicon, error) {
	forms := map[string]candidate{}
	claim := func(form string, c candidate) {
		if form == "" {
			return
		}
		if old, ok := forms[form]; !ok || c.better(old) {
			forms[form] = c
		}
	}
	for i, c := range t.codes {
		if t.system == ICD10CMSystem && strings.ContainsAny(c.Code[:1], "VWXY") {
			continue // external causes (V00–Y99) describe circumstances, never a patient's condition
		}
		for _, f := range mentionForms(c.Display, !strings.ContainsAny(c.Code[:1], "ST")) {
			if genericForms[f.form] {
				continue
			}
			claim(f.form, candidate{code: i, kind: f.kind, billable: c.Billable, assumed: f.assumed})
		}
	}
	// Curated forms win over derived ones: they encode a coder's choice
	// where the descriptions are ambiguous or silent.
	for _, s := range synonyms {
		i, ok := t.index[strings.ToUpper(s.code)]
		if !ok {
			return nil, fmt.Errorf("synonym %q: code %s not in the table", s.phrase, s.code)
		}
		form := formOf(s.phrase)
		if form == "" {
			return nil, fmt.Errorf("synonym %q: no words", s.phrase)
		}
		kind := kindSynonym
		if s.abbrev {
			kind = kindAbbrev
		}
		forms[form] = candidate{code: i, kind: kind, billable: t.codes[i].Billable}
	}

	l := &lexicon{words: map[string]int32{}, edges: make(map[uint64]int32, len(forms)*3), terminal: []int32{-1}}
	for form, c := range forms {
		words := strings.Fields(form)
		node := int32(0)
		for _, w := range words {
			id, ok := l.words[w]
			if !ok {
				id = int32(len(l.words))
				l.words[w] = id
			}
			key := uint64(node)<<32 | uint64(id)
			next, ok := l.edges[key]
			if !ok {
				next = int32(len(l.terminal))
				l.terminal = append(l.terminal, -1)
				l.edges[key] = next
			}
			node = next
		}
		conf := baseConfidence[c.kind]
		if !c.billable {
			conf *= 0.7 // a category header: a coder must still pick a billable child
		}
		if c.assumed {
			conf *= 0.9
		}
		l.terminal[node] = int32(len(l.entries))
		l.entries = append(l.entries, entry{code: int32(c.code), kind: c.kind, conf: conf, n: len(words)})
	}
	if t.system == ICD10CMSystem {
		for _, code := range bmiCodes {
			i, ok := t.index[code]
			if !ok {
				return nil, fmt.Errorf("BMI code %s not in the table", code)
			}
			l.bmi = append(l.bmi, int32(i))
		}
	}
	return l, nil
}

// genericForms are forms the descriptions yield that in a note
// are everyday words or too vague to propose ("pain" → R52, "fistula" →
// a joint's fistula).
var genericForms = map[string]bool{
	"pain": true, "illness": true, "injury": true, "shock": true, "stress": true, "counseling": true,
	"worries": true, "unhappiness": true, "hostility": true, "effusion": true, "fistula": true,
	"ganglion": true, "pannus": true, "infestation": true, "runaway": true, "malingerer": true,
	"hemorrhage": true, "ankylosis": true, "contracture": true, "osteophyte": true, "mycosis": true,
	"unemployment": true, "stupor": true, "edema": true, "allergy": true,
	// A BMI without a value says nothing; bmiAt reads the values.
	"body mass index": true, "body mass index bmi": true, "bmi": true,
}

// form is one way of writing a code's description in text.
type form struct {
	form    string // normalised words joined by single spaces
	kind    matchKind
	assumed bool
}

// formOf normalises a phrase the way tokenize normalises text.
func formOf(phrase string) string {
	toks := tokenize(phrase)
	words := make([]string, 0, len(toks))
	for _, t := range toks {
		if !t.placeholder {
			words = append(words, t.norm)
		}
	}
	return strings.Join(words, " ")
}

// Qualifier clauses say a description is the default, not something a
// note would write; stripQualifiers removes them from the end until none is
// left, so "Migraine, unspecified, not intractable, without status
// migrainosus" becomes "migraine". ", unspecified" followed by a body
// site (", unspecified hip") is not one: it stays.
var (
	qualifierSuffixes = []string{
		", unspecified", " unspecified", ", unspecified type", ", unspecified site",
		", unspecified organism", ", unspecified severity", ", site unspecified", ", part unspecified",
		", unspecified ear", ", unspecified eye", ", unspecified side", ", unspecified laterality",
		", uncomplicated", " without complications", ", without complications", " without complication",
		", not elsewhere classified", ", site not specified", ", not intractable",
		", without status migrainosus", " without status migrainosus", ", without status epilepticus",
		" without status epilepticus", ", so stated",
	}
	// qualifierClauses run to the end of the description.
	qualifierClauses = []string{", unspecified whether ", ", unspecified as ", ", not specified as "}
)

func stripQualifiers(s string) string {
	for {
		t := strings.TrimPrefix(s, "unspecified ")
		for _, q := range qualifierSuffixes {
			t = strings.TrimSuffix(t, q)
		}
		for _, q := range qualifierClauses {
			if i := strings.LastIndex(t, q); i > 0 && !strings.Contains(t[i+len(q):], ",") {
				t = t[:i]
			}
		}
		if t == s {
			return s
		}
		s = t
	}
}

// dropParentheticals removes ICD-10-CM's nonessential modifiers,
// "(primary)", "(congestive)", and bracketed synonyms, "[BMI]".
func dropParentheticals(s string) string {
	if !strings.ContainsAny(s, "([") {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '[':
			depth++
		case r == ')' || r == ']':
			if depth > 0 {
				depth--
			}
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// stripEncounter removes the initial-encounter clause of an injury's 7th
// character: only the initial encounter is a plausible reading of a bare
// mention (and of fractures, the closed one, the guideline's default).
func stripEncounter(s string) (string, bool) {
	for _, q := range []string{", initial encounter for closed fracture", ", initial encounter"} {
		if t, ok := strings.CutSuffix(s, q); ok {
			return t, true
		}
	}
	return s, false
}

// stripWithout removes one trailing "without …" clause: a bare mention
// defaults to it ("benign prostatic hyperplasia" → N40.0), but that is a
// guess, ranked below forms that needed none.
func stripWithout(s string) string {
	i := strings.LastIndex(s, " without ")
	if i <= 0 || strings.Contains(s[i:], ",") {
		return s
	}
	return strings.TrimSuffix(s[:i], ",")
}

// variants are rewordings applied inside derived forms; each is cheap
// (few descriptions hold them) and each is how notes write it.
var variants = []struct{ from, to string }{
	{"diabetes mellitus", "diabetes"},
	{"chronic kidney disease", "ckd"},
	{"gastro esophageal", "gastroesophageal"},
	{"major depressive disorder", "major depression"},
}

// mentionForms derives the forms of a description (see the package doc).
// withoutDefaults allows the form that drops a trailing "without …" clause;
// injuries (S, T) have none, since their clauses carry the body site
// ("Laceration without foreign body of scalp").
func mentionForms(desc string, withoutDefaults bool) []form {
	d := strings.ToLower(desc)
	// Descriptions that cannot be what a note means by their words:
	// sequelae and later encounters (a note says "fracture", not
	// "subsequent encounter"), manifestation codes that must follow their
	// cause, and residual "other …" categories.
	if strings.Contains(d, "subsequent encounter") || strings.Contains(d, "sequela") ||
		strings.Contains(d, "classified elsewhere") || strings.HasPrefix(d, "other ") {
		return nil
	}
	out := []form{{form: formOf(d), kind: kindExact}}
	if strings.Contains(d, "encounter") && !strings.HasSuffix(d, ", initial encounter") &&
		!strings.HasSuffix(d, ", initial encounter for closed fracture") {
		return out // "initial encounter for open fracture": the open/closed choice must come from the text
	}

	s, assumed := stripEncounter(dropParentheticals(d))
	// "of unspecified knee" is how the table says "of knee".
	s = stripQualifiers(strings.ReplaceAll(s, " of unspecified ", " of "))
	derived := formOf(s)
	add := func(f string, k matchKind) {
		if f == "" || strings.HasPrefix(f, "other ") {
			return
		}
		for _, o := range out {
			if o.form == f {
				return
			}
		}
		out = append(out, form{form: f, kind: k, assumed: assumed})
	}
	add(derived, kindDerived)
	if w := stripWithout(s); withoutDefaults && w != s {
		add(formOf(stripQualifiers(w)), kindDefaulted)
	}
	for _, f := range out {
		if f.kind == kindExact && f.form != derived {
			continue // rewordings of derived forms only: enough for notes
		}
		for _, v := range variants {
			if strings.Contains(" "+f.form+" ", " "+v.from+" ") {
				add(strings.TrimSpace(strings.ReplaceAll(" "+f.form+" ", " "+v.from+" ", " "+v.to+" ")), kindVariant)
			}
		}
	}
	return out
}
