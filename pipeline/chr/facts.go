package chr

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kiln-health/kiln/fhir"
)

// source is something a draft cites: a structured resource (version
// pinned) or a character range of a redacted document.
type source struct {
	ID        string // citation id in the draft: R1, R2 … for resources, D1 … for document ranges
	Reference string // "Condition/abc"
	Version   string // the cited version, if known
	Document  bool
	// Start and End are Unicode code-point offsets into the redacted
	// document's text (end exclusive), for document sources.
	Start, End int
	Text       string // the passage, for document sources
	Score      float64
}

// versioned is the reference with its version, as Provenance cites it.
func (s *source) versioned() string {
	if s.Version == "" {
		return s.Reference
	}
	return s.Reference + "/_history/" + s.Version
}

// sources numbers what a draft cites.
type sources struct {
	byID  map[string]*source
	byKey map[string]*source
	order []*source
	r, d  int
}

func newSources() *sources { return &sources{byID: map[string]*source{}, byKey: map[string]*source{}} }

// resource returns the citation of a structured resource.
func (s *sources) resource(o fhir.Object) *source {
	ref := o.Type() + "/" + o.ID()
	if src := s.byKey[ref]; src != nil {
		return src
	}
	s.r++
	src := &source{ID: fmt.Sprintf("R%d", s.r), Reference: ref, Version: str(o, "meta", "versionId")}
	s.add(ref, src)
	return src
}

// document returns the citation of a range of a redacted document.
func (s *sources) document(ref string, start, end int, text string, score float64) *source {
	key := fmt.Sprintf("%s#%d-%d", ref, start, end)
	if src := s.byKey[key]; src != nil {
		return src
	}
	s.d++
	src := &source{ID: fmt.Sprintf("D%d", s.d), Reference: ref, Document: true, Start: start, End: end, Text: text, Score: score}
	s.add(key, src)
	return src
}

func (s *sources) add(key string, src *source) {
	s.byID[src.ID] = src
	s.byKey[key] = src
	s.order = append(s.order, src)
}

// fact makes the Fact of a resource.
func (s *sources) fact(o fhir.Object, text, deidentified string) Fact {
	return Fact{Source: s.resource(o).ID, Text: text, Deidentified: deidentified}
}

// statusOK reports whether a status is one of want (or absent when allowEmpty).
func codeIn(code string, want ...string) bool { return slices.Contains(want, code) }

// suggested reports whether a Condition is one of Kiln's coding
// suggestions, and pending whether no clinician has decided on it yet
// (verificationStatus still provisional). A confirmed suggestion is a
// problem like any other; a refuted one is never proposed again.
func suggested(o fhir.Object) bool {
	for _, t := range list(o, "meta", "tag") {
		if str(t, "system") == SuggestionTag {
			return true
		}
	}
	return false
}

func pending(o fhir.Object) bool {
	return suggested(o) && firstCode(get(o, "verificationStatus")) == "provisional"
}

