package vault

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestLocalKEK(t *testing.T) {
	ctx := t.Context()
	k1, k2 := randomKey(), randomKey()
	old := mustLocalKEK(t, map[string][]byte{"v1": k1}, "v1")
	both := mustLocalKEK(t, map[string][]byte{"v1": k1, "v2": k2}, "v2")
	ec := keyContext("acme", "dek-1")
	dek := randomKey()

	wrapped, id, err := old.Wrap(ctx, dek, ec)
	if err != nil || id != "v1" {
		t.Fatalf("Wrap = %s, %v", id, err)
	}
	if bytes.Contains(wrapped, dek) {
		t.Fatal("wrapped key contains the key")
	}
	if got, err := both.Unwrap(ctx, wrapped, id, ec); err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("Unwrap under an older KEK version = %v", err)
	}
	if _, id, _ := both.Wrap(ctx, dek, ec); id != "v2" {
		t.Errorf("Wrap used %s, want the current v2", id)
	}

	tests := []struct {
		name    string
		wrapped []byte
		id      string
		ec      EncryptionContext
	}{
		{"other tenant", wrapped, "v1", keyContext("globex", "dek-1")},
		{"other key name", wrapped, "v1", keyContext("acme", "dek-2")},
		{"no context", wrapped, "v1", nil},
		{"other KEK id", wrapped, "v2", ec},
		{"unknown KEK id", wrapped, "v9", ec},
		{"truncated", wrapped[:len(wrapped)-1], "v1", ec},
	}
	for _, tt := range tests {
		if _, err := both.Unwrap(ctx, tt.wrapped, tt.id, tt.ec); err == nil {
			t.Errorf("%s: Unwrap succeeded", tt.name)
		}
	}
	if s := both.String(); strings.Contains(s, base64.StdEncoding.EncodeToString(k1)) || s != "LocalKEK(v1,v2; current v2)" {
		t.Errorf("String() = %q", s)
	}
}

func TestNewLocalKEKErrors(t *testing.T) {
	tests := []struct {
		name    string
		keys    map[string][]byte
		current string
	}{
		{"no current", map[string][]byte{"v1": randomKey()}, "v2"},
		{"short key", map[string][]byte{"v1": randomKey()[:16]}, "v1"},
		{"bad id", map[string][]byte{"v 1": randomKey()}, "v 1"},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		if _, err := NewLocalKEK(tt.keys, tt.current); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error = %v, want ErrInvalid", tt.name, err)
		}
	}
}

func TestParseKEKs(t *testing.T) {
	k1, k2 := randomKey(), randomKey()
	b1, b2 := base64.StdEncoding.EncodeToString(k1), base64.RawStdEncoding.EncodeToString(k2)
	good := []struct {
		in      string
		current string
	}{
		{"v1:" + b1, "v1"},
		{"v1:" + b1 + ",v2:" + b2, "v2"},
		{" v1 : " + b1 + " , v2:" + b2 + ",", "v2"},
	}
	for _, tt := range good {
		k, err := ParseKEKs(tt.in)
		if err != nil {
			t.Errorf("ParseKEKs: %v", err)
			continue
		}
		if k.Current() != tt.current {
			t.Errorf("current = %s, want %s", k.Current(), tt.current)
		}
		wrapped, _, _ := k.Wrap(t.Context(), k1, nil)
		if _, err := mustLocalKEK(t, map[string][]byte{"v1": k1, "v2": k2}, "v1").Unwrap(t.Context(), wrapped, k.Current(), nil); err != nil {
			t.Errorf("keys were not decoded as given: %v", err)
		}
	}

	bad := []struct{ name, in string }{
		{"empty", ""},
		{"no id", b1},
		{"not base64", "v1:" + strings.Repeat("!", 44)},
		{"short", "v1:" + base64.StdEncoding.EncodeToString(k1[:31])},
		{"duplicate", "v1:" + b1 + ",v1:" + b1},
		{"bad id", "v/1:" + b1},
	}
	for _, tt := range bad {
		_, err := ParseKEKs(tt.in)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error = %v, want ErrInvalid", tt.name, err)
			continue
		}
		if strings.Contains(err.Error(), b1[:16]) || strings.Contains(err.Error(), "!!!!") {
			t.Errorf("%s: error shows key material: %v", tt.name, err)
		}
	}
}
