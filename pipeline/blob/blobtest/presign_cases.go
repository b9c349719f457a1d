package blobtest

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kiln-health/kiln/pipeline/blob"
)

func (s *suite) presignTTL(t *testing.T, st blob.Store) {
	ctx := ctxFor(t)
	put(t, st, "t1/ttl", []byte("x"), "")
	for _, ttl := range []time.Duration{0, -time.Second, blob.MaxPresignTTL + time.Second} {
		if _, err := st.PresignGet(ctx, "t1/ttl", ttl); !errors.Is(err, blob.ErrPresign) {
			t.Errorf("PresignGet(ttl %s) = %v, want ErrPresign", ttl, err)
		}
		if _, err := st.PresignPut(ctx, "t1/ttl", ttl, "", 10); !errors.Is(err, blob.ErrPresign) {
			t.Errorf("PresignPut(ttl %s) = %v, want ErrPresign", ttl, err)
		}
	}
	if _, err := st.PresignGet(ctx, "t1/ttl", blob.MaxPresignTTL); err != nil {
		t.Errorf("PresignGet(ttl MaxPresignTTL): %v", err)
	}
}

func (s *suite) presignGetURL(t *testing.T, st blob.Store, key string, ttl time.Duration) string {
	t.Helper()
	u, err := st.PresignGet(ctxFor(t), key, ttl)
	if err != nil {
		t.Fatalf("PresignGet(%s): %v", key, err)
	}
	return u
}

func (s *suite) presignGet(t *testing.T, st blob.Store) {
	data := payload(200<<10, 5)
	put(t, st, "t1/scan.pdf", data, "application/pdf")
	u := s.presignGetURL(t, st, "t1/scan.pdf", 5*time.Minute)
	code, h, body := do(t, http.MethodGet, u, nil, nil)
	if code != http.StatusOK {
		t.Fatalf("GET presigned URL: %d %s", code, short(body))
	}
	if !bytes.Equal(body, data) {
		t.Fatalf("GET presigned URL returned %d bytes, not the %d put", len(body), len(data))
	}
	if ct := h.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("Content-Type = %q, want application/pdf", ct)
	}
	// Attachments must download, never render in the API's origin.
	if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition = %q, want attachment", cd)
	}
	// The URL stays usable for its whole TTL.
	if s.clock != nil {
		s.clock.Advance(4 * time.Minute)
		if code, _, body := do(t, http.MethodGet, u, nil, nil); code != http.StatusOK {
			t.Fatalf("GET presigned URL within TTL: %d %s", code, short(body))
		}
	}
}

func (s *suite) presignGetRange(t *testing.T, st blob.Store) {
	data := payload(4096, 6)
	put(t, st, "t1/range", data, "")
	u := s.presignGetURL(t, st, "t1/range", time.Minute)
	code, _, body := do(t, http.MethodGet, u, nil, http.Header{"Range": {"bytes=100-199"}})
	if code != http.StatusPartialContent {
		t.Fatalf("ranged GET: %d %s", code, short(body))
	}
	if !bytes.Equal(body, data[100:200]) {
		t.Fatalf("ranged GET returned other bytes")
	}
}

func (s *suite) presignGetMissing(t *testing.T, st blob.Store) {
	u := s.presignGetURL(t, st, "t1/missing", time.Minute)
	if code, _, body := do(t, http.MethodGet, u, nil, nil); code != http.StatusNotFound {
		t.Fatalf("GET presigned URL of missing object: %d %s, want 404", code, short(body))
	}
}