// factsFor derives the facts of every structured section.
func factsFor(rec *record, src *sources) map[string][]Fact {
	f := map[string][]Fact{}
	with := func(label, when string) (string, string) {
		if when == "" {
			return label, label
		}
		return label + " (" + day(when) + ")", label + " (" + year(when) + ")"
	}

	conds := slices.Clone(rec.resources["Condition"])
	newestFirst(conds)
	for _, c := range conds {
		status := firstCode(get(c, "clinicalStatus"))
		verif := firstCode(get(c, "verificationStatus"))
		if pending(c) || codeIn(verif, "refuted", "entered-in-error") ||
			(status != "" && !codeIn(status, "active", "recurrence", "relapse")) {
			continue
		}
		label := conceptText(get(c, "code"))
		if label == "" {
			continue
		}
		if status == "" {
			status = "status not recorded"
		}
		onset := str(c, "onsetDateTime")
		text, deid := label+" ("+status+")", label+" ("+status+")"
		if onset != "" {
			text, deid = label+" ("+status+", onset "+day(onset)+")", label+" ("+status+", onset "+year(onset)+")"
		}
		f["problems"] = append(f["problems"], src.fact(c, text, deid))
	}

	meds := append(slices.Clone(rec.resources["MedicationRequest"]), rec.resources["MedicationStatement"]...)
	newestFirst(meds)
	seenMed := map[string]bool{}
	for _, m := range meds {
		if !codeIn(str(m, "status"), "active", "on-hold", "intended") {
			continue
		}
		label := conceptText(get(m, "medicationCodeableConcept"))
		if label == "" {
			label = str(m, "medicationReference", "display")
		}
		if label == "" || seenMed[label] {
			continue
		}
		seenMed[label] = true
		dose := ""
		for _, d := range append(list(m, "dosageInstruction"), list(m, "dosage")...) {
			if t := str(d, "text"); t != "" {
				dose = "; " + t
				break
			}
		}
		text, deid := with(label+dose, dateOf(m))
		f["medications"] = append(f["medications"], src.fact(m, text, deid))
	}

	for _, a := range rec.resources["AllergyIntolerance"] {
		if codeIn(firstCode(get(a, "verificationStatus")), "refuted", "entered-in-error") {
			continue
		}
		label := conceptText(get(a, "code"))
		if label == "" {
			continue
		}
		var extra []string
		if c := str(a, "criticality"); c != "" {
			extra = append(extra, c+" criticality")
		}
		var reactions []string
		for _, r := range list(a, "reaction") {
			for _, m := range list(r, "manifestation") {
				if t := conceptText(m); t != "" {
					reactions = append(reactions, t)
				}
			}
		}
		if len(reactions) > 0 {
			extra = append(extra, "reaction: "+strings.Join(reactions, ", "))
		}
		text := label
		if len(extra) > 0 {
			text += " (" + strings.Join(extra, "; ") + ")"
		}
		f["allergies"] = append(f["allergies"], src.fact(a, text, text))
	}

	var labs, vitals []fhir.Object
	for _, o := range rec.resources["Observation"] {
		for _, c := range list(o, "category") {
			switch firstCode(c) {
			case "laboratory":
				labs = append(labs, o)
			case "vital-signs":
				vitals = append(vitals, o)
			}
		}
	}
	obsFacts := func(key string, os []fhir.Object, max int) {
		for i, o := range latestPerCode(os, func(o fhir.Object) string { return firstCode(get(o, "code")) }) {
			if i == max {
				break
			}
			label, value := conceptText(get(o, "code")), observationValue(o)
			if label == "" || value == "" {
				continue
			}
			text, deid := with(label+": "+value, dateOf(o))
			f[key] = append(f[key], src.fact(o, text, deid))
		}
	}
	obsFacts("results", labs, 15)
	obsFacts("vitals", vitals, 10)
	reports := latestPerCode(slices.Clone(rec.resources["DiagnosticReport"]), func(o fhir.Object) string { return firstCode(get(o, "code")) })
	for i, r := range reports {
		if i == 5 {
			break
		}
		label := conceptText(get(r, "code"))
		if c := str(r, "conclusion"); c != "" {
			label += ": " + c
		}
		text, deid := with(label, dateOf(r))
		f["results"] = append(f["results"], src.fact(r, text, deid))
	}

	for _, im := range latestPerCode(slices.Clone(rec.resources["Immunization"]), func(o fhir.Object) string { return firstCode(get(o, "vaccineCode")) }) {
		if str(im, "status") == "entered-in-error" {
			continue
		}
		text, deid := with(conceptText(get(im, "vaccineCode")), dateOf(im))
		f["immunizations"] = append(f["immunizations"], src.fact(im, text, deid))
	}

	procs := slices.Clone(rec.resources["Procedure"])
	newestFirst(procs)
	for i, p := range procs {
		if i == 10 {
			break
		}
		text, deid := with(conceptText(get(p, "code")), dateOf(p))
		f["procedures"] = append(f["procedures"], src.fact(p, text, deid))
	}

	encs := slices.Clone(rec.resources["Encounter"])
	newestFirst(encs)
	for i, e := range encs {
		if i == 5 {
			break
		}
		label := ""
		for _, t := range list(e, "type") {
			if label = conceptText(t); label != "" {
				break
			}
		}
		if label == "" {
			label = str(e, "class", "code") + " encounter"
		}
		var reasons []string
		for _, r := range list(e, "reasonCode") {
			if t := conceptText(r); t != "" {
				reasons = append(reasons, t)
			}
		}
		if len(reasons) > 0 {
			label += " for " + strings.Join(reasons, ", ")
		}
		text, deid := with(label, dateOf(e))
		f["encounters"] = append(f["encounters"], src.fact(e, text, deid))
	}

	for _, cp := range rec.resources["CarePlan"] {
		if str(cp, "status") != "active" {
			continue
		}
		label := str(cp, "title")
		if label == "" {
			for _, c := range list(cp, "category") {
				if t := conceptText(c); t != "" && t != "assess-plan" {
					label = t
				}
			}
		}
		var acts []string
		for _, a := range list(cp, "activity") {
			if t := conceptText(get(a, "detail", "code")); t != "" {
				acts = append(acts, t)
			}
		}
		if len(acts) > 0 {
			label += ": " + strings.Join(acts, "; ")
		}
		if label == "" {
			continue
		}
		text, deid := with(label, dateOf(cp))
		f["plan"] = append(f["plan"], src.fact(cp, text, deid))
	}
	return f
}
