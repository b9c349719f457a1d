// Package vault is the encrypted re-identification vault of the PHI
// redaction pipeline: it hands out consistent typed tokens per patient
// ("[NAME_1]" is the same person in every document of that patient),
// keeps each token's original encrypted, and gives the originals back
// (Reveal) for $reidentify.
//
// # Keys
//
// Each tenant has random 256-bit data keys (DEKs) that encrypt entries with
// AES-256-GCM, and one random secret from which the blind-index key and
// the date-shift key are derived (HKDF-SHA-256). Neither is ever stored in
// clear: a KeyWrapper wraps them under a key-encryption key (KEK) that
// lives outside the database, either in configuration (LocalKEK) or in
// AWS KMS (KMS). A database dump alone therefore reveals no original.
//
// Rotate gives a tenant a new current DEK; older DEKs stay, so older
// entries still decrypt. RewrapAll re-wraps every key of a tenant under
// the wrapper's current KEK (KEK rotation, or a move from a local KEK to
// KMS with Options.OldWrappers) without touching any entry. The tenant
// secret is never rotated: blind-index lookups of existing originals and
// the patients' date shifts depend on it.
//
// # Records
//
// The vault keeps its state in store.Records (tenant = the tenant):
//
//	vault-key    current                 {"dek": id} — the DEK new entries use
//	vault-key    <dek id>, "secret"      a wrapped key: wrapper name, KEK id, ciphertext
//	vault-entry  <patient>/<token>       version, DEK id, nonce, AES-GCM ciphertext of the original
//	vault-index  <patient>/<hmac>        the token of one (category, normalised original)
//
// An entry's additional data is tenant, patient, token and DEK id, so an
// entry's ciphertext copied to another patient or token does not decrypt.
// The index key is an HMAC-SHA-256 of tenant, patient, category and
// normalised original under a key derived from the tenant secret: it lets
// the vault find an original's token without decrypting anything, and
// reveals neither the original nor whether two patients share a name.
// Plaintexts are padded to 32-byte blocks so ciphertext lengths say little
// about the length of a name.
//
// # Concurrency
//
// Two documents of one patient may be redacted at the same time by
// different processes. A Mapping claims a new token with
// store.Records.InsertRecord on its entry record (the next number on
// conflict) and then claims the original with InsertRecord on its index
// record; if another process claimed the same original first, the Mapping
// deletes its entry and uses the other token. So no two originals share a
// token and no original has two. A process that dies between the two
// inserts leaves an entry that no document uses: a gap in the numbering,
// harmless.
//
// # What callers must do
//
// The vault does no authorisation and writes no audit trail: Reveal
// returns originals to whoever calls it. $reidentify must check with the
// policy engine that the caller's role may re-identify, and audit the
// request, before calling Reveal. Errors from this package never contain
// originals or key material; callers must keep originals out of their own
// logs too.
package vault
