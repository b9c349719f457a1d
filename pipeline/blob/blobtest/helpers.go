package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kiln-health/kiln/pipeline/blob"
)

// payload returns n deterministic pseudo-random bytes.
func payload(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x6b696c6e))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func put(t *testing.T, st blob.Store, key string, data []byte, ct string) blob.Object {
	t.Helper()
	obj, err := st.Put(ctxFor(t), key, bytes.NewReader(data), int64(len(data)), ct)
	if err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
	return obj
}

// get reads the whole object.
func get(t *testing.T, st blob.Store, key string) ([]byte, blob.Object) {
	t.Helper()
	rc, obj, err := st.Get(ctxFor(t), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%s): read: %v", key, err)
	}
	return b, obj
}

// checkObject compares the fields a store must report for data.
func checkObject(t *testing.T, what string, obj blob.Object, key string, data []byte, ct string, wantSHA bool) {
	t.Helper()
	if obj.Key != key {
		t.Errorf("%s: Key = %q, want %q", what, obj.Key, key)
	}
	if obj.Size != int64(len(data)) {
		t.Errorf("%s: Size = %d, want %d", what, obj.Size, len(data))
	}
	if obj.ContentType != ct {
		t.Errorf("%s: ContentType = %q, want %q", what, obj.ContentType, ct)
	}
	if want := sum(data); (wantSHA || obj.SHA256 != "") && obj.SHA256 != want {
		t.Errorf("%s: SHA256 = %q, want %q", what, obj.SHA256, want)
	}
	if obj.Modified.IsZero() {
		t.Errorf("%s: Modified is zero", what)
	}
}

func wantNotFound(t *testing.T, st blob.Store, key string) {
	t.Helper()
	if _, err := st.Stat(ctxFor(t), key); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat(%s) = %v, want ErrNotFound", key, err)
	}
}

// do sends one request with plain net/http and returns the status and
// body.
func do(t *testing.T, method, url string, body []byte, header http.Header) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctxFor(t), method, url, r)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, b
}

func is2xx(code int) bool { return code >= 200 && code < 300 }

// refused reports whether a status means "not allowed" (4xx).
func refused(code int) bool { return code >= 400 && code < 500 }

func short(b []byte) string {
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.TrimSpace(s)
}
