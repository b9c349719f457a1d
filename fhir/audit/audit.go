// Package audit builds the FHIR R4 AuditEvent that Kiln records for every
// access to tenant data, following the shape of IHE Basic Audit Log
// Patterns (BALP) for RESTful interactions: type "rest", the interaction
// as subtype, the requesting agent (who, client, network address), the
// entities touched (and the query of a search), and the outcome.
//
// An AuditEvent never holds clinical content: entities are references and
// queries, and outcome descriptions are the server's own messages.
package audit

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// Code systems of the AuditEvent's codes.
const (
	systemEventType   = "http://terminology.hl7.org/CodeSystem/audit-event-type"
	systemInteraction = "http://hl7.org/fhir/restful-interaction"
	systemEntityType  = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
	systemObjectRole  = "http://terminology.hl7.org/CodeSystem/object-role"
	systemAgentType   = "http://terminology.hl7.org/CodeSystem/extra-security-role-type"
	systemSourceType  = "http://terminology.hl7.org/CodeSystem/security-source-type"
	systemDICOM       = "http://dicom.nema.org/resources/ontology/DCM"
)

// Agent is who made a request.
type Agent struct {
	// Who identifies the principal: "client:abc", "user:https://idp|123",
	// "apikey:k1", or "anonymous".
	Who string
	// Display is a human-readable name, if known (a client's name).
	Display  string
	ClientID string
	// FHIRUser is the user's FHIR resource ("Practitioner/123"), if any.
	FHIRUser string
	Roles    []string
	// Address is the network address the request came from.
	Address string
	// System is set for backend services and internal processes.
	System bool
}

// Entity is one thing an interaction touched.
type Entity struct {
	// Reference is "Type/id" or "Type/id/_history/v"; empty for a query.
	Reference string
	// Query is the search's query string (AuditEvent.entity.query).
	Query string
}

// Event is one audited interaction.
type Event struct {
	// Interaction is the restful-interaction code: read, vread, update,
	// patch, delete, history-instance, history-type, history-system,
	// create, search-type, search-system, batch, transaction, operation.
	Interaction string
	Agent       Agent
	Entities    []Entity
	// Status is the HTTP status answered; Message says why it failed.
	Status  int
	Message string
	// Recorded is when the event happened (RFC 3339, from fhir.FormatInstant).
	Recorded string
	// Server names this Kiln instance as the observer.
	Server string
}

// action maps an interaction to AuditEvent.action (C, R, U, D, E).
func action(interaction string) string {
	switch interaction {
	case "create":
		return "C"
	case "read", "vread", "history-instance", "history-type", "history-system", "search-type", "search-system":
		return "R"
	case "update", "patch":
		return "U"
	case "delete":
		return "D"
	}
	return "E" // batch, transaction, operation
}

// Outcome maps an HTTP status to AuditEvent.outcome: 0 success, 4 minor
// failure (the request was refused or wrong: 4xx), 8 serious failure (5xx).
func Outcome(status int) string {
	switch {
	case status < 400:
		return "0"
	case status < 500:
		return "4"
	}
	return "8"
}

type coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

type reference struct {
	Reference  string      `json:"reference,omitempty"`
	Display    string      `json:"display,omitempty"`
	Identifier *identifier `json:"identifier,omitempty"`
}

type identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value"`
}

type codeableConcept struct {
	Coding []coding `json:"coding"`
	Text   string   `json:"text,omitempty"`
}

type network struct {
	Address string `json:"address"`
	Type    string `json:"type"`
}

type agent struct {
	Type      *codeableConcept  `json:"type,omitempty"`
	Role      []codeableConcept `json:"role,omitempty"`
	Who       reference         `json:"who"`
	AltID     string            `json:"altId,omitempty"`
	Requestor bool              `json:"requestor"`
	Network   *network          `json:"network,omitempty"`
}

type entity struct {
	What  *reference `json:"what,omitempty"`
	Type  *coding    `json:"type,omitempty"`
	Role  *coding    `json:"role,omitempty"`
	Query string     `json:"query,omitempty"`
}

type source struct {
	Observer reference `json:"observer"`
	Type     []coding  `json:"type"`
}

type auditEvent struct {
	ResourceType string   `json:"resourceType"`
	Type         coding   `json:"type"`
	Subtype      []coding `json:"subtype"`
	Action       string   `json:"action"`
	Recorded     string   `json:"recorded"`
	Outcome      string   `json:"outcome"`
	OutcomeDesc  string   `json:"outcomeDesc,omitempty"`
	Agent        []agent  `json:"agent"`
	Source       source   `json:"source"`
	Entity       []entity `json:"entity,omitempty"`
}

// Resource returns the AuditEvent as FHIR JSON.
func (e Event) Resource() ([]byte, error) {
	a := agent{Requestor: true, Who: reference{Display: e.Agent.Who}, AltID: e.Agent.ClientID}
	if e.Agent.Display != "" {
		a.Who.Display = e.Agent.Display
	}
	if e.Agent.Who != "" {
		a.Who.Identifier = &identifier{System: "urn:kiln:principal", Value: e.Agent.Who}
	}
	a.Who.Reference = e.Agent.FHIRUser // relative or absolute, as the token said
	if e.Agent.System {
		a.Type = &codeableConcept{Coding: []coding{{System: systemDICOM, Code: "110150", Display: "Application"}}}
	} else {
		a.Type = &codeableConcept{Coding: []coding{{System: systemAgentType, Code: "humanuser", Display: "human user"}}}
	}
	for _, r := range e.Agent.Roles {
		a.Role = append(a.Role, codeableConcept{Coding: []coding{{System: "urn:kiln:role", Code: r}}, Text: r})
	}
	if e.Agent.Address != "" {
		a.Network = &network{Address: e.Agent.Address, Type: "2"} // 2: IP address
	}
	server := e.Server
	if server == "" {
		server = "Kiln"
	}
	out := auditEvent{
		ResourceType: "AuditEvent",
		Type:         coding{System: systemEventType, Code: "rest", Display: "Restful Operation"},
		Subtype:      []coding{{System: systemInteraction, Code: e.Interaction}},
		Action:       action(e.Interaction),
		Recorded:     e.Recorded,
		Outcome:      Outcome(e.Status),
		Agent:        []agent{a},
		Source: source{
			Observer: reference{Display: server},
			Type:     []coding{{System: systemSourceType, Code: "4", Display: "Application Server"}},
		},
	}
	if e.Status >= 400 {
		out.OutcomeDesc = http.StatusText(e.Status)
		if e.Message != "" {
			out.OutcomeDesc += ": " + e.Message
		}
	}
	for _, en := range e.Entities {
		switch {
		case en.Query != "":
			out.Entity = append(out.Entity, entity{
				Type:  &coding{System: systemEntityType, Code: "2", Display: "System Object"},
				Role:  &coding{System: systemObjectRole, Code: "24", Display: "Query"},
				Query: base64.StdEncoding.EncodeToString([]byte(en.Query)),
			})
		case en.Reference != "":
			out.Entity = append(out.Entity, entity{
				What: &reference{Reference: en.Reference},
				Type: &coding{System: systemEntityType, Code: "2", Display: "System Object"},
			})
		}
	}
	return json.Marshal(out)
}
