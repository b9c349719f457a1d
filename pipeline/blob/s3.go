package blob

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3Options configures an S3 store.
type S3Options struct {
	Bucket string
	// Prefix is prepended to every key, e.g. "kiln" stores "t1/a" as
	// "kiln/t1/a"; it follows the same rules as key segments.
	Prefix string
	// Region defaults to the AWS configuration's, or us-east-1 with a
	// custom Endpoint.
	Region string
	// Endpoint is a custom endpoint for S3-compatible servers (MinIO,
	// gofakes3, …); empty means AWS.
	Endpoint     string
	UsePathStyle bool
	// AccessKeyID and SecretAccessKey are static credentials; both empty
	// means the default AWS credential chain (environment, shared config,
	// instance or task role).
	AccessKeyID     string
	SecretAccessKey string
	// ServerSideEncryption is sent on every Put: "AES256" when empty,
	// "aws:kms" (with KMSKeyID, or the bucket's default KMS key), or "none"
	// for S3-compatible servers that reject the header. Objects uploaded
	// through presigned URLs get the bucket's default encryption instead.
	ServerSideEncryption string
	KMSKeyID             string
	// MaxSize bounds every object; DefaultMaxSize when zero.
	MaxSize int64
	// TempDir holds the spool file for a Put whose reader cannot seek;
	// os.TempDir() when empty. The file is unlinked as soon as it is
	// created, so its bytes never outlive the Put, even after a crash.
	TempDir string
	// Now is the clock presigned URLs are signed with (and Put's Modified);
	// time.Now when nil.
	Now func() time.Time
}

// metaSHA256 is the user-metadata key (x-amz-meta-sha256) holding the hex
// SHA-256 Put computed, so Stat and Get can report it.
const metaSHA256 = "sha256"

// S3 stores objects in an S3 bucket through aws-sdk-go-v2.
type S3 struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
	prefix  string
	sse     types.ServerSideEncryption
	kmsKey  string
	maxSize int64
	tempDir string
	now     func() time.Time
}

var _ Store = (*S3)(nil)

// NewS3 builds an S3 store. It makes no request: a wrong bucket or
// credentials show up on first use.
func NewS3(ctx context.Context, opts S3Options) (*S3, error) {
	if opts.Bucket == "" {
		return nil, errors.New("blob: s3 bucket is required")
	}
	prefix := strings.Trim(opts.Prefix, "/")
	if prefix != "" {
		for _, seg := range strings.Split(prefix, "/") {
			if err := validSegment(seg); err != nil {
				return nil, fmt.Errorf("blob: s3 prefix %q: %s", opts.Prefix, err)
			}
		}
		prefix += "/"
	}
	sse, err := parseSSE(opts.ServerSideEncryption, opts.KMSKeyID)
	if err != nil {
		return nil, err
	}
	var loadOpts []func(*config.LoadOptions) error
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	if opts.AccessKeyID != "" || opts.SecretAccessKey != "" {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(opts.AccessKeyID, opts.SecretAccessKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("blob: load AWS configuration: %w", err)
	}
	if cfg.Region == "" && opts.Endpoint != "" {
		cfg.Region = "us-east-1" // S3-compatible servers rarely care, but SigV4 needs one
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		o.UsePathStyle = opts.UsePathStyle
		// GetObject validates a response checksum when S3 returns one
		// (it does for objects Put stored with x-amz-checksum-sha256);
		// otherwise the SDK would log a line on every read.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	s := &S3{
		client:  client,
		bucket:  opts.Bucket,
		prefix:  prefix,
		sse:     sse,
		kmsKey:  opts.KMSKeyID,
		maxSize: opts.MaxSize,
		tempDir: opts.TempDir,
		now:     opts.Now,
	}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxSize
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.presign = s3.NewPresignClient(client, func(o *s3.PresignOptions) {
		o.Presigner = clockPresigner{signer: v4.NewSigner(), now: s.now}
	})
	return s, nil
}

// parseSSE turns the configured server-side encryption into the header
// value; "" for "none".
func parseSSE(sse, kmsKey string) (types.ServerSideEncryption, error) {
	switch strings.ToLower(sse) {
	case "", strings.ToLower(string(types.ServerSideEncryptionAes256)):
		if kmsKey != "" {
			return "", errors.New("blob: a KMS key id needs server-side encryption aws:kms")
		}
		return types.ServerSideEncryptionAes256, nil
	case string(types.ServerSideEncryptionAwsKms):
		return types.ServerSideEncryptionAwsKms, nil
	case "none":
		return "", nil
	}
	return "", fmt.Errorf("blob: unknown server-side encryption %q (AES256, aws:kms or none)", sse)
}

// objectKey is the S3 key for a store key.
func (s *S3) objectKey(key string) string { return s.prefix + key }

// Put implements Store. The body's SHA-256 is computed before the upload
// starts, so it travels both as x-amz-meta-sha256 (for Stat) and as the
// x-amz-checksum-sha256 S3 verifies the received bytes against. A
// seekable reader is read twice; any other is spooled to an unlinked
// temporary file first. Either way the size is checked before the upload,
// so a wrong-sized body leaves nothing in the bucket.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (Object, error) {
	if err := ValidateKey(key); err != nil {
		return Object{}, fmt.Errorf("put: %w", err)
	}
	if err := checkContentType(contentType); err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := checkSize(size, s.maxSize); err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	body, n, sum, cleanup, err := s.prepareBody(ctx, r, size)
	if err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	defer cleanup()
	raw, _ := hex.DecodeString(sum)
	in := &s3.PutObjectInput{
		Bucket:         aws.String(s.bucket),
		Key:            aws.String(s.objectKey(key)),
		Body:           body,
		ContentLength:  aws.Int64(n),
		ContentType:    aws.String(contentTypeOr(contentType)),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(raw)),
		Metadata:       map[string]string{metaSHA256: sum},
	}
	if s.sse != "" {
		in.ServerSideEncryption = s.sse
		if s.kmsKey != "" {
			in.SSEKMSKeyId = aws.String(s.kmsKey)
		}
	}
	if _, err := s.client.PutObject(ctx, in); err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	return Object{Key: key, Size: n, ContentType: contentTypeOr(contentType), SHA256: sum, Modified: s.now()}, nil
}

