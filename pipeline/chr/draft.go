package chr

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/pipeline/coding"
	"github.com/kiln-health/kiln/pipeline/egress"
)

// Result is what a draft produced.
type Result struct {
	Composition string // id
	Version     int64
	Composer    string // the composer that worded it (after any fallback)
	Fallback    string // why the configured composer was not used, if it was not
	Statements  int
	Dropped     int // statements dropped for citing what they were not given
	Suggestions int
}

// draftInputs gathers the record, facts, passages and suggestions of one
// patient.
type draftInputs struct {
	rec      *record
	src      *sources
	sections []SectionInput
	// suggested are the Conditions proposing codes found in documents.
	suggested []fhir.Object
	// entries are the references each section summarises.
	entries map[string][]string
	docs    []string // redacted documents drawn on
	// confidential is the confidentiality code (R, V) of each record read
	// ("Type/id") that has one; checked lists the documents whose label
	// was looked at.
	confidential map[string]string
	checked      map[string]bool
}

// Draft drafts (or redrafts) Composition/id for the patient now, from the
// whole chart, in one transaction with its Provenance and suggested
// Conditions.
func (d *Drafter) Draft(ctx context.Context, tenant, patient, id string) (Result, error) {
	return d.draft(ctx, nil, tenant, patient, id)
}

// draft drafts Composition/id from what the drafter reads of the chart,
// keeping only the resources in visible ("Type/id") when it is not nil:
// the part of the chart a caller with partial access may read.
func (d *Drafter) draft(ctx context.Context, visible map[string]bool, tenant, patient, id string) (Result, error) {
	sys := system(ctx)
	in, err := d.inputs(sys, tenant, patient, visible)
	if err != nil {
		return Result{}, err
	}
	res := Result{Composition: id, Composer: d.opts.Composer.Name()}
	outs, err := d.opts.Composer.Compose(ctx, tenant, in.sections)
	if err != nil {
		if _, offline := d.opts.Composer.(Offline); offline {
			return Result{}, fmt.Errorf("chr: compose: %w", err)
		}
		// The draft must not depend on a cloud service: the offline
		// composer stands in, and the Provenance says so.
		res.Fallback = fallbackReason(err)
		res.Composer = Offline{}.Name()
		if outs, err = (Offline{}).Compose(ctx, tenant, in.sections); err != nil {
			return Result{}, fmt.Errorf("chr: compose: %w", err)
		}
	}
	statements := d.check(in, outs, &res)
	cur, err := d.engine.Read(sys, tenant, "Composition", id)
	exists := err == nil
	if err != nil && !isNotFound(err) {
		return Result{}, err
	}
	res.Version = cur.Version + 1
	comp, prov, err := d.build(in, statements, patient, id, res)
	if err != nil {
		return Result{}, err
	}
	entries := []map[string]any{}
	ce := put(comp)
	if exists {
		ce["request"].(map[string]any)["ifMatch"] = fmt.Sprintf(`W/"%d"`, cur.Version)
	} else {
		ce["request"].(map[string]any)["ifNoneMatch"] = "*"
	}
	entries = append(entries, ce, put(prov))
	for _, c := range in.suggested {
		entries = append(entries, put(c))
	}
	body, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries})
	if err != nil {
		return Result{}, fmt.Errorf("chr: draft bundle: %w", err)
	}
	if _, err := d.engine.Bundle(withOwnWrite(sys), tenant, body, engine.BundleOptions{}); err != nil {
		return Result{}, fmt.Errorf("chr: write draft: %w", err)
	}
	return res, nil
}

func isNotFound(err error) bool {
	s := fhir.AsError(err).Status
	return s == http.StatusNotFound || s == http.StatusGone
}

// fallbackReason says why the configured composer was not used, without
// the error's details (which could quote a reply).
func fallbackReason(err error) string {
	var r interface{ Reason() string }
	if errors.As(err, &r) {
		return r.Reason()
	}
	if errors.Is(err, egress.ErrDenied) {
		return "the tenant's egress policy does not allow the composer's processor"
	}
	return "the composer failed"
}

