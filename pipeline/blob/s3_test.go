package blob_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/kiln-health/kiln/pipeline/blob"
	"github.com/kiln-health/kiln/pipeline/blob/blobtest"
)

const (
	testBucket    = "kiln-test"
	testAccessKey = "AKIDKILNTEST"
	testSecretKey = "kiln-test-secret-access-key"
)

// newS3 starts gofakes3 in-process and returns an S3 store talking to it
// through the real aws-sdk-go-v2 client, path-style, with static
// credentials.
func newS3(t *testing.T, clock *blobtest.Clock) *blob.S3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(backend)
	srv := httptest.NewServer(presignGuard{clock: clock, next: fake.Server()})
	t.Cleanup(srv.Close)
	st, err := blob.NewS3(context.Background(), blob.S3Options{
		Bucket:          testBucket,
		Prefix:          "kiln/blobs",
		Region:          "eu-west-1",
		Endpoint:        srv.URL,
		UsePathStyle:    true,
		AccessKeyID:     testAccessKey,
		SecretAccessKey: testSecretKey,
		Now:             clock.Now,
	})
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	return st
}

// TestS3Conformance runs the suite against gofakes3. gofakes3 checks no
// signature at all, so presignGuard does what S3 does with a presigned
// URL before passing it on: recompute the SigV4 signature over the
// request the client actually sent, and refuse it once X-Amz-Date plus
// X-Amz-Expires has passed on the test clock. What stays untested is S3's
// own enforcement; what is tested is that our URLs carry the right
// expiry, scope and signed headers, and that plain net/http can use them.
func TestS3Conformance(t *testing.T) {
	clock := blobtest.NewClock(time.Now())
	blobtest.Run(t, func(t *testing.T) blob.Store { return newS3(t, clock) },
		blobtest.WithClock(clock),
		// A presigned PUT cannot bound its body on S3 either.
		blobtest.PresignedPutSizeUnbounded())
}

// presignGuard verifies presigned requests (those with X-Amz-Signature in
// the query) the way S3 does, and refuses anonymous ones as a private
// bucket would; requests the SDK signs in the Authorization header pass
// through unchecked.
type presignGuard struct {
	clock *blobtest.Clock
	next  http.Handler
}

func (g presignGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Query().Has("X-Amz-Signature"):
		if err := g.verify(r); err != nil {
			http.Error(w, "AccessDenied: "+err.Error(), http.StatusForbidden)
			return
		}
	case r.Header.Get("Authorization") == "":
		// A private bucket refuses anonymous requests; gofakes3 would not.
		http.Error(w, "AccessDenied: anonymous request", http.StatusForbidden)
		return
	}
	g.next.ServeHTTP(w, r)
}

func (g presignGuard) verify(r *http.Request) error {
	q := r.URL.Query()
	date, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return errors.New("bad X-Amz-Date")
	}
	expires, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || expires <= 0 || expires > 7*24*3600 {
		return errors.New("bad X-Amz-Expires")
	}
	if g.clock.Now().After(date.Add(time.Duration(expires) * time.Second)) {
		return errors.New("request has expired")
	}
	scope := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(scope) != 5 || scope[0] != testAccessKey || scope[3] != "s3" {
		return errors.New("bad credential scope")
	}
	got := q.Get("X-Amz-Signature")
	q.Del("X-Amz-Signature")

	// Rebuild the request as signed: the URL without its signature and
	// only the headers the URL says were signed, as the client sent them.
	u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	req, err := http.NewRequest(r.Method, u.String(), nil)
	if err != nil {
		return err
	}
	for _, h := range strings.Split(q.Get("X-Amz-SignedHeaders"), ";") {
		if h != "host" {
			req.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	signed, _, err := signer.PresignHTTP(r.Context(), aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey},
		req, "UNSIGNED-PAYLOAD", "s3", scope[2], date)
	if err != nil {
		return err
	}
	su, err := url.Parse(signed)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(su.Query().Get("X-Amz-Signature")), []byte(got)) {
		return errors.New("signature does not match")
	}
	return nil
}

