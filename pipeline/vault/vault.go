package vault

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// ErrInvalid reports a bad argument: an empty tenant or patient, a
// category that cannot be part of a token, a malformed key.
var ErrInvalid = errors.New("vault: invalid argument")

// Default date-shift range: every date of a patient moves back by 1 to 365
// days. Never 0, so no date is left as it was.
const (
	DefaultShiftMinDays = -365
	DefaultShiftMaxDays = -1
	// maxShiftDays bounds a shift to a century either way.
	maxShiftDays = 36525
)

// Options configures a Vault. The zero value is usable.
type Options struct {
	// Now stamps new keys (their ids sort by creation). Default time.Now.
	Now func() time.Time
	// OldWrappers only unwrap: keys wrapped by a wrapper the vault no
	// longer wraps with (after moving from a local KEK to KMS, say) stay
	// readable until RewrapAll has moved them to the current wrapper.
	OldWrappers []KeyWrapper
	// ShiftMinDays and ShiftMaxDays bound DateShift (inclusive). Both zero
	// means DefaultShiftMinDays..DefaultShiftMaxDays. Changing them changes
	// every patient's shift, so dates redacted before and after no longer
	// line up.
	ShiftMinDays, ShiftMaxDays int
}

// Vault hands out tokens and keeps originals encrypted in records. It is
// safe for concurrent use, and several processes may share one database.
type Vault struct {
	records  store.Records
	wrapper  KeyWrapper
	wrappers map[string]KeyWrapper // by Name: wrapper and OldWrappers
	now      func() time.Time
	shiftMin int
	shiftMax int

	// keys caches unwrapped keys by tenant and key name, so a KMS wrapper
	// is called once per key and process rather than once per entry.
	// Stored keys never change (rewrapping keeps the plaintext), so the
	// cache needs no invalidation.
	mu   sync.Mutex
	keys map[cacheKey][]byte
}

type cacheKey struct{ tenant, name string }

// New returns a vault keeping its state in records and wrapping its keys
// with wrapper.
func New(records store.Records, wrapper KeyWrapper, opts Options) (*Vault, error) {
	if records == nil || wrapper == nil {
		return nil, fmt.Errorf("%w: vault needs records and a key wrapper", ErrInvalid)
	}
	v := &Vault{
		records:  records,
		wrapper:  wrapper,
		wrappers: map[string]KeyWrapper{wrapper.Name(): wrapper},
		now:      opts.Now,
		shiftMin: opts.ShiftMinDays,
		shiftMax: opts.ShiftMaxDays,
		keys:     map[cacheKey][]byte{},
	}
	for _, w := range opts.OldWrappers {
		if w == nil {
			return nil, fmt.Errorf("%w: nil old wrapper", ErrInvalid)
		}
		if _, dup := v.wrappers[w.Name()]; dup {
			return nil, fmt.Errorf("%w: two key wrappers named %q", ErrInvalid, w.Name())
		}
		v.wrappers[w.Name()] = w
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.shiftMin == 0 && v.shiftMax == 0 {
		v.shiftMin, v.shiftMax = DefaultShiftMinDays, DefaultShiftMaxDays
	}
	if v.shiftMin > v.shiftMax || v.shiftMin < -maxShiftDays || v.shiftMax > maxShiftDays {
		return nil, fmt.Errorf("%w: date shift range %d..%d: want min <= max, within ±%d days", ErrInvalid, v.shiftMin, v.shiftMax, maxShiftDays)
	}
	return v, nil
}

// checkSubject rejects the empty tenant and patient: vault records always
// belong to a tenant, and every entry to a patient.
func checkSubject(tenant, patient string) error {
	if tenant == "" {
		return fmt.Errorf("%w: empty tenant", ErrInvalid)
	}
	if patient == "" {
		return fmt.Errorf("%w: empty patient", ErrInvalid)
	}
	return nil
}
