package phi

import (
	"context"
	"fmt"
)

// Category is the kind of identifier a Span holds: one of the HIPAA Safe
// Harbor identifier categories (45 CFR 164.514(b)(2)) that can occur in
// text.
type Category string

// The categories, in the order Safe Harbor lists them. Biometric
// identifiers and full-face photographs (Safe Harbor (P) and (Q)) are not
// text and no detector reports them; they are named so that a report can
// say so.
const (
	Name       Category = "NAME"        // (A) names of the individual, relatives, employers, household members
	Location   Category = "LOCATION"    // (B) street address, city, county, ZIP code: any unit smaller than a state
	Date       Category = "DATE"        // (C) every element of a date but the year
	Age        Category = "AGE"         // (C) ages over 89 (redacted to "90+")
	Phone      Category = "PHONE"       // (D)
	Fax        Category = "FAX"         // (E)
	Email      Category = "EMAIL"       // (F)
	SSN        Category = "SSN"         // (G)
	MRN        Category = "MRN"         // (H) medical record numbers
	HealthPlan Category = "HEALTH_PLAN" // (I) health plan beneficiary numbers
	Account    Category = "ACCOUNT"     // (J) account numbers, card numbers, IBANs
	License    Category = "LICENSE"     // (K) certificate and licence numbers (driver's licence, DEA, medical licence)
	Vehicle    Category = "VEHICLE"     // (L) VINs, licence plates
	Device     Category = "DEVICE"      // (M) device identifiers and serial numbers
	URL        Category = "URL"         // (N)
	IP         Category = "IP"          // (O)
	Biometric  Category = "BIOMETRIC"   // (P) not applicable to text
	Photo      Category = "PHOTO"       // (Q) not applicable to text
	ID         Category = "ID"          // (R) any other unique identifying number or code
)

// TextCategories are the categories a detector can find in text, in the
// order reports list them.
func TextCategories() []Category {
	return []Category{Name, Location, Date, Age, Phone, Fax, Email, SSN, MRN, HealthPlan, Account, License, Vehicle, Device, URL, IP, ID}
}

// Valid reports whether c is one of the categories above.
func (c Category) Valid() bool {
	switch c {
	case Name, Location, Date, Age, Phone, Fax, Email, SSN, MRN, HealthPlan, Account, License, Vehicle, Device, URL, IP, Biometric, Photo, ID:
		return true
	}
	return false
}

// Span is one piece of PHI found in a text. Offsets are byte offsets into
// the UTF-8 text, end exclusive: Go slices text[Start:End] without
// conversion; interfaces that speak code points convert at their boundary.
type Span struct {
	Start, End int
	Category   Category
	// Confidence is the detector's belief in [0, 1] that the span is PHI of
	// this category; Merge uses it to settle overlaps.
	Confidence float64
	// Detector names the detector (and rule) that found the span.
	Detector string
}

// Len is the span's length in bytes.
func (s Span) Len() int { return s.End - s.Start }

func (s Span) String() string {
	return fmt.Sprintf("%s[%d:%d]%.2f", s.Category, s.Start, s.End, s.Confidence)
}

// Detector finds PHI in text. Implementations must be safe for concurrent
// use. The built-in detector is one; others (a cloud service, a model)
// implement the same interface and their results meet in Merge.
type Detector interface {
	// Name identifies the detector in spans and reports.
	Name() string
	// Version changes whenever the detector's output for the same input
	// may change, so stored results can say what produced them.
	Version() string
	// Detect returns the PHI spans of text. hints carries what is known
	// about the document's subject (see Hints); the zero Hints is valid.
	// The spans may overlap; Merge resolves them.
	Detect(ctx context.Context, text string, hints Hints) ([]Span, error)
}

// Combine returns a Detector that runs each of detectors and merges their
// spans, so callers see one detector however many contribute.
func Combine(name string, detectors ...Detector) Detector {
	return combined{name: name, detectors: detectors}
}

type combined struct {
	name      string
	detectors []Detector
}

func (c combined) Name() string { return c.name }

func (c combined) Version() string {
	v := ""
	for i, d := range c.detectors {
		if i > 0 {
			v += "+"
		}
		v += d.Name() + "/" + d.Version()
	}
	return v
}

func (c combined) Detect(ctx context.Context, text string, hints Hints) ([]Span, error) {
	all := make([][]Span, 0, len(c.detectors))
	for _, d := range c.detectors {
		spans, err := d.Detect(ctx, text, hints)
		if err != nil {
			return nil, fmt.Errorf("detector %s: %w", d.Name(), err)
		}
		all = append(all, spans)
	}
	return tidy(text, Merge(all...)), nil
}