func TestS3PresignedURLShape(t *testing.T) {
	ctx := context.Background()
	clock := blobtest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	st := newS3(t, clock)
	raw, err := st.PresignGet(ctx, "t1/a.pdf", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	q := u.Query()
	if u.Path != "/"+testBucket+"/kiln/blobs/t1/a.pdf" {
		t.Errorf("path %q, want bucket, prefix and key", u.Path)
	}
	for k, want := range map[string]string{
		"X-Amz-Expires":                "600",
		"X-Amz-Date":                   "20260301T120000Z",
		"X-Amz-Algorithm":              "AWS4-HMAC-SHA256",
		"X-Amz-SignedHeaders":          "host",
		"response-content-disposition": "attachment; filename=a.pdf",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if !strings.HasPrefix(q.Get("X-Amz-Credential"), testAccessKey+"/20260301/eu-west-1/s3/") {
		t.Errorf("X-Amz-Credential = %q", q.Get("X-Amz-Credential"))
	}
	raw, err = st.PresignPut(ctx, "t1/up", time.Hour, "application/pdf", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	u, _ = url.Parse(raw)
	if sh := u.Query().Get("X-Amz-SignedHeaders"); sh != "content-type;host" {
		t.Errorf("PUT X-Amz-SignedHeaders = %q, want content-type;host (and no header a plain client would not send)", sh)
	}
}

func TestS3StoresUnderPrefixWithChecksum(t *testing.T) {
	ctx := context.Background()
	backend := s3mem.New()
	if err := backend.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	st, err := blob.Open(ctx, "s3://"+testBucket+"/pre/fix?region=us-east-1&path_style=true&endpoint="+url.QueryEscape(srv.URL),
		blob.WithS3Options(blob.S3Options{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey}))
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("hello, bucket")
	obj, err := st.Put(ctx, "t1/x", bytes.NewReader(data), int64(len(data)), "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := backend.HeadObject(testBucket, "pre/fix/t1/x")
	if err != nil {
		t.Fatalf("object not under prefix: %v", err)
	}
	if got := stored.Metadata["X-Amz-Meta-Sha256"]; got != obj.SHA256 {
		t.Errorf("stored sha256 metadata %q, want %q (all metadata %v)", got, obj.SHA256, stored.Metadata)
	}
}

func TestS3MissingBucketIsNotNotFound(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	st, err := blob.NewS3(ctx, blob.S3Options{Bucket: "nope", Region: "us-east-1", Endpoint: srv.URL, UsePathStyle: true,
		AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Get(ctx, "t1/x"); err == nil || errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Get from a missing bucket = %v, want a bucket error, not ErrNotFound", err)
	}
}

func TestS3Options(t *testing.T) {
	ctx := context.Background()
	for name, o := range map[string]blob.S3Options{
		"no bucket":   {},
		"bad prefix":  {Bucket: "b", Prefix: "a/../b"},
		"bad sse":     {Bucket: "b", ServerSideEncryption: "rot13"},
		"kms key AES": {Bucket: "b", KMSKeyID: "k"},
	} {
		if _, err := blob.NewS3(ctx, o); err == nil {
			t.Errorf("%s: NewS3 accepted %+v", name, o)
		}
	}
	if _, err := blob.NewS3(ctx, blob.S3Options{Bucket: "b", Region: "us-east-1", ServerSideEncryption: "aws:kms", KMSKeyID: "alias/kiln"}); err != nil {
		t.Errorf("aws:kms with key: %v", err)
	}
}

// TestS3PutHeaders records what Put sends: server-side encryption as
// configured, and the SHA-256 S3 verifies the body against. (gofakes3
// itself ignores both, so only the request is checked.)
func TestS3PutHeaders(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		sse, kmsKey, wantSSE, wantKey string
	}{
		{"", "", "AES256", ""},
		{"aws:kms", "alias/kiln", "aws:kms", "alias/kiln"},
		{"none", "", "", ""},
	} {
		backend := s3mem.New()
		if err := backend.CreateBucket(testBucket); err != nil {
			t.Fatal(err)
		}
		var seen http.Header
		fake := gofakes3.New(backend).Server()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				seen = r.Header.Clone()
			}
			fake.ServeHTTP(w, r)
		}))
		st, err := blob.NewS3(ctx, blob.S3Options{Bucket: testBucket, Region: "us-east-1", Endpoint: srv.URL, UsePathStyle: true,
			AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey, ServerSideEncryption: tc.sse, KMSKeyID: tc.kmsKey})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Put(ctx, "t1/x", strings.NewReader("abc"), 3, ""); err != nil {
			t.Fatal(err)
		}
		srv.Close()
		if got := seen.Get("X-Amz-Server-Side-Encryption"); got != tc.wantSSE {
			t.Errorf("sse %q: X-Amz-Server-Side-Encryption = %q, want %q", tc.sse, got, tc.wantSSE)
		}
		if got := seen.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"); got != tc.wantKey {
			t.Errorf("sse %q: KMS key id = %q, want %q", tc.sse, got, tc.wantKey)
		}
		// SHA-256 of "abc", base64.
		if got := seen.Get("X-Amz-Checksum-Sha256"); got != "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=" {
			t.Errorf("X-Amz-Checksum-Sha256 = %q", got)
		}
	}
}
