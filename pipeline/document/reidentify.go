package document

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/vault"
)

// Reidentify is the $reidentify operation (an engine.Operation) on a
// redacted DocumentReference: a Parameters resource with the text as it
// was before redaction and each token's original. Who may call it (a
// role Casbin grants "operation", such as admin) and its AuditEvent are
// the engine's business (engine.Invoke); this only reads the vault.
func (p *Processor) Reidentify(ctx context.Context, tenant string, r store.Resource) ([]byte, error) {
	if r.Type != "DocumentReference" {
		return nil, fhir.Errorf(http.StatusBadRequest, fhir.IssueNotSupported, "$reidentify applies to redacted DocumentReferences, not %s", r.Type)
	}
	var doc struct {
		docRef
		Extension json.RawMessage `json:"extension"`
		RelatesTo []struct {
			Target struct {
				Reference string `json:"reference"`
			} `json:"target"`
		} `json:"relatesTo"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		return nil, fmt.Errorf("document: reidentify: %w", err)
	}
	if !doc.redacted() || len(doc.Content) == 0 || doc.Content[0].Attachment.Data == "" {
		return nil, fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "DocumentReference/%s is not a redaction made by Kiln", r.ID)
	}
	text, err := base64.StdEncoding.DecodeString(doc.Content[0].Attachment.Data)
	if err != nil {
		return nil, fhir.Errorf(http.StatusUnprocessableEntity, fhir.IssueInvalid, "DocumentReference/%s content cannot be decoded", r.ID)
	}
	// The vault keys tokens by patient; a document without a subject was
	// tokenised under its source's id (see process).
	patient, ok := strings.CutPrefix(doc.Subject.Reference, "Patient/")
	if !ok {
		for _, rel := range doc.RelatesTo {
			if src, ok := strings.CutPrefix(rel.Target.Reference, "DocumentReference/"); ok {
				patient = "document-" + src
			}
		}
	}
	// Shifted dates are not tokens in the text: the redaction records
	// where each lies and the token that holds its original (see redact).
	shifted := parseShifted(doc.Extension, len(text))
	tokens := vault.TokensIn(string(text))
	for _, d := range shifted {
		tokens = append(tokens, d.Token)
	}
	originals, err := p.vault.Reveal(ctx, tenant, patient, tokens)
	if err != nil {
		return nil, fmt.Errorf("document: reidentify: %w", err)
	}
	var pairs []string
	params := []map[string]any{}
	for _, tok := range vault.TokensIn(string(text)) {
		orig, ok := originals[tok]
		if !ok {
			continue
		}
		pairs = append(pairs, tok, orig)
		params = append(params, map[string]any{"name": "token", "part": []map[string]any{
			{"name": "token", "valueString": tok}, {"name": "original", "valueString": orig},
		}})
	}
	for _, d := range shifted {
		if orig, ok := originals[d.Token]; ok {
			params = append(params, map[string]any{"name": "date", "part": []map[string]any{
				{"name": "shifted", "valueString": string(text[d.Start:d.End])}, {"name": "original", "valueString": orig},
			}})
		}
	}
	// Tokens are replaced between the shifted dates, shifted dates by
	// their place.
	replacer := strings.NewReplacer(pairs...)
	var restored strings.Builder
	prev := 0
	for _, d := range shifted {
		orig, ok := originals[d.Token]
		if !ok {
			continue
		}
		restored.WriteString(replacer.Replace(string(text[prev:d.Start])))
		restored.WriteString(orig)
		prev = d.End
	}
	restored.WriteString(replacer.Replace(string(text[prev:])))
	params = append([]map[string]any{{"name": "text", "valueString": restored.String()}}, params...)
	return json.Marshal(map[string]any{"resourceType": "Parameters", "parameter": params})
}
