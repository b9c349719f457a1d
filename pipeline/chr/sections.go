package chr

// Identifiers of the CHR profile (profiles/StructureDefinition-kiln-chr.json).
const (
	ProfileURL        = "https://kiln.health/fhir/StructureDefinition/kiln-chr"
	CategorySystem    = "https://kiln.health/fhir/CodeSystem/chr-category"
	SectionSystem     = "https://kiln.health/fhir/CodeSystem/chr-section"
	ExtRedactedNarr   = "https://kiln.health/fhir/StructureDefinition/chr-redacted-narrative"
	ExtStatement      = "https://kiln.health/fhir/StructureDefinition/chr-statement"
	ExtSourceRange    = "https://kiln.health/fhir/StructureDefinition/chr-source-range"
	ExtConfidence     = "https://kiln.health/fhir/StructureDefinition/chr-confidence"
	SuggestionTag     = "https://kiln.health/fhir/CodeSystem/chr-suggestion"
	loinc             = "http://loinc.org"
	icd10cm           = "http://hl7.org/fhir/sid/icd-10-cm"
	obsValueSystem    = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
	participantType   = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
	dataOperation     = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
	conditionVerifSys = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
)

// section is one section of the CHR, in the order of the report.
type section struct {
	Key, Title            string
	System, Code, Display string
	// Query is what retrieval looks for in the patient's documents for
	// this section.
	Query string
}

// sections are the CHR's sections; the profile requires each exactly once.
var sections = []section{
	{"problems", "Active problems", loinc, "11450-4", "Problem list - Reported",
		"diagnosis assessment problem history of chronic condition disease"},
	{"medications", "Medications", loinc, "10160-0", "History of Medication use Narrative",
		"medication prescribed dose mg tablet daily started stopped"},
	{"allergies", "Allergies and intolerances", loinc, "48765-2", "Allergies and adverse reactions Document",
		"allergy allergic reaction intolerance rash anaphylaxis"},
	{"results", "Recent results", loinc, "30954-2", "Relevant diagnostic tests/laboratory data Narrative",
		"laboratory result test level value imaging finding"},
	{"vitals", "Vital signs", loinc, "8716-3", "Vital signs",
		"blood pressure heart rate temperature weight height bmi oxygen saturation"},
	{"immunizations", "Immunizations", loinc, "11369-6", "History of Immunization Narrative",
		"vaccine vaccination immunization dose given"},
	{"procedures", "Procedures", loinc, "47519-4", "History of Procedures Document",
		"procedure surgery performed operation biopsy"},
	{"encounters", "Recent encounters", loinc, "46240-8", "History of Hospitalizations+Outpatient visits Narrative",
		"visit admission seen clinic hospital emergency follow-up"},
	{"plan", "Plan of care", loinc, "18776-5", "Plan of care note",
		"plan follow up recommend continue start refer return schedule goal"},
	{"narrative", "Clinical summary from documents", loinc, "67781-5", "Summarization of encounter note Narrative",
		"patient presents history assessment summary impression"},
	{"coding", "Suggested codes", SectionSystem, "coding-suggestions", "Suggested codes",
		"diagnosis assessment condition"},
}

func sectionByKey(key string) (section, bool) {
	for _, s := range sections {
		if s.Key == key {
			return s, true
		}
	}
	return section{}, false
}
