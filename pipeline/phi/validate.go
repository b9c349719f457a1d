package phi

import (
	"math/big"
	"strings"
	"time"
)

// digitsOf returns the ASCII digits of s, in order.
func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; '0' <= c && c <= '9' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// luhn reports whether the digit string passes the Luhn check used by
// payment card numbers (and NPIs, with the 80840 prefix).
func luhn(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// npiValid checks a 10-digit National Provider Identifier: Luhn over the
// number prefixed with 80840.
func npiValid(digits string) bool {
	return len(digits) == 10 && (digits[0] == '1' || digits[0] == '2') && luhn("80840"+digits)
}

// ssnValid applies the rules the SSA has never broken: no area 000, 666 or
// 900-999, no group 00, no serial 0000.
func ssnValid(area, group, serial string) bool {
	if len(area) != 3 || len(group) != 2 || len(serial) != 4 {
		return false
	}
	return area != "000" && area != "666" && area[0] != '9' && group != "00" && serial != "0000"
}

// validDate reports whether y-m-d is a calendar date (y 0 means unknown,
// in which case February 29 is allowed).
func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	if y == 0 {
		y = 2000 // a leap year
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d && int(t.Month()) == m
}

// ibanValid checks an IBAN's ISO 13616 mod-97 checksum.
func ibanValid(s string) bool {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	var b strings.Builder
	for _, r := range s[4:] + s[:4] {
		switch {
		case '0' <= r && r <= '9':
			b.WriteRune(r)
		case 'A' <= r && r <= 'Z':
			b.WriteString(itoa(int(r-'A') + 10))
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// ibanLengths are the IBAN lengths of the countries that use one (the
// SWIFT IBAN registry).
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
	"CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
	"IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
	"LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
	"PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19,
	"SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

// ibanShaped reports an IBAN whose country code and length are right,
// whatever its check digits: what a typist or a form gets wrong.
func ibanShaped(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	n, ok := ibanLengths[s[:min(2, len(s))]]
	return ok && len(s) == n
}

// vinCheckDigit reports whether a 17-character VIN's ninth character is
// the North American check digit.
func vinCheckDigit(vin string) bool {
	if len(vin) != 17 {
		return false
	}
	const translit = "0123456789.ABCDEFGH..JKLMN.P.R..STUVWXYZ"
	weights := [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		c := vin[i]
		var v int
		switch {
		case '0' <= c && c <= '9':
			v = int(c - '0')
		case 'A' <= c && c <= 'Z':
			idx := strings.IndexByte(translit, c)
			if idx < 0 {
				return false
			}
			v = idx % 10
		default:
			return false
		}
		sum += v * weights[i]
	}
	check := sum % 11
	want := byte('0' + check)
	if check == 10 {
		want = 'X'
	}
	return vin[8] == want
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// atoi parses a short ASCII digit string; -1 if it is not one.
func atoi(s string) int {
	if s == "" || len(s) > 9 {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
