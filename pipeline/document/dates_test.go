package document

import "testing"

func TestShiftDate(t *testing.T) {
	cases := []struct {
		in   string
		days int
		want string // "" when the date must not be shifted (it is tokenised)
	}{
		{"03/14/2021", -10, "03/04/2021"},
		{"3/14/2021", -10, "3/4/2021"},
		{"03-14-2021", 1, "03-15-2021"},
		{"2021-03-14", -14, "2021-02-28"},
		{"2020-03-14", -14, "2020-02-29"}, // leap year
		{"2021/03/14", 30, "2021/04/13"},
		{"2021-03-14T10:30:00", -1, "2021-03-13T10:30:00"},
		{"March 14, 2021", -365, "March 14, 2020"},
		{"Mar 14, 2021", -20, "Feb 22, 2021"},
		{"Mar 4, 2021", 1, "Mar 5, 2021"},
		{"14 Mar 2021", -20, "22 Feb 2021"},
		{"14 March 2021", 20, "3 April 2021"},
		{"02 Jan 2021", -2, "31 Dec 2020"},
		{"14-Mar-2021", -1, "13-Mar-2021"},
		{"MARCH 14, 2021", -1, "MARCH 13, 2021"},
		{"March 2021", -1, "February 2021"}, // read as the 1st of the month
		{"3/18/21", -18, "2/28/21"},
		{"14/03/2021", -1, "13/03/2021"}, // day first: month 14 does not exist
		{" 03/14/2021 ", -1, " 03/13/2021 "},
		{"Sunday, March 14, 2021", 1, "Monday, March 15, 2021"},
		// Not recognised: tokenised instead.
		{"4th of July", -1, ""},
		{"March 14th, 2021", -1, ""},
		{"03/14", -1, ""},
		{"2021", -1, ""},
		{"13/13/2021", -1, ""},
		{"march 14, 2021", -1, ""}, // lower case month names are not kept as they are
		{"", -1, ""},
	}
	for _, c := range cases {
		got, ok := shiftDate(c.in, c.days)
		if c.want == "" {
			if ok {
				t.Errorf("shiftDate(%q, %d) = %q; want not shifted", c.in, c.days, got)
			}
			continue
		}
		if !ok || got != c.want {
			t.Errorf("shiftDate(%q, %d) = %q, %v; want %q", c.in, c.days, got, ok, c.want)
		}
	}
}