// inputs gathers everything a composer is given.
func (d *Drafter) inputs(ctx context.Context, tenant, patient string, visible map[string]bool) (*draftInputs, error) {
	rec, err := d.gather(ctx, tenant, patient)
	if err != nil {
		return nil, err
	}
	if visible != nil {
		for typ, rs := range rec.resources {
			rec.resources[typ] = slices.DeleteFunc(rs, func(r fhir.Object) bool { return !visible[typ+"/"+r.ID()] })
		}
	}
	in := &draftInputs{rec: rec, src: newSources(), entries: map[string][]string{}, confidential: map[string]string{}, checked: map[string]bool{}}
	for typ, rs := range rec.resources {
		for _, r := range rs {
			in.noteConfidentiality(typ+"/"+r.ID(), r)
		}
	}
	facts := factsFor(rec, in.src)
	for key, fs := range facts {
		for _, f := range fs {
			in.entries[key] = append(in.entries[key], in.src.byID[f.Source].Reference)
		}
	}
	coding, err := d.suggest(ctx, tenant, patient, in, visible)
	if err != nil {
		return nil, err
	}
	facts["coding"] = coding
	for _, s := range sections {
		si := SectionInput{Key: s.Key, Title: s.Title, Facts: facts[s.Key]}
		if d.opts.Grounding != nil && s.Key != "coding" {
			k, floor := d.opts.TopK, 0.1
			if s.Key == "narrative" {
				k, floor = 2*d.opts.TopK, 0
			}
			hits, err := d.opts.Grounding.Search(ctx, tenant, patient, s.Query, k)
			if err != nil {
				return nil, fmt.Errorf("chr: retrieve %s: %w", s.Key, err)
			}
			for _, h := range hits {
				if h.Score < floor {
					continue
				}
				if visible != nil && !visible["DocumentReference/"+h.Document] {
					continue
				}
				if err := d.documentConfidentiality(ctx, tenant, h.Document, in); err != nil {
					return nil, fmt.Errorf("chr: read DocumentReference/%s: %w", h.Document, err)
				}
				src := in.src.document("DocumentReference/"+h.Document, h.Start, h.End, h.Text, h.Score)
				si.Passages = append(si.Passages, Passage{Source: src.ID, Text: h.Text, Score: h.Score, Document: h.Document, Start: h.Start})
			}
		}
		in.sections = append(in.sections, si)
	}
	return in, nil
}

// redactedDocuments returns the patient's redacted documents' texts by id.
//
// It notes their confidentiality in in, when in is not nil.
func (d *Drafter) redactedDocuments(ctx context.Context, tenant, patient string, in *draftInputs) (map[string]string, []string, error) {
	q := url.Values{"patient": {"Patient/" + patient}, "_security": {obsValueSystem + "|REDACTED"}, "_count": {"200"}}
	res, err := d.engine.Search(ctx, tenant, engine.SearchRequest{Type: "DocumentReference", Params: q, Strict: true})
	if err != nil {
		return nil, nil, fmt.Errorf("chr: search redacted documents: %w", err)
	}
	texts := map[string]string{}
	var ids []string
	for _, m := range res.Matches {
		obj, err := fhir.ParseObject(m.Body)
		if err != nil {
			return nil, nil, err
		}
		if in != nil {
			in.checked["DocumentReference/"+m.ID] = true
			in.noteConfidentiality("DocumentReference/"+m.ID, obj)
		}
		for _, c := range list(obj, "content") {
			data := str(c, "attachment", "data")
			if data == "" {
				continue
			}
			b, err := base64.StdEncoding.DecodeString(data)
			if err != nil {
				continue
			}
			texts[m.ID] = string(b)
			ids = append(ids, m.ID)
			break
		}
	}
	slices.Sort(ids)
	return texts, ids, nil
}

