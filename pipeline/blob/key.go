package blob

import (
	"fmt"
	"strings"
)

const (
	maxKeyLen     = 1024 // S3's limit on a key, in bytes
	maxSegmentLen = 255  // the usual limit on one file name
)

// ValidateKey accepts keys of the form "tenant/name[/name…]": at least two
// slash-separated segments, each 1–255 bytes of [A-Za-z0-9._-] that does
// not start with a dot, and 1024 bytes in all.
//
// The rules are deliberately narrower than what S3 allows. With no empty,
// "." or ".." segment and no leading slash, a key can never climb out of
// its tenant prefix or out of the Local store's directory; with no leading
// dot it can never collide with the Local store's temporary files; and
// with nothing that needs escaping it reads the same in a file name, an S3
// key and a URL path.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > maxKeyLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidKey, maxKeyLen)
	}
	segments := strings.Split(key, "/")
	if len(segments) < 2 {
		return fmt.Errorf("%w: %q has no tenant prefix", ErrInvalidKey, key)
	}
	for _, s := range segments {
		if err := validSegment(s); err != nil {
			return fmt.Errorf("%w: %q: %s", ErrInvalidKey, key, err)
		}
	}
	return nil
}

// validSegment checks one path segment of a key.
func validSegment(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty segment")
	case len(s) > maxSegmentLen:
		return fmt.Errorf("segment longer than %d bytes", maxSegmentLen)
	case s[0] == '.':
		return fmt.Errorf("segment %q starts with a dot", s)
	}
	for i := 0; i < len(s); i++ {
		if !keyByte(s[i]) {
			return fmt.Errorf("byte %q not allowed", s[i])
		}
	}
	return nil
}

func keyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}
