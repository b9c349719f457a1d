package document

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kiln-health/kiln/fhir/store"
)

// SettingsKind is the store.Records kind of the tenants' pipeline
// settings. They live in the database, not in flags, so that every server
// and worker process of a tenant redacts the same way.
const SettingsKind = "pipeline-settings"

// settingsKey is the record's key within the tenant and kind.
const settingsKey = "document"

// DateMethod says what redaction does with the dates it detects.
type DateMethod string

const (
	// DatesToken replaces each date with the patient's vault token
	// ("[DATE_1]"), the default.
	DatesToken DateMethod = "token"
	// DatesShift moves each date by the patient's secret offset
	// (vault.DateShift), keeping its format, so intervals between a
	// patient's dates survive; a date that cannot be parsed is tokenised.
	DatesShift DateMethod = "shift"
)

// Settings are one tenant's document pipeline settings. The zero value is
// the default.
type Settings struct {
	Dates DateMethod `json:"dates,omitempty"`
}

// DateMethod is the effective date method (the default when unset).
func (s Settings) DateMethod() DateMethod {
	if s.Dates == "" {
		return DatesToken
	}
	return s.Dates
}

// settingNames are the keys Set accepts, for error messages and show.
var settingNames = []string{"dates"}

// Set sets one setting from its name and value ("dates", "shift").
func (s *Settings) Set(name, value string) error {
	switch name {
	case "dates":
		switch m := DateMethod(value); m {
		case DatesToken, DatesShift:
			s.Dates = m
			return nil
		}
		return fmt.Errorf("document: setting dates=%q: want token or shift", value)
	}
	return fmt.Errorf("document: unknown setting %q: want one of %s", name, strings.Join(settingNames, ", "))
}

// Pairs are the settings as name=value lines, defaults included, in a
// stable order.
func (s Settings) Pairs() []string {
	out := []string{"dates=" + string(s.DateMethod())}
	slices.Sort(out)
	return out
}

// LoadSettings reads a tenant's settings; a tenant without any has the
// defaults.
func LoadSettings(ctx context.Context, records store.Records, tenant string) (Settings, error) {
	r, err := records.GetRecord(ctx, tenant, SettingsKind, settingsKey)
	if errors.Is(err, store.ErrNotFound) {
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("document: tenant %s settings: %w", tenant, err)
	}
	var s Settings
	if err := json.Unmarshal(r.Value, &s); err != nil {
		return Settings{}, fmt.Errorf("document: tenant %s settings are corrupt: %w", tenant, err)
	}
	// Re-check the stored value: a record written by hand must not make
	// redaction fall through to an unknown method.
	if err := (&Settings{}).Set("dates", string(s.DateMethod())); err != nil {
		return Settings{}, fmt.Errorf("document: tenant %s settings: %w", tenant, err)
	}
	return s, nil
}

// SaveSettings stores a tenant's settings. Documents processed after it
// returns use them, in every process (they are read once per job).
func SaveSettings(ctx context.Context, records store.Records, tenant string, s Settings) error {
	if tenant == "" {
		return errors.New("document: settings need a tenant")
	}
	if err := (&Settings{}).Set("dates", string(s.DateMethod())); err != nil {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := records.PutRecord(ctx, store.Record{Tenant: tenant, Kind: SettingsKind, Key: settingsKey, Value: b}); err != nil {
		return fmt.Errorf("document: save tenant %s settings: %w", tenant, err)
	}
	return nil
}
