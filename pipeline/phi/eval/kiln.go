package eval

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kiln-health/kiln/pipeline/phi"
)

// KilnInline reads a directory of notes labelled inline, the format of
// testdata/phi: every NAME.txt is a document whose PHI is written
// {{CATEGORY:text}} with a Kiln category; NAME.patient.json (a FHIR
// Patient) and NAME.related.json (a JSON array of Practitioner or
// RelatedPerson resources) are optional. Labels need no mapping.
type KilnInline struct{}

// Name implements Adapter.
func (KilnInline) Name() string { return "kiln-inline" }

// Mapping implements Adapter.
func (KilnInline) Mapping() []string {
	return []string{"labels are Kiln categories ({{CATEGORY:text}}); unlabelled text is not PHI"}
}

// Detect implements Adapter: a directory holding at least one .txt file.
func (KilnInline) Detect(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.IsDir() {
		return false
	}
	m, _ := filepath.Glob(filepath.Join(path, "*.txt"))
	if len(m) == 0 {
		m, _ = filepath.Glob(filepath.Join(path, "*", "*.txt"))
	}
	return len(m) > 0
}

// Load implements Adapter. It reads path/*.txt and path/*/*.txt in name
// order.
func (KilnInline) Load(path string) (*Corpus, error) {
	files, err := filepath.Glob(filepath.Join(path, "*.txt"))
	if err != nil {
		return nil, err
	}
	sub, err := filepath.Glob(filepath.Join(path, "*", "*.txt"))
	if err != nil {
		return nil, err
	}
	files = append(files, sub...)
	sort.Strings(files)
	c := &Corpus{Path: path, Format: KilnInline{}.Name()}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		text, labels, err := ParseInline(string(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		base := strings.TrimSuffix(f, ".txt")
		doc := Document{ID: filepath.Base(base), Text: text, Labels: labels}
		if p, err := os.ReadFile(base + ".patient.json"); err == nil {
			doc.Patient = p
		} else if !os.IsNotExist(err) {
			return nil, err
		}
		if r, err := os.ReadFile(base + ".related.json"); err == nil {
			related, err := splitJSONArray(r)
			if err != nil {
				return nil, fmt.Errorf("%s.related.json: %w", base, err)
			}
			doc.Related = related
		} else if !os.IsNotExist(err) {
			return nil, err
		}
		c.Documents = append(c.Documents, doc)
	}
	return c, nil
}

// ParseInline removes {{CATEGORY:text}} markup from s and returns the
// plain text and its labels (byte offsets into the plain text).
func ParseInline(s string) (string, []Label, error) {
	var b strings.Builder
	var labels []Label
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		rest := s[i+2:]
		colon := strings.IndexByte(rest, ':')
		end := strings.Index(rest, "}}")
		if colon < 0 || end < 0 || colon > end {
			return "", nil, fmt.Errorf("offset %d: unterminated or malformed {{CATEGORY:text}}", b.Len())
		}
		cat := phi.Category(rest[:colon])
		if !cat.Valid() {
			return "", nil, fmt.Errorf("offset %d: unknown category %q", b.Len(), cat)
		}
		content := rest[colon+1 : end]
		if strings.Contains(content, "{{") {
			return "", nil, fmt.Errorf("offset %d: nested labels", b.Len())
		}
		start := b.Len()
		b.WriteString(content)
		labels = append(labels, Label{Start: start, End: b.Len(), Category: cat, Source: string(cat)})
		s = rest[end+2:]
	}
	return b.String(), labels, nil
}
