package phi

import (
	"regexp"
	"strings"
)

// Online handles (detector 1.9.0): a username identifies a person as well
// as a name does ("ballarat_bec", "jj_alvarado92", "@Summer-Ruiz-KC",
// "kern.county.mama"). Code and export field names have the same shape
// ("patient_id"), so a handle needs the "@", the speaker's place in a
// chat ("jj_alvarado92: love u"), a posting cue ("posted by", "reply
// from") or, for an underscore name, a digit.

var (
	reAtHandle = regexp.MustCompile(`@[A-Za-z][A-Za-z0-9_.\-]{2,30}[A-Za-z0-9]`)
	reHandle   = regexp.MustCompile(`\b[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)+\b`)
	// rePostCue: words before a handle in a forum or social feed.
	rePostCue = regexp.MustCompile(`(?i)(?:posted\s+by|reply\s+from|replied|reply\s+to|username|user\s*name|user|handle|screen\s+name|login|venmo|cash\s*app|instagram|insta|ig|tiktok|twitter|reddit|\bu/)\s*:?\s*\(?$`)
	// reNamedHandle: a handle after words that say it is one, since
	// 1.15.0: "portal username confirmed as okovalenko79", "handles:
	// nadia_hr and khaddad1979", "exported … by akowalczyk2", "reply from
	// MaggieInBendigo", "Resident portal user: kpointerames". The value
	// may be a single word (namedHandleOK).
	// Since 1.20.0 also the user an export or a print-out names ("Printed
	// 20-Nov-2026 by hgarrow", "by user mjabbour", "run_by=svc_lab_rpt",
	// "Taken by: jnguyen4") and a dictation's author ("author ID
	// AWHIT02", "dictator badhikari").
	reNamedHandle = regexp.MustCompile(`(?i:\b(?:user\s*names?|user\s+id|portal\s+user\b|handles?|screen\s+names?|login|exported(?:\s+[^\n;.,]{0,40}?)?\s+by|proxy\s+account|cash\s*app|venmo|reply\s+from|posted\s+by|` +
		`(?:printed|scanned|entered|taken|requested|created|keyed|run)(?:\s+[^\n;.,]{0,30}?)?\s+by(?:\s+user)?|run_by\s*=|author(?:\s+id)?\b|dictator\b|user\b)(?:\s+(?:is|was|shows\s+as|confirmed\s+as|as))?\s*:?\s*\(?[ \t]*)([$@]?[A-Za-z][A-Za-z0-9_.\-]{2,30}[A-Za-z0-9])`)
	// reHandleListNext: another handle after the first ("… and khaddad1979").
	reHandleListNext = regexp.MustCompile(`^\s*(?:,|and|or|&)\s*([$@]?[A-Za-z][A-Za-z0-9_.\-]{2,30}[A-Za-z0-9])\b`)
	// reTLDEnd: a dotted name that ends in a top-level domain is a host,
	// the URL rules' business.
	reTLDEnd = regexp.MustCompile(`(?i)\.(?:com|org|net|edu|gov|mil|int|io|co|uk|ie|au|nz|ca|us|info|biz|test|example|local|txt|pdf|doc|docx|csv|jpg|png|html?)$`)
)

