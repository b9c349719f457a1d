package chr

import "context"

// A Composer writes the statements of a CHR draft from what Kiln gathered
// for each section. Kiln owns everything else: the Composition, its
// narrative XHTML, entries, Provenance and validation. A composer only
// chooses the words and, for every statement, the sources it rests on.
//
// Composers must cite: a statement whose Sources are empty or name an id
// that its section's input does not hold is dropped by Kiln (and counted
// in the draft's Provenance), never shown uncited.
type Composer interface {
	// Name identifies the composer in Provenance ("offline",
	// "openai:gpt-4o-mini").
	Name() string
	// Compose returns one SectionOutput per input section that has
	// anything to say, in any order. tenant is for egress policy and
	// audit only.
	Compose(ctx context.Context, tenant string, sections []SectionInput) ([]SectionOutput, error)
}

// SectionInput is what Kiln gathered for one section.
type SectionInput struct {
	// Key names the section ("problems", "medications", "allergies",
	// "results", "vitals", "immunizations", "procedures", "encounters",
	// "plan", "narrative", "coding").
	Key   string
	Title string
	// Facts are statements Kiln derived from structured resources, one per
	// resource (or per coding suggestion), each with its own Source.
	Facts []Fact
	// Passages are the redacted document chunks retrieved for the section,
	// best first.
	Passages []Passage
}

// Fact is one statement drawn from a structured resource.
type Fact struct {
	Source string // citation id, unique within the draft ("R3")
	// Text is the full statement for the reviewer ("Essential hypertension,
	// active, onset 2014-03-02").
	Text string
	// Deidentified is the same statement with every Safe Harbor element
	// removed (dates reduced to the year, no names or identifiers): the
	// only form a composer may send outside Kiln.
	Deidentified string
}

// Passage is one retrieved chunk of a redacted document. Its text holds
// vault tokens ([NAME_1]) in place of PHI.
type Passage struct {
	Source string // citation id, unique within the draft ("D2")
	Text   string
	Score  float64 // similarity to the section's query, higher is closer
	// Document and Start place the passage (the redacted document's id and
	// the code-point offset of its first character), so a composer can
	// keep the documents' order.
	Document string
	Start    int
}

// SectionOutput is a composer's text for one section.
type SectionOutput struct {
	Key        string
	Statements []Statement
}

// Statement is one sentence of the draft and the sources that support it.
type Statement struct {
	Text    string   `json:"text"`
	Sources []string `json:"sources"`
}
