package fhirpath

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokenKind uint8

const (
	tEOF      tokenKind = iota
	tIdent              // name, `delimited name`
	tString             // 'text' (value unescaped)
	tNumber             // 12, 1.5
	tDateTime           // @2015-02-04T14:34, @2015 (value without '@')
	tTime               // @T14:34 (value without "@T")
	tExternal           // %name (value without '%')
	tSpecial            // $this, $index, $total (value without '$')
	tOp                 // punctuation and symbolic operators
)

type token struct {
	kind   tokenKind
	text   string
	quoted bool // a `delimited` identifier: never a keyword
	pos    int
}

// lex splits an expression into tokens, dropping whitespace and comments.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("unterminated comment at %d", i)
			}
			i += end + 4
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, token{kind: tIdent, text: src[i:j], pos: i})
			i = j
		case c == '`':
			s, n, err := unquote(src[i:], '`')
			if err != nil {
				return nil, fmt.Errorf("at %d: %w", i, err)
			}
			toks = append(toks, token{kind: tIdent, text: s, quoted: true, pos: i})
			i += n
		case c == '\'':
			s, n, err := unquote(src[i:], '\'')
			if err != nil {
				return nil, fmt.Errorf("at %d: %w", i, err)
			}
			toks = append(toks, token{kind: tString, text: s, pos: i})
			i += n
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			if j+1 < len(src) && src[j] == '.' && isDigit(src[j+1]) {
				j++
				for j < len(src) && isDigit(src[j]) {
					j++
				}
			}
			toks = append(toks, token{kind: tNumber, text: src[i:j], pos: i})
			if j < len(src) && src[j] == 'L' { // long literal: an integer for us
				j++
			}
			i = j
		case c == '@':
			j := i + 1
			kind := tDateTime
			if j < len(src) && src[j] == 'T' {
				kind = tTime
				j++
			}
			start := j
			for j < len(src) && isDateChar(src[j]) {
				// A '.' not followed by a digit ends the literal: @2015-02-04.is(Date).
				if src[j] == '.' && (j+1 >= len(src) || !isDigit(src[j+1])) {
					break
				}
				j++
			}
			text := src[start:j]
			if text == "" {
				return nil, fmt.Errorf("empty date/time literal at %d", i)
			}
			toks = append(toks, token{kind: kind, text: text, pos: i})
			i = j
		case c == '%':
			j := i + 1
			var name string
			switch {
			case j < len(src) && (src[j] == '`' || src[j] == '\''):
				s, n, err := unquote(src[j:], src[j])
				if err != nil {
					return nil, fmt.Errorf("at %d: %w", i, err)
				}
				name, j = s, j+n
			default:
				for j < len(src) && (isIdentPart(src[j]) || src[j] == '-') {
					j++
				}
				name = src[i+1 : j]
			}
			if name == "" {
				return nil, fmt.Errorf("empty variable name at %d", i)
			}
			toks = append(toks, token{kind: tExternal, text: name, pos: i})
			i = j
		case c == '$':
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, token{kind: tSpecial, text: src[i+1 : j], pos: i})
			i = j
		default:
			op := ""
			for _, o := range []string{"<=", ">=", "!=", "!~", "=", "~", "<", ">", "+", "-", "*", "/", "|", "&", "(", ")", "[", "]", "{", "}", ".", ","} {
				if strings.HasPrefix(src[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				r, _ := utf8.DecodeRuneInString(src[i:])
				return nil, fmt.Errorf("unexpected character %q at %d", r, i)
			}
			toks = append(toks, token{kind: tOp, text: op, pos: i})
			i += len(op)
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src)}), nil
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isDateChar(c byte) bool {
	return isDigit(c) || c == '-' || c == ':' || c == 'T' || c == '.' || c == '+' || c == 'Z'
}

// unquote reads a quoted string or delimited identifier starting at s[0]
// (the quote) and returns its unescaped text and the length consumed.
func unquote(s string, q byte) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == q {
			return b.String(), i + 1, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '\'', '"', '`', '\\', '/':
			b.WriteByte(s[i])
		case 'r':
			b.WriteByte('\r')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 >= len(s) {
				return "", 0, fmt.Errorf("bad \\u escape")
			}
			r, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
			if err != nil {
				return "", 0, fmt.Errorf("bad \\u escape: %w", err)
			}
			b.WriteRune(rune(r))
			i += 4
		default:
			return "", 0, fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return "", 0, fmt.Errorf("unterminated %c", q)
}
