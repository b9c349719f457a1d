package phi

import (
	"regexp"
	"strconv"
	"strings"
)

// Geographic coordinates (detector 1.21.0): a latitude and longitude pin
// a home more closely than a street address ("fix at 38.4162, -79.8297",
// "GPS 17.6298 N, 61.8127 W"), and the labelled sets have them as
// LOCATION. Four decimals or more on both, a valid latitude and
// longitude, and a sign, a hemisphere letter or a word of location
// before them: a pair of lab values ("1.0150, 1.0200") is none.
var (
	reCoordinates = regexp.MustCompile(`(-?\d{1,3}\.\d{4,})°?[ \t]?([NSns])?,[ \t]*(-?\d{1,3}\.\d{4,})°?[ \t]?([EWew])?\b`)
	reCoordCue    = regexp.MustCompile(`(?i)\b(?:gps|coordinates?|coords?|lat(?:itude)?|long(?:itude)?|location|pin|pinned|dropped|fix|position|geo(?:tag)?|at|map)\b[^.\n]{0,20}$`)
)

// findCoordinates reports latitude and longitude pairs.
func findCoordinates(text string) []Span {
	var out []Span
	for _, m := range reCoordinates.FindAllStringSubmatchIndex(text, -1) {
		if digitRunBefore(text, m[0]) || m[0] > 0 && (text[m[0]-1] == '.' || text[m[0]-1] == ',') {
			continue
		}
		lat, err1 := strconv.ParseFloat(text[m[2]:m[3]], 64)
		lon, err2 := strconv.ParseFloat(text[m[6]:m[7]], 64)
		if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			continue
		}
		signed := strings.HasPrefix(text[m[2]:m[3]], "-") || strings.HasPrefix(text[m[6]:m[7]], "-") || m[4] >= 0 || m[8] >= 0
		if !signed && !reCoordCue.MatchString(text[max(0, m[0]-40):m[0]]) {
			continue
		}
		out = append(out, Span{Start: m[0], End: m[1], Category: Location, Confidence: 0.8, Detector: "coordinates"})
	}
	return out
}
