package blob

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// OpenOption supplies what a store URL cannot carry, such as the Local
// presign secret or static S3 credentials.
type OpenOption func(*openConfig)

type openConfig struct {
	local LocalOptions
	s3    S3Options
}

// WithLocalOptions sets the options a file URL opens its Local store with.
func WithLocalOptions(o LocalOptions) OpenOption {
	return func(c *openConfig) { c.local = o }
}

// WithS3Options sets the options an s3 URL starts from; the URL's bucket,
// prefix and query parameters override the matching fields.
func WithS3Options(o S3Options) OpenOption {
	return func(c *openConfig) { c.s3 = o }
}

// Open picks the backend from a configuration string, so moving from disk
// to S3 is a configuration change:
//
//	/var/lib/kiln/blobs                 Local
//	file:///var/lib/kiln/blobs          Local
//	s3://bucket/prefix?region=eu-west-1 S3
//	s3://bucket?endpoint=http://127.0.0.1:9000&path_style=true
//
// s3 URLs accept region, endpoint, path_style, sse and kms_key_id; any
// other parameter is an error, so a typo cannot silently change where
// PHI is stored. Credentials never go in the URL: they come from
// WithS3Options or the default AWS chain.
func Open(ctx context.Context, rawURL string, opts ...OpenOption) (Store, error) {
	var c openConfig
	for _, o := range opts {
		o(&c)
	}
	if rawURL == "" {
		return nil, fmt.Errorf("blob: empty store URL")
	}
	if !strings.Contains(rawURL, "://") {
		return NewLocal(rawURL, c.local)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blob: store URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		if (u.Host != "" && u.Host != "localhost") || u.Path == "" || u.RawQuery != "" {
			return nil, fmt.Errorf("blob: file URL %q must be file:///absolute/path with no query", rawURL)
		}
		return NewLocal(u.Path, c.local)
	case "s3":
		o, err := s3URLOptions(u, c.s3)
		if err != nil {
			return nil, err
		}
		return NewS3(ctx, o)
	}
	return nil, fmt.Errorf("blob: unsupported store URL scheme %q (file or s3)", u.Scheme)
}

// s3URLOptions overlays an s3:// URL on base.
func s3URLOptions(u *url.URL, base S3Options) (S3Options, error) {
	o := base
	o.Bucket = u.Host
	o.Prefix = strings.Trim(u.Path, "/")
	for name, vals := range u.Query() {
		if len(vals) != 1 {
			return S3Options{}, fmt.Errorf("blob: s3 URL parameter %q given %d times", name, len(vals))
		}
		v := vals[0]
		switch name {
		case "region":
			o.Region = v
		case "endpoint":
			o.Endpoint = v
		case "path_style":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return S3Options{}, fmt.Errorf("blob: s3 URL path_style=%q: %w", v, err)
			}
			o.UsePathStyle = b
		case "sse":
			o.ServerSideEncryption = v
		case "kms_key_id":
			o.KMSKeyID = v
		default:
			return S3Options{}, fmt.Errorf("blob: unknown s3 URL parameter %q", name)
		}
	}
	if o.Bucket == "" {
		return S3Options{}, fmt.Errorf("blob: s3 URL %q has no bucket", u.Redacted())
	}
	return o, nil
}
