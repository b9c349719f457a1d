package fhirpath

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// String functions. FHIRPath indexes strings by character; these work on
// runes so that non-ASCII text is not cut mid-character.
func init() {
	register("startsWith", 1, 1, stringPredicate(strings.HasPrefix))
	register("endsWith", 1, 1, stringPredicate(strings.HasSuffix))
	register("contains", 1, 1, stringPredicate(strings.Contains))
	register("matches", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		return withStringArg(c, in, n, func(s, pattern string) ([]Value, error) {
			re, err := n.regexpFor(pattern, wrapMatches(pattern))
			if err != nil {
				return nil, err
			}
			return boolColl(re.MatchString(s)), nil
		})
	})
	register("matchesFull", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		return withStringArg(c, in, n, func(s, pattern string) ([]Value, error) {
			re, err := n.regexpFor(pattern, wrapMatchesFull(pattern))
			if err != nil {
				return nil, err
			}
			return boolColl(re.MatchString(s)), nil
		})
	})
	register("indexOf", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		return withStringArg(c, in, n, func(s, sub string) ([]Value, error) {
			i := strings.Index(s, sub)
			if i > 0 {
				i = utf8.RuneCountInString(s[:i])
			}
			return []Value{intValue(int64(i))}, nil
		})
	})
	register("substring", 1, 2, fnSubstring)
	register("upper", 0, 0, stringMap(strings.ToUpper))
	register("lower", 0, 0, stringMap(strings.ToLower))
	register("trim", 0, 0, stringMap(strings.TrimSpace))
	register("length", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		s, ok, err := inputString(in)
		if !ok || err != nil {
			return nil, err
		}
		return []Value{intValue(int64(utf8.RuneCountInString(s)))}, nil
	})
	register("toChars", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		s, ok, err := inputString(in)
		if !ok || err != nil {
			return nil, err
		}
		var out []Value
		for _, r := range s {
			out = append(out, strValue(string(r)))
		}
		return out, nil
	})
	register("replace", 2, 2, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		s, pattern, repl, ok, err := replaceArgs(c, in, n)
		if !ok || err != nil {
			return nil, err
		}
		return []Value{strValue(strings.ReplaceAll(s, pattern, repl))}, nil
	})
	register("replaceMatches", 2, 2, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		s, pattern, repl, ok, err := replaceArgs(c, in, n)
		if !ok || err != nil {
			return nil, err
		}
		if pattern == "" {
			return []Value{strValue(s)}, nil // an empty pattern replaces nothing
		}
		re, err := n.regexpFor(pattern, wrapReplaceMatches(pattern))
		if err != nil {
			return nil, err
		}
		return []Value{strValue(re.ReplaceAllString(s, repl))}, nil
	})
	register("split", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		return withStringArg(c, in, n, func(s, sep string) ([]Value, error) {
			var out []Value
			for _, p := range strings.Split(s, sep) {
				out = append(out, strValue(p))
			}
			return out, nil
		})
	})
	register("join", 0, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		sep, _, err := n.argString(c, 0)
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(in))
		for i, v := range in {
			s, ok := v.str()
			if !ok {
				return nil, fmt.Errorf("expected strings, got %s", v.Type)
			}
			parts[i] = s
		}
		return []Value{strValue(strings.Join(parts, sep))}, nil
	})
	register("encode", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		return withStringArg(c, in, n, func(s, format string) ([]Value, error) {
			switch format {
			case "hex":
				return []Value{strValue(hex.EncodeToString([]byte(s)))}, nil
			case "base64":
				return []Value{strValue(base64.StdEncoding.EncodeToString([]byte(s)))}, nil
			case "urlbase64":
				return []Value{strValue(base64.URLEncoding.EncodeToString([]byte(s)))}, nil
			}
			return nil, fmt.Errorf("unknown encoding %q", format)
		})
	})
	register("decode", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		return withStringArg(c, in, n, func(s, format string) ([]Value, error) {
			var b []byte
			var err error
			switch format {
			case "hex":
				b, err = hex.DecodeString(s)
			case "base64":
				b, err = base64.StdEncoding.DecodeString(s)
			case "urlbase64":
				b, err = base64.URLEncoding.DecodeString(s)
			default:
				return nil, fmt.Errorf("unknown encoding %q", format)
			}
			if err != nil {
				return nil, nil // not decodable: empty
			}
			return []Value{strValue(string(b))}, nil
		})
	})
	register("escape", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		return withStringArg(c, in, n, func(s, format string) ([]Value, error) {
			switch format {
			case "html":
				return []Value{strValue(htmlEscaper.Replace(s))}, nil
			case "json":
				q := strconv.Quote(s)
				return []Value{strValue(q[1 : len(q)-1])}, nil
			}
			return nil, fmt.Errorf("unknown escape %q", format)
		})
	})
	register("unescape", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		return withStringArg(c, in, n, func(s, format string) ([]Value, error) {
			switch format {
			case "html":
				return []Value{strValue(html.UnescapeString(s))}, nil
			case "json":
				return []Value{strValue(unescapeJSON(s))}, nil
			}
			return nil, fmt.Errorf("unknown escape %q", format)
		})
	})
}

