package blob

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Query parameters of a Local presigned URL. Everything the handler acts
// on is in the signature: method, key, expiry, and for uploads the content
// type and size limit, so none of them can be changed by the holder.
const (
	qExpires = "expires"
	qSig     = "sig"
	qMethod  = "method"
	qType    = "ct"
	qMax     = "max"
)

// grant is what a verified presigned URL allows.
type grant struct {
	method      string // GET or PUT
	contentType string // PUT only; empty means any
	maxSize     int64  // PUT only
}

// PresignGet implements Store: PublicURL/<key>?expires=…&sig=….
func (l *Local) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return l.presign(key, ttl, grant{method: http.MethodGet})
}

// PresignPut implements Store: PublicURL/<key>?method=PUT&ct=…&max=…&expires=…&sig=….
// maxSize <= 0 means the store's MaxSize; a larger limit is refused.
func (l *Local) PresignPut(ctx context.Context, key string, ttl time.Duration, contentType string, maxSize int64) (string, error) {
	if err := checkContentType(contentType); err != nil {
		return "", fmt.Errorf("presign put %s: %w", key, err)
	}
	if maxSize <= 0 {
		maxSize = l.maxSize
	}
	if maxSize > l.maxSize {
		return "", fmt.Errorf("presign put %s: %w: max size %d above store limit %d", key, ErrPresign, maxSize, l.maxSize)
	}
	return l.presign(key, ttl, grant{method: http.MethodPut, contentType: contentType, maxSize: maxSize})
}

func (l *Local) presign(key string, ttl time.Duration, g grant) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", fmt.Errorf("presign: %w", err)
	}
	if l.publicURL == nil || l.secret == nil {
		return "", fmt.Errorf("presign %s: %w: local store has no public URL or secret", key, ErrPresign)
	}
	if err := checkTTL(ttl); err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	// Round expiry up to a whole second: the URL carries Unix seconds,
	// and rounding down would make a short TTL shorter than asked.
	expires := l.now().Add(ttl + time.Second - 1).Unix()
	q := url.Values{}
	if g.method == http.MethodPut {
		q.Set(qMethod, g.method)
		q.Set(qType, g.contentType)
		q.Set(qMax, strconv.FormatInt(g.maxSize, 10))
	}
	q.Set(qExpires, strconv.FormatInt(expires, 10))
	q.Set(qSig, l.sign(key, expires, g))
	u := *l.publicURL
	u.Path = u.Path + "/" + key
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// sign computes the URL signature. Every field is length-prefixed, so no
// choice of values can make two different grants sign the same string.
func (l *Local) sign(key string, expires int64, g grant) string {
	mac := hmac.New(sha256.New, l.secret)
	for _, f := range []string{"kiln-blob-v1", g.method, key, strconv.FormatInt(expires, 10), g.contentType, strconv.FormatInt(g.maxSize, 10)} {
		fmt.Fprintf(mac, "%d:%s\n", len(f), f)
	}
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Verify checks that query is a valid, unexpired presigned grant for
// method (GET, HEAD or PUT) on key. It returns ErrBadSignature,
// ErrExpired, ErrInvalidKey or ErrPresign (store not set up to presign).
func (l *Local) Verify(method, key string, query url.Values) error {
	_, err := l.verify(method, key, query)
	return err
}

func (l *Local) verify(method, key string, query url.Values) (grant, error) {
	if err := ValidateKey(key); err != nil {
		return grant{}, err
	}
	if l.secret == nil {
		return grant{}, fmt.Errorf("%w: local store has no secret", ErrPresign)
	}
	if method == http.MethodHead {
		method = http.MethodGet
	}
	g := grant{method: method}
	switch method {
	case http.MethodGet:
		if m := query.Get(qMethod); m != "" && m != http.MethodGet {
			return grant{}, fmt.Errorf("%w: URL is for %s", ErrBadSignature, m)
		}
	case http.MethodPut:
		if m := query.Get(qMethod); m != http.MethodPut {
			return grant{}, fmt.Errorf("%w: URL is not for PUT", ErrBadSignature)
		}
		g.contentType = query.Get(qType)
		max, err := strconv.ParseInt(query.Get(qMax), 10, 64)
		if err != nil || max <= 0 {
			return grant{}, fmt.Errorf("%w: bad max size", ErrBadSignature)
		}
		g.maxSize = max
	default:
		return grant{}, fmt.Errorf("%w: method %s", ErrBadSignature, method)
	}
	expires, err := strconv.ParseInt(query.Get(qExpires), 10, 64)
	if err != nil {
		return grant{}, fmt.Errorf("%w: bad expiry", ErrBadSignature)
	}
	got, err := base64.RawURLEncoding.DecodeString(query.Get(qSig))
	if err != nil {
		return grant{}, fmt.Errorf("%w: undecodable", ErrBadSignature)
	}
	want, _ := base64.RawURLEncoding.DecodeString(l.sign(key, expires, g))
	if !hmac.Equal(got, want) {
		return grant{}, ErrBadSignature
	}
	// Expiry is checked only once the signature holds, so an altered
	// expiry reads as tampering, not as lateness.
	if !l.now().Before(time.Unix(expires, 0)) {
		return grant{}, ErrExpired
	}
	return g, nil
}
