package vault

import (
	"bytes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kiln-health/kiln/fhir/store"
)

// kmsServer speaks the AWS KMS JSON protocol (awsJson1_1, X-Amz-Target
// TrentService.*) for Encrypt and Decrypt, with one symmetric key. Like
// KMS, its ciphertext blobs name their key and are authenticated with the
// encryption context, so decrypting with another context fails.
type kmsServer struct {
	t      *testing.T
	keyID  string
	arn    string
	alias  string
	aead   cipher.AEAD
	mu     sync.Mutex
	calls  map[string]int
	tenant map[string]bool // tenants seen in encryption contexts
}

func newKMSServer(t *testing.T) (*kmsServer, *httptest.Server) {
	aead, err := newGCM(randomKey())
	if err != nil {
		t.Fatal(err)
	}
	const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
	s := &kmsServer{
		t: t, keyID: id, arn: "arn:aws:kms:eu-west-1:111122223333:key/" + id, alias: "alias/kiln-vault",
		aead: aead, calls: map[string]int{}, tenant: map[string]bool{},
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *kmsServer) knows(keyID string) bool {
	return keyID == s.keyID || keyID == s.arn || keyID == s.alias || keyID == "arn:aws:kms:eu-west-1:111122223333:"+s.alias
}

func (s *kmsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		kmsError(w, "SerializationException", "want a POST of application/x-amz-json-1.1")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDVAULTTEST/") ||
		!strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/kms/aws4_request") {
		kmsError(w, "UnrecognizedClientException", "request is not signed for kms in eu-west-1")
		return
	}
	target := r.Header.Get("X-Amz-Target")
	var in struct {
		KeyId             string
		Plaintext         []byte
		CiphertextBlob    []byte
		EncryptionContext map[string]string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		kmsError(w, "SerializationException", err.Error())
		return
	}
	s.mu.Lock()
	s.calls[target]++
	s.tenant[in.EncryptionContext[ecTenant]] = true
	s.mu.Unlock()
	aad, _ := json.Marshal(in.EncryptionContext) // encoding/json sorts map keys

	switch target {
	case "TrentService.Encrypt":
		if !s.knows(in.KeyId) {
			kmsError(w, "NotFoundException", "key "+in.KeyId+" does not exist")
			return
		}
		// Blob: the key ARN (length-prefixed), then the sealed plaintext.
		blob := s.aead.Seal(appendLP(nil, s.arn), nil, in.Plaintext, aad)
		kmsReply(w, map[string]any{"CiphertextBlob": blob, "KeyId": s.arn, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})
	case "TrentService.Decrypt":
		if len(in.CiphertextBlob) < 4 || len(in.CiphertextBlob) < 4+int(binary.BigEndian.Uint32(in.CiphertextBlob)) {
			kmsError(w, "InvalidCiphertextException", "")
			return
		}
		n := int(binary.BigEndian.Uint32(in.CiphertextBlob))
		if arn := string(in.CiphertextBlob[4 : 4+n]); arn != s.arn || (in.KeyId != "" && !s.knows(in.KeyId)) {
			kmsError(w, "IncorrectKeyException", "the ciphertext was not encrypted under the key given")
			return
		}
		pt, err := s.aead.Open(nil, nil, in.CiphertextBlob[4+n:], aad)
		if err != nil {
			kmsError(w, "InvalidCiphertextException", "")
			return
		}
		kmsReply(w, map[string]any{"Plaintext": pt, "KeyId": s.arn, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})
	default:
		kmsError(w, "UnknownOperationException", target)
	}
}

func kmsReply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(v)
}

func kmsError(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// newKMSClient is the real SDK client, pointed at srv.
func newKMSClient(srv *httptest.Server) *kms.Client {
	return kms.New(kms.Options{
		Region:           "eu-west-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDVAULTTEST", "secret", ""),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
	})
}

