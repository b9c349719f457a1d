package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kiln-health/kiln/fhir"
)

// metadata serves the CapabilityStatement. It is generated from what the
// server implements, so it must change whenever an interaction is added.
func (s *Server) metadata(c *gin.Context) {
	type code struct {
		Code string `json:"code"`
	}
	type resource struct {
		Type              string   `json:"type"`
		Interaction       []code   `json:"interaction"`
		Versioning        string   `json:"versioning"`
		ReadHistory       bool     `json:"readHistory"`
		UpdateCreate      bool     `json:"updateCreate"`
		ConditionalCreate bool     `json:"conditionalCreate"`
		ConditionalRead   string   `json:"conditionalRead"`
		ConditionalUpdate bool     `json:"conditionalUpdate"`
		ConditionalDelete string   `json:"conditionalDelete"`
		ReferencePolicy   []string `json:"referencePolicy"`
	}
	codes := func(cs ...string) []code {
		out := make([]code, len(cs))
		for i, c := range cs {
			out[i] = code{c}
		}
		return out
	}
	types := fhir.ResourceTypes()
	resources := make([]resource, len(types))
	for i, t := range types {
		resources[i] = resource{
			Type:              t,
			Interaction:       codes("read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create"),
			Versioning:        "versioned-update",
			ReadHistory:       true,
			UpdateCreate:      true,
			ConditionalCreate: true,
			ConditionalRead:   "not-supported",
			ConditionalUpdate: true,
			ConditionalDelete: "single",
			ReferencePolicy:   []string{"literal", "local"},
		}
	}
	store := s.engine.Store().Backend()
	cs := fhir.Object{
		"resourceType": "CapabilityStatement",
		"status":       "active",
		"date":         fhir.FormatInstant(s.started),
		"publisher":    "Kiln",
		"kind":         "instance",
		"software":     map[string]any{"name": "Kiln", "version": s.cfg.Version},
		"implementation": map[string]any{
			"description": "Kiln FHIR R4 server (" + store + " storage), tenant " + c.Param("tenant"),
			"url":         s.base(c),
		},
		"fhirVersion": "4.0.1",
		"format":      []string{"application/fhir+json", "json"},
		"patchFormat": []string{"application/json-patch+json"},
		"rest": []map[string]any{{
			"mode":          "server",
			"documentation": "Conditional create, update and delete accept the _id and identifier search parameters.",
			"resource":      resources,
			"interaction":   codes("transaction", "batch", "history-system"),
		}},
	}
	body, err := cs.Marshal()
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeBody(c, http.StatusOK, body)
}
