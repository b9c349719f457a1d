package phi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Hints are what is known about the people a document is about: its
// subject Patient and related Practitioner and RelatedPerson resources.
// Detectors use them to find these values whatever their spelling in the
// text ("SMITH, JOHN", "J. Smith", "smith's"), which no generic rule can
// promise. The zero Hints is valid and means "nothing known".
type Hints struct {
	Names       []PersonName
	Identifiers []Identifier
	// BirthDates are FHIR dates (YYYY, YYYY-MM or YYYY-MM-DD).
	BirthDates []string
	Addresses  []Address
	Telecoms   []Telecom
}

// PersonName is one name of a person: the family name (which may hold
// several words, "van der Berg") and the given names.
type PersonName struct {
	Family string
	Given  []string
}

// Identifier is an identifier value and the category it is reported as.
type Identifier struct {
	Value    string
	Category Category
}

// Address is the part of an address that is PHI: street lines, city,
// district (county) and postal code. State and country are not PHI.
type Address struct {
	Lines      []string
	City       string
	District   string
	PostalCode string
}

// Telecom is a contact point; System is FHIR's ContactPoint.system
// (phone, fax, email, url, sms, pager, other).
type Telecom struct {
	System string
	Value  string
}

// IsZero reports whether h holds nothing.
func (h Hints) IsZero() bool {
	return len(h.Names) == 0 && len(h.Identifiers) == 0 && len(h.BirthDates) == 0 && len(h.Addresses) == 0 && len(h.Telecoms) == 0
}

// HintsFromResources builds Hints from a FHIR R4 Patient resource (JSON;
// empty for none) and any related Practitioner, RelatedPerson or Patient
// resources. It reads names, identifiers (Practitioner qualifications
// too), birth dates, addresses and telecoms, and the Patient's contacts
// (next of kin are PHI as well).
func HintsFromResources(patient []byte, related ...[]byte) (Hints, error) {
	var h Hints
	if len(strings.TrimSpace(string(patient))) > 0 {
		if err := h.add(patient, "Patient"); err != nil {
			return Hints{}, fmt.Errorf("patient: %w", err)
		}
	}
	for i, r := range related {
		if err := h.add(r, "Patient", "Practitioner", "RelatedPerson"); err != nil {
			return Hints{}, fmt.Errorf("related resource %d: %w", i, err)
		}
	}
	return h, nil
}

// fhirPerson is the subset of Patient, Practitioner and RelatedPerson that
// carries PHI.
type fhirPerson struct {
	ResourceType string            `json:"resourceType"`
	Identifier   []fhirIdentifier  `json:"identifier"`
	Name         []fhirHumanName   `json:"name"`
	Telecom      []fhirContact     `json:"telecom"`
	BirthDate    string            `json:"birthDate"`
	Address      []fhirAddress     `json:"address"`
	Contact      []fhirContactPart `json:"contact"`
	Qualif       []struct {
		Identifier []fhirIdentifier `json:"identifier"`
	} `json:"qualification"`
}

type fhirHumanName struct {
	Text   string   `json:"text"`
	Family string   `json:"family"`
	Given  []string `json:"given"`
}

type fhirIdentifier struct {
	Type struct {
		Coding []struct {
			System string `json:"system"`
			Code   string `json:"code"`
		} `json:"coding"`
		Text string `json:"text"`
	} `json:"type"`
	System string `json:"system"`
	Value  string `json:"value"`
}

type fhirContact struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

type fhirAddress struct {
	Line       []string `json:"line"`
	City       string   `json:"city"`
	District   string   `json:"district"`
	PostalCode string   `json:"postalCode"`
}

type fhirContactPart struct {
	Name    *fhirHumanName `json:"name"`
	Telecom []fhirContact  `json:"telecom"`
	Address *fhirAddress   `json:"address"`
}

