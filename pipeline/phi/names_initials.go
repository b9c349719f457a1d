package phi

import (
	"regexp"
	"strings"
)

// Initials that stand for a person (detector 1.9.0): a transcriptionist's
// code at the foot of a dictation ("AH/DRB", "IL/ckw"), the initials after
// a role ("Scribe: kt", "Technologist: BJH", "witnessed by JL") and a
// sign-off ("Encounter closed. - ksm"). Clinical abbreviations have the
// same shape, so the rules want the role or the position and refuse the
// abbreviations of clinicalAbbrev and any English word.

var (
	// reTypistCode: "AH/DRB" or "IL/ckw" alone at the end of a line, after
	// a wide gap or at the line's start.
	// Since 1.11.0 also after "typed" or "dictated", with a colon for the
	// slash ("BTO:lm") and a closing period.
	reTypistCode = regexp.MustCompile(`(?m)(?:^|[ \t]{2,}|\t|\b(?i:typed|dictated|transcribed|trans|dict)[ \t]*:?[ \t]+)([A-Z]{2,4})[ \t]?[/:][ \t]?([A-Za-z]{2,4})[ \t]*\.?[ \t]*\r?$`)
	// reRoleInitials: a role or an act of a person, then initials.
	reRoleInitials = regexp.MustCompile(`(?i)\b(?:scribe|transcribed\s+by|transcriptionist|typist|typed\s+by|technologist|tech|witnessed\s+by|witness|grossed\s+by|reviewed\s+by|reviewed|verified\s+by|entered\s+by|initials|initialled|initialed|corrected\s+by\s+qa|qa)\s*:?[ \t]*\(?([A-Za-z]{2,4})\b`)
	// reSignOffInitials: "- ksm" closing a line after a sentence's end
	// (not "apixaban 5 mg bid - af", a reason).
	reSignOffInitials = regexp.MustCompile(`(?m)(?:^|[.!][ \t]*)[-–—][ \t]*([a-z]{2,4})[ \t]*\r?$`)
)

// clinicalAbbrev are abbreviations of the initials' shape that are no
// person: roles, units, routes, frequencies, places in a hospital.
var clinicalAbbrev = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`pt ot st rt slp md do rn np pa lpn cna msw sw cm rd dpt er ed icu ccu nicu picu
		ct mri us am pm bp hr rr iv po im sc sq pr sl or pacu ent gi gu ob gyn ems ekg ecg eeg emg cxr abg cbc bmp cmp
		lft ua prn bid tid qid qd qod qhs hs ac pc npo ns lr ivf ng og peg picc ett snf ltc alf hha dme va dr mr ms mrs
		mx dx tx hx rx sx fx px pmh psh fh sh ros hpi cc ap pe lab labs ok ref re bcc fyi asap eta nos nkda pcp pmd
		ama dnr dni poa cpr acls bls sob cp ha uti uri copd chf cad dm htn afib dvt pe mi tia cva ckd esrd aki ams
		loc rom wnl nad perrla eomi cta rrr ntnd bs qa qc id no na tbd wip adl adls iadl`) {
		m[w] = true
	}
	return m
}()

// findInitials reports the initials of people described above.
func (r *nameRules) findInitials(text string, toks []token) []Span {
	var out []Span
	add := func(start, end int) {
		out = append(out, Span{Start: start, End: end, Category: Name, Confidence: 0.6, Detector: "name-initials"})
	}
	// The line patterns run only on lines whose end can hold initials: a
	// slash or a dash among the last dozen bytes.
	for _, ln := range splitLines(text) {
		tail := ln.s[max(0, len(ln.s)-12):]
		if strings.ContainsAny(tail, "/:") {
			for _, m := range reTypistCode.FindAllStringSubmatchIndex(ln.s, -1) {
				a, b := ln.s[m[2]:m[3]], ln.s[m[4]:m[5]]
				// A state's two letters ("IL", "MO") are initials in this
				// slot.
				if r.personInitials(a, true) && r.personInitials(b, true) {
					add(ln.start+m[2], ln.start+m[3])
					add(ln.start+m[4], ln.start+m[5])
				}
			}
		}
		if strings.ContainsAny(tail, "-–—") {
			for _, m := range reSignOffInitials.FindAllStringSubmatchIndex(ln.s, -1) {
				if r.personInitials(ln.s[m[2]:m[3]], false) {
					add(ln.start+m[2], ln.start+m[3])
				}
			}
		}
	}
	for _, m := range matchNear(reRoleInitials, text, toks, isRoleWord, 0, 6) {
		if w := text[m[2]:m[3]]; caseless(w) && r.personInitials(w, false) {
			add(m[2], m[3])
		}
	}
	// "Exported ... by kpw", "By: wkr": after "by" only lower-case
	// initials, which no abbreviation is written in.
	for _, m := range matchNear(reByInitials, text, toks, keyIn("by"), 0, 3) {
		if w := text[m[2]:m[3]]; r.personInitials(w, false) && !byWords[w] {
			add(m[2], m[3])
		}
	}
	return out
}

// reByInitials: lower-case initials after "by", ending the clause.
var reByInitials = regexp.MustCompile(`\b[Bb][Yy]:?[ \t]+([a-z]{2,4})\b(?:[ \t]*(?:$|[\n.,;)\]]|[ \t]{2,}|\d))`)

// byWords are short words that follow "by" and are no initials.
var byWords = keySet(`me you him her them us it mom dad car bus air foot hand tte tee egd ercp ir inr ptt`)

// isRoleWord triggers reRoleInitials.
var isRoleWord = keyIn("scribe", "transcribed", "transcriptionist", "typist", "typed", "technologist", "tech",
	"witnessed", "witness", "grossed", "reviewed", "verified", "entered", "initials", "initialled", "initialed",
	"corrected", "qa")

// personInitials reports whether s (two to four letters in one case) can
// be a person's initials: no clinical abbreviation, no English or common
// word, no title or credential, and unless stateOK no state's postal
// abbreviation.
func (r *nameRules) personInitials(s string, stateOK bool) bool {
	k := strings.ToLower(s)
	if !caseless(s) || clinicalAbbrev[k] {
		return false
	}
	f := r.lx.flags(k)
	return f&(wEnglish|wCommon|wTitle|wCredential|wMonth|wWeekday|wState|wCountry|wStreetSuffix) == 0 && (stateOK || !r.lx.stateAbbr[strings.ToUpper(s)])
}
