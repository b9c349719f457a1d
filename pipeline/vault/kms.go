package vault

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// KMSClient is the part of the AWS KMS API the KMS wrapper calls;
// *kms.Client implements it.
type KMSClient interface {
	Encrypt(ctx context.Context, in *kms.EncryptInput, optFns ...func(*kms.Options)) (*kms.EncryptOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// KMS wraps keys with AWS KMS Encrypt and Decrypt under a symmetric KMS
// key, the vault's encryption context (tenant and key name) going along as
// the KMS EncryptionContext: KMS refuses to decrypt without it, and
// CloudTrail records which tenant's key each call was for. The KEK never
// leaves KMS; rotating it is KMS's automatic key rotation (transparent
// here) or a new key id followed by RewrapAll.
type KMS struct {
	client KMSClient
	keyID  string
}

// NewKMS returns a wrapper that encrypts under keyID (a key id, key ARN,
// alias name or alias ARN).
func NewKMS(client KMSClient, keyID string) (*KMS, error) {
	if client == nil || keyID == "" {
		return nil, fmt.Errorf("%w: KMS wrapper needs a client and a key id", ErrInvalid)
	}
	return &KMS{client: client, keyID: keyID}, nil
}

// LoadKMS builds a KMS wrapper from the AWS SDK's default configuration
// chain (environment, shared files, instance role), adjusted by optFns.
func LoadKMS(ctx context.Context, keyID string, optFns ...func(*config.LoadOptions) error) (*KMS, error) {
	cfg, err := config.LoadDefaultConfig(ctx, optFns...)
	if err != nil {
		return nil, fmt.Errorf("vault: load AWS configuration: %w", err)
	}
	return NewKMS(kms.NewFromConfig(cfg), keyID)
}

// Name is "aws-kms".
func (k *KMS) Name() string { return "aws-kms" }

// Wrap encrypts plaintextKey under the configured KMS key. The returned
// KEK id is the key ARN KMS reports, so Unwrap pins decryption to the key
// that encrypted even after the configured alias moves.
func (k *KMS) Wrap(ctx context.Context, plaintextKey []byte, ec EncryptionContext) ([]byte, string, error) {
	out, err := k.client.Encrypt(ctx, &kms.EncryptInput{
		KeyId:             aws.String(k.keyID),
		Plaintext:         plaintextKey,
		EncryptionContext: ec,
	})
	if err != nil {
		return nil, "", fmt.Errorf("vault: KMS encrypt under %s: %w", k.keyID, err)
	}
	kekID := aws.ToString(out.KeyId)
	if kekID == "" {
		kekID = k.keyID
	}
	return out.CiphertextBlob, kekID, nil
}

// Unwrap decrypts a key with KMS, insisting on the KMS key kekID.
func (k *KMS) Unwrap(ctx context.Context, wrapped []byte, kekID string, ec EncryptionContext) ([]byte, error) {
	out, err := k.client.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    wrapped,
		KeyId:             aws.String(kekID),
		EncryptionContext: ec,
	})
	if err != nil {
		return nil, fmt.Errorf("vault: KMS decrypt under %s: %w", kekID, err)
	}
	return out.Plaintext, nil
}