// suggest proposes codes from the structured Conditions and the redacted
// documents. Codes found in documents that no Condition carries yet become
// provisional Conditions (proposals a clinician confirms or refutes);
// codes for existing Conditions are proposals to add to them.
func (d *Drafter) suggest(ctx context.Context, tenant, patient string, in *draftInputs, visible map[string]bool) ([]Fact, error) {
	if d.opts.Coder == nil {
		return nil, nil
	}
	var facts []Fact
	have := map[string]bool{} // ICD-10-CM codes the chart has already
	existing := map[string]fhir.Object{}
	for _, c := range in.rec.resources["Condition"] {
		if suggested(c) {
			existing[c.ID()] = c
		}
		if pending(c) || firstCode(get(c, "verificationStatus")) == "refuted" {
			continue
		}
		for _, cd := range list(c, "code", "coding") {
			if str(cd, "system") == icd10cm {
				have[str(cd, "code")] = true
			}
		}
	}
	for _, c := range in.rec.resources["Condition"] {
		if suggested(c) {
			continue
		}
		body, _ := c.Marshal()
		for _, s := range d.opts.Coder.SuggestCondition(body) {
			if have[s.Code.Code] {
				continue
			}
			have[s.Code.Code] = true
			src := in.src.resource(c)
			facts = append(facts, Fact{Source: src.ID,
				Text:         fmt.Sprintf("%s %s: proposed for %s (%q; confidence %.2f)", s.Code.Code, s.Code.Display, src.Reference, s.Evidence, s.Confidence),
				Deidentified: fmt.Sprintf("%s %s: proposed for a recorded condition (%q; confidence %.2f)", s.Code.Code, s.Code.Display, s.Evidence, s.Confidence)})
			in.entries["coding"] = append(in.entries["coding"], src.Reference)
		}
	}
	texts, ids, err := d.redactedDocuments(ctx, tenant, patient, in)
	if err != nil {
		return nil, err
	}
	if visible != nil {
		ids = slices.DeleteFunc(ids, func(id string) bool { return !visible["DocumentReference/"+id] })
	}
	in.docs = ids
	best := map[string]coding.Suggestion{}
	where := map[string]string{}
	var order []string
	for _, id := range ids {
		for _, s := range d.opts.Coder.SuggestText(texts[id]) {
			code := s.Code.Code
			if have[code] {
				continue
			}
			if b, ok := best[code]; !ok || s.Confidence > b.Confidence {
				if !ok {
					order = append(order, code)
				}
				best[code], where[code] = s, id
			}
		}
	}
	if d.opts.TenantCoders != nil {
		own, err := d.opts.TenantCoders(ctx, tenant)
		if err != nil {
			return nil, fmt.Errorf("chr: tenant code tables: %w", err)
		}
		// Codes of other systems (CPT: procedures) are proposals in the
		// section only: the clinician or coder records them where they
		// belong.
		for _, c := range own {
			seen := map[string]bool{}
			for _, id := range ids {
				for _, s := range c.SuggestText(texts[id]) {
					if seen[s.Code.Code] {
						continue
					}
					seen[s.Code.Code] = true
					src := in.src.document("DocumentReference/"+id, s.Start, s.End, s.Evidence, s.Confidence)
					text := fmt.Sprintf("%s %s (%s): suggested from %q (confidence %.2f)", s.Code.Code, s.Code.Display, s.Code.System, s.Evidence, s.Confidence)
					facts = append(facts, Fact{Source: src.ID, Text: text, Deidentified: text})
				}
			}
		}
	}
	for _, code := range order {
		s, doc := best[code], where[code]
		src := in.src.document("DocumentReference/"+doc, s.Start, s.End, s.Evidence, s.Confidence)
		condID := suggestionID(patient, code)
		if prev, ok := existing[condID]; ok && firstCode(get(prev, "verificationStatus")) != "provisional" {
			continue // a clinician decided on it already
		}
		cond := suggestedCondition(condID, patient, s, src)
		if c := in.confidential["DocumentReference/"+doc]; c != "" {
			meta := cond["meta"].(map[string]any)
			meta["security"] = append(meta["security"].([]any), confidentialityLabel(c))
		}
		in.suggested = append(in.suggested, cond)
		facts = append(facts, Fact{Source: src.ID,
			Text:         fmt.Sprintf("%s %s: suggested from %q (confidence %.2f); proposed as Condition/%s", s.Code.Code, s.Code.Display, s.Evidence, s.Confidence, condID),
			Deidentified: fmt.Sprintf("%s %s: suggested from %q (confidence %.2f)", s.Code.Code, s.Code.Display, s.Evidence, s.Confidence)})
		in.entries["coding"] = append(in.entries["coding"], "Condition/"+condID)
	}
	return facts, nil
}

