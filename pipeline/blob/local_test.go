package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiln-health/kiln/pipeline/blob"
	"github.com/kiln-health/kiln/pipeline/blob/blobtest"
)

var testSecret = bytes.Repeat([]byte("k"), 32)

// newLocal returns a Local store whose Handler is served, as the server
// will serve it, at /blob/ of a test HTTP server.
func newLocal(t *testing.T, clock *blobtest.Clock) *blob.Local {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	l, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{
		PublicURL: "http://" + srv.Listener.Addr().String() + "/blob",
		Secret:    testSecret,
		Now:       clock.Now,
	})
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/blob/", l.Handler())
	srv.Config.Handler = mux
	srv.Start()
	return l
}

func TestLocalConformance(t *testing.T) {
	clock := blobtest.NewClock(time.Now())
	blobtest.Run(t, func(t *testing.T) blob.Store { return newLocal(t, clock) }, blobtest.WithClock(clock))
}

// tempFiles lists files a Put may have left behind.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestLocalLayoutAndNoLeftovers(t *testing.T) {
	ctx := context.Background()
	l := newLocal(t, blobtest.NewClock(time.Now()))
	if _, err := l.Put(ctx, "t1/a/b.pdf", strings.NewReader("pdf"), 3, "application/pdf"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(l.Dir(), "t1", "a", "b.pdf"))
	if err != nil {
		t.Fatalf("object file: %v", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("object file mode %v is readable by others", fi.Mode())
	}
	// Failed Puts of every kind leave no temporary file.
	_, _ = l.Put(ctx, "t1/a/c", strings.NewReader("toolong"), 3, "")
	_, _ = l.Put(ctx, "t1/a/c", strings.NewReader("x"), 3, "")
	_, _ = l.Put(ctx, "t1/a/c", io.MultiReader(strings.NewReader("x"), errReader{}), 3, "")
	if left := tempFiles(t, l.Dir()); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("network gone") }

func TestLocalMaxSize(t *testing.T) {
	ctx := context.Background()
	l, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{MaxSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Put(ctx, "t1/big", strings.NewReader("01234567890"), 11, ""); !errors.Is(err, blob.ErrTooLarge) {
		t.Errorf("Put(11 bytes, declared) = %v, want ErrTooLarge", err)
	}
	if _, err := l.Put(ctx, "t1/big", strings.NewReader("01234567890"), -1, ""); !errors.Is(err, blob.ErrTooLarge) {
		t.Errorf("Put(11 bytes, size -1) = %v, want ErrTooLarge", err)
	}
	if _, err := l.Stat(ctx, "t1/big"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat after refused Put = %v, want ErrNotFound", err)
	}
	if _, err := l.Put(ctx, "t1/ok", strings.NewReader("0123456789"), -1, ""); err != nil {
		t.Errorf("Put(10 bytes, size -1): %v", err)
	}
	if left := tempFiles(t, l.Dir()); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// TestLocalSymlinkEscape plants a symlink out of the store's directory:
// os.Root must refuse to follow it, whatever the key.
func TestLocalSymlinkEscape(t *testing.T) {
	ctx := context.Background()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(l.Dir(), "t1"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(l.Dir(), "t1", "link")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Get(ctx, "t1/link/secret"); err == nil {
		t.Fatal("Get followed a symlink out of the store")
	}
	if _, err := l.Put(ctx, "t1/link/new", strings.NewReader("x"), 1, ""); err == nil {
		t.Fatal("Put followed a symlink out of the store")
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file created outside the store: %v", err)
	}
}

func TestLocalCorruptFile(t *testing.T) {
	ctx := context.Background()
	l, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Put(ctx, "t1/doc", strings.NewReader("hello world"), 11, ""); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(l.Dir(), "t1", "doc")
	for name, content := range map[string]string{
		"foreign":   "just some bytes that are not an object",
		"truncated": "hel",
		"empty":     "",
	} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := l.Get(ctx, "t1/doc"); err == nil || errors.Is(err, blob.ErrNotFound) {
			t.Errorf("%s: Get = %v, want a corruption error", name, err)
		}
	}
}

func TestLocalPresignNeedsURLAndSecret(t *testing.T) {
	ctx := context.Background()
	l, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.PresignGet(ctx, "t1/a", time.Minute); !errors.Is(err, blob.ErrPresign) {
		t.Errorf("PresignGet without secret = %v, want ErrPresign", err)
	}
	if err := l.Verify(http.MethodGet, "t1/a", url.Values{}); !errors.Is(err, blob.ErrPresign) {
		t.Errorf("Verify without secret = %v, want ErrPresign", err)
	}
	if _, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{Secret: []byte("short")}); err == nil {
		t.Error("NewLocal accepted a 5-byte secret")
	}
	for _, pub := range []string{"ftp://x/blob", "/blob", "http://x/blob?a=b"} {
		if _, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{PublicURL: pub, Secret: testSecret}); err == nil {
			t.Errorf("NewLocal accepted public URL %q", pub)
		}
	}
}