// findHandles reports online handles. A name made only of English words
// ("first_name", "member_id", "submitted_at") is a form's or an export's
// field, whatever its place.
func findHandles(text string, toks []token, lx *lexicon) []Span {
	var out []Span
	add := func(start, end int) {
		out = append(out, Span{Start: start, End: end, Category: ID, Confidence: 0.55, Detector: "id-handle"})
	}
	// A handle its name announces outranks what the tagger makes of the
	// word ("reply from MaggieInBendigo" is no place).
	addNamed := func(start, end int) {
		out = append(out, Span{Start: start, End: end, Category: ID, Confidence: 0.7, Detector: "id-handle"})
	}
	// Both patterns run only on the words that can hold a handle.
	hasAt := func(f string) bool { return strings.IndexByte(f, '@') >= 0 }
	for _, m := range findInFields(reAtHandle, text, hasAt) {
		if m[0] > 0 && (isAlnumByte(text[m[0]-1]) || strings.IndexByte(".@/", text[m[0]-1]) >= 0) {
			continue // an e-mail address or a URL
		}
		if !reTLDEnd.MatchString(text[m[0]:m[1]]) && !strings.Contains(text[m[1]:min(len(text), m[1]+1)], "@") {
			add(m[0], m[1])
		}
	}
	handleShaped := func(f string) bool { return strings.IndexByte(f, '_') >= 0 || strings.Count(f, ".") >= 2 }
	for _, m := range findInFields(reHandle, text, handleShaped) {
		v := text[m[0]:m[1]]
		if reTLDEnd.MatchString(v) || m[0] > 0 && strings.IndexByte("@/.:-", text[m[0]-1]) >= 0 || m[1] < len(text) && text[m[1]] == '@' {
			continue // an e-mail address, a URL's path or host
		}
		under := strings.Contains(v, "_")
		if !under && strings.Count(v, ".") < 2 {
			continue // "e.g", "Dr.Smith", a decimal
		}
		if !under && (strings.ToLower(v) != v || strings.ContainsAny(v, "0123456789") && !strings.ContainsAny(v, "abcdefghijklmnopqrstuvwxyz")) {
			continue // "J.R.R", "1.2.3": initials and versions
		}
		if under && fieldName(v, lx) {
			continue
		}
		speaker := lineStartsAt(text, m[0]) && strings.HasPrefix(text[m[1]:], ":")
		cued := rePostCue.MatchString(sameLineBefore(text, m[0], 30))
		if speaker || cued || under && strings.ContainsAny(v, "0123456789") {
			add(m[0], m[1])
		}
	}
	for _, m := range matchNear(reNamedHandle, text, toks, isHandleNameWord, 0, 14) {
		start, end := m[2], m[3]
		for namedHandleOK(text, start, end, lx) {
			addNamed(start, end)
			next := reHandleListNext.FindStringSubmatchIndex(text[end:])
			if next == nil {
				break
			}
			start, end = end+next[2], end+next[3]
		}
	}
	return out
}

// isHandleNameWord triggers reNamedHandle: the first word of its names.
var isHandleNameWord = keyIn("user", "username", "usernames", "portal", "handle", "handles", "screen", "login", "exported",
	"proxy", "cash", "cashapp", "venmo", "reply", "posted", "printed", "scanned", "entered", "taken", "requested", "created",
	"keyed", "run", "run_by", "author", "dictator")

// namedHandleOK accepts the word after a handle's name as a handle: one
// with a digit, an underscore, a dot, a "$" or "@", or a capital inside
// ("MaggieInBendigo"); or a lower-case word no list knows
// ("kpointerames"). An English word, a name or a field name is not one
// ("posted by admin", "exported by Maria", "user_id").
func namedHandleOK(text string, start, end int, lx *lexicon) bool {
	v := text[start:end]
	if end < len(text) && text[end] == '@' || reTLDEnd.MatchString(v) {
		return false // an e-mail address or a host
	}
	if strings.ContainsAny(v, "_.") && fieldName(v, lx) {
		return false
	}
	if strings.ContainsAny(v, "0123456789_.$@") {
		return true
	}
	for i := 1; i < len(v); i++ {
		if isLowerByte(v[i-1]) && isUpperByte(v[i]) {
			return true
		}
	}
	lower := strings.ToLower(v)
	if strings.ToUpper(v) == v {
		// A login in capitals ("JRAINEY", "LISREPT"), since 1.20.0: a
		// word in capitals no list knows.
		return len(v) >= 5 && lx.flags(lower)&(wEnglish|wCommon|wFirst|wLast|wExtName|wCity|wCityExt) == 0 && !lx.abbreviation(v)
	}
	return lower == v && len(v) >= 6 && lx.flags(lower)&(wEnglish|wCommon|wFirst|wLast|wExtName) == 0
}

// lineStartsAt reports whether only spaces stand between the line's start
// and offset.
func lineStartsAt(text string, offset int) bool {
	for i := offset - 1; i >= 0; i-- {
		switch text[i] {
		case ' ', '\t':
		case '\n', '\r':
			return true
		default:
			return false
		}
	}
	return true
}

// fieldName reports a handle-shaped name whose parts are all English or
// common words, or abbreviations of four letters or fewer ("x_forwarded_for",
// "user_agent", "remote_addr").
func fieldName(v string, lx *lexicon) bool {
	for _, p := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == '_' || r == '.' }) {
		p = strings.TrimRight(p, "0123456789")
		if len(p) <= 4 || lx.flags(p)&(wEnglish|wCommon) != 0 {
			continue
		}
		return false
	}
	return true
}