// suggestionID is the id of the provisional Condition proposing code for
// patient: fixed, so redrafting updates the proposal instead of adding one.
func suggestionID(patient, code string) string {
	h := sha256.Sum256([]byte(patient))
	return "sug-" + hex.EncodeToString(h[:8]) + "-" + strings.ToLower(strings.ReplaceAll(code, ".", ""))
}

func suggestedCondition(id, patient string, s coding.Suggestion, src *source) fhir.Object {
	return fhir.Object{
		"resourceType": "Condition",
		"id":           id,
		"meta": map[string]any{
			"tag":      []any{map[string]any{"system": SuggestionTag, "code": "suggested", "display": "Suggested by Kiln; confirm or refute"}},
			"security": []any{map[string]any{"system": obsValueSystem, "code": "REDACTED", "display": "redacted"}},
		},
		"extension":          []any{map[string]any{"url": ExtConfidence, "valueDecimal": round2(s.Confidence)}},
		"verificationStatus": map[string]any{"coding": []any{map[string]any{"system": conditionVerifSys, "code": "provisional"}}},
		"code": map[string]any{
			"coding": []any{map[string]any{"system": s.Code.System, "code": s.Code.Code, "display": s.Code.Display}},
			"text":   s.Code.Display,
		},
		"subject": map[string]any{"reference": "Patient/" + patient},
		"evidence": []any{map[string]any{"detail": []any{map[string]any{
			"reference": src.Reference, "display": s.Evidence,
			"extension": []any{rangeExtension(src.Start, src.End)},
		}}}},
		"note": []any{map[string]any{"text": fmt.Sprintf(
			"Suggested by Kiln from %q (characters %d-%d of %s), confidence %.2f. To accept, set verificationStatus to confirmed; to reject, to refuted.",
			s.Evidence, src.Start, src.End, src.Reference, s.Confidence)}},
	}
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// rangeExtension records a cited character range (code points, end exclusive).
func rangeExtension(start, end int) map[string]any {
	return map[string]any{"url": ExtSourceRange, "extension": []any{
		map[string]any{"url": "start", "valueInteger": start},
		map[string]any{"url": "end", "valueInteger": end},
	}}
}

// cited is a statement with its checked sources.
type cited struct {
	Statement
	sources []*source
}

// check keeps the statements that cite only sources their section was
// given, and narrows a passage citation to the quoted sentence when the
// statement quotes it.
func (d *Drafter) check(in *draftInputs, outs []SectionOutput, res *Result) map[string][]cited {
	allowed := map[string]map[string]bool{}
	for _, s := range in.sections {
		a := map[string]bool{}
		for _, f := range s.Facts {
			a[f.Source] = true
		}
		for _, p := range s.Passages {
			a[p.Source] = true
		}
		allowed[s.Key] = a
	}
	out := map[string][]cited{}
	for _, o := range outs {
		a, known := allowed[o.Key]
		for _, st := range o.Statements {
			st.Text = strings.TrimSpace(st.Text)
			ok := known && st.Text != "" && len(st.Sources) > 0
			var srcs []*source
			for _, id := range st.Sources {
				if !ok || !a[id] {
					ok = false
					break
				}
				srcs = append(srcs, in.src.narrow(in.src.byID[id], st.Text))
			}
			if !ok {
				res.Dropped++
				continue
			}
			res.Statements++
			out[o.Key] = append(out[o.Key], cited{Statement: st, sources: srcs})
		}
	}
	res.Suggestions = len(in.suggested)
	return out
}

// narrow returns the citation of the sentence of a passage that text
// quotes, or the passage itself.
func (s *sources) narrow(p *source, text string) *source {
	if !p.Document {
		return p
	}
	i := strings.Index(p.Text, text)
	if i < 0 || len(text) == len(p.Text) {
		return p
	}
	start := p.Start + len([]rune(p.Text[:i]))
	return s.document(p.Reference, start, start+len([]rune(text)), text, p.Score)
}

// put is a transaction entry that PUTs r at its own id.
func put(r fhir.Object) map[string]any {
	return map[string]any{"resource": r, "request": map[string]any{"method": "PUT", "url": r.Type() + "/" + r.ID()}}
}

// keyOf hashes a patient id into a short id part.
func keyOf(patient string) string {
	h := sha256.Sum256([]byte(patient))
	return hex.EncodeToString(h[:8])
}