func (h *Hints) add(raw []byte, allowed ...string) error {
	var p fhirPerson
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("parse FHIR JSON: %w", err)
	}
	ok := false
	for _, a := range allowed {
		ok = ok || p.ResourceType == a
	}
	if !ok {
		if p.ResourceType == "" {
			return errors.New("not a FHIR resource: no resourceType")
		}
		return fmt.Errorf("resourceType %q: want one of %s", p.ResourceType, strings.Join(allowed, ", "))
	}
	for _, n := range p.Name {
		h.addName(n)
	}
	for _, id := range p.Identifier {
		h.addIdentifier(id, p.ResourceType, "")
	}
	for _, q := range p.Qualif {
		for _, id := range q.Identifier {
			h.addIdentifier(id, p.ResourceType, License)
		}
	}
	for _, t := range p.Telecom {
		h.addTelecom(t)
	}
	if p.BirthDate != "" {
		h.BirthDates = append(h.BirthDates, p.BirthDate)
	}
	for _, a := range p.Address {
		h.addAddress(a)
	}
	for _, c := range p.Contact {
		if c.Name != nil {
			h.addName(*c.Name)
		}
		for _, t := range c.Telecom {
			h.addTelecom(t)
		}
		if c.Address != nil {
			h.addAddress(*c.Address)
		}
	}
	return nil
}

func (h *Hints) addName(n fhirHumanName) {
	pn := PersonName{Family: strings.TrimSpace(n.Family)}
	for _, g := range n.Given {
		if g = strings.TrimSpace(g); g != "" {
			pn.Given = append(pn.Given, g)
		}
	}
	if pn.Family == "" && len(pn.Given) == 0 && n.Text != "" {
		// Only free text: take its last word as the family name.
		words := strings.Fields(n.Text)
		pn.Family, pn.Given = words[len(words)-1], words[:len(words)-1]
	}
	if pn.Family != "" || len(pn.Given) > 0 {
		h.Names = append(h.Names, pn)
	}
}

func (h *Hints) addIdentifier(id fhirIdentifier, resourceType string, def Category) {
	v := strings.TrimSpace(id.Value)
	if v == "" {
		return
	}
	c := identifierCategory(id, resourceType)
	if def != "" && c == ID {
		c = def
	}
	h.Identifiers = append(h.Identifiers, Identifier{Value: v, Category: c})
}

func (h *Hints) addTelecom(t fhirContact) {
	if v := strings.TrimSpace(t.Value); v != "" {
		h.Telecoms = append(h.Telecoms, Telecom{System: strings.ToLower(t.System), Value: v})
	}
}

func (h *Hints) addAddress(a fhirAddress) {
	addr := Address{City: strings.TrimSpace(a.City), District: strings.TrimSpace(a.District), PostalCode: strings.TrimSpace(a.PostalCode)}
	for _, l := range a.Line {
		if l = strings.TrimSpace(l); l != "" {
			addr.Lines = append(addr.Lines, l)
		}
	}
	h.Addresses = append(h.Addresses, addr)
}

// identifierCategory maps an identifier to a category by its type code
// (HL7 v2 table 0203), then by well-known systems, then by resource:
// a Patient identifier of unknown type is taken for a record number.
func identifierCategory(id fhirIdentifier, resourceType string) Category {
	for _, c := range id.Type.Coding {
		switch strings.ToUpper(c.Code) {
		case "MR", "MRT", "PI", "PT":
			return MRN
		case "SS", "SB":
			return SSN
		case "DL":
			return License
		case "MD", "DEA", "SL", "LN", "PRN", "NIIP":
			return License
		case "MB", "MC", "MA", "SN", "NH":
			return HealthPlan
		case "NPI", "NP", "NI":
			return ID
		case "AN", "AND", "ANON", "ANC", "BA", "BC":
			return Account
		case "PPN", "VN", "EN", "FILL", "PLAC", "ACSN":
			return ID
		}
	}
	sys := strings.ToLower(id.System + " " + id.Type.Text)
	switch {
	case strings.Contains(sys, "us-ssn") || strings.Contains(sys, "2.16.840.1.113883.4.1") || strings.Contains(sys, "ssn") || strings.Contains(sys, "social security"):
		return SSN
	case strings.Contains(sys, "us-npi") || strings.Contains(sys, "npi"):
		return ID
	case strings.Contains(sys, "mbi") || strings.Contains(sys, "medicare") || strings.Contains(sys, "medicaid") || strings.Contains(sys, "member") || strings.Contains(sys, "insurance"):
		return HealthPlan
	case strings.Contains(sys, "mrn") || strings.Contains(sys, "medical-record") || strings.Contains(sys, "medical record"):
		return MRN
	case strings.Contains(sys, "driver") || strings.Contains(sys, "license") || strings.Contains(sys, "licence"):
		return License
	case strings.Contains(sys, "account"):
		return Account
	}
	if resourceType == "Patient" {
		return MRN
	}
	return ID
}
