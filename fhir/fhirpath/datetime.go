package fhirpath

import (
	"strconv"
	"strings"
	"time"
)

// temporalValue is a parsed date, dateTime or time with its precision.
// FHIRPath compares these component by component and answers "unknown"
// (empty) when one is more precise than the other and they agree so far.
type temporalValue struct {
	c     [7]int // year, month, day, hour, minute, second, millisecond
	prec  int    // number of components present (1..7)
	hasTZ bool
	tz    int // offset in minutes
}

const precSecond = 6 // seconds and milliseconds count as one precision

func parseDate(s string) (temporalValue, bool) {
	var t temporalValue
	ok := t.parseDatePart(s) == len(s)
	return t, ok && t.prec > 0
}

// parseDatePart reads YYYY(-MM(-DD)) and returns the bytes consumed, or -1.
func (t *temporalValue) parseDatePart(s string) int {
	widths := []int{4, 2, 2}
	i := 0
	for n, w := range widths {
		if n > 0 {
			if i >= len(s) || s[i] != '-' {
				return i
			}
			i++
		}
		v, ok := digits(s, i, w)
		if !ok {
			return -1
		}
		if n == 1 && (v < 1 || v > 12) || n == 2 && (v < 1 || v > 31) {
			return -1
		}
		t.c[n] = v
		t.prec = n + 1
		i += w
	}
	return i
}

func parseDateTime(s string) (temporalValue, bool) {
	var t temporalValue
	i := t.parseDatePart(s)
	if i < 0 || t.prec == 0 {
		return t, false
	}
	if i == len(s) {
		return t, true
	}
	if s[i] != 'T' || t.prec < 3 && i+1 < len(s) {
		return t, false
	}
	i++
	if i == len(s) {
		return t, true // "2015T": year precision
	}
	n, ok := t.parseTimePart(s[i:], 3)
	if !ok {
		return t, false
	}
	i += n
	if i == len(s) {
		return t, true
	}
	return t, t.parseZone(s[i:])
}

func parseTime(s string) (temporalValue, bool) {
	var t temporalValue
	n, ok := t.parseTimePart(s, 0)
	return t, ok && n == len(s)
}

// parseTimePart reads hh(:mm(:ss(.fff))) into components off.. (off is 3
// for dateTimes, whose components start at the hour, 0 for times).
func (t *temporalValue) parseTimePart(s string, off int) (int, bool) {
	i := 0
	for n := 0; n < 3; n++ {
		if n > 0 {
			if i >= len(s) || s[i] != ':' {
				break
			}
			i++
		}
		v, ok := digits(s, i, 2)
		if !ok {
			return 0, false
		}
		t.c[off+n] = v
		t.prec = off + n + 1
		i += 2
	}
	if t.c[off] > 23 || t.c[off+1] > 59 || t.c[off+2] > 59 {
		return 0, false
	}
	if t.prec == off+3 && i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i+1 {
			return 0, false
		}
		frac := s[i+1 : j]
		for len(frac) < 3 {
			frac += "0"
		}
		ms, _ := strconv.Atoi(frac[:3])
		t.c[off+3] = ms
		t.prec = off + 4
		i = j
	}
	return i, true
}

func (t *temporalValue) parseZone(s string) bool {
	if s == "Z" {
		t.hasTZ = true
		return true
	}
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return false
	}
	h, ok1 := digits(s, 1, 2)
	m, ok2 := digits(s, 4, 2)
	if !ok1 || !ok2 {
		return false
	}
	t.hasTZ = true
	t.tz = h*60 + m
	if s[0] == '-' {
		t.tz = -t.tz
	}
	return true
}

func digits(s string, i, w int) (int, bool) {
	if i+w > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+w]) {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseTemporal parses the Data text of a date, dateTime or time value.
func parseTemporal(s string, k kind) (temporalValue, bool) {
	switch k {
	case kDate:
		// FHIR data sometimes holds a dateTime in a date-typed slot; accept it.
		if t, ok := parseDate(s); ok {
			return t, true
		}
		return parseDateTime(s)
	case kDateTime:
		return parseDateTime(s)
	case kTime:
		return parseTime(s)
	}
	return temporalValue{}, false
}

// utc shifts a value with a time zone and at least hour precision to UTC.
func (t temporalValue) utc() temporalValue {
	if !t.hasTZ || t.tz == 0 || t.prec < 4 {
		return t
	}
	tm := time.Date(t.c[0], time.Month(max(t.c[1], 1)), max(t.c[2], 1), t.c[3], t.c[4], t.c[5], 0, time.UTC).
		Add(-time.Duration(t.tz) * time.Minute)
	u := t
	u.c[0], u.c[1], u.c[2], u.c[3], u.c[4], u.c[5] = tm.Year(), int(tm.Month()), tm.Day(), tm.Hour(), tm.Minute(), tm.Second()
	u.tz = 0
	return u
}

// compareTemporal returns -1, 0 or 1, or ok=false when the answer depends
// on components one side lacks.
func compareTemporal(a, b temporalValue, isTime bool) (int, bool) {
	if !isTime {
		a, b = a.utc(), b.utc()
	}
	if !isTime && a.prec >= 4 && b.prec >= 4 && a.hasTZ != b.hasTZ {
		return 0, false // one side's instant depends on an unknown time zone
	}
	pa, pb := normPrec(a.prec, isTime), normPrec(b.prec, isTime)
	n := min(pa, pb)
	for i := 0; i < n; i++ {
		if a.c[i] != b.c[i] {
			if a.c[i] < b.c[i] {
				return -1, true
			}
			return 1, true
		}
	}
	if pa != pb {
		return 0, false
	}
	// Same precision down to seconds: milliseconds (0 when absent) decide.
	last := 6
	if isTime {
		last = 3
	}
	if a.prec > last || b.prec > last {
		switch {
		case a.c[last] < b.c[last]:
			return -1, true
		case a.c[last] > b.c[last]:
			return 1, true
		}
	}
	return 0, true
}

// normPrec folds millisecond precision into second precision.
func normPrec(p int, isTime bool) int {
	sec := precSecond
	if isTime {
		sec = 3
	}
	return min(p, sec)
}

// dateTimeText formats a temporal value (for toString and date arithmetic).
func (t temporalValue) format(k kind) string {
	var b strings.Builder
	pad := func(v, w int) {
		s := strconv.Itoa(v)
		for i := len(s); i < w; i++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	timeFrom := 3
	if k == kTime {
		timeFrom = 0
	} else {
		pad(t.c[0], 4)
		if t.prec >= 2 {
			b.WriteByte('-')
			pad(t.c[1], 2)
		}
		if t.prec >= 3 {
			b.WriteByte('-')
			pad(t.c[2], 2)
		}
		if t.prec <= 3 {
			return b.String()
		}
		b.WriteByte('T')
	}
	pad(t.c[timeFrom], 2)
	if t.prec > timeFrom+1 {
		b.WriteByte(':')
		pad(t.c[timeFrom+1], 2)
	}
	if t.prec > timeFrom+2 {
		b.WriteByte(':')
		pad(t.c[timeFrom+2], 2)
	}
	if t.prec > timeFrom+3 {
		b.WriteByte('.')
		pad(t.c[timeFrom+3], 3)
	}
	if k != kTime && t.hasTZ {
		if t.tz == 0 {
			b.WriteByte('Z')
		} else {
			off := t.tz
			sign := byte('+')
			if off < 0 {
				sign, off = '-', -off
			}
			b.WriteByte(sign)
			pad(off/60, 2)
			b.WriteByte(':')
			pad(off%60, 2)
		}
	}
	return b.String()
}
