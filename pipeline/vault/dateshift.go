package vault

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// DateShift returns the number of days every date of the patient moves by
// when dates are shifted rather than tokenised: intervals between a
// patient's dates survive, their calendar position does not. The shift is
// an HMAC of the patient under a key derived from the tenant secret, so it
// is the same on every call and in every process, differs between patients
// in a way nobody without the secret can predict, and needs no record of
// its own (the tenant secret is made on first use). It lies in the
// vault's range (Options.ShiftMinDays..ShiftMaxDays).
func (v *Vault) DateShift(ctx context.Context, tenant, patient string) (int, error) {
	if err := checkSubject(tenant, patient); err != nil {
		return 0, err
	}
	secret, err := v.tenantSecret(ctx, tenant)
	if err != nil {
		return 0, err
	}
	key, err := derive(secret, shiftInfo)
	if err != nil {
		return 0, err
	}
	m := hmac.New(sha256.New, key)
	m.Write(appendLP(appendLP(nil, tenant), patient))
	x := binary.BigEndian.Uint64(m.Sum(nil))
	// The modulo bias is below 2^-50 for any range of days.
	return v.shiftMin + int(x%uint64(v.shiftMax-v.shiftMin+1)), nil
}
