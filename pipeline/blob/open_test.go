package blob_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kiln-health/kiln/pipeline/blob"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, raw := range []string{filepath.Join(dir, "plain"), "file://" + filepath.Join(dir, "url"), "file://localhost" + filepath.Join(dir, "host")} {
		st, err := blob.Open(ctx, raw)
		if err != nil {
			t.Fatalf("Open(%q): %v", raw, err)
		}
		if _, ok := st.(*blob.Local); !ok {
			t.Errorf("Open(%q) = %T, want *blob.Local", raw, st)
		}
	}
	st, err := blob.Open(ctx, "s3://bucket/some/prefix?region=eu-central-1&endpoint=http://127.0.0.1:9000&path_style=true&sse=aws:kms&kms_key_id=alias/kiln")
	if err != nil {
		t.Fatalf("Open(s3): %v", err)
	}
	if _, ok := st.(*blob.S3); !ok {
		t.Errorf("Open(s3) = %T, want *blob.S3", st)
	}
	for _, raw := range []string{
		"",
		"ftp://host/x",
		"file://otherhost/var/lib",
		"file:///var/lib?x=1",
		"s3://",
		"s3://bucket?regoin=eu-west-1",
		"s3://bucket?path_style=maybe",
		"s3://bucket?region=a&region=b",
		"s3://bucket/../x?region=us-east-1",
		"s3://bucket?region=us-east-1&sse=rot13",
	} {
		if _, err := blob.Open(ctx, raw); err == nil {
			t.Errorf("Open(%q) succeeded", raw)
		}
	}
}
