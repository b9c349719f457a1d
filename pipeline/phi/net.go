package phi

import (
	"net/netip"
	"net/url"
	"regexp"
	"strings"
)

var (
	reEmail = regexp.MustCompile(`(?i)[a-z0-9][a-z0-9._%+\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}\b`)
	// reURL finds URLs with a scheme or a "www." host; reDomain finds bare
	// host names with a common top-level domain ("castellanoendo.com").
	reURL    = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s<>"'` + "`" + `]+|\bwww\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)+[^\s<>"'` + "`" + `]*`)
	reDomain = regexp.MustCompile(`(?i)\b[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.(?:com|org|net|edu|gov|mil|int|io|info|biz|health|care|clinic|app|us|uk|ca|au|de|fr|nl|be|ch|at|se|dk|no|fi|is|ie|es|pt|it|pl|cz|hu|gr|br|mx|in|jp|cn)(?:/[^\s<>"']*)?\b`)
	reIPv4   = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	reIPv6   = regexp.MustCompile(`(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}`)
)

// findEmails reports e-mail addresses.
func findEmails(text string) []Span {
	var out []Span
	for _, m := range findInFields(reEmail, text, hasAt) {
		local, _, _ := strings.Cut(text[m[0]:m[1]], "@")
		if len(local) <= 64 {
			out = append(out, Span{Start: m[0], End: m[1], Category: Email, Confidence: 0.99, Detector: "email"})
		}
	}
	return out
}

// findURLs reports URLs and bare domain names (not those inside e-mail
// addresses), without trailing sentence punctuation.
func findURLs(text string) []Span {
	var out []Span
	add := func(start, end int, conf float64) {
		end = start + len(trimURL(text[start:end]))
		if end <= start {
			return
		}
		if start > 0 && (text[start-1] == '@' || text[start-1] == '.') {
			return
		}
		if end < len(text) && text[end] == '@' {
			return
		}
		raw := text[start:end]
		if !strings.Contains(raw, "://") {
			raw = "http://" + raw
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || !strings.Contains(u.Host, ".") {
			return
		}
		out = append(out, Span{Start: start, End: end, Category: URL, Confidence: conf, Detector: "url"})
	}
	for _, m := range findInFields(reURL, text, maybeURL) {
		add(m[0], m[1], 0.97)
	}
	for _, m := range findInFields(reDomain, text, dotLetter) {
		// A bare "e.g." or a file name is not a domain: require a letter
		// in the label before the top-level domain.
		host := text[m[0]:m[1]]
		if i := strings.LastIndexByte(strings.SplitN(host, "/", 2)[0], '.'); i <= 0 || !strings.ContainsAny(strings.ToLower(host[:i]), "abcdefghijklmnopqrstuvwxyz") {
			continue
		}
		add(m[0], m[1], 0.85)
	}
	return out
}

// trimURL drops trailing punctuation that ends the sentence rather than
// the URL, and an unbalanced closing parenthesis.
func trimURL(s string) string {
	for len(s) > 0 {
		c := s[len(s)-1]
		switch {
		case strings.IndexByte(".,;:!?'\"]}>", c) >= 0:
			s = s[:len(s)-1]
		case c == ')' && strings.Count(s, "(") < strings.Count(s, ")"):
			s = s[:len(s)-1]
		default:
			return s
		}
	}
	return s
}

// findIPs reports IPv4 and IPv6 addresses that parse. Dotted numbers
// inside longer dotted sequences (version strings such as 9.2.1.4.1) are
// skipped.
func findIPs(text string) []Span {
	var out []Span
	for _, m := range findInFields(reIPv4, text, threeDots) {
		if m[0] > 0 && (text[m[0]-1] == '.' || isDigitByte(text[m[0]-1])) {
			continue
		}
		if m[1] < len(text)-1 && text[m[1]] == '.' && isDigitByte(text[m[1]+1]) {
			continue
		}
		if _, err := netip.ParseAddr(text[m[0]:m[1]]); err != nil {
			continue
		}
		if isVersionContext(lowerBefore(text, m[0], 24)) {
			continue
		}
		out = append(out, Span{Start: m[0], End: m[1], Category: IP, Confidence: 0.9, Detector: "ip"})
	}
	for _, m := range findInFields(reIPv6, text, twoColons) {
		s := text[m[0]:m[1]]
		if m[0] > 0 && (isAlnumByte(text[m[0]-1]) || text[m[0]-1] == ':') {
			continue
		}
		if m[1] < len(text) && isAlnumByte(text[m[1]]) {
			continue
		}
		if strings.Count(s, ":") < 2 {
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() {
			continue
		}
		out = append(out, Span{Start: m[0], End: m[1], Category: IP, Confidence: 0.95, Detector: "ip"})
	}
	return out
}

// Prefilters for findInFields: what every match of a pattern contains.
func hasAt(f string) bool     { return strings.IndexByte(f, '@') >= 0 }
func threeDots(f string) bool { return strings.Count(f, ".") >= 3 }
func twoColons(f string) bool { return strings.Count(f, ":") >= 2 }
func maybeURL(f string) bool {
	return strings.Contains(f, "://") || strings.Contains(strings.ToLower(f), "www.")
}
func dotLetter(f string) bool {
	// reDomain ends in "." and a top-level domain, which starts with a
	// letter.
	for i := strings.IndexByte(f, '.'); i >= 0 && i+1 < len(f); {
		if isAlphaByte(f[i+1]) {
			return true
		}
		j := strings.IndexByte(f[i+1:], '.')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

func isAlnumByte(c byte) bool {
	return isDigitByte(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// isVersionContext reports whether the text before a dotted number says
// it is a software version ("software 9.2.1.4", "v2.0.1.3").
func isVersionContext(before string) bool {
	before = strings.TrimRight(before, " (")
	for _, w := range []string{"version", "software", "firmware", "release", "build", "ver", "v", "rev"} {
		if strings.HasSuffix(before, w) && (len(before) == len(w) || !isAlphaByte(before[len(before)-len(w)-1])) {
			return true
		}
	}
	return false
}

// lowerBefore returns up to n bytes of text before offset, lower-cased:
// the context in which a rule looks for its cue words.
func lowerBefore(text string, offset, n int) string {
	start := max(0, offset-n)
	return strings.ToLower(text[start:offset])
}
