package chr

import (
	"fmt"
	"html"
	"slices"
	"strings"

	"github.com/kiln-health/kiln/fhir"
)

// build makes the draft Composition and its Provenance.
func (d *Drafter) build(in *draftInputs, statements map[string][]cited, patient, id string, res Result) (fhir.Object, fhir.Object, error) {
	now := fhir.FormatInstant(d.opts.Now().UTC())
	var secs []any
	var cited []*source
	redacted := false
	for _, s := range sections {
		sts := statements[s.Key]
		sec := map[string]any{
			"title": s.Title,
			"code":  map[string]any{"coding": []any{map[string]any{"system": s.System, "code": s.Code, "display": s.Display}}},
		}
		var refs []string
		refs = append(refs, in.entries[s.Key]...)
		var exts []any
		for _, st := range sts {
			ext := map[string]any{"url": ExtStatement, "extension": []any{map[string]any{"url": "text", "valueString": st.Text}}}
			for _, src := range st.sources {
				c := map[string]any{"url": "source", "valueReference": map[string]any{"reference": src.Reference}}
				parts := []any{c}
				if src.Document {
					redacted = true
					parts = append(parts, map[string]any{"url": "start", "valueInteger": src.Start}, map[string]any{"url": "end", "valueInteger": src.End})
				}
				ext["extension"] = append(ext["extension"].([]any), map[string]any{"url": "citation", "extension": parts})
				refs = append(refs, src.Reference)
				cited = append(cited, src)
			}
			exts = append(exts, ext)
		}
		if len(exts) > 0 {
			sec["extension"] = exts
		}
		sec["text"] = map[string]any{"status": "generated", "div": sectionXHTML(sts)}
		var entries []any
		seen := map[string]bool{}
		for _, r := range refs {
			if !seen[r] {
				seen[r] = true
				entries = append(entries, map[string]any{"reference": r})
			}
		}
		if len(entries) > 0 {
			sec["entry"] = entries
		} else {
			sec["emptyReason"] = map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/list-empty-reason", "code": "nilknown", "display": "Nil Known"}}}
		}
		secs = append(secs, sec)
	}
	author := "Kiln CHR drafter " + Version + " (composer " + res.Composer + ")"
	comp := fhir.Object{
		"resourceType": "Composition",
		"id":           id,
		"meta":         map[string]any{"profile": []any{ProfileURL}},
		"status":       "preliminary",
		"type": map[string]any{"coding": []any{map[string]any{"system": loinc, "code": "60591-5", "display": "Patient summary Document"}},
			"text": "Client Health Report"},
		"category": []any{map[string]any{"coding": []any{map[string]any{"system": CategorySystem, "code": "chr", "display": "Client Health Report"}}}},
		"subject":  map[string]any{"reference": "Patient/" + patient},
		"date":     now,
		"author":   []any{map[string]any{"display": author}},
		"title":    "Client Health Report (draft)",
		"section":  secs,
	}
	var security []any
	if redacted {
		comp["extension"] = []any{map[string]any{"url": ExtRedactedNarr, "valueBoolean": true}}
		security = append(security, map[string]any{"system": obsValueSystem, "code": "REDACTED", "display": "redacted"})
	}
	// As confidential as the most confidential record it states or lists.
	var drawn []string
	for _, s := range cited {
		drawn = append(drawn, s.Reference)
	}
	for _, refs := range in.entries {
		drawn = append(drawn, refs...)
	}
	if c := in.highWaterMark(drawn); c != "" {
		security = append(security, confidentialityLabel(c))
	}
	if security != nil {
		comp["meta"].(map[string]any)["security"] = security
	}

	how := "composer " + res.Composer
	if res.Fallback != "" {
		how += " (fallback: " + res.Fallback + ")"
	}
	if d.opts.Grounding != nil {
		how += "; grounding " + d.opts.Grounding.Describe()
	}
	prov := provenance(fmt.Sprintf("prov-%s-%d", id, res.Version), fmt.Sprintf("Composition/%s/_history/%d", id, res.Version), now,
		map[string]any{"coding": []any{map[string]any{"system": dataOperation, "code": "CREATE", "display": "create"}}, "text": "draft"},
		"assembler", map[string]any{"display": "Kiln CHR drafter " + Version + "; " + how})
	var entities []any
	seen := map[string]bool{}
	for _, src := range cited {
		key := fmt.Sprintf("%s#%d-%d", src.versioned(), src.Start, src.End)
		if seen[key] {
			continue
		}
		seen[key] = true
		e := map[string]any{"role": "source", "what": map[string]any{"reference": src.versioned(), "display": src.ID}}
		if src.Document {
			e["extension"] = []any{rangeExtension(src.Start, src.End)}
		}
		entities = append(entities, e)
	}
	if len(entities) > 0 {
		prov["entity"] = entities
	}
	if res.Dropped > 0 {
		prov["reason"] = []any{map[string]any{"text": fmt.Sprintf("%d statements dropped for citing sources they were not given", res.Dropped)}}
	}
	return comp, prov, nil
}

// provenance makes a Provenance of one target version.
func provenance(id, target, recorded string, activity map[string]any, agentType string, who map[string]any) fhir.Object {
	return fhir.Object{
		"resourceType": "Provenance",
		"id":           id,
		"target":       []any{map[string]any{"reference": target}},
		"recorded":     recorded,
		"activity":     activity,
		"agent": []any{map[string]any{
			"type": map[string]any{"coding": []any{map[string]any{"system": participantType, "code": agentType}}},
			"who":  who,
		}},
	}
}

// sectionXHTML is a section's narrative: its statements, each with the
// ids of its sources, then what each id is.
func sectionXHTML(sts []cited) string {
	var b strings.Builder
	b.WriteString(`<div xmlns="http://www.w3.org/1999/xhtml">`)
	if len(sts) == 0 {
		b.WriteString(`<p>Nothing recorded.</p></div>`)
		return b.String()
	}
	b.WriteString("<ul>")
	var srcs []*source
	for _, st := range sts {
		b.WriteString("<li>")
		b.WriteString(html.EscapeString(st.Text))
		var ids []string
		for _, s := range st.sources {
			ids = append(ids, s.ID)
			if !slices.Contains(srcs, s) {
				srcs = append(srcs, s)
			}
		}
		b.WriteString(" <sup>[" + html.EscapeString(strings.Join(ids, ", ")) + "]</sup></li>")
	}
	b.WriteString("</ul><p>Sources: ")
	for i, s := range srcs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(html.EscapeString(fmt.Sprintf("[%s] %s", s.ID, s.versioned())))
		if s.Document {
			b.WriteString(html.EscapeString(fmt.Sprintf(", characters %d-%d", s.Start, s.End)))
		}
	}
	b.WriteString("</p></div>")
	return b.String()
}