func TestLocalVerify(t *testing.T) {
	ctx := context.Background()
	clock := blobtest.NewClock(time.Unix(1_700_000_000, 0))
	l, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{PublicURL: "https://kiln.example/blob/", Secret: testSecret, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := l.PresignGet(ctx, "t1/a.pdf", 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	if u.Path != "/blob/t1/a.pdf" || u.Host != "kiln.example" {
		t.Fatalf("presigned URL %s", raw)
	}
	q := u.Query()
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		if err := l.Verify(m, "t1/a.pdf", q); err != nil {
			t.Errorf("Verify(%s): %v", m, err)
		}
	}
	if err := l.Verify(http.MethodPut, "t1/a.pdf", q); !errors.Is(err, blob.ErrBadSignature) {
		t.Errorf("Verify(PUT) of a GET URL = %v, want ErrBadSignature", err)
	}
	if err := l.Verify(http.MethodGet, "t1/b.pdf", q); !errors.Is(err, blob.ErrBadSignature) {
		t.Errorf("Verify(other key) = %v, want ErrBadSignature", err)
	}
	if err := l.Verify(http.MethodGet, "../t1/a.pdf", q); !errors.Is(err, blob.ErrInvalidKey) {
		t.Errorf("Verify(bad key) = %v, want ErrInvalidKey", err)
	}
	other, _ := blob.NewLocal(t.TempDir(), blob.LocalOptions{PublicURL: "https://kiln.example/blob", Secret: bytes.Repeat([]byte("x"), 32), Now: clock.Now})
	if err := other.Verify(http.MethodGet, "t1/a.pdf", q); !errors.Is(err, blob.ErrBadSignature) {
		t.Errorf("Verify with another secret = %v, want ErrBadSignature", err)
	}
	clock.Advance(89 * time.Second)
	if err := l.Verify(http.MethodGet, "t1/a.pdf", q); err != nil {
		t.Errorf("Verify at 89s of 90s: %v", err)
	}
	clock.Advance(time.Second)
	if err := l.Verify(http.MethodGet, "t1/a.pdf", q); !errors.Is(err, blob.ErrExpired) {
		t.Errorf("Verify at 90s of 90s = %v, want ErrExpired", err)
	}

	// A PUT grant's content type and size limit are signed.
	raw, err = l.PresignPut(ctx, "t1/up", time.Minute, "application/pdf", 100)
	if err != nil {
		t.Fatal(err)
	}
	u, _ = url.Parse(raw)
	q = u.Query()
	if err := l.Verify(http.MethodPut, "t1/up", q); err != nil {
		t.Fatalf("Verify(PUT): %v", err)
	}
	for param, v := range map[string]string{"max": "1000000", "ct": "text/html", "method": "GET"} {
		bad := url.Values{}
		for k, vs := range q {
			bad[k] = vs
		}
		bad.Set(param, v)
		if err := l.Verify(http.MethodPut, "t1/up", bad); !errors.Is(err, blob.ErrBadSignature) {
			t.Errorf("Verify with %s=%s = %v, want ErrBadSignature", param, v, err)
		}
	}
	if _, err := l.PresignPut(ctx, "t1/up", time.Minute, "", blob.DefaultMaxSize+1); !errors.Is(err, blob.ErrPresign) {
		t.Errorf("PresignPut above the store's max = %v, want ErrPresign", err)
	}
}

func TestLocalHandler(t *testing.T) {
	ctx := context.Background()
	l := newLocal(t, blobtest.NewClock(time.Now()))
	if _, err := l.Put(ctx, "t1/dir/file", strings.NewReader("<html><script>alert(1)</script>"), -1, "text/html"); err != nil {
		t.Fatal(err)
	}
	base, _, _ := strings.Cut(mustPresign(t, l, "t1/dir/file"), "/t1/")

	// A presigned URL for a directory never lists it.
	code, _, body := send(t, http.MethodGet, mustPresign(t, l, "t1/dir"), nil, nil)
	if code != http.StatusNotFound || strings.Contains(body, "file") {
		t.Errorf("GET of a directory: %d %q, want 404", code, body)
	}
	// HTML is served as a download, sandboxed, never cached.
	code, h, body := send(t, http.MethodGet, mustPresign(t, l, "t1/dir/file"), nil, nil)
	if code != http.StatusOK || !strings.Contains(body, "script") {
		t.Fatalf("GET: %d %q", code, body)
	}
	for k, want := range map[string]string{
		"Content-Disposition":     `attachment; filename=file`,
		"Content-Security-Policy": "sandbox; default-src 'none'",
		"Cache-Control":           "no-store",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	code, h, body = send(t, http.MethodHead, mustPresign(t, l, "t1/dir/file"), nil, nil)
	if code != http.StatusOK || body != "" || h.Get("Content-Length") != "31" {
		t.Errorf("HEAD: %d %q length %s", code, body, h.Get("Content-Length"))
	}
	if code, _, _ := send(t, http.MethodPost, mustPresign(t, l, "t1/dir/file"), nil, nil); code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", code)
	}
	if code, _, _ := send(t, http.MethodGet, base+"/../etc/passwd", nil, nil); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Errorf("GET ../etc/passwd: %d", code)
	}

	// A chunked upload (no Content-Length) is cut off at the signed limit.
	put, err := l.PresignPut(ctx, "t1/chunked", time.Minute, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	code, _, body = send(t, http.MethodPut, put, onlyReader{strings.NewReader(strings.Repeat("x", 101))}, nil)
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked PUT of 101 bytes, max 100: %d %q, want 413", code, body)
	}
	if _, err := l.Stat(ctx, "t1/chunked"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat after refused chunked PUT = %v", err)
	}
	code, _, body = send(t, http.MethodPut, put, onlyReader{strings.NewReader(strings.Repeat("x", 100))}, nil)
	if code != http.StatusOK {
		t.Errorf("chunked PUT of 100 bytes, max 100: %d %q", code, body)
	}
	obj, err := l.Stat(ctx, "t1/chunked")
	if err != nil || obj.Size != 100 || obj.SHA256 == "" {
		t.Errorf("Stat after chunked PUT = %+v, %v", obj, err)
	}
}

type onlyReader struct{ io.Reader }

func mustPresign(t *testing.T, l *blob.Local, key string) string {
	t.Helper()
	u, err := l.PresignGet(context.Background(), key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func send(t *testing.T, method, u string, body io.Reader, h http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestLocalKeyConflicts covers what a filesystem cannot hold and S3 can:
// an object at a path that is also the directory of other keys. Local
// refuses such a Put with an error and leaves both sides intact.
func TestLocalKeyConflicts(t *testing.T) {
	ctx := context.Background()
	l, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Put(ctx, "t1/a/b", strings.NewReader("b"), 1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Put(ctx, "t1/a", strings.NewReader("a"), 1, ""); err == nil {
		t.Error("Put over a directory of keys succeeded")
	}
	if _, err := l.Put(ctx, "t1/a/b/c", strings.NewReader("c"), 1, ""); err == nil {
		t.Error("Put below an object succeeded")
	}
	if _, err := l.Stat(ctx, "t1/a/b"); err != nil {
		t.Errorf("existing object damaged: %v", err)
	}
	if left := tempFiles(t, l.Dir()); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
