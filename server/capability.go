package server

import (
	"maps"
	"net/http"
	"slices"

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
		Type       string `json:"type,omitempty"`
	}
	type resource struct {
		Type              string   `json:"type"`
		SupportedProfile  []string `json:"supportedProfile,omitempty"`
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
		Operation         []param  `json:"operation,omitempty"`
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
		var ops []param
		for _, name := range slices.Sorted(maps.Keys(s.cfg.Operations)) {
			op := s.cfg.Operations[name]
			if !slices.Contains(op.Types, t) {
				continue
			}
			def := op.Definition
			if def == "" {
				def = "https://kiln.health/fhir/OperationDefinition/" + t + "-" + name
			}
			ops = append(ops, param{Name: name, Definition: def})
		}
		resources[i] = resource{
			SupportedProfile:  s.cfg.SupportedProfiles[t],
			Operation:         ops,
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
	if s.auth != nil {
		cs["rest"].([]map[string]any)[0]["security"] = s.security(c)
	}
	body, err := cs.Marshal()
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeBody(c, http.StatusOK, body)
}

// security is the CapabilityStatement's rest.security: SMART on FHIR, with
// the OAuth URIs of Kiln's issuer as an extension (the SMART convention).
func (s *Server) security(c *gin.Context) map[string]any {
	conf := s.auth.SmartConfiguration(s.root(c), c.Param("tenant"))
	uris := []map[string]any{
		{"url": "token", "valueUri": conf["token_endpoint"]},
		{"url": "introspect", "valueUri": conf["introspection_endpoint"]},
	}
	return map[string]any{
		"cors": true,
		"service": []map[string]any{{
			"coding": []map[string]any{{
				"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
				"code":   "SMART-on-FHIR",
			}},
			"text": "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)",
		}},
		"extension": []map[string]any{{
			"url":       "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
			"extension": uris,
		}},
		"description": "Bearer tokens from Kiln's Backend Services token endpoint or from the tenant's trusted OIDC issuers, or API keys; SMART v1 and v2 scopes with granular search parameters; Casbin policies per tenant. See .well-known/smart-configuration.",
	}
}
