// Package blobtest is the conformance suite every blob.Store backend must
// pass, so that callers can switch backend by configuration alone.
package blobtest

import (
	"testing"

	"github.com/kiln-health/kiln/pipeline/blob"
)

// Option describes what the backend under test can be checked for.
type Option func(*suite)

// WithClock declares that the stores' presigned URLs expire by c (the
// factory passes c.Now to the store). The suite then moves c past expiry
// and checks the URLs stop working; without it those tests are skipped.
// The HTTP server behind the URLs must judge expiry by the same clock.
func WithClock(c *Clock) Option {
	return func(s *suite) { s.clock = c }
}

// PresignedPutSizeUnbounded declares that the backend cannot refuse an
// oversized presigned PUT (S3). The suite then checks that
// blob.CheckUpload deletes the object instead.
func PresignedPutSizeUnbounded() Option {
	return func(s *suite) { s.putSizeUnbounded = true }
}

type suite struct {
	newStore         func(t *testing.T) blob.Store
	clock            *Clock
	putSizeUnbounded bool
}

// Run runs the suite; newStore must return an empty store for each
// subtest. Presigned URLs are exercised with plain net/http, so the store's
// URLs must be served: by Local.Handler for Local, by an S3-compatible
// server that verifies signatures for S3.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store, opts ...Option) {
	s := &suite{newStore: newStore}
	for _, o := range opts {
		o(s)
	}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, st blob.Store)
	}{
		{"RoundTrip", s.roundTrip},
		{"DefaultContentType", s.defaultContentType},
		{"EmptyObject", s.emptyObject},
		{"UnknownSize", s.unknownSize},
		{"NonSeekableReader", s.nonSeekableReader},
		{"SizeMismatch", s.sizeMismatch},
		{"FailedOverwriteKeepsOld", s.failedOverwriteKeepsOld},
		{"Overwrite", s.overwrite},
		{"ConcurrentOverwrite", s.concurrentOverwrite},
		{"NotFound", s.notFound},
		{"DeleteIdempotent", s.deleteIdempotent},
		{"KeysAreDistinct", s.keysAreDistinct},
		{"KeyValidation", s.keyValidation},
		{"InvalidContentType", s.invalidContentType},
		{"CancelledContext", s.cancelledContext},
		{"PresignTTL", s.presignTTL},
		{"PresignGet", s.presignGet},
		{"PresignGetRange", s.presignGetRange},
		{"PresignGetMissing", s.presignGetMissing},
		{"PresignGetOtherKey", s.presignGetOtherKey},
		{"PresignGetTampered", s.presignGetTampered},
		{"PresignGetExpired", s.presignGetExpired},
		{"PresignPut", s.presignPut},
		{"PresignPutWrongContentType", s.presignPutWrongContentType},
		{"PresignPutNotForGet", s.presignPutNotForGet},
		{"PresignPutExpired", s.presignPutExpired},
		{"PresignPutOversize", s.presignPutOversize},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, s.newStore(t)) })
	}
}
