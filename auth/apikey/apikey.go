// Package apikey issues and checks API keys for integrations that cannot do
// OAuth (lab instruments, legacy interface engines, cron jobs).
//
// A key reads kiln_<id>_<secret>. The id is public: it names the key in
// lists, logs and audit events. The secret is 32 random bytes, and the
// server keeps only HMAC-SHA-256(pepper, secret), so a copy of the database
// alone neither reveals keys nor lets anyone test guesses offline without
// the pepper. The secret has 256 bits of entropy, so a fast keyed hash is
// enough; a slow password hash would only cost every request CPU.
//
// Keys live in store.Records: the key itself under its tenant (kind
// "apikey") and an index record without tenant (kind "apikey-tenant") that
// maps the id to the tenant, so a presented key finds its tenant without
// the caller naming one.
package apikey

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"time"
)

// ErrInvalidKey is returned (wrapped) by [Manager.Verify] for every key that
// must be refused: malformed, unknown, revoked or with a wrong secret.
// Callers answer 401 without saying which.
var ErrInvalidKey = errors.New("invalid API key")

// DefaultRatePerMinute applies to keys whose RatePerMinute is 0.
const DefaultRatePerMinute = 600

// Record kinds.
const (
	kindKey    = "apikey"
	kindTenant = "apikey-tenant"
)

// Key describes an API key. It never holds the secret or its hash.
type Key struct {
	ID     string // public part of the key, assigned by Create
	Tenant string
	Name   string // for people: what the key is for
	Role   string
	// FHIRUser, if set, is the FHIR resource of the person the key acts
	// for ("Practitioner/123"): what signing a CHR names as its attester.
	FHIRUser string
	// Scopes are SMART scopes (e.g. "system/Observation.cr"), stored as given.
	Scopes []string
	// RatePerMinute is the sustained request rate allowed; 0 means
	// DefaultRatePerMinute.
	RatePerMinute int
	Created       time.Time // assigned by Create
	// Revoked keys stay listed (for audit) but never verify.
	Revoked bool
	// Dev marks a development key made by `make run`; production refuses
	// to start while unrevoked ones exist (see HasDevKeys).
	Dev bool
}

// Rate returns the key's effective requests per minute.
func (k Key) Rate() int {
	if k.RatePerMinute <= 0 {
		return DefaultRatePerMinute
	}
	return k.RatePerMinute
}

// Format of a key: prefix, id, separator, secret.
const (
	prefix      = "kiln_"
	idLen       = 12
	secretBytes = 32
	// idAlphabet is lowercase RFC 4648 base32: no "_" (so the id ends
	// unambiguously even though base64url secrets may contain "_"), no
	// case to confuse, and 32 symbols so one random byte & 31 picks one
	// without bias.
	idAlphabet = "abcdefghijklmnopqrstuvwxyz234567"
)

var (
	secretEncoding = base64.RawURLEncoding.Strict()
	secretLen      = secretEncoding.EncodedLen(secretBytes)
	keyLen         = len(prefix) + idLen + 1 + secretLen
)

// newID returns a random key id (60 bits: ids need to be unique, not secret;
// Create retries the rare collision).
func newID() string {
	b := make([]byte, idLen)
	rand.Read(b) // never fails (crypto/rand panics instead)
	for i := range b {
		b[i] = idAlphabet[b[i]&31]
	}
	return string(b)
}

// newSecret returns fresh secret bytes.
func newSecret() []byte {
	b := make([]byte, secretBytes)
	rand.Read(b)
	return b
}

// format assembles a plaintext key.
func format(id string, secret []byte) string {
	return prefix + id + "_" + secretEncoding.EncodeToString(secret)
}

// errMalformed is deliberately vague and never quotes the input: a
// malformed "key" may still be someone's secret pasted wrongly.
var errMalformed = errors.New("malformed key")

// parse splits a plaintext key into id and secret bytes. It accepts exactly
// what format produces (strict base64, so no two strings share a secret).
func parse(plaintext string) (id string, secret []byte, err error) {
	if len(plaintext) != keyLen || !strings.HasPrefix(plaintext, prefix) {
		return "", nil, errMalformed
	}
	rest := plaintext[len(prefix):]
	id, enc := rest[:idLen], rest[idLen:]
	if !validID(id) || enc[0] != '_' {
		return "", nil, errMalformed
	}
	secret, err = secretEncoding.DecodeString(enc[1:])
	if err != nil || len(secret) != secretBytes {
		return "", nil, errMalformed
	}
	return id, secret, nil
}

// validID reports whether id could have come from newID. Ids taken from
// requests (Revoke) are checked too, so they cannot smuggle odd record keys.
func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := range len(id) {
		if !strings.ContainsRune(idAlphabet, rune(id[i])) {
			return false
		}
	}
	return true
}
