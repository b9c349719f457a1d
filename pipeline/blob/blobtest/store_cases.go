package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/kiln-health/kiln/pipeline/blob"
)

func (s *suite) roundTrip(t *testing.T, st blob.Store) {
	data := payload(300<<10, 1)
	const key, ct = "t1/docs/report.pdf", "application/pdf"
	before := time.Now().Add(-time.Hour)
	obj := put(t, st, key, data, ct)
	checkObject(t, "Put", obj, key, data, ct, true)

	got, gobj := get(t, st, key)
	if !bytes.Equal(got, data) {
		t.Fatalf("Get returned %d bytes, not the %d put", len(got), len(data))
	}
	checkObject(t, "Get", gobj, key, data, ct, true)

	sobj, err := st.Stat(ctxFor(t), key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkObject(t, "Stat", sobj, key, data, ct, true)
	if sobj.Modified.Before(before) {
		t.Errorf("Stat: Modified %v is long before the Put", sobj.Modified)
	}
}

func (s *suite) defaultContentType(t *testing.T, st blob.Store) {
	data := []byte("bytes")
	obj := put(t, st, "t1/x", data, "")
	checkObject(t, "Put", obj, "t1/x", data, blob.DefaultContentType, true)
	sobj, err := st.Stat(ctxFor(t), "t1/x")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkObject(t, "Stat", sobj, "t1/x", data, blob.DefaultContentType, true)
}

func (s *suite) emptyObject(t *testing.T, st blob.Store) {
	obj := put(t, st, "t1/empty", nil, "text/plain")
	checkObject(t, "Put", obj, "t1/empty", nil, "text/plain", true)
	got, gobj := get(t, st, "t1/empty")
	if len(got) != 0 {
		t.Fatalf("Get returned %d bytes, want 0", len(got))
	}
	checkObject(t, "Get", gobj, "t1/empty", nil, "text/plain", true)
}

// onlyReader hides every method but Read, as a network body would.
type onlyReader struct{ io.Reader }

func (s *suite) unknownSize(t *testing.T, st blob.Store) {
	data := payload(70<<10, 2)
	obj, err := st.Put(ctxFor(t), "t1/unknown", onlyReader{bytes.NewReader(data)}, -1, "image/png")
	if err != nil {
		t.Fatalf("Put(size -1): %v", err)
	}
	checkObject(t, "Put", obj, "t1/unknown", data, "image/png", true)
	got, _ := get(t, st, "t1/unknown")
	if !bytes.Equal(got, data) {
		t.Fatal("Get after Put(size -1) returned other bytes")
	}
}

func (s *suite) nonSeekableReader(t *testing.T, st blob.Store) {
	data := payload(1<<20+17, 3)
	obj, err := st.Put(ctxFor(t), "t1/stream", onlyReader{bytes.NewReader(data)}, int64(len(data)), "application/pdf")
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	checkObject(t, "Put", obj, "t1/stream", data, "application/pdf", true)
	got, _ := get(t, st, "t1/stream")
	if !bytes.Equal(got, data) {
		t.Fatal("Get returned other bytes")
	}
}

func (s *suite) sizeMismatch(t *testing.T, st blob.Store) {
	for _, tc := range []struct {
		name string
		body []byte
		size int64
	}{
		{"longer", []byte("0123456789A"), 10},
		{"shorter", []byte("012345678"), 10},
	} {
		for _, seekable := range []bool{true, false} {
			var r io.Reader = bytes.NewReader(tc.body)
			if !seekable {
				r = onlyReader{r}
			}
			_, err := st.Put(ctxFor(t), "t1/mismatch", r, tc.size, "")
			if !errors.Is(err, blob.ErrSizeMismatch) {
				t.Errorf("%s (seekable %v): Put = %v, want ErrSizeMismatch", tc.name, seekable, err)
			}
			wantNotFound(t, st, "t1/mismatch")
		}
	}
}

func (s *suite) failedOverwriteKeepsOld(t *testing.T, st blob.Store) {
	old := []byte("the original")
	put(t, st, "t1/keep", old, "text/plain")
	if _, err := st.Put(ctxFor(t), "t1/keep", bytes.NewReader([]byte("much too long")), 3, "text/html"); !errors.Is(err, blob.ErrSizeMismatch) {
		t.Fatalf("Put = %v, want ErrSizeMismatch", err)
	}
	got, obj := get(t, st, "t1/keep")
	if !bytes.Equal(got, old) {
		t.Fatalf("after failed overwrite Get = %q, want %q", got, old)
	}
	checkObject(t, "Get", obj, "t1/keep", old, "text/plain", true)
}

func (s *suite) overwrite(t *testing.T, st blob.Store) {
	put(t, st, "t1/doc", payload(5000, 4), "application/pdf")
	second := []byte("shorter replacement")
	put(t, st, "t1/doc", second, "text/plain")
	got, obj := get(t, st, "t1/doc")
	if !bytes.Equal(got, second) {
		t.Fatalf("Get after overwrite = %q", short(got))
	}
	checkObject(t, "Get", obj, "t1/doc", second, "text/plain", true)
}

// concurrentOverwrite checks that racing Puts never leave a mixture: the
// object read afterwards is one whole payload with its own metadata.
func (s *suite) concurrentOverwrite(t *testing.T, st blob.Store) {
	const n = 6
	payloads := make(map[string][]byte)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		data := payload(64<<10+i*1000, uint64(100+i))
		payloads[sum(data)] = data
		wg.Go(func() {
			if _, err := st.Put(ctxFor(t), "t1/race", bytes.NewReader(data), int64(len(data)), ""); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Put: %v", err)
	}
	got, obj := get(t, st, "t1/race")
	want, ok := payloads[sum(got)]
	if !ok {
		t.Fatalf("Get returned %d bytes that no Put wrote", len(got))
	}
	checkObject(t, "Get", obj, "t1/race", want, blob.DefaultContentType, true)
}

func (s *suite) notFound(t *testing.T, st blob.Store) {
	ctx := ctxFor(t)
	if _, _, err := st.Get(ctx, "t1/missing"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Get(missing) = %v, want ErrNotFound", err)
	}
	wantNotFound(t, st, "t1/missing")
	// A key below another key, and a key that is only a prefix of others.
	put(t, st, "t1/dir/file", []byte("x"), "")
	for _, k := range []string{"t1/dir", "t1/dir/file/below", "t1/di"} {
		if _, _, err := st.Get(ctx, k); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Get(%s) = %v, want ErrNotFound", k, err)
		}
		wantNotFound(t, st, k)
	}
}

func (s *suite) deleteIdempotent(t *testing.T, st blob.Store) {
	ctx := ctxFor(t)
	put(t, st, "t1/gone", []byte("bye"), "")
	if err := st.Delete(ctx, "t1/gone"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNotFound(t, st, "t1/gone")
	if err := st.Delete(ctx, "t1/gone"); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if err := st.Delete(ctx, "t9/never/existed"); err != nil {
		t.Fatalf("Delete(never existed): %v", err)
	}
	// Deleting a "directory" of other keys deletes nothing.
	put(t, st, "t1/d/a", []byte("a"), "")
	if err := st.Delete(ctx, "t1/d"); err != nil {
		t.Fatalf("Delete(prefix): %v", err)
	}
	if _, err := st.Stat(ctx, "t1/d/a"); err != nil {
		t.Fatalf("Delete(prefix) removed a key below it: %v", err)
	}
}

func (s *suite) keysAreDistinct(t *testing.T, st blob.Store) {
	keys := []string{"t1/a", "t1/ab", "t2/a", "t1/sub/a", "t1/a.pdf"}
	for _, k := range keys {
		put(t, st, k, []byte(k), "")
	}
	for _, k := range keys {
		got, _ := get(t, st, k)
		if string(got) != k {
			t.Errorf("Get(%s) = %q", k, got)
		}
	}
}

// badKeys could escape a tenant prefix or the store's root, or are
// otherwise outside the key grammar.
var badKeys = []string{
	"", "t1", "/t1/a", "t1/a/", "t1//a", "t1/./a", "t1/../t2/a", "../etc/passwd",
	"t1/..", "t1/.hidden", "t1/a b", "t1/a\x00b", `t1\a`, "t1/a%2F..", "t1/ä",
	"t1/" + string(bytes.Repeat([]byte("a"), 256)),
	string(bytes.Repeat([]byte("a/"), 520)) + "a",
}

func (s *suite) keyValidation(t *testing.T, st blob.Store) {
	ctx := ctxFor(t)
	for _, k := range badKeys {
		if _, err := st.Put(ctx, k, bytes.NewReader([]byte("x")), 1, ""); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, _, err := st.Get(ctx, k); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Get(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, err := st.Stat(ctx, k); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Stat(%q) = %v, want ErrInvalidKey", k, err)
		}
		if err := st.Delete(ctx, k); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, err := st.PresignGet(ctx, k, time.Minute); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("PresignGet(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, err := st.PresignPut(ctx, k, time.Minute, "", 10); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("PresignPut(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}

func (s *suite) invalidContentType(t *testing.T, st blob.Store) {
	ctx := ctxFor(t)
	for _, ct := range []string{"not a type", "text/plain\r\nX-Evil: 1", "text/"} {
		if _, err := st.Put(ctx, "t1/ct", bytes.NewReader([]byte("x")), 1, ct); !errors.Is(err, blob.ErrInvalidContentType) {
			t.Errorf("Put(ct %q) = %v, want ErrInvalidContentType", ct, err)
		}
		if _, err := st.PresignPut(ctx, "t1/ct", time.Minute, ct, 10); !errors.Is(err, blob.ErrInvalidContentType) {
			t.Errorf("PresignPut(ct %q) = %v, want ErrInvalidContentType", ct, err)
		}
	}
	wantNotFound(t, st, "t1/ct")
}

func (s *suite) cancelledContext(t *testing.T, st blob.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := st.Put(ctx, "t1/cancelled", bytes.NewReader([]byte("x")), 1, ""); err == nil {
		t.Fatal("Put with a cancelled context succeeded")
	}
	wantNotFound(t, st, "t1/cancelled")
}
