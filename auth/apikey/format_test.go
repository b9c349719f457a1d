package apikey

import (
	"strings"
	"testing"
)

func TestFormatParse(t *testing.T) {
	id, secret := newID(), newSecret()
	key := format(id, secret)
	if len(key) != 61 || !strings.HasPrefix(key, "kiln_"+id+"_") {
		t.Fatalf("format = %q; want kiln_<12-char id>_<43-char secret>", key)
	}
	gotID, gotSecret, err := parse(key)
	if err != nil || gotID != id || string(gotSecret) != string(secret) {
		t.Fatalf("parse(format(id, secret)) = %q, %x, %v; want %q, %x", gotID, gotSecret, err, id, secret)
	}
}

func TestParseMalformed(t *testing.T) {
	good := format("abcdefgh2345", make([]byte, 32)) // kiln_abcdefgh2345_AAAA…A
	sec := good[len("kiln_abcdefgh2345_"):]
	for name, s := range map[string]string{
		"empty":               "",
		"prefix only":         "kiln_",
		"bearer token":        "eyJhbGciOiJSUzI1NiJ9.e30.sig",
		"upper-case prefix":   "KILN_abcdefgh2345_" + sec,
		"other prefix":        "kilm_abcdefgh2345_" + sec,
		"upper-case id":       "kiln_ABCDEFGH2345_" + sec,
		"id outside alphabet": "kiln_abcdefgh2301_" + sec,
		"id with underscore":  "kiln_abcdefgh_345_" + sec,
		"no separator":        "kiln_abcdefgh2345-" + sec,
		"short secret":        good[:len(good)-1],
		"long secret":         good + "A",
		"padded secret":       good[:len(good)-1] + "=",
		"std base64 char":     good[:len(good)-2] + "+A",
		"non-canonical tail":  good[:len(good)-1] + "B", // sets unused bits
		"trailing newline":    good[:len(good)-1] + "\n",
		"leading space":       " " + good[1:],
		"non-ASCII":           good[:len(good)-2] + "é",
	} {
		if len(s) == len(good) && s == good {
			t.Fatalf("%s: test string equals the good key", name)
		}
		if _, _, err := parse(s); err == nil {
			t.Errorf("%s: parse(%q) succeeded", name, s)
		}
	}
	if _, _, err := parse(good); err != nil {
		t.Fatalf("parse(good) = %v", err)
	}
}
