package main

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/chr"
	"github.com/kiln-health/kiln/server"
)

// chrOperations are the HTTP operations of Client Health Reports.
func chrOperations(d *chr.Drafter) map[string]server.Operation {
	return map[string]server.Operation{
		// POST Patient/{id}/$chr-draft: the caller must be allowed to read
		// the patient and every type of the chart, and to create and read
		// Compositions; the draft holds only what the caller may read
		// (chr.Drafter.DraftNow and Request).
		"chr-draft": {Action: engine.ActionRead, Types: []string{"Patient"}, Call: func(ctx context.Context, tenant string, r store.Resource, req server.OperationRequest) (server.OperationResponse, error) {
			if req.Method != http.MethodPost {
				return server.OperationResponse{}, fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "$chr-draft is POST only: it writes a Composition")
			}
			for _, act := range []engine.Action{engine.ActionCreate, engine.ActionRead} {
				if err := d.Engine().Require(ctx, "Composition", act); err != nil {
					return server.OperationResponse{}, err
				}
			}
			if req.Async {
				task, comp, err := d.Request(ctx, tenant, r.ID)
				if err != nil {
					return server.OperationResponse{}, err
				}
				body, _ := json.Marshal(fhir.OperationOutcome{Issues: []fhir.Issue{{Severity: fhir.SeverityInformation, Code: fhir.IssueInformational,
					Diagnostics: "drafting Composition/" + comp + "; poll Task/" + task}}})
				return server.OperationResponse{Status: http.StatusAccepted, Body: body, Location: req.Base + "/Task/" + task}, nil
			}
			comp, err := d.DraftNow(ctx, tenant, r.ID)
			if err != nil {
				return server.OperationResponse{}, err
			}
			return server.OperationResponse{Status: http.StatusCreated, Body: comp.Body, Location: req.Base + "/Composition/" + comp.ID, Version: &comp}, nil
		}},
		// POST Composition/{id}/$chr-sign: the caller signs the draft.
		"chr-sign": {Action: engine.ActionUpdate, Types: []string{"Composition"}, Call: func(ctx context.Context, tenant string, r store.Resource, req server.OperationRequest) (server.OperationResponse, error) {
			if req.Method != http.MethodPost {
				return server.OperationResponse{}, fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "$chr-sign is POST only")
			}
			signed, err := d.Sign(ctx, tenant, r, req.IfMatch)
			if err != nil {
				return server.OperationResponse{}, err
			}
			return server.OperationResponse{Body: signed.Body, Version: &signed}, nil
		}},
		// GET Composition/{id}/$document[?_format=html]
		"document": {Action: engine.ActionRead, Types: []string{"Composition"}, HTML: true, Definition: "http://hl7.org/fhir/OperationDefinition/Composition-document", Call: func(ctx context.Context, tenant string, r store.Resource, req server.OperationRequest) (server.OperationResponse, error) {
			b, err := d.Document(ctx, tenant, req.Base, r)
			if err != nil || !req.HTML {
				return server.OperationResponse{Body: b}, err
			}
			page, err := chr.RenderHTML(b)
			return server.OperationResponse{Body: page, ContentType: "text/html"}, err
		}},
	}
}