// withStringArg runs f on the single string input and the single string
// argument; either being empty gives empty.
func withStringArg(c *ctx, in []Value, n *funcNode, f func(s, arg string) ([]Value, error)) ([]Value, error) {
	s, ok, err := inputString(in)
	if !ok || err != nil {
		return nil, err
	}
	a, ok, err := n.argString(c, 0)
	if !ok || err != nil {
		return nil, err
	}
	return f(s, a)
}

func stringPredicate(f func(s, arg string) bool) funcImpl {
	return func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		return withStringArg(c, in, n, func(s, a string) ([]Value, error) {
			return boolColl(f(s, a)), nil
		})
	}
}

func stringMap(f func(string) string) funcImpl {
	return func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		s, ok, err := inputString(in)
		if !ok || err != nil {
			return nil, err
		}
		return []Value{strValue(f(s))}, nil
	}
}

func fnSubstring(c *ctx, in []Value, n *funcNode) ([]Value, error) {
	s, ok, err := inputString(in)
	if !ok || err != nil {
		return nil, err
	}
	start, ok, err := n.argInt(c, 0)
	if !ok || err != nil {
		return nil, err
	}
	runes := []rune(s)
	if start < 0 || start >= int64(len(runes)) {
		return nil, nil
	}
	end := int64(len(runes))
	if len(n.args) > 1 {
		l, ok, err := n.argInt(c, 1)
		if err != nil {
			return nil, err
		}
		if ok {
			end = min(start+max(l, 0), end)
		}
	}
	return []Value{strValue(string(runes[start:end]))}, nil
}

// regexpFor returns the compiled pattern of a matches()/replaceMatches()
// call: compiled once at Compile time when the pattern is a literal (the
// usual case), else per call.
func (n *funcNode) regexpFor(pattern, wrapped string) (*regexp.Regexp, error) {
	if n.re != nil && n.rePattern == pattern {
		return n.re, nil
	}
	re, err := regexp.Compile(wrapped)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression: %w", err)
	}
	return re, nil
}

// matches() finds the pattern anywhere (R4 suite); matchesFull() anchors it.
func wrapMatches(p string) string        { return "(?s:" + p + ")" }
func wrapMatchesFull(p string) string    { return "^(?s:" + p + ")$" }
func wrapReplaceMatches(p string) string { return "(?s:" + p + ")" }

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// unescapeJSON undoes JSON string escapes; characters that JSON would have
// escaped but that appear bare are kept.
func unescapeJSON(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			b.WriteString("\\u")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// replaceArgs reads the input string and the two string arguments of
// replace and replaceMatches; ok is false when any of them is empty (the
// result is then empty).
func replaceArgs(c *ctx, in []Value, n *funcNode) (s, pattern, repl string, ok bool, err error) {
	s, ok, err = inputString(in)
	if !ok || err != nil {
		return "", "", "", false, err
	}
	pattern, ok1, err := n.argString(c, 0)
	if err != nil {
		return "", "", "", false, err
	}
	repl, ok2, err := n.argString(c, 1)
	if err != nil || !ok1 || !ok2 {
		return "", "", "", false, err
	}
	return s, pattern, repl, true, nil
}