// prepareBody returns a seekable body holding exactly the checked bytes,
// with their count and hex SHA-256, and a cleanup to call afterwards.
func (s *S3) prepareBody(ctx context.Context, r io.Reader, size int64) (io.ReadSeeker, int64, string, func(), error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if start, err := rs.Seek(0, io.SeekCurrent); err == nil {
			n, sum, err := copyExact(io.Discard, ctxReader{ctx, rs}, size, s.maxSize)
			if err != nil {
				return nil, 0, "", nil, err
			}
			if _, err := rs.Seek(start, io.SeekStart); err != nil {
				return nil, 0, "", nil, fmt.Errorf("rewind body: %w", err)
			}
			return rs, n, sum, func() {}, nil
		}
	}
	f, err := os.CreateTemp(s.tempDir, "kiln-blob-*")
	if err != nil {
		return nil, 0, "", nil, fmt.Errorf("spool body: %w", err)
	}
	_ = os.Remove(f.Name()) // unlinked: the bytes live only as long as f
	cleanup := func() { _ = f.Close() }
	n, sum, err := copyExact(f, ctxReader{ctx, r}, size, s.maxSize)
	if err != nil {
		cleanup()
		return nil, 0, "", nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, 0, "", nil, fmt.Errorf("rewind spool: %w", err)
	}
	return f, n, sum, cleanup, nil
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, Object, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Object{}, fmt.Errorf("get: %w", err)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.objectKey(key))})
	if err != nil {
		return nil, Object{}, fmt.Errorf("get %s: %w", key, s3Error(err))
	}
	return out.Body, s.object(key, out.ContentLength, out.ContentType, out.Metadata, out.LastModified), nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Object, error) {
	if err := ValidateKey(key); err != nil {
		return Object{}, fmt.Errorf("stat: %w", err)
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.objectKey(key))})
	if err != nil {
		return Object{}, fmt.Errorf("stat %s: %w", key, s3Error(err))
	}
	return s.object(key, out.ContentLength, out.ContentType, out.Metadata, out.LastModified), nil
}

func (s *S3) object(key string, size *int64, ct *string, meta map[string]string, modified *time.Time) Object {
	obj := Object{Key: key, Size: aws.ToInt64(size), ContentType: aws.ToString(ct), Modified: aws.ToTime(modified)}
	for k, v := range meta {
		// Header casing of user metadata varies between servers.
		if strings.EqualFold(k, metaSHA256) && isHexSHA256(v) {
			obj.SHA256 = strings.ToLower(v)
		}
	}
	return obj
}

// Delete implements Store. S3 itself answers 204 for a missing key; some
// compatible servers answer 404, which is mapped to success as well.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.objectKey(key))})
	if err != nil && !errors.Is(s3Error(err), ErrNotFound) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// s3Error maps a missing object to ErrNotFound, keeping the SDK's error
// in the chain. A missing bucket is a configuration error and stays one.
func s3Error(err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchBucket" {
		return err
	}
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var re *awshttp.ResponseError
	if errors.As(err, &nsk) || errors.As(err, &nf) || (errors.As(err, &re) && re.HTTPStatusCode() == 404) {
		return fmt.Errorf("%w (%w)", ErrNotFound, err)
	}
	return err
}

func isHexSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}
