package blob

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"path"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// PresignGet implements Store with a SigV4 presigned GetObject URL. The
// URL asks S3 to answer with Content-Disposition: attachment, as Local
// does, so a browser downloads rather than renders the attachment.
func (s *S3) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", fmt.Errorf("presign: %w", err)
	}
	if err := checkTTL(ttl); err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket:                     aws.String(s.bucket),
		Key:                        aws.String(s.objectKey(key)),
		ResponseContentDisposition: aws.String(mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(key)})),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign get %s: %w", key, err)
	}
	return req.URL, nil
}

// PresignPut implements Store with a SigV4 presigned PutObject URL. A
// non-empty contentType is a signed header the client must send. An S3
// presigned PUT cannot limit the body's size (only a presigned POST
// policy can), so maxSize is only checked against the store's limit here:
// callers must run CheckUpload once the client reports the upload done.
func (s *S3) PresignPut(ctx context.Context, key string, ttl time.Duration, contentType string, maxSize int64) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", fmt.Errorf("presign: %w", err)
	}
	if err := checkTTL(ttl); err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	if err := checkContentType(contentType); err != nil {
		return "", fmt.Errorf("presign put %s: %w", key, err)
	}
	if maxSize > s.maxSize {
		return "", fmt.Errorf("presign put %s: %w: max size %d above store limit %d", key, ErrPresign, maxSize, s.maxSize)
	}
	in := &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.objectKey(key))}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	req, err := s.presign.PresignPutObject(ctx, in, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign put %s: %w", key, err)
	}
	return req.URL, nil
}

// clockPresigner signs with the store's clock instead of the SDK's, so a
// URL's X-Amz-Date, and with it its expiry, follows S3Options.Now.
type clockPresigner struct {
	signer *v4.Signer
	now    func() time.Time
}

func (p clockPresigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return p.signer.PresignHTTP(ctx, creds, r, payloadHash, service, region, p.now(), optFns...)
}
