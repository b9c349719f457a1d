package document

import (
	"strings"
	"time"
)

// dateLayouts are the date formats shiftDate recognises, as Go layouts,
// in order of preference: when a date fits several (03/04/2021), the
// first wins, so month-first (US) readings come before day-first ones.
// "May" is both a full and an abbreviated month; full names come first.
var dateLayouts = []string{
	// Numeric, month first.
	"01/02/2006", "1/2/2006", "01-02-2006", "1-2-2006", "01.02.2006",
	"01/02/06", "1/2/06",
	// ISO 8601 and its neighbours, with or without a time.
	"2006-01-02", "2006/01/02", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"01/02/2006 15:04", "1/2/2006 15:04", "01/02/2006 3:04 PM", "1/2/2006 3:04 PM",
	// Numeric, day first (only reached when month-first cannot parse).
	"02/01/2006", "2/1/2006", "02.01.2006", "2.1.2006", "02-01-2006",
	// Month names.
	"January 2, 2006", "January 02, 2006", "January 2 2006", "Jan 2, 2006", "Jan 02, 2006", "Jan 2 2006", "Jan. 2, 2006",
	"Monday, January 2, 2006", "Mon, Jan 2, 2006", "Mon Jan 2, 2006",
	"2 January 2006", "02 January 2006", "2 Jan 2006", "02 Jan 2006", "2 Jan. 2006",
	"2-Jan-2006", "02-Jan-2006", "02-Jan-06", "2-Jan-06", "02Jan2006",
	// Month and year: shifting may move the month.
	"January 2006", "Jan 2006", "01/2006", "1/2006",
}

// shiftDate returns the date s moved by days, written in the format s is
// written in, or false when s is not a date in a format it recognises
// (the caller then tokenises it). A layout is accepted only if it writes
// the parsed date back exactly as s (or as s in capitals), so zero
// padding, separators and month-name spelling are kept.
func shiftDate(s string, days int) (string, bool) {
	core := strings.TrimSpace(s)
	if core == "" || len(core) > 40 {
		return "", false
	}
	lead := s[:strings.Index(s, core)]
	trail := s[len(lead)+len(core):]
	upper := strings.ToUpper(core) == core && strings.ToLower(core) != core
	for _, layout := range dateLayouts {
		t, err := time.Parse(layout, core)
		if err != nil {
			continue
		}
		back := t.Format(layout)
		switch {
		case back == core:
			return lead + t.AddDate(0, 0, days).Format(layout) + trail, true
		case upper && strings.ToUpper(back) == core:
			return lead + strings.ToUpper(t.AddDate(0, 0, days).Format(layout)) + trail, true
		}
	}
	return "", false
}
