package search

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// dateRE matches the FHIR date, dateTime and instant formats: a year, then
// optionally month, day, and time with optional seconds, fraction and zone.
var dateRE = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$`)

// DateRange parses a FHIR date, dateTime or instant ("2020", "2020-03",
// "2020-03-04", "2020-03-04T10:00:00+01:00", ...) into the range of
// instants it covers, in Unix milliseconds, both ends inclusive: "2020"
// covers the whole year. A value without a zone is taken as UTC.
func DateRange(s string) (lo, hi int64, err error) {
	m := dateRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, fmt.Errorf("%q is not a valid FHIR date or dateTime (expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.fff]][Z|+hh:mm])", s)
	}
	num := func(i, def int) int {
		if m[i] == "" {
			return def
		}
		n, _ := strconv.Atoi(m[i])
		return n
	}
	year, month, day := num(1, 0), num(2, 1), num(3, 1)
	if month < 1 || month > 12 {
		return 0, 0, fmt.Errorf("%q: month %d out of range", s, month)
	}
	loc := time.UTC
	if z := m[8]; z != "" && z != "Z" {
		h, _ := strconv.Atoi(z[1:3])
		mi, _ := strconv.Atoi(z[4:6])
		off := (h*60 + mi) * 60
		if z[0] == '-' {
			off = -off
		}
		loc = time.FixedZone(z, off)
	}
	hour, minute, sec := num(4, 0), num(5, 0), num(6, 0)
	if hour > 23 || minute > 59 || sec > 60 {
		return 0, 0, fmt.Errorf("%q: time out of range", s)
	}
	nsec := 0
	if f := m[7]; f != "" {
		frac := (f[1:] + "000000000")[:9]
		nsec, _ = strconv.Atoi(frac)
	}
	start := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if start.Day() != day {
		return 0, 0, fmt.Errorf("%q: day %d out of range", s, day)
	}
	var end time.Time
	switch {
	case m[2] == "":
		end = start.AddDate(1, 0, 0)
	case m[3] == "":
		end = start.AddDate(0, 1, 0)
	case m[4] == "":
		end = start.AddDate(0, 0, 1)
	case m[6] == "":
		end = start.Add(time.Minute)
	case m[7] == "":
		end = start.Add(time.Second)
	default:
		// Fractional seconds: precise to the millisecond the index keeps.
		end = start.Add(time.Millisecond)
	}
	return start.UnixMilli(), end.UnixMilli() - 1, nil
}
