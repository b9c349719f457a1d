// Package backend implements SMART Backend Services (SMART App Launch v2,
// "Backend Services") for Kiln: a registry of backend clients and the
// logic of the client_credentials token endpoint,
// POST {root}/auth/{tenant}/token.
//
// A backend client is a system (an EHR integration, a batch job) with no
// user in the loop. It authenticates with a signed JWT assertion
// (RFC 7523, private_key_jwt) instead of a shared secret: Kiln keeps only
// its public keys, inline or at a JWKS URL the client controls, so a
// database leak gives an attacker nothing to sign with.
//
// The package knows nothing about how access tokens look: it decides
// whether a request earns a token and what it may do (a Grant), and a
// Minter from another package turns the Grant into a token. It also knows
// nothing about routing: the HTTP layer parses the form, calls
// Endpoint.Token and writes the answer with WriteHTTP.
package backend
