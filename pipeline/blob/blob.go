// Package blob stores attachment bytes outside the FHIR database: on the
// local filesystem by default, or in S3 (or an S3-compatible server) by
// configuration.
//
// Resources only ever carry a key; the bytes live here so that large
// uploads never pass through the database, so that downloads can be handed
// to clients as short-lived presigned URLs, and so that the original,
// unredacted bytes can be deleted as soon as redaction has succeeded.
//
// Keys are chosen by callers and always start with the tenant
// ("tenant/…"). [ValidateKey] is strict enough that no key can name a
// location outside its tenant prefix, nor outside the store's root.
package blob

import (
	"context"
	"errors"
	"io"
	"time"
)

// Store holds objects addressed by key. Implementations are safe for
// concurrent use.
type Store interface {
	// Put stores exactly size bytes read from r under key, replacing any
	// object already there. A body longer or shorter than size fails with
	// ErrSizeMismatch and leaves the previous object (or nothing) in place;
	// size -1 means "unknown", bounded by the store's maximum object size.
	// An empty contentType is stored as application/octet-stream.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (Object, error)
	// Get opens the object for reading. The caller must close the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, Object, error)
	// Stat describes the object without reading it.
	Stat(ctx context.Context, key string) (Object, error)
	// Delete removes the object. Deleting a missing key is not an error, so
	// retries after a partial failure are safe.
	Delete(ctx context.Context, key string) error
	// PresignGet returns a URL anyone holding it can download the object
	// from, without other credentials, until ttl has passed. Callers must
	// authorise the user before handing one out.
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
	// PresignPut returns a URL a client can upload the object to with an
	// HTTP PUT until ttl has passed. A non-empty contentType must be sent
	// as the request's Content-Type. maxSize (<= 0: the store's maximum)
	// is enforced at upload time where the backend can (Local); callers
	// must still check the result with CheckUpload, because an S3
	// presigned PUT cannot bound the size.
	PresignPut(ctx context.Context, key string, ttl time.Duration, contentType string, maxSize int64) (string, error)
}

// Object describes a stored object.
type Object struct {
	Key         string
	Size        int64
	ContentType string
	// SHA256 is the lower-case hex SHA-256 of the bytes, computed by Put.
	// It is empty when the store does not know it: an S3 object uploaded
	// through a presigned URL, or one written by something else.
	SHA256   string
	Modified time.Time
}

// Errors returned by stores, wrapped with context; test with errors.Is.
var (
	ErrNotFound     = errors.New("blob: object not found")
	ErrInvalidKey   = errors.New("blob: invalid key")
	ErrSizeMismatch = errors.New("blob: body size differs from declared size")
	ErrTooLarge     = errors.New("blob: object too large")
	// ErrInvalidContentType is returned for a content type that is not a
	// well-formed media type, so nothing odd ever reaches a response header.
	ErrInvalidContentType = errors.New("blob: invalid content type")
	// ErrPresign is returned when a URL cannot be presigned: bad TTL, or a
	// Local store without PublicURL or Secret.
	ErrPresign = errors.New("blob: cannot presign")
	// ErrExpired and ErrBadSignature are returned by Local.Verify.
	ErrExpired      = errors.New("blob: presigned URL expired")
	ErrBadSignature = errors.New("blob: presigned URL signature invalid")
)

const (
	// DefaultMaxSize bounds one object when the store's options set no
	// maximum. It matches the largest single PUT S3 accepts, so both
	// backends refuse the same objects.
	DefaultMaxSize int64 = 5 << 30
	// MaxPresignTTL is the longest validity a presigned URL may have: the
	// limit S3 imposes on SigV4 presigned URLs, applied to both backends so
	// switching backend never breaks a caller.
	MaxPresignTTL = 7 * 24 * time.Hour
	// DefaultContentType is stored when Put is given no content type.
	DefaultContentType = "application/octet-stream"
)