func TestKMSWrapper(t *testing.T) {
	ctx := t.Context()
	fake, srv := newKMSServer(t)
	w, err := NewKMS(newKMSClient(srv), fake.alias)
	if err != nil {
		t.Fatal(err)
	}
	ec := keyContext("acme", "dek-1")
	dek := randomKey()
	wrapped, kekID, err := w.Wrap(ctx, dek, ec)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	if kekID != fake.arn {
		t.Errorf("KEK id = %s, want the key ARN", kekID)
	}
	if bytes.Contains(wrapped, dek) {
		t.Error("wrapped key contains the key")
	}
	got, err := w.Unwrap(ctx, wrapped, kekID, ec)
	if err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("Unwrap = %v", err)
	}

	tests := []struct {
		name    string
		wrapped []byte
		kekID   string
		ec      EncryptionContext
		want    any
	}{
		{"other tenant", wrapped, kekID, keyContext("globex", "dek-1"), new(*types.InvalidCiphertextException)},
		{"other key name", wrapped, kekID, keyContext("acme", "dek-2"), new(*types.InvalidCiphertextException)},
		{"no context", wrapped, kekID, nil, new(*types.InvalidCiphertextException)},
		{"other key", wrapped, "arn:aws:kms:eu-west-1:111122223333:key/other", ec, new(*types.IncorrectKeyException)},
	}
	for _, tt := range tests {
		_, err := w.Unwrap(ctx, tt.wrapped, tt.kekID, tt.ec)
		if !errors.As(err, tt.want) {
			t.Errorf("%s: Unwrap error = %v, want %T", tt.name, err, tt.want)
		}
	}

	missing, _ := NewKMS(newKMSClient(srv), "alias/missing")
	if _, _, err := missing.Wrap(ctx, dek, ec); !errors.As(err, new(*types.NotFoundException)) {
		t.Errorf("Wrap under a missing key: %v", err)
	}
	if _, err := NewKMS(nil, "x"); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewKMS(nil) error = %v", err)
	}
}

// TestKMSVault runs the vault over KMS, built from the SDK's configuration
// loader as a server would, and then moves its keys to a local KEK and
// back with RewrapAll.
func TestKMSVault(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		fake, srv := newKMSServer(t)
		t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
		w, err := LoadKMS(ctx, fake.alias,
			config.WithRegion("eu-west-1"),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDVAULTTEST", "secret", "")),
			config.WithBaseEndpoint(srv.URL),
			config.WithRetryMaxAttempts(1),
		)
		if err != nil {
			t.Fatal(err)
		}
		v := mustVault(t, s, w, Options{})
		m := mustMapping(t, v, "acme", "p1")
		tok := m.Token("NAME", "Kms Person")
		mustSave(t, m)
		want := map[string]string{tok: "Kms Person"}
		if got := mustReveal(t, mustVault(t, s, w, Options{}), "acme", "p1", tok); !maps.Equal(got, want) {
			t.Errorf("Reveal = %v, want %v", got, want)
		}
		fake.mu.Lock()
		if fake.calls["TrentService.Encrypt"] != 2 || fake.calls["TrentService.Decrypt"] != 1 || !fake.tenant["acme"] || len(fake.tenant) != 1 {
			t.Errorf("KMS saw calls %v with tenants %v; want 2 encrypts (DEK, secret), 1 decrypt (the DEK, by the second vault), tenant acme", fake.calls, fake.tenant)
		}
		fake.mu.Unlock()

		// Move to a local KEK: the KMS wrapper only unwraps meanwhile.
		local := mustLocalKEK(t, map[string][]byte{"v1": randomKey()}, "v1")
		moving := mustVault(t, s, local, Options{OldWrappers: []KeyWrapper{w}})
		if n, err := moving.RewrapAll(ctx, "acme"); err != nil || n != 2 {
			t.Fatalf("RewrapAll to local = %d, %v", n, err)
		}
		if got := mustReveal(t, mustVault(t, s, local, Options{}), "acme", "p1", tok); !maps.Equal(got, want) {
			t.Errorf("Reveal after moving to a local KEK = %v, want %v", got, want)
		}
		if _, err := mustVault(t, s, w, Options{}).Reveal(ctx, "acme", "p1", []string{tok}); err == nil {
			t.Error("KMS-only vault revealed keys that are now wrapped locally")
		}
	})
}
