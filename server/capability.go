package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/searchparam"
)

// metadata serves the CapabilityStatement. It is generated from what the
// server implements, so it must change whenever an interaction is added.
func (s *Server) metadata(c *gin.Context) {
	type code struct {
		Code string `json:"code"`
	}
	type param struct {
		Name       string `json:"name"`
		Definition string `json:"definition"`
		Type       string `json:"type"`
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
		SearchInclude     []string `json:"searchInclude,omitempty"`
		SearchRevInclude  []string `json:"searchRevInclude,omitempty"`
		SearchParam       []param  `json:"searchParam,omitempty"`
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
	x := s.engine.Extractor()
	for i, t := range types {
		var params []param
		includes := []string{"*"}
		for _, p := range x.Supported(t) {
			params = append(params, param{Name: p.Code, Definition: p.URL, Type: string(p.Type)})
			if p.Type == searchparam.Reference {
				includes = append(includes, t+":"+p.Code)
			}
		}
		resources[i] = resource{
			Type:              t,
			SearchParam:       params,
			SearchInclude:     includes,
			SearchRevInclude:  []string{"*"},
			Interaction:       codes("read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create", "search-type"),
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
			"documentation": "Every R4 search parameter the registry defines is supported (see each resource's searchParam), with the modifiers, prefixes, chaining, _has, _include/_revinclude (:iterate), _sort, _total, _summary and _elements of the FHIR search specification. Conditional create, update and delete use the same search.",
			"resource":      resources,
			"interaction":   codes("transaction", "batch", "history-system", "search-system"),
		}},
	}
	body, err := cs.Marshal()
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeBody(c, http.StatusOK, body)
}