// presignGetOtherKey moves a valid signature onto another key, as a user
// granted one attachment might try for another.
func (s *suite) presignGetOtherKey(t *testing.T, st blob.Store) {
	put(t, st, "t1/mine", []byte("mine"), "")
	put(t, st, "t1/theirs", []byte("theirs"), "")
	u, err := url.Parse(s.presignGetURL(t, st, "t1/mine", time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = strings.Replace(u.Path, "t1/mine", "t1/theirs", 1)
	u.RawPath = ""
	if code, _, body := do(t, http.MethodGet, u.String(), nil, nil); !refused(code) || strings.Contains(string(body), "theirs") {
		t.Fatalf("GET with a signature for another key: %d %s, want refused", code, short(body))
	}
}

func (s *suite) presignGetTampered(t *testing.T, st blob.Store) {
	put(t, st, "t1/t", []byte("secret"), "")
	u, err := url.Parse(s.presignGetURL(t, st, "t1/t", time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for name, vals := range q {
		// Lengthen the validity: whatever the parameter is called, the
		// signature must cover it.
		if strings.Contains(strings.ToLower(name), "expires") {
			q.Set(name, vals[0]+"0")
		}
	}
	u.RawQuery = q.Encode()
	if code, _, body := do(t, http.MethodGet, u.String(), nil, nil); !refused(code) {
		t.Fatalf("GET with altered expiry: %d %s, want refused", code, short(body))
	}
	unsigned := *u
	unsigned.RawQuery = ""
	if code, _, body := do(t, http.MethodGet, unsigned.String(), nil, nil); !refused(code) {
		t.Fatalf("GET without signature: %d %s, want refused", code, short(body))
	}
}

func (s *suite) presignGetExpired(t *testing.T, st blob.Store) {
	if s.clock == nil {
		t.Skip("backend's presign clock cannot be moved (no blobtest.WithClock)")
	}
	put(t, st, "t1/old", []byte("old"), "")
	u := s.presignGetURL(t, st, "t1/old", time.Minute)
	s.clock.Advance(time.Minute + 2*time.Second)
	if code, _, body := do(t, http.MethodGet, u, nil, nil); code != http.StatusForbidden {
		t.Fatalf("GET expired presigned URL: %d %s, want 403", code, short(body))
	}
}

func (s *suite) presignPutURL(t *testing.T, st blob.Store, key string, ttl time.Duration, ct string, max int64) string {
	t.Helper()
	u, err := st.PresignPut(ctxFor(t), key, ttl, ct, max)
	if err != nil {
		t.Fatalf("PresignPut(%s): %v", key, err)
	}
	return u
}

func (s *suite) presignPut(t *testing.T, st blob.Store) {
	data := payload(150<<10, 7)
	u := s.presignPutURL(t, st, "t1/upload/1", 5*time.Minute, "application/pdf", 1<<20)
	code, _, body := do(t, http.MethodPut, u, data, http.Header{"Content-Type": {"application/pdf"}})
	if !is2xx(code) {
		t.Fatalf("PUT presigned URL: %d %s", code, short(body))
	}
	got, obj := get(t, st, "t1/upload/1")
	if !bytes.Equal(got, data) {
		t.Fatalf("Get after presigned PUT returned %d bytes, not the %d uploaded", len(got), len(data))
	}
	// SHA256 may be unknown for an object a client uploaded (S3).
	checkObject(t, "Get", obj, "t1/upload/1", data, "application/pdf", false)
	cobj, err := blob.CheckUpload(ctxFor(t), st, "t1/upload/1", 1<<20)
	if err != nil {
		t.Fatalf("CheckUpload: %v", err)
	}
	checkObject(t, "CheckUpload", cobj, "t1/upload/1", data, "application/pdf", false)

	// Without a signed content type, the client's is kept.
	u = s.presignPutURL(t, st, "t1/upload/2", 5*time.Minute, "", 1<<20)
	if code, _, body := do(t, http.MethodPut, u, []byte("<x/>"), http.Header{"Content-Type": {"application/xml"}}); !is2xx(code) {
		t.Fatalf("PUT presigned URL without content type: %d %s", code, short(body))
	}
	got, obj = get(t, st, "t1/upload/2")
	if string(got) != "<x/>" || obj.ContentType != "application/xml" {
		t.Fatalf("Get = %q (%s), want <x/> (application/xml)", got, obj.ContentType)
	}
}

func (s *suite) presignPutWrongContentType(t *testing.T, st blob.Store) {
	u := s.presignPutURL(t, st, "t1/typed", time.Minute, "application/pdf", 1<<20)
	code, _, body := do(t, http.MethodPut, u, []byte("<script>"), http.Header{"Content-Type": {"text/html"}})
	if !refused(code) {
		t.Fatalf("PUT with another Content-Type than signed: %d %s, want refused", code, short(body))
	}
	wantNotFound(t, st, "t1/typed")
}

// presignPutNotForGet checks that neither kind of URL works for the other
// method: a download link must not let its holder overwrite the object.
func (s *suite) presignPutNotForGet(t *testing.T, st blob.Store) {
	put(t, st, "t1/fixed", []byte("original"), "")
	g := s.presignGetURL(t, st, "t1/fixed", time.Minute)
	if code, _, body := do(t, http.MethodPut, g, []byte("overwritten"), nil); !refused(code) {
		t.Fatalf("PUT to a presigned GET URL: %d %s, want refused", code, short(body))
	}
	if got, _ := get(t, st, "t1/fixed"); string(got) != "original" {
		t.Fatalf("object changed through a GET URL: %q", got)
	}
	p := s.presignPutURL(t, st, "t1/fixed", time.Minute, "", 100)
	if code, _, body := do(t, http.MethodGet, p, nil, nil); !refused(code) || strings.Contains(string(body), "original") {
		t.Fatalf("GET from a presigned PUT URL: %d %s, want refused", code, short(body))
	}
}

func (s *suite) presignPutExpired(t *testing.T, st blob.Store) {
	if s.clock == nil {
		t.Skip("backend's presign clock cannot be moved (no blobtest.WithClock)")
	}
	u := s.presignPutURL(t, st, "t1/late", time.Minute, "text/plain", 100)
	s.clock.Advance(time.Minute + 2*time.Second)
	if code, _, body := do(t, http.MethodPut, u, []byte("late"), http.Header{"Content-Type": {"text/plain"}}); code != http.StatusForbidden {
		t.Fatalf("PUT to expired presigned URL: %d %s, want 403", code, short(body))
	}
	wantNotFound(t, st, "t1/late")
}

func (s *suite) presignPutOversize(t *testing.T, st blob.Store) {
	const max = 1000
	u := s.presignPutURL(t, st, "t1/big", time.Minute, "", max)
	code, _, body := do(t, http.MethodPut, u, payload(max+1, 8), nil)
	if s.putSizeUnbounded {
		// The backend took the upload; intake's CheckUpload must not.
		if !is2xx(code) {
			t.Fatalf("PUT over max size: %d %s (backend declared unbounded)", code, short(body))
		}
		if _, err := blob.CheckUpload(ctxFor(t), st, "t1/big", max); !errors.Is(err, blob.ErrTooLarge) {
			t.Fatalf("CheckUpload(oversized) = %v, want ErrTooLarge", err)
		}
		wantNotFound(t, st, "t1/big")
		return
	}
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("PUT over max size: %d %s, want 413", code, short(body))
	}
	wantNotFound(t, st, "t1/big")
	// Exactly max is fine.
	if code, _, body := do(t, http.MethodPut, u, payload(max, 8), nil); !is2xx(code) {
		t.Fatalf("PUT of exactly max size: %d %s", code, short(body))
	}
}
