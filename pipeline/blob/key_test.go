package blob_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/pipeline/blob"
)

func TestValidateKey(t *testing.T) {
	good := []string{
		"t1/a",
		"tenant-1/DocumentReference/123/original.pdf",
		"T_1/x.y.z/-dash_/9",
		"t1/" + strings.Repeat("a", 255),
		strings.Repeat("ab/", 340) + "abcd", // 1024 bytes
	}
	for _, k := range good {
		if err := blob.ValidateKey(k); err != nil {
			t.Errorf("ValidateKey(%q): %v", k, err)
		}
	}
	bad := []string{
		"", "t1", "/t1/a", "t1/a/", "t1//a", "./t1/a", "t1/./a", "t1/../a", "..", "../t1/a",
		"t1/.tmp-123", "t1/a?b", "t1/a#b", "t1/a:b", "t1/a\nb", `t1\..\a`, "t1/a b", "t1/é",
		strings.Repeat("ab/", 340) + "abcde", // 1025 bytes
	}
	for _, k := range bad {
		if err := blob.ValidateKey(k); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}
