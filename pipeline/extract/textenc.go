package extract

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeText turns bytes that look like text into UTF-8: UTF-8 with or
// without a byte-order mark, UTF-16 with one, and, as a last resort for old
// systems, Windows-1252. It refuses content with NULs or many control
// characters, which is binary whatever its encoding.
func decodeText(data []byte) (text, warning string, ok bool) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return checkText(decodeUTF16(data[2:], false), "")
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return checkText(decodeUTF16(data[2:], true), "")
	}
	if utf8.Valid(data) {
		return checkText(string(data), "")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", "", false
	}
	return checkText(decodeWindows1252(data), "content is not valid UTF-8; decoded as Windows-1252")
}

func checkText(s, warning string) (string, string, bool) {
	if looksBinary(s) {
		return "", "", false
	}
	return s, warning, true
}

// looksBinary is true for any NUL, or when more than 1 in 50 characters are
// control characters other than the usual whitespace.
func looksBinary(s string) bool {
	var controls, total int
	for _, r := range s {
		total++
		switch {
		case r == 0:
			return true
		case r == '\t' || r == '\n' || r == '\r' || r == '\f':
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0):
			controls++
		}
	}
	return controls*50 > total
}

func decodeUTF16(b []byte, bigEndian bool) string {
	units := make([]uint16, len(b)/2)
	for i := range units {
		if bigEndian {
			units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			units[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return string(utf16.Decode(units))
}

// cp1252 maps 0x80–0x9F, where Windows-1252 differs from Latin-1; zero marks
// the five undefined bytes.
var cp1252 = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

func decodeWindows1252(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/8)
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0 && cp1252[c-0x80] != 0:
			sb.WriteRune(cp1252[c-0x80])
		case c < 0xA0:
			sb.WriteRune(unicode.ReplacementChar)
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}
