package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"mime"
	"time"
)

// CheckUpload vets an object a client uploaded through a presigned PUT URL
// before anything else trusts it: it must exist and be at most maxSize
// bytes. An oversized object is deleted and ErrTooLarge returned.
//
// Local refuses oversized presigned uploads itself, but an S3 presigned PUT
// URL cannot carry a size limit, so intake must call this for every
// backend.
func CheckUpload(ctx context.Context, s Store, key string, maxSize int64) (Object, error) {
	obj, err := s.Stat(ctx, key)
	if err != nil {
		return Object{}, fmt.Errorf("check upload %s: %w", key, err)
	}
	if obj.Size > maxSize {
		if err := s.Delete(ctx, key); err != nil {
			return Object{}, fmt.Errorf("check upload %s: delete oversized object: %w", key, err)
		}
		return Object{}, fmt.Errorf("check upload %s: %d bytes, limit %d: %w", key, obj.Size, maxSize, ErrTooLarge)
	}
	return obj, nil
}

// checkTTL keeps presigned URLs short-lived and within what S3 accepts.
func checkTTL(ttl time.Duration) error {
	if ttl <= 0 || ttl > MaxPresignTTL {
		return fmt.Errorf("%w: ttl %s outside (0, %s]", ErrPresign, ttl, MaxPresignTTL)
	}
	return nil
}

// checkSize validates a declared size against the store's maximum before
// any byte is read, so an impossible Put fails without side effects.
func checkSize(size, maxSize int64) error {
	if size < -1 {
		return fmt.Errorf("%w: negative size %d", ErrSizeMismatch, size)
	}
	if size > maxSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, size, maxSize)
	}
	return nil
}

// limit is how many bytes copyExact lets through: one more than allowed,
// so that a body that is too long is noticed without reading all of it.
func limit(size, maxSize int64) int64 {
	if size >= 0 {
		return size + 1
	}
	return maxSize + 1
}

// copyExact copies r to w, hashing as it goes, and fails when the body is
// longer than size (or maxSize when size is -1) or shorter than size. It
// returns the byte count and the hex SHA-256.
func copyExact(w io.Writer, r io.Reader, size, maxSize int64) (int64, string, error) {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(r, limit(size, maxSize)))
	if err != nil {
		return n, "", fmt.Errorf("copy body: %w", err)
	}
	if err := checkCount(n, size, maxSize); err != nil {
		return n, "", err
	}
	return n, hexSum(h), nil
}

// checkCount judges a byte count read through limit(size, maxSize).
func checkCount(n, size, maxSize int64) error {
	switch {
	case size >= 0 && n != size:
		if n > size {
			return fmt.Errorf("%w: body longer than %d bytes", ErrSizeMismatch, size)
		}
		return fmt.Errorf("%w: body is %d bytes, declared %d", ErrSizeMismatch, n, size)
	case size < 0 && n > maxSize:
		return fmt.Errorf("%w: body longer than %d bytes", ErrTooLarge, maxSize)
	}
	return nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// maxContentTypeLen keeps stored metadata and response headers small.
const maxContentTypeLen = 255

// checkContentType accepts an empty content type (meaning the default) or
// a well-formed media type with optional parameters.
func checkContentType(ct string) error {
	if ct == "" {
		return nil
	}
	if len(ct) > maxContentTypeLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidContentType, maxContentTypeLen)
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		return fmt.Errorf("%w: %q: %v", ErrInvalidContentType, ct, err)
	}
	for i := 0; i < len(ct); i++ {
		if ct[i] < 0x20 || ct[i] == 0x7f {
			return fmt.Errorf("%w: %q has a control character", ErrInvalidContentType, ct)
		}
	}
	return nil
}

// contentTypeOr returns ct, or the default for an empty one.
func contentTypeOr(ct string) string {
	if ct == "" {
		return DefaultContentType
	}
	return ct
}

// ctxReader stops a long copy once its context is done, so a cancelled
// request does not keep writing a large body.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
