package phi

import (
	"regexp"
	"slices"
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
	// Since 1.11.0 also after "typed", "dictated" or "Transcription:",
	// with a colon for the slash ("BTO:lm"), a closing period, or a wide
	// gap and the dictation's dates after it ("BF/kts   D 11/19/2026").
	reTypistCode = regexp.MustCompile(`(?m)(?:^|[ \t]{2,}|\t|\b(?i:typed|dictated|transcribed|transcription|trans|dict)[ \t]*:?[ \t]+)([A-Z]{2,4})[ \t]?[/:][ \t]?([A-Za-z]{2,4})(?:[ \t]*\.?[ \t]*\r?$|[ \t]{2,}\S)`)
	// reTimedTypistCode: a typist code after the time or date that signs
	// a line, where reTypistCode wants a wide gap or the line's start
	// before it ("transcribed 11/19/2026 08:05 KN/dlb   job …", "Leta
	// Moss, RN    11/20/2026 15:10    lm/cw"), 1.22.0.
	reTimedTypistCode = regexp.MustCompile(`(?m)(?:\d{1,2}:\d{2}|\d{1,2}/\d{1,2}/\d{2,4})[ \t]+([A-Za-z]{2,4})[ \t]?/[ \t]?([A-Za-z]{2,4})(?:[ \t]*\.?[ \t]*\r?$|[ \t]{2,}\S)`)
	// reBracketTypistCode: a typist code in brackets, capitals then
	// lower case ("reply from Farrar (FJF/ah):", "registrar (NB/fk
	// typed)"), 1.22.0: the shape no unit or abbreviation pair has once
	// units are refused ("(IU/kg)").
	reBracketTypistCode = regexp.MustCompile(`\(([A-Z]{2,4})/([a-z]{2,3})(?:[ \t]+typed)?\)`)
	// reRoleInitials: a role or an act of a person, then initials.
	// Since 1.17.0 also the bare acts of a dictation's staff: "typed
	// sgh", "Co-signed CW".
	reRoleInitials = regexp.MustCompile(`(?i)\b(?:scribe|transcribed\s+by|transcribed|transcriptionist|typist|typed\s+by|typed|dictated\s+by|dictated|co-?signed|countersigned|technologist|tech|witnessed\s+by|witnessed|witness|grossed\s+by|reviewed\s+by|reviewed|verified\s+by|entered\s+by|initials|initialled|initialed|corrected\s+by\s+qa|qa)\s*:?[ \t]*\(?([A-Za-z]{2,4})\b`)
	// reCuedTypistCode: a typist code right after the act it records,
	// wherever the line goes on ("typed by CC/jk at 14:50", "Typed
	// PIH/mw 18.11.2026"), 1.17.0; reTypistCode wants the line's end.
	reCuedTypistCode = regexp.MustCompile(`(?i:\b(?:typed|dictated|transcribed|transcription|trans|dict)(?:[ \t]+by)?)[ \t]*:?[ \t]+([A-Z]{2,4})[ \t]?/[ \t]?([A-Za-z]{2,4})\b`)
	// reSignOffInitials: "- ksm" closing a line after a sentence's end
	// (not "apixaban 5 mg bid - af", a reason).
	// Since 1.11.0 two of them may sign together ("- dm/tj").
	// And in capitals after a sentence in capitals ("DEFERRED. -RS/AB").
	reSignOffInitials = regexp.MustCompile(`(?m)(?:^|[.!][ \t]*)[-–—][ \t]*([a-z]{2,4}|[A-Z]{2,4})(?:/([a-z]{2,4}|[A-Z]{2,4}))?[ \t]*\r?$`)
	// reSentenceInitials: capitals, or a pair of initials, alone after a
	// sentence's end at a line's end.
	reSentenceInitials = regexp.MustCompile(`[a-z0-9)][.!?][ \t]+([A-Z]{2,4})(?:/([A-Za-z]{2,4}))?[ \t]*\r?$`)
	// reInitialsColumn: a table row, aligned by spaces, that ends in
	// initials after a wide gap ("01:05  125  ...  second stage  FH/RB").
	reInitialsColumn = regexp.MustCompile(`\S[ \t]{2,}([A-Z]{2,3})(?:/([A-Z]{2,3}))?[ \t]*$`)
	// reParenInitials: initials in brackets right after a name, "dana
	// mason (dm)".
	reParenInitials = regexp.MustCompile(`^[ \t]*\(([A-Za-z]{2,3})\)`)
	// reRoleParenInitials: a role after the name's comma, then the
	// initials in brackets, on one line.
	reRoleParenInitials = regexp.MustCompile(`^,[ \t]*[A-Za-z][A-Za-z .'&/-]{1,40}?[ \t]*\(([A-Za-z]{2,4})\)`)
	// reLegendAfter and reLegendBefore: a legend's initials and the name
	// they stand for, "rk = Rosa Kim", "JL: Jana Lund", "Rosa Kim = rk"
	// (1.12.0).
	reLegendAfter  = regexp.MustCompile(`^[ \t]*[=–][ \t]*([A-Za-z]{2,3})\b`)
	reLegendBefore = regexp.MustCompile(`(?:^|[\s,;(])([A-Za-z]{2,3})[ \t]*(?:=|:|–|-)[ \t]*$`)
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
		loc rom wnl nad perrla eomi cta rrr ntnd bs qa qc id no na tbd wip adl adls iadl agt dob dos dlp ctdi ssn mrn npi eob acct
		hgb hct wbc rbc plt inr ptt bun ast alp ggt tsh ldl hdl crp esr bnp`) {
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
				// Nor is a unit ("UIU/ML" in a lab report's capitals).
				if r.personInitials(a, true) && r.personInitials(b, true) && !isMeasureUnit(strings.ToLower(b)) {
					add(ln.start+m[2], ln.start+m[3])
					add(ln.start+m[4], ln.start+m[5])
				}
			}
		}
		if strings.ContainsAny(tail, "-–—") {
			for _, m := range reSignOffInitials.FindAllStringSubmatchIndex(ln.s, -1) {
				// Signing a line, even a clinical abbreviation's letters
				// are a person's ("- dm"), since 1.11.0.
				for g := 2; g < len(m) && m[g] >= 0; g += 2 {
					// A state's letters sign a line too ("-RS/AB").
					if w := ln.s[m[g]:m[g+1]]; r.personInitials(w, true) || clinicalAbbrev[strings.ToLower(w)] && !signOffWords[strings.ToLower(w)] {
						add(ln.start+m[g], ln.start+m[g+1])
					}
				}
			}
		}
	}
	// "Photos rec'd by email. Corrected. GMR": initials in capitals that
	// end a line after a sentence, a log entry's author (1.14.0).
	for _, ln := range splitLines(text) {
		if m := reSentenceInitials.FindStringSubmatchIndex(ln.s); m != nil {
			for g := 2; g < len(m) && m[g] >= 0; g += 2 {
				if r.personInitials(ln.s[m[g]:m[g+1]], false) {
					add(ln.start+m[g], ln.start+m[g+1])
				}
			}
		}
	}
	for _, m := range reTimedTypistCode.FindAllStringSubmatchIndex(text, -1) {
		a, b := text[m[2]:m[3]], text[m[4]:m[5]]
		upper := strings.ToUpper(a+b) == a+b
		// Capitals on both sides end the line: "08:00   HGB/HCT   9.8/29"
		// is a flowsheet's column.
		if upper && strings.TrimRight(text[m[5]:m[1]], " \t.\r") != "" {
			continue
		}
		if r.typistInitials(a) && r.typistInitials(b) && (caseless(a+b) || strings.ToUpper(a) == a) {
			add(m[2], m[3])
			add(m[4], m[5])
		}
	}
	for _, m := range reBracketTypistCode.FindAllStringSubmatchIndex(text, -1) {
		if a, b := text[m[2]:m[3]], text[m[4]:m[5]]; r.personInitials(a, true) && !isMeasureUnit(b) && !unitWords[b] {
			add(m[2], m[3])
			add(m[4], m[5])
		}
	}
	for _, m := range matchNear(reCuedTypistCode, text, toks, isDictationAct, 0, 6) {
		a, b := text[m[2]:m[3]], text[m[4]:m[5]]
		if r.personInitials(a, true) && r.personInitials(b, true) {
			add(m[2], m[3])
			add(m[4], m[5])
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

// signOffWords are the clinical abbreviations that may close a line
// after a dash without being anyone's initials.
var signOffWords = keySet(`ok na no prn tbd wnl nad fyi asap qa qc re ref id pt po iv im sq sc bid tid qid qd hs ac pc`)

// initialsColumn reports the initials that end the rows of a table aligned
// by spaces (1.11.0): three rows or more of one run of lines, each ending
// in two or three capitals after a wide gap, none of them a clinical
// abbreviation, a credential or an English word, make a column of the
// staff who did each row.
//
// Since 1.14.0 a cell of a credential's or an abbreviation's letters
// ("NP", "MD") neither ends the run nor counts towards its three rows: in
// a column of people's initials it is one more person ("KB/NP" then "NP").
func (r *nameRules) initialsColumn(text string) []Span {
	var out, run []Span
	rows, gap := 0, 0
	flush := func() {
		if rows >= 3 {
			out = append(out, run...)
		}
		run, rows = run[:0], 0
	}
	for _, ln := range splitLines(text) {
		if strings.TrimSpace(ln.s) == "" {
			if gap++; gap > 1 {
				flush()
			}
			continue
		}
		gap = 0
		m := reInitialsColumn.FindStringSubmatchIndex(ln.s)
		if m == nil {
			flush()
			continue
		}
		ok, strong := true, false
		var cells []Span
		for g := 2; g < len(m) && m[g] >= 0; g += 2 {
			w := ln.s[m[g]:m[g+1]]
			switch {
			case shortWords[strings.ToLower(w)]:
				ok = false // a column's heading ("BY") or a word in capitals
			case r.columnInitials(w):
				strong = true
			case !r.columnLetters(w):
				ok = false
			}
			if !ok {
				break
			}
			cells = append(cells, Span{Start: ln.start + m[g], End: ln.start + m[g+1], Category: Name, Confidence: 0.55, Detector: "name-initials-column"})
		}
		if !ok {
			flush()
			continue
		}
		run = append(run, cells...)
		if strong {
			rows++
		}
	}
	flush()
	return out
}

// shortWords are English words of two letters, which the word list (three
// letters or more) does not hold: in capitals they look like initials.
var shortWords = keySet(`by of to in on at an as is it or no so up we he me my go do be us am if`)

// columnInitials reports initials in a column of them: a person's
// initials, or the letters of a clinical abbreviation no table puts in a
// column of its own ("FH", "DM" are people there; "IV", "PO", "OK" and the
// tests and places of care are not).
func (r *nameRules) columnInitials(w string) bool {
	if r.personInitials(w, true) {
		return true
	}
	k := strings.ToLower(w)
	return clinicalAbbrev[k] && !signOffWords[k] && !columnWords[k] &&
		r.lx.flags(k)&(wEnglish|wCommon|wTitle|wCredential|wMonth|wWeekday|wCountry) == 0
}

// columnLetters reports a cell that columnInitials refuses but that a
// column of initials may still hold: a credential's or a clinical
// abbreviation's letters ("NP", "MD", "AF"), not one of columnWords or
// signOffWords, nor an English word, month, weekday or country.
func (r *nameRules) columnLetters(w string) bool {
	k := strings.ToLower(w)
	return !columnWords[k] && !signOffWords[k] && r.lx.flags(k)&(wEnglish|wMonth|wWeekday|wCountry) == 0
}

// columnWords are clinical abbreviations that fill a table's column.
var columnWords = keySet(`lt rt pt ot st slp sw cm rd ns lr ivf cbc bmp cmp lft ua ekg ecg eeg emg cxr abg ct mri us er ed icu ccu
	nicu picu or pacu snf ltc alf hha dme am pm hr rr bp sl pr dnr dni npo ng og peg picc ett`)

// parenInitials reports initials next to a found name that are that
// name's: in brackets after it ("Dana Mason (DM)", "dana mason (dm)",
// since 1.11.0), or in a legend before or after it ("rk = Rosa Kim",
// "JL: Jana Lund", since 1.12.0). The letters must be the name's initials.
func parenInitials(text string, found []Span) []Span {
	var out []Span
	for _, s := range found {
		if s.Category != Name {
			continue
		}
		end := s.End
		if k := strings.IndexByte(text[s.Start:s.End], '('); k > 0 && !strings.Contains(text[s.Start+k:s.End], ")") {
			end = s.Start + k // "Dana Mason (DM" from the tagger: tidy splits it there
		}
		name := text[s.Start:end]
		add := func(start, end int, legend bool) {
			// "MD - Mark Davis", "Pt: Paula Tran": a label's letters can
			// match by chance; brackets right after the name cannot, nor
			// can an equals sign, which only a legend writes ("MD = Mason
			// Dvorak", since 1.14.0).
			v := text[start:end]
			if !initialsOf(name, v) {
				return
			}
			det := "name-initials"
			if legend && clinicalAbbrev[strings.ToLower(v)] {
				if !strings.Contains(text[min(start, s.Start):max(end, s.End)], "=") {
					return
				}
				det = "name-initials-legend"
			}
			out = append(out, Span{Start: start, End: end, Category: Name, Confidence: 0.7, Detector: det})
		}
		if m := reParenInitials.FindStringSubmatchIndex(text[end:]); m != nil {
			add(end+m[2], end+m[3], false)
		} else if m := reRoleParenInitials.FindStringSubmatchIndex(text[end:]); m != nil {
			// "Joan L. Bouchard, HR generalist (jlb)": the role between
			// the name and its initials (1.14.0).
			add(end+m[2], end+m[3], false)
		}
		if m := reLegendAfter.FindStringSubmatchIndex(text[s.End:]); m != nil {
			add(s.End+m[2], s.End+m[3], true)
		}
		from := max(0, s.Start-12)
		if m := reLegendBefore.FindStringSubmatchIndex(text[from:s.Start]); m != nil {
			add(from+m[2], from+m[3], true)
		}
	}
	return out
}

// initialsOf reports whether v (two letters or more) is, in any case, the
// initials of the words of name or of its last words: a span can still
// hold a label that tidying drops later ("RN: Dana Mason" and "DM").
func initialsOf(name, v string) bool {
	var ini []byte
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '-' || r == '.' || r == ',' }) {
		ini = append(ini, w[0])
	}
	return len(v) >= 2 && len(v) <= len(ini) && strings.EqualFold(v, string(ini[len(ini)-len(v):]))
}

// initialsMentions finds again the initials the initials rules found
// (1.11.0): a team list's "pa c. kahsay (ck)" or a sign-off's "- ck" makes
// "ck sent rx" and "ck thinks" the same person. Only the same letters in
// the same case, standing alone, and never a clinical abbreviation unless
// a legend's equals sign gave it to a person ("MS = Mariah Sampson"), and
// then not where it can be a credential, after a comma or a name.
func initialsMentions(text string, toks []token, found []Span) []Span {
	inits := map[string]bool{}
	for _, s := range found {
		if s.Category == Name && strings.HasPrefix(s.Detector, "name-initials") && s.End-s.Start >= 2 && s.End-s.Start <= 4 {
			if v := text[s.Start:s.End]; !clinicalAbbrev[strings.ToLower(v)] || s.Detector == "name-initials-legend" {
				inits[v] = true
			}
		}
	}
	if len(inits) == 0 {
		return nil
	}
	var out []Span
	for i, t := range toks {
		if !t.isWord() || !inits[text[t.start:t.end]] || covered(found, t.start) {
			continue
		}
		if clinicalAbbrev[t.key] && afterName(text, toks, i, found) {
			continue // "Hope Farve, MD": the credential
		}
		out = append(out, Span{Start: t.start, End: t.end, Category: Name, Confidence: 0.55, Detector: "mention-initials"})
	}
	return out
}

// afterName reports whether toks[i] follows a found name, right after it
// or after a comma: where a credential stands.
func afterName(text string, toks []token, i int, found []Span) bool {
	j := i - 1
	if j > 0 && toks[j].shape == shPunct && text[toks[j].start] == ',' {
		j--
	}
	return j >= 0 && slices.ContainsFunc(found, func(s Span) bool {
		return s.Category == Name && s.Start <= toks[j].start && toks[j].start < s.End
	})
}

// reByInitials: lower-case initials after "by", ending the clause.
var reByInitials = regexp.MustCompile(`\b[Bb][Yy]:?[ \t]+([a-z]{2,4})\b(?:[ \t]*(?:$|[\n.,;)\]]|[ \t]{2,}|\d))`)

// byWords are short words that follow "by" and are no initials.
var byWords = keySet(`me you him her them us it mom dad car bus air foot hand tte tee egd ercp ir inr ptt`)

// isRoleWord triggers reRoleInitials.
var isRoleWord = keyIn("scribe", "transcribed", "transcriptionist", "typist", "typed", "technologist", "tech",
	"witnessed", "witness", "grossed", "reviewed", "verified", "entered", "initials", "initialled", "initialed",
	"corrected", "qa", "dictated", "co-signed", "cosigned", "countersigned")

// isDictationAct triggers reCuedTypistCode.
var isDictationAct = keyIn("typed", "dictated", "transcribed", "transcription", "trans", "dict")

// typistInitials reports whether s can be one side of a typist code in
// the slot after a signing time: person's initials, or a clinical
// abbreviation's letters, which a typist's code often is ("CBO/MS",
// "TK/ms"), but no unit ("10:30 mg/dl") and no abbreviation that ends a
// sign-off as itself ("PT/INR").
func (r *nameRules) typistInitials(s string) bool {
	k := strings.ToLower(s)
	if isMeasureUnit(k) || unitWords[k] || signOffWords[k] {
		return false
	}
	return r.personInitials(s, true) || clinicalAbbrev[k] && caseless(s)
}

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
