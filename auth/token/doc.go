// Package token is Kiln's own token issuer and the verifier of incoming
// bearer tokens.
//
// Every tenant trusts two kinds of issuers:
//
//   - Kiln itself, with issuer URL {root}/auth/{tenant}. The [Issuer] mints
//     short-lived ES256 access tokens (RFC 9068, typ "at+jwt") for SMART
//     Backend Services clients. Its signing keys live in the store as
//     records, so every Kiln process behind one database signs with, and
//     publishes, the same keys, and rotation survives restarts.
//   - Zero or more external OpenID Connect issuers (an EHR's or an
//     organisation's IdP), trusted per tenant with [TrustIssuer]. Their
//     tokens are checked against the keys the issuer publishes, found by
//     OpenID discovery.
//
// The [Verifier] decides which of the two a token claims to come from and
// checks it accordingly; everything it refuses is an [ErrInvalidToken].
package token
