package server_test

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/kiln-health/kiln/auth/apikey"
	"github.com/kiln-health/kiln/auth/policy"
	"github.com/kiln-health/kiln/auth/token"
	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/oidctest"
)

// The security matrix: every principal below (API keys, Kiln Backend
// Services tokens and tokens of a real OpenID provider, for each default
// role and for narrower SMART scopes) runs every interaction below against
// synthetic data in tenant "default" and against tenant "other"; then bad
// credentials (expired, not yet valid, wrong audience, wrong issuer,
// unsigned, re-signed, tampered, another tenant's, none, malformed) are
// refused. Each request's status is checked against an oracle written
// from the documented rules (auth/policy/doc.go's table, SMART scopes, the
// Patient compartment), searches against the exact set of resources the
// caller may see, and each request must leave the AuditEvents it should,
// with the right outcome, which the admin then finds again through the
// API. AuditEvents cannot be updated, patched or deleted.
//
// Size: 21 principals (9 API keys, 5 Kiln tokens, 7 user tokens) × 60
// interactions (reads, vreads, histories, searches with _include,
// _revinclude, chains, _has and counts, creates, updates, update as
// create, patches, deletes, batch and transaction entries, conditional
// references and creates, AuditEvent PUT, PATCH and DELETE, tenant other)
// + 30 credential cases (failures and their controls) + 3 immutability
// checks = 1293 cases per backend, 2586 on SQLite and PostgreSQL, each
// with its AuditEvents checked (TestAuthzMatrix logs the count).

const (
	azCategorySystem = "http://terminology.hl7.org/CodeSystem/observation-category"
	// azLabScope is a granular SMART v2 scope: the launch patient's
	// laboratory Observations only.
	azLabScope = "patient/Observation.rs?category=" + azCategorySystem + "|laboratory"
	// azRate keeps the API keys' rate limits out of the way.
	azRate = 1_000_000
)

// azRes is one resource of the synthetic data, with what access depends on.
type azRes struct {
	tag       string // its name in case names: "oBL" is patient B's lab Observation
	typ, id   string
	patient   string        // the id of the Patient whose compartment holds it (a Patient's own id)
	category  string        // Observation category code
	label     policy.Labels // its label class
	code      string        // Observation code, Condition text
	focus     string        // Observation.focus, "Patient/id"
	name      string        // Patient and Practitioner family name
	encounter string        // Condition.encounter, "Encounter/id"
	value     string        // Observation.valueString
	// v1 is the first version, when the current one is not: what it was
	// about (its patient, its label, its value).
	v1 *azRes
}

func (r *azRes) ref() string { return r.typ + "/" + r.id }

// refs are the references its body holds.
func (r *azRes) refs() []string {
	var out []string
	if r.patient != "" && r.typ != "Patient" {
		out = append(out, "Patient/"+r.patient)
	}
	for _, s := range []string{r.focus, r.encounter} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func azSecurity(label policy.Labels) string {
	switch label {
	case policy.Redacted:
		return `"meta":{"security":[{"system":"` + policy.ObservationValueSystem + `","code":"REDACTED"}]},`
	case policy.Restricted:
		return `"meta":{"security":[{"system":"` + policy.ConfidentialitySystem + `","code":"R"}]},`
	}
	return ""
}

// body is the resource's JSON (with its id, if it has one).
func (r *azRes) body() string {
	id := ""
	if r.id != "" {
		id = `"id":"` + r.id + `",`
	}
	head := `{"resourceType":"` + r.typ + `",` + id + azSecurity(r.label)
	switch r.typ {
	case "Patient", "Practitioner":
		return head + `"name":[{"family":"` + r.name + `"}]}`
	case "Observation":
		s := head + `"status":"final","category":[{"coding":[{"system":"` + azCategorySystem + `","code":"` + r.category + `"}]}],` +
			`"code":{"coding":[{"system":"http://loinc.org","code":"` + r.code + `"}]},"subject":{"reference":"Patient/` + r.patient + `"}`
		if r.focus != "" {
			s += `,"focus":[{"reference":"` + r.focus + `"}]`
		}
		if r.value != "" {
			s += `,"valueString":"` + r.value + `"`
		}
		return s + "}"
	case "Condition":
		return head + `"code":{"text":"` + r.code + `"},"subject":{"reference":"Patient/` + r.patient + `"},"encounter":{"reference":"` + r.encounter + `"}}`
	case "Encounter":
		return head + `"status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Patient/` + r.patient + `"}}`
	}
	panic("azRes.body: " + r.typ)
}

// azPrincipal is one caller of the matrix.
type azPrincipal struct {
	name     string
	cred     string // bearer token or API key
	who      string // its id in AuditEvent.agent.who.identifier
	fhirUser string
	roles    []string
	scopes   []string
	patient  string // the SMART launch patient
}

// azGrant is one row of the default policy (auth/policy/doc.go), the
// oracle's copy: types (nil: every type), actions (nil: every action) and
// the label classes granted.
type azGrant struct {
	types  []string
	acts   []string
	labels policy.Labels
}

var (
	azClinical   = []string{"Patient", "Observation", "Condition", "Encounter", "Provenance"}
	azAdminData  = []string{"Practitioner"}
	azReadSearch = []string{"read", "search"}
	azNotRestr   = policy.Normal | policy.Redacted
	azRoleGrants = map[string][]azGrant{
		"admin":       {{nil, nil, policy.AllLabels}},
		"clinician":   {{azClinical, []string{"read", "search", "create", "update"}, azNotRestr}, {azAdminData, azReadSearch, azNotRestr}},
		"analyst":     {{slices.Concat(azClinical, azAdminData), azReadSearch, policy.Redacted}},
		"integration": {{slices.Concat(azClinical, azAdminData), []string{"create", "update", "read", "search"}, azNotRestr}},
		"auditor":     {{[]string{"AuditEvent", "Provenance"}, azReadSearch, azNotRestr}},
	}
	// azTypes are the types the oracle knows: those of the data, and AuditEvent.
	azTypes = []string{"Patient", "Observation", "Condition", "Encounter", "Practitioner", "AuditEvent", "Provenance"}
	// azPerm is the SMART permission of each action.
	azPerm = map[string]string{"read": "r", "search": "s", "create": "c", "update": "u", "delete": "d"}
)

// roleLabels is what p's roles grant of typ for act.
func (p *azPrincipal) roleLabels(typ, act string) policy.Labels {
	var l policy.Labels
	for _, role := range p.roles {
		for _, g := range azRoleGrants[role] {
			if (g.types == nil || slices.Contains(g.types, typ)) && (g.acts == nil || slices.Contains(g.acts, act)) {
				l |= g.labels
			}
		}
	}
	return l
}

// azScope is a parsed SMART scope, as far as the oracle needs.
type azScope struct {
	context, typ, perms, category string
}

func azParseScope(raw string) azScope {
	ctx, rest, _ := strings.Cut(raw, "/")
	rest, query, _ := strings.Cut(rest, "?")
	typ, perms, _ := strings.Cut(rest, ".")
	switch perms {
	case "read":
		perms = "rs"
	case "write":
		perms = "cud"
	case "*":
		perms = "cruds"
	}
	s := azScope{context: ctx, typ: typ, perms: perms}
	if query != "" {
		// The matrix's only granular query: category=<system>|<code>.
		_, s.category, _ = strings.Cut(strings.TrimPrefix(query, "category="), "|")
	}
	return s
}

// inCompartment reports whether r is in patient's compartment, or is no
// patient's data (Practitioner).
func (r *azRes) inCompartment(patient string) bool {
	switch r.typ {
	case "Patient":
		return r.id == patient
	case "Practitioner":
		return true
	}
	return r.patient == patient
}

// scopeAllows: do p's scopes allow act on r (on some resource of typ when
// r is nil)?
func (p *azPrincipal) scopeAllows(typ, act string, r *azRes) bool {
	for _, raw := range p.scopes {
		s := azParseScope(raw)
		if (s.typ != "*" && s.typ != typ) || !strings.Contains(s.perms, azPerm[act]) {
			continue
		}
		if s.context == "patient" && (p.patient == "" || r != nil && !r.inCompartment(p.patient)) {
			continue
		}
		if s.category != "" && r != nil && r.category != s.category {
			continue
		}
		return true
	}
	return false
}

// may: may p act on r (on some resource of typ when r is nil)? Casbin ∧
// scopes ∧ compartment.
func (p *azPrincipal) may(act, typ string, r *azRes) bool {
	l := p.roleLabels(typ, act)
	if l == 0 || r != nil && !l.Has(r.label) {
		return false
	}
	return p.scopeAllows(typ, act, r)
}

// unrestricted: may p act on every resource of typ (as type history needs)?
func (p *azPrincipal) unrestricted(typ, act string) bool {
	if p.roleLabels(typ, act) != policy.AllLabels {
		return false
	}
	for _, raw := range p.scopes {
		s := azParseScope(raw)
		if s.context != "patient" && s.category == "" && (s.typ == "*" || s.typ == typ) && strings.Contains(s.perms, azPerm[act]) {
			return true
		}
	}
	return false
}

// unrestrictedAll: may p act on every resource of every type (system
// history)? Only an admin with a system/*  or user/* scope.
func (p *azPrincipal) unrestrictedAll(act string) bool {
	if !slices.Contains(p.roles, "admin") {
		return false
	}
	for _, raw := range p.scopes {
		s := azParseScope(raw)
		if s.context != "patient" && s.category == "" && s.typ == "*" && strings.Contains(s.perms, azPerm[act]) {
			return true
		}
	}
	return false
}

// azAudit is an AuditEvent a request must leave.
type azAudit struct{ interaction, outcome string }

// azEvent is an AuditEvent as stored.
type azEvent struct {
	id, interaction, outcome, who, whoRef string
	refs                                  []string // entity.what references
}

// azTracked is an AuditEvent the matrix expects the admin to find.
type azTracked struct{ tenant, id, outcome, request string }

// azReq is one request of the matrix.
type azReq struct {
	seed   bool         // seeding, not a case of the matrix
	p      *azPrincipal // who asks; nil: the admin, or creds
	creds  []string     // explicit credential headers (with p nil)
	who    string       // the agent of its AuditEvents, with creds
	anon   bool         // no credentials at all
	name   string
	tenant string // "" is "default"
	method string
	path   string // below /fhir/<tenant>/
	body   string
	// headers are more request headers, name, value pairs.
	headers []string
	want    int
	// interaction is the AuditEvent's, when the request leaves one;
	// audits, when set, list what it leaves instead (in any order).
	interaction string
	audits      []azAudit
	// entity is a reference the AuditEvent must name (a version of it
	// will do); entities, when not nil, are exactly the references it must
	// name.
	entity   string
	entities []string
}

// azMatrix runs the matrix on one backend.
type azMatrix struct {
	t          *testing.T
	h          *harness
	op         *oidctest.Provider
	admin      string // unrestricted API key of tenant default
	adminWho   string
	otherAdmin string // of tenant other
	otherWho   string

	world   map[string]*azRes // the current resources of tenant default, by reference
	seeds   []*azRes
	tracked []azTracked
	cases   int // requests of the matrix proper (not seeding)
	setup   int // seeding requests
	// statuses counts each principal's answers by status.
	statuses map[*azPrincipal]map[int]int

	pA, pB, prac, eA, cA, oAL, oAV, oBL, oBV, oAF, oBH, oRed, oRes, oRedV, oMoved, pO *azRes
	auditTarget                                                                       string // an AuditEvent to attack
	auditBody                                                                         []byte
}

// TestAuthzMatrix is the security matrix (see the comment at the top).
func TestAuthzMatrix(t *testing.T) {
	total, backends := 0, 0
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		start := time.Now()
		m := newAzMatrix(t, h)
		m.seed()
		ps := m.principals()
		for _, p := range ps {
			m.principalCases(p)
		}
		perPrincipal := m.cases
		m.credentialFailures()
		failures := m.cases - perPrincipal
		m.auditImmutable()
		m.checkAuditAPI()
		t.Logf("security matrix: %d principals × %d interactions + %d credential failures + %d immutability checks = %d cases (and %d seeding requests), %d AuditEvents checked, in %v",
			len(ps), perPrincipal/len(ps), failures, m.cases-perPrincipal-failures, m.cases, m.setup, len(m.tracked), time.Since(start).Round(time.Millisecond))
		if backends == 0 {
			for _, p := range ps {
				t.Logf("%-48s answers by status: %v", p.name, m.statuses[p])
			}
		}
		if perPrincipal%len(ps) != 0 {
			t.Errorf("principals ran different numbers of cases: %d over %d", perPrincipal, len(ps))
		}
		total += m.cases
		backends++
	})
	t.Logf("security matrix size: %d cases over %d backends", total, backends)
}

func newAzMatrix(t *testing.T, h *harness) *azMatrix {
	m := &azMatrix{t: t, h: h, world: map[string]*azRes{}, statuses: map[*azPrincipal]map[int]int{}}
	ctx := t.Context()
	plain, k, err := h.auth.APIKeys().Create(ctx, apikey.Key{Tenant: "default", Name: "matrix admin", Role: "admin", Scopes: []string{"system/*.cruds"}, RatePerMinute: azRate})
	if err != nil {
		t.Fatal(err)
	}
	m.admin, m.adminWho = plain, "apikey:"+k.ID
	plain, k, err = h.auth.APIKeys().Create(ctx, apikey.Key{Tenant: "other", Name: "matrix admin", Role: "admin", Scopes: []string{"system/*.cruds"}, RatePerMinute: azRate})
	if err != nil {
		t.Fatal(err)
	}
	m.otherAdmin, m.otherWho = plain, "apikey:"+k.ID

	m.op = oidctest.Start(t)
	if err := token.TrustIssuer(ctx, h.store, "default", token.Trust{
		Issuer: m.op.Issuer(), Audiences: []string{h.srv.URL + "/fhir/default"}, RolesClaim: "roles",
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

// seed creates the synthetic data with the admin key.
func (m *azMatrix) seed() {
	m.pA = m.create(&azRes{tag: "pA", typ: "Patient", name: "Alpha"})
	m.pA.patient = m.pA.id
	m.pB = m.create(&azRes{tag: "pB", typ: "Patient", name: "Bravo"})
	m.pB.patient = m.pB.id
	a, b := m.pA.id, m.pB.id
	m.prac = m.create(&azRes{tag: "prac", typ: "Practitioner", name: "Doc"})
	m.eA = m.create(&azRes{tag: "eA", typ: "Encounter", patient: a})
	m.cA = m.create(&azRes{tag: "cA", typ: "Condition", patient: a, code: "asthma", encounter: m.eA.ref()})
	m.oAL = m.create(&azRes{tag: "oAL", typ: "Observation", patient: a, category: "laboratory", code: "2345-7"})
	m.oAV = m.create(&azRes{tag: "oAV", typ: "Observation", patient: a, category: "vital-signs", code: "8867-4"})
	m.oBL = m.create(&azRes{tag: "oBL", typ: "Observation", patient: b, category: "laboratory", code: "2345-7"})
	m.oBV = m.create(&azRes{tag: "oBV", typ: "Observation", patient: b, category: "vital-signs", code: "8867-4"})
	// A's Observation about B, and B's about A: the way to B's data
	// through _include and chains, and to A through _has.
	m.oAF = m.create(&azRes{tag: "oAF", typ: "Observation", patient: a, category: "laboratory", code: "focus-1", focus: m.pB.ref()})
	m.oBH = m.create(&azRes{tag: "oBH", typ: "Observation", patient: b, category: "vital-signs", code: "hidden-1", focus: m.pA.ref()})
	m.oRed = m.create(&azRes{tag: "oRed", typ: "Observation", patient: a, category: "laboratory", code: "718-7", label: policy.Redacted})
	m.oRes = m.create(&azRes{tag: "oRes", typ: "Observation", patient: a, category: "laboratory", code: "2951-2", label: policy.Restricted})
	// Resources whose first version was about something else: A's
	// Observation that was redacted after it was written, and one that
	// was B's until it was re-filed under A.
	m.oRedV = m.update(m.create(&azRes{tag: "oRedV", typ: "Observation", patient: a, category: "laboratory", code: "1751-7", value: "unredacted-" + uuid.NewString()}),
		func(r *azRes) { r.label, r.value = policy.Redacted, "" })
	m.oMoved = m.update(m.create(&azRes{tag: "oMoved", typ: "Observation", patient: b, category: "laboratory", code: "1975-2", value: "about-B-" + uuid.NewString()}),
		func(r *azRes) { r.patient, r.value = a, "" })
	for _, r := range m.world {
		m.seeds = append(m.seeds, r)
	}

	o := &azRes{tag: "pO", typ: "Patient", name: "Oscar"}
	r := m.exec(azReq{seed: true, name: "seed pO", tenant: "other", creds: bearer(m.otherAdmin), method: "POST", path: "Patient", body: o.body(), want: 201, interaction: "create"})
	o.id = m.locationID(r.header.Get("Location"))
	m.pO = o

	// The AuditEvent of creating patient A is the one the matrix tries
	// to change.
	m.auditTarget = m.tracked[0].id
	err := m.h.store.View(m.t.Context(), "default", func(tx store.Tx) error {
		cur, err := tx.Current(m.t.Context(), "AuditEvent", m.auditTarget)
		m.auditBody = cur.Body
		return err
	})
	if err != nil {
		m.t.Fatal(err)
	}
}

// create creates r with the admin key and adds it to the world.
func (m *azMatrix) create(r *azRes) *azRes {
	m.t.Helper()
	if r.label == 0 {
		r.label = policy.Normal
	}
	resp := m.exec(azReq{seed: true, name: "seed " + r.tag, method: "POST", path: r.typ, body: r.body(), want: 201, interaction: "create"})
	if resp.status != http.StatusCreated {
		m.t.FailNow()
	}
	r.id = m.locationID(resp.header.Get("Location"))
	m.world[r.ref()] = r
	return r
}

// update writes a second version of r, as edit changes it, with the
// admin key; r keeps its first version in v1.
func (m *azMatrix) update(r *azRes, edit func(*azRes)) *azRes {
	m.t.Helper()
	v1 := *r
	edit(r)
	r.v1 = &v1
	if resp := m.exec(azReq{seed: true, name: "seed " + r.tag + " version 2", method: "PUT", path: r.ref(), body: r.body(), want: 200, interaction: "update", entity: r.ref()}); resp.status != http.StatusOK {
		m.t.FailNow()
	}
	return r
}

// locationID is the id in a Location ("…/Type/id/_history/1").
func (m *azMatrix) locationID(loc string) string {
	m.t.Helper()
	parts := strings.Split(loc, "/")
	if len(parts) < 4 || parts[len(parts)-2] != "_history" {
		m.t.Fatalf("Location %q", loc)
	}
	return parts[len(parts)-3]
}

// principals makes the callers: API keys and Kiln tokens for every role
// and some narrower scopes, and user tokens from the OpenID provider.
func (m *azMatrix) principals() []*azPrincipal {
	var ps []*azPrincipal
	for _, role := range []string{"admin", "clinician", "analyst", "integration", "auditor"} {
		ps = append(ps, m.apiKey(role, "system/*.cruds"))
	}
	ps = append(ps,
		m.apiKey("clinician", "system/Observation.rs"),
		m.apiKey("clinician", "system/*.read"), // SMART v1
		m.apiKey("admin", "system/Observation.rs"),
		m.apiKey("integration", "system/*.write"), // SMART v1: no reading
		m.kilnToken("admin", "system/*.cruds"),
		m.kilnToken("clinician", "system/*.rs"),
		m.kilnToken("analyst", "system/*.cruds"),
		m.kilnToken("integration", "system/*.cruds"),
		m.kilnToken("auditor", "system/AuditEvent.rs"),
	)
	clinician := []string{"clinician"}
	ps = append(ps,
		m.user("patient-app", oidctest.TokenRequest{Scopes: []string{"patient/*.rs"}, Patient: m.pA.id, Roles: clinician}),
		m.user("patient-writer", oidctest.TokenRequest{Scopes: []string{"patient/*.cruds"}, Patient: m.pA.id, Roles: clinician}),
		m.user("patient-labs", oidctest.TokenRequest{Scopes: []string{azLabScope}, Patient: m.pA.id, Roles: clinician}),
		m.user("no-patient", oidctest.TokenRequest{Scopes: []string{"patient/*.rs"}, Roles: clinician}),
		m.user("practitioner", oidctest.TokenRequest{Scopes: []string{"user/*.rs"}, FHIRUser: m.prac.ref(), Roles: clinician}),
		m.user("no-roles", oidctest.TokenRequest{Scopes: []string{"user/*.rs"}, FHIRUser: m.prac.ref()}),
		m.user("admin", oidctest.TokenRequest{Scopes: []string{"user/*.cruds"}, FHIRUser: m.prac.ref(), Roles: []string{"admin"}}),
	)
	return ps
}

// apiKey is a caller with an API key of tenant default.
func (m *azMatrix) apiKey(role string, scopes ...string) *azPrincipal {
	m.t.Helper()
	name := "API key " + role + " " + strings.Join(scopes, " ")
	plain, k, err := m.h.auth.APIKeys().Create(m.t.Context(), apikey.Key{Tenant: "default", Name: name, Role: role, Scopes: scopes, RatePerMinute: azRate})
	if err != nil {
		m.t.Fatal(err)
	}
	return &azPrincipal{name: name, cred: plain, who: "apikey:" + k.ID, roles: []string{role}, scopes: scopes}
}

// kilnToken is a caller with a Kiln access token for scope, which a
// Backend Services client registered for system/*.cruds got.
func (m *azMatrix) kilnToken(role, scope string) *azPrincipal {
	m.t.Helper()
	c := m.h.registerClient("default", role, "system/*.cruds")
	return &azPrincipal{name: "Kiln token " + role + " " + scope, cred: m.h.token(c, scope), who: "client:" + c.id,
		roles: []string{role}, scopes: strings.Fields(scope)}
}

// user is a caller with a token of the OpenID provider tenant default
// trusts.
func (m *azMatrix) user(name string, req oidctest.TokenRequest) *azPrincipal {
	m.t.Helper()
	req.Client, req.Subject = "app-"+name, "user-"+name
	req.Audience = []string{m.h.srv.URL + "/fhir/default"}
	req.Lifetime = time.Hour
	return &azPrincipal{name: "OIDC token " + name + " " + strings.Join(req.Scopes, " "), cred: m.op.Token(m.t, req),
		who: "user:" + m.op.Issuer() + "|" + req.Subject, fhirUser: req.FHIRUser, roles: req.Roles, scopes: req.Scopes, patient: req.Patient}
}

// exec sends q, checks its status and the AuditEvents it left.
func (m *azMatrix) exec(q azReq) response {
	m.t.Helper()
	tenant := cmp.Or(q.tenant, "default")
	if q.p != nil {
		q.name = q.p.name + ": " + q.name
	}
	if q.seed {
		m.setup++
	} else {
		m.cases++
	}
	var headers []string
	switch {
	case q.anon:
	case q.creds != nil:
		headers = q.creds
	case q.p != nil:
		headers = bearer(q.p.cred)
	default:
		headers = bearer(m.admin)
	}
	headers = append(slices.Clone(headers), q.headers...)
	before := m.lastSeq(tenant)
	r := m.h.do(q.method, "/fhir/"+tenant+"/"+q.path, q.body, headers...)
	if q.p != nil {
		if m.statuses[q.p] == nil {
			m.statuses[q.p] = map[int]int{}
		}
		m.statuses[q.p][r.status]++
	}
	if r.status != q.want && q.want != 0 {
		m.t.Errorf("%s: %s %s: status %d, want %d; body: %.600s", q.name, q.method, q.path, r.status, q.want, r.body)
	}

	want := q.audits
	if want == nil {
		want = []azAudit{{q.interaction, azOutcome(q.want)}}
	}
	who, whoRef := m.adminWho, ""
	switch {
	case r.status == http.StatusUnauthorized:
		// A genuine credential of another tenant is named; others are not.
		who = cmp.Or(q.who, "unauthenticated")
	case q.p != nil:
		who, whoRef = q.p.who, q.p.fhirUser
	case q.who != "":
		who = q.who
	case tenant == "other":
		who = m.otherWho
	}
	evs := m.eventsSince(tenant, before)
	for i := range want {
		if want[i].outcome == "?" { // the status is the caller's to check
			want[i].outcome = azOutcome(r.status)
		}
	}
	var got []azAudit
	for _, ev := range evs {
		got = append(got, azAudit{ev.interaction, ev.outcome})
		if ev.who != who || ev.whoRef != whoRef {
			m.t.Errorf("%s: AuditEvent agent %q (%q), want %q (%q)", q.name, ev.who, ev.whoRef, who, whoRef)
		}
		m.tracked = append(m.tracked, azTracked{tenant: tenant, id: ev.id, outcome: ev.outcome, request: q.name})
	}
	if !sameAudits(got, want) {
		m.t.Errorf("%s: AuditEvents (interaction, outcome) %v, want %v", q.name, got, want)
	}
	if len(evs) == 1 {
		if q.entity != "" && !slices.ContainsFunc(evs[0].refs, func(ref string) bool {
			return ref == q.entity || strings.HasPrefix(ref, q.entity+"/_history/")
		}) {
			m.t.Errorf("%s: AuditEvent names %v, not %s", q.name, evs[0].refs, q.entity)
		}
		if q.entities != nil && !sameSet(evs[0].refs, q.entities) {
			m.t.Errorf("%s: AuditEvent entities: %s", q.name, diff(evs[0].refs, q.entities))
		}
	}
	return r
}

func azOutcome(status int) string {
	switch {
	case status < 400:
		return "0"
	case status < 500:
		return "4"
	}
	return "8"
}

func sameAudits(got, want []azAudit) bool {
	key := func(a azAudit) string { return a.interaction + "/" + a.outcome }
	g, w := make([]string, len(got)), make([]string, len(want))
	for i, a := range got {
		g[i] = key(a)
	}
	for i, a := range want {
		w[i] = key(a)
	}
	sort.Strings(g)
	sort.Strings(w)
	return slices.Equal(g, w)
}

// lastSeq is the store sequence number of tenant's newest AuditEvent,
// read from the store directly (reading it through the API would audit).
func (m *azMatrix) lastSeq(tenant string) int64 {
	m.t.Helper()
	var seq int64
	ctx := m.t.Context()
	err := m.h.store.View(ctx, tenant, func(tx store.Tx) error {
		vs, err := tx.History(ctx, store.HistoryQuery{Type: "AuditEvent", Limit: 1})
		if len(vs) > 0 {
			seq = vs[0].Seq
		}
		return err
	})
	if err != nil {
		m.t.Fatal(err)
	}
	return seq
}

// eventsSince returns tenant's AuditEvents newer than seq, oldest first.
func (m *azMatrix) eventsSince(tenant string, seq int64) []azEvent {
	m.t.Helper()
	const limit = 100
	ctx := m.t.Context()
	var vs []store.Resource
	err := m.h.store.View(ctx, tenant, func(tx store.Tx) (err error) {
		vs, err = tx.History(ctx, store.HistoryQuery{Type: "AuditEvent", Limit: limit})
		return err
	})
	if err != nil {
		m.t.Fatal(err)
	}
	var out []azEvent
	for _, v := range vs {
		if v.Seq <= seq {
			break
		}
		if v.Version != 1 || v.Deleted {
			m.t.Errorf("AuditEvent/%s has version %d (deleted %v)", v.ID, v.Version, v.Deleted)
		}
		out = append(out, m.parseEvent(v.Body))
	}
	if len(out) == limit {
		m.t.Fatalf("more than %d AuditEvents for one request", limit)
	}
	slices.Reverse(out)
	return out
}

func (m *azMatrix) parseEvent(body []byte) azEvent {
	m.t.Helper()
	var ev struct {
		ID      string `json:"id"`
		Subtype []struct {
			Code string `json:"code"`
		} `json:"subtype"`
		Outcome string `json:"outcome"`
		Agent   []struct {
			Who struct {
				Reference  string `json:"reference"`
				Identifier struct {
					Value string `json:"value"`
				} `json:"identifier"`
			} `json:"who"`
		} `json:"agent"`
		Entity []struct {
			What *struct {
				Reference string `json:"reference"`
			} `json:"what"`
		} `json:"entity"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		m.t.Fatalf("AuditEvent: %v: %s", err, body)
	}
	out := azEvent{id: ev.ID, outcome: ev.Outcome}
	if len(ev.Subtype) == 1 {
		out.interaction = ev.Subtype[0].Code
	}
	if len(ev.Agent) == 1 {
		out.who, out.whoRef = ev.Agent[0].Who.Identifier.Value, ev.Agent[0].Who.Reference
	} else {
		m.t.Errorf("AuditEvent/%s has %d agents", ev.ID, len(ev.Agent))
	}
	for _, en := range ev.Entity {
		if en.What != nil {
			out.refs = append(out.refs, en.What.Reference)
		}
	}
	return out
}

// readStatus is what reading r answers p.
func (m *azMatrix) readStatus(p *azPrincipal, r *azRes) int {
	switch {
	case !p.may("read", r.typ, nil):
		return http.StatusForbidden
	case r.typ != "AuditEvent" && m.world[r.ref()] == nil:
		return http.StatusNotFound
	case !p.may("read", r.typ, r):
		return http.StatusForbidden
	}
	return http.StatusOK
}

// writeStatus is what creating (201) or updating (200) r answers p: the
// caller must be allowed the action on the type, and on r as written.
func (m *azMatrix) writeStatus(p *azPrincipal, act string, r *azRes) int {
	if !p.may(act, r.typ, nil) || !p.may(act, r.typ, r) {
		return http.StatusForbidden
	}
	if act == "create" {
		return http.StatusCreated
	}
	return http.StatusOK
}

// azSearch is one search of the matrix and its oracle.
type azSearch struct {
	name  string
	typ   string // "" for a system search
	query string
	// also are the types a chain or _has searches besides typ.
	also []string
	// match selects the matches among what the caller may search.
	match func(p *azPrincipal, r *azRes) bool
	// include gives the resources _include or _revinclude reach from
	// the matches, before access is judged.
	include func(matches []*azRes) []*azRes
	// statusOnly: the result is not predicted (AuditEvents).
	statusOnly bool
	// count: _summary=count, whose total is checked.
	count bool
}

func (m *azMatrix) searches() []azSearch {
	all := func(*azPrincipal, *azRes) bool { return true }
	byName := func(ref, name string) bool {
		r := m.world[ref]
		return r != nil && r.typ == "Patient" && r.name == name
	}
	var seedIDs []string
	for _, r := range m.seeds {
		seedIDs = append(seedIDs, r.id)
	}
	sort.Strings(seedIDs)
	return []azSearch{
		{name: "search Patient", typ: "Patient", match: all},
		{name: "search Observation", typ: "Observation", match: all},
		{name: "search Observation by category", typ: "Observation", query: "category=laboratory",
			match: func(_ *azPrincipal, r *azRes) bool { return r.category == "laboratory" }},
		{name: "search Observation _include focus", typ: "Observation", query: "_include=Observation:focus", match: all,
			include: func(ms []*azRes) []*azRes {
				var out []*azRes
				for _, o := range ms {
					if t := m.world[o.focus]; t != nil {
						out = append(out, t)
					}
				}
				return out
			}},
		{name: "search Patient _revinclude Observation:subject", typ: "Patient", query: "_revinclude=Observation:subject", match: all,
			include: func(ms []*azRes) []*azRes {
				var out []*azRes
				for _, pt := range ms {
					for _, o := range m.world {
						if o.typ == "Observation" && o.patient == pt.id {
							out = append(out, o)
						}
					}
				}
				return out
			}},
		{name: "chained search Observation focus:Patient.name", typ: "Observation", query: "focus:Patient.name=Bravo", also: []string{"Patient"},
			match: func(p *azPrincipal, r *azRes) bool {
				return byName(r.focus, "Bravo") && p.may("search", "Patient", m.world[r.focus])
			}},
		{name: "chained search Observation subject:Patient.name", typ: "Observation", query: "subject:Patient.name=Bravo", also: []string{"Patient"},
			match: func(p *azPrincipal, r *azRes) bool {
				return byName("Patient/"+r.patient, "Bravo") && p.may("search", "Patient", m.world["Patient/"+r.patient])
			}},
		{name: "_has search Patient by Observation focus", typ: "Patient", query: "_has:Observation:focus:code=hidden-1", also: []string{"Observation"},
			match: func(p *azPrincipal, pt *azRes) bool {
				for _, o := range m.world {
					if o.typ == "Observation" && o.focus == pt.ref() && o.code == "hidden-1" && p.may("search", "Observation", o) {
						return true
					}
				}
				return false
			}},
		{name: "search Condition _include encounter", typ: "Condition", query: "_include=Condition:encounter", match: all,
			include: func(ms []*azRes) []*azRes {
				var out []*azRes
				for _, c := range ms {
					if e := m.world[c.encounter]; e != nil {
						out = append(out, e)
					}
				}
				return out
			}},
		{name: "search Practitioner", typ: "Practitioner", match: all},
		{name: "count Observations", typ: "Observation", query: "_summary=count", match: all, count: true},
		{name: "system search by _id", typ: "", query: "_id=" + strings.Join(seedIDs, ","),
			match: func(_ *azPrincipal, r *azRes) bool { return slices.Contains(seedIDs, r.id) }},
		{name: "search AuditEvent", typ: "AuditEvent", statusOnly: true},
	}
}

// search runs s as p and checks the status, the exact matches and
// includes, that nothing p may not see is in the entries, and the
// AuditEvent's entities.
func (m *azMatrix) search(p *azPrincipal, s azSearch) {
	m.t.Helper()
	allowed := false
	if s.typ == "" {
		for _, typ := range azTypes {
			allowed = allowed || p.may("search", typ, nil)
		}
	} else {
		allowed = p.may("search", s.typ, nil)
	}
	for _, typ := range s.also {
		allowed = allowed && p.may("search", typ, nil)
	}
	want, interaction := http.StatusForbidden, "search-type"
	if allowed {
		want = http.StatusOK
	}
	if s.typ == "" {
		interaction = "search-system"
	}
	count := "_count=500"
	if s.statusOnly {
		count = "_count=5"
	}
	query := strings.TrimPrefix(s.query+"&"+count, "&")
	path := s.typ + "?" + query
	if s.typ == "" {
		path = "?" + query
	}

	var matches, includes []string
	if allowed && !s.statusOnly {
		var matched []*azRes
		for _, r := range m.world {
			if (s.typ == "" || r.typ == s.typ) && p.may("search", r.typ, r) && s.match(p, r) {
				matched = append(matched, r)
				matches = append(matches, r.ref())
			}
		}
		if s.include != nil {
			for _, r := range s.include(matched) {
				if p.may("read", r.typ, r) && !slices.Contains(matches, r.ref()) && !slices.Contains(includes, r.ref()) {
					includes = append(includes, r.ref())
				}
			}
		}
	}
	q := azReq{p: p, name: s.name, method: "GET", path: path, want: want, interaction: interaction}
	if allowed && !s.statusOnly {
		q.entities = slices.Concat(matches, includes)
		if s.count {
			q.entities = []string{}
		}
	}
	r := m.exec(q)
	if r.status != http.StatusOK || !allowed {
		return
	}
	page := parsePage(m.t, r)
	if next := page.link("next"); next != "" && !s.statusOnly {
		m.t.Errorf("%s: %s: more than one page", p.name, s.name)
	}
	if s.statusOnly {
		return
	}
	if s.count {
		if page.Total == nil || *page.Total != len(matches) || len(page.Entry) != 0 {
			m.t.Errorf("%s: %s: total %v with %d entries, want %d and none", p.name, s.name, page.Total, len(page.Entry), len(matches))
		}
		return
	}
	gotMatches, gotIncludes := page.refs(m.t, "match"), page.refs(m.t, "include")
	if !sameSet(gotMatches, matches) {
		m.t.Errorf("%s: %s: matches: %s", p.name, s.name, diff(m.tags(gotMatches), m.tags(matches)))
	}
	if !sameSet(gotIncludes, includes) {
		m.t.Errorf("%s: %s: includes: %s", p.name, s.name, diff(m.tags(gotIncludes), m.tags(includes)))
	}
	m.noSecrets(p, s.name, page, slices.Concat(matches, includes))
	m.plainly(p, s.name, page)
}

// plainly checks the returned resources themselves, independently of the
// oracle: no restricted resource but for an admin, only redacted ones
// for the analyst, only the launch patient's for a patient/ token and
// only laboratory Observations for the granular scope.
func (m *azMatrix) plainly(p *azPrincipal, name string, page *searchPage) {
	m.t.Helper()
	granular := slices.Contains(p.scopes, azLabScope)
	for _, e := range page.Entry {
		var r struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
			Meta         struct {
				Security []struct{ System, Code string } `json:"security"`
			} `json:"meta"`
			Subject  struct{ Reference string } `json:"subject"`
			Category []struct {
				Coding []struct{ Code string } `json:"coding"`
			} `json:"category"`
		}
		if err := json.Unmarshal(e.Resource, &r); err != nil {
			m.t.Fatalf("%s: %s: entry: %v", p.name, name, err)
		}
		var codings []policy.Coding
		for _, c := range r.Meta.Security {
			codings = append(codings, policy.Coding{System: c.System, Code: c.Code})
		}
		class := policy.Class(codings)
		where := p.name + ": " + name + ": " + r.ResourceType + "/" + r.ID
		if class == policy.Restricted && !slices.Contains(p.roles, "admin") {
			m.t.Errorf("%s is restricted", where)
		}
		if slices.Equal(p.roles, []string{"analyst"}) && class != policy.Redacted {
			m.t.Errorf("%s is not redacted, but the caller is an analyst", where)
		}
		if p.patient != "" && r.ResourceType == "Observation" && r.Subject.Reference != "Patient/"+p.patient {
			m.t.Errorf("%s is about %s, not the launch patient", where, r.Subject.Reference)
		}
		if p.patient != "" && r.ResourceType == "Patient" && r.ID != p.patient {
			m.t.Errorf("%s is not the launch patient", where)
		}
		if granular && (r.ResourceType != "Observation" || len(r.Category) != 1 || len(r.Category[0].Coding) != 1 || r.Category[0].Coding[0].Code != "laboratory") {
			m.t.Errorf("%s is not a laboratory Observation", where)
		}
	}
}

// noSecrets checks that the id of no resource p may not read appears in
// the entries of page, except ids that the resources p may see refer to.
func (m *azMatrix) noSecrets(p *azPrincipal, name string, page *searchPage, visible []string) {
	m.t.Helper()
	referred := map[string]bool{}
	for _, ref := range visible {
		if r := m.world[ref]; r != nil {
			for _, to := range r.refs() {
				referred[to] = true
			}
		}
	}
	var entries []byte
	for _, e := range page.Entry {
		entries = append(entries, e.Resource...)
	}
	for ref, r := range m.world {
		if p.may("read", r.typ, r) || p.may("search", r.typ, r) || referred[ref] {
			continue
		}
		if bytes.Contains(entries, []byte(r.id)) {
			m.t.Errorf("%s: %s: the answer holds %s (%s), which it may not see", p.name, name, ref, r.tag)
		}
	}
}

// tags names references by their seed tags, for readable failures.
func (m *azMatrix) tags(refs []string) []string {
	out := make([]string, len(refs))
	for i, ref := range refs {
		out[i] = ref
		if r := m.world[ref]; r != nil && r.tag != "" {
			out[i] = r.tag + "(" + ref + ")"
		}
	}
	return out
}

// azEntryStatus is the status code of a Bundle entry's response.
func azEntryStatus(e fhir.BundleEntry) int {
	if e.Response == nil {
		return 0
	}
	var n int
	fmt.Sscanf(e.Response.Status, "%d", &n)
	return n
}

func azBundle(kind string, entries ...string) string {
	return `{"resourceType":"Bundle","type":"` + kind + `","entry":[` + strings.Join(entries, ",") + `]}`
}

func azEntry(method, url, resource string) string {
	e := `{"request":{"method":"` + method + `","url":"` + url + `"}`
	if resource != "" {
		e += `,"resource":` + resource
	}
	return e + "}"
}

// principalCases runs every interaction of the matrix as p.
func (m *azMatrix) principalCases(p *azPrincipal) {
	a, b := m.pA.id, m.pB.id
	scratchA := m.create(&azRes{tag: "scratchA", typ: "Observation", patient: a, category: "laboratory", code: "scratch"})
	scratchB := m.create(&azRes{tag: "scratchB", typ: "Observation", patient: b, category: "laboratory", code: "scratch"})

	// Reads.
	for _, r := range []*azRes{m.pA, m.pB, m.prac, m.eA, m.cA, m.oAL, m.oAV, m.oBL, m.oBH, m.oRed, m.oRes} {
		m.exec(azReq{p: p, name: "read " + r.tag, method: "GET", path: r.ref(), want: m.readStatus(p, r), interaction: "read", entity: r.ref()})
	}
	missing := &azRes{typ: "Patient", id: uuid.NewString(), label: policy.Normal}
	m.exec(azReq{p: p, name: "read a Patient that does not exist", method: "GET", path: missing.ref(), want: m.readStatus(p, missing), interaction: "read", entity: missing.ref()})
	ae := &azRes{typ: "AuditEvent", id: m.auditTarget, label: policy.Normal}
	m.exec(azReq{p: p, name: "read an AuditEvent", method: "GET", path: ae.ref(), want: m.readStatus(p, ae), interaction: "read", entity: ae.ref()})
	for _, r := range []*azRes{m.oAL, m.pB} {
		m.exec(azReq{p: p, name: "vread " + r.tag, method: "GET", path: r.ref() + "/_history/1", want: m.readStatus(p, r), interaction: "vread", entity: r.ref() + "/_history/1"})
		m.exec(azReq{p: p, name: "history of " + r.tag, method: "GET", path: r.ref() + "/_history", want: m.readStatus(p, r), interaction: "history-instance", entity: r.ref()})
	}
	m.oldVersions(p)

	want := http.StatusForbidden
	if p.unrestricted("Observation", "search") {
		want = http.StatusOK
	}
	m.exec(azReq{p: p, name: "Observation history", method: "GET", path: "Observation/_history", want: want, interaction: "history-type"})
	want = http.StatusForbidden
	if p.unrestrictedAll("search") {
		want = http.StatusOK
	}
	m.exec(azReq{p: p, name: "tenant history", method: "GET", path: "_history", want: want, interaction: "history-system"})

	// Searches: types, _include, _revinclude, chains, _has, the whole tenant.
	for _, s := range m.searches() {
		m.search(p, s)
	}

	// Writes.
	for _, w := range []struct {
		name string
		r    *azRes
	}{
		{"create A's Observation", &azRes{typ: "Observation", patient: a, category: "laboratory", code: "new-1", label: policy.Normal}},
		{"create B's Observation", &azRes{typ: "Observation", patient: b, category: "laboratory", code: "new-2", label: policy.Normal}},
		{"create A's restricted Observation", &azRes{typ: "Observation", patient: a, category: "laboratory", code: "new-3", label: policy.Restricted}},
		{"create A's vital signs", &azRes{typ: "Observation", patient: a, category: "vital-signs", code: "new-4", label: policy.Normal}},
		{"create a Patient", &azRes{typ: "Patient", name: "Created", label: policy.Normal}},
	} {
		want := m.writeStatus(p, "create", w.r)
		r := m.exec(azReq{p: p, name: w.name, method: "POST", path: w.r.typ, body: w.r.body(), want: want, interaction: "create"})
		if r.status == http.StatusCreated {
			w.r.id = m.locationID(r.header.Get("Location"))
			if w.r.typ == "Patient" {
				w.r.patient = w.r.id
			}
			m.world[w.r.ref()] = w.r
		}
	}
	for _, r := range []*azRes{scratchA, scratchB} {
		m.exec(azReq{p: p, name: "update " + r.tag, method: "PUT", path: r.ref(), body: r.body(), want: m.writeStatus(p, "update", r), interaction: "update", entity: r.ref()})
	}
	m.updateAsCreate(p)
	patch := `[{"op":"replace","path":"/status","value":"amended"}]`
	for _, r := range []*azRes{scratchA, scratchB} {
		m.exec(azReq{p: p, name: "patch " + r.tag, method: "PATCH", path: r.ref(), body: patch, headers: []string{"Content-Type", "application/json-patch+json"},
			want: m.writeStatus(p, "update", r), interaction: "patch", entity: r.ref()})
	}

	// Bundles: a batch's entries are judged one by one; a transaction's
	// refused entry refuses it all.
	{
		newA := &azRes{typ: "Observation", patient: a, category: "laboratory", code: "batch-1", label: policy.Normal}
		createWant := m.writeStatus(p, "create", newA)
		searchWant := http.StatusForbidden
		if p.may("search", "Observation", nil) {
			searchWant = http.StatusOK
		}
		entryWant := []int{m.readStatus(p, m.pA), m.readStatus(p, m.pB), searchWant, createWant}
		r := m.exec(azReq{p: p, name: "batch", method: "POST", path: "", want: http.StatusOK,
			body: azBundle("batch", azEntry("GET", m.pA.ref(), ""), azEntry("GET", m.pB.ref(), ""),
				azEntry("GET", "Observation?category=laboratory&_count=500", ""), azEntry("POST", "Observation", newA.body())),
			audits: []azAudit{{"read", azOutcome(entryWant[0])}, {"read", azOutcome(entryWant[1])}, {"search-type", azOutcome(entryWant[2])}, {"create", azOutcome(entryWant[3])}}})
		var out fhir.Bundle
		if err := json.Unmarshal(r.body, &out); err != nil || len(out.Entry) != 4 {
			m.t.Errorf("%s: batch response: %v: %.300s", p.name, err, r.body)
		} else {
			for i, e := range out.Entry {
				if got := azEntryStatus(e); got != entryWant[i] {
					m.t.Errorf("%s: batch entry %d: status %d, want %d: %.300s", p.name, i, got, entryWant[i], e.Response.Outcome)
				}
			}
			if azEntryStatus(out.Entry[3]) == http.StatusCreated {
				newA.id = m.locationID(out.Entry[3].Response.Location)
				m.world[newA.ref()] = newA
			}
			if azEntryStatus(out.Entry[2]) == http.StatusOK {
				var want []string
				for _, o := range m.world {
					if o.typ == "Observation" && o.category == "laboratory" && p.may("search", "Observation", o) {
						want = append(want, o.ref())
					}
				}
				page := parsePage(m.t, response{status: http.StatusOK, body: out.Entry[2].Resource})
				if got := page.refs(m.t, "match"); !sameSet(got, want) {
					m.t.Errorf("%s: batch search entry: %s", p.name, diff(m.tags(got), m.tags(want)))
				}
				m.noSecrets(p, "batch search entry", page, want)
				m.plainly(p, "batch search entry", page)
			}
		}
	}
	m.transaction(p, "transaction reading B", m.readStatus(p, m.pB), azEntry("GET", m.pB.ref(), ""))
	{
		newB := &azRes{typ: "Observation", patient: b, category: "laboratory", code: "tx-1", label: policy.Normal}
		out := m.transaction(p, "transaction creating B's Observation", m.writeStatus(p, "create", newB), azEntry("POST", "Observation", newB.body()))
		if out != nil {
			newB.id = m.locationID(out.Entry[0].Response.Location)
			m.world[newB.ref()] = newB
		}
	}
	{
		searchWant := http.StatusForbidden
		if p.may("search", "Observation", nil) {
			searchWant = http.StatusOK
		}
		out := m.transaction(p, "transaction searching with _include", searchWant, azEntry("GET", "Observation?_include=Observation:focus&_count=500", ""))
		if out != nil {
			var matches, includes []string
			for _, o := range m.world {
				if o.typ == "Observation" && p.may("search", "Observation", o) {
					matches = append(matches, o.ref())
					if f := m.world[o.focus]; f != nil && p.may("read", f.typ, f) && !slices.Contains(includes, f.ref()) {
						includes = append(includes, f.ref())
					}
				}
			}
			page := parsePage(m.t, response{status: http.StatusOK, body: out.Entry[0].Resource})
			if got := page.refs(m.t, "match"); !sameSet(got, matches) {
				m.t.Errorf("%s: transaction search entry matches: %s", p.name, diff(m.tags(got), m.tags(matches)))
			}
			if got := page.refs(m.t, "include"); !sameSet(got, includes) {
				m.t.Errorf("%s: transaction search entry includes: %s", p.name, diff(m.tags(got), m.tags(includes)))
			}
			m.noSecrets(p, "transaction search entry", page, slices.Concat(matches, includes))
			m.plainly(p, "transaction search entry", page)
		}
	}

	m.conditionals(p)

	// Deletes.
	for _, r := range []*azRes{scratchB, scratchA} {
		want := http.StatusForbidden
		if p.may("delete", r.typ, nil) && p.may("delete", r.typ, r) {
			want = http.StatusOK
		}
		resp := m.exec(azReq{p: p, name: "delete " + r.tag, method: "DELETE", path: r.ref(), want: want, interaction: "delete", entity: r.ref()})
		if resp.status == http.StatusOK {
			delete(m.world, r.ref())
		}
	}

	// The audit trail is append-only: PUT reaches the immutability check
	// only for callers who may write AuditEvents at all.
	want = http.StatusForbidden
	if p.may("update", "AuditEvent", nil) || p.may("create", "AuditEvent", nil) {
		want = http.StatusMethodNotAllowed
	}
	m.exec(azReq{p: p, name: "PUT an AuditEvent", method: "PUT", path: ae.ref(), body: string(m.auditBody), want: want, interaction: "update", entity: ae.ref()})
	m.exec(azReq{p: p, name: "DELETE an AuditEvent", method: "DELETE", path: ae.ref(), want: http.StatusMethodNotAllowed, interaction: "delete", entity: ae.ref()})
	m.exec(azReq{p: p, name: "PATCH an AuditEvent", method: "PATCH", path: ae.ref(), body: `[{"op":"replace","path":"/outcome","value":"0"}]`,
		headers: []string{"Content-Type", "application/json-patch+json"}, want: http.StatusMethodNotAllowed, interaction: "patch", entity: ae.ref()})
	m.transaction(p, "transaction deleting an AuditEvent", http.StatusMethodNotAllowed, azEntry("DELETE", ae.ref(), ""))

	// Another tenant: the credential is for tenant default only. A
	// genuine API key is named in the refusal's AuditEvent.
	who := ""
	if strings.HasPrefix(p.who, "apikey:") {
		who = p.who
	}
	m.exec(azReq{p: p, who: who, name: "read in tenant other", tenant: "other", method: "GET", path: m.pO.ref(), want: http.StatusUnauthorized, interaction: "read", entity: m.pO.ref()})
	m.exec(azReq{p: p, who: who, name: "search in tenant other", tenant: "other", method: "GET", path: "Patient?_count=5", want: http.StatusUnauthorized, interaction: "search-type"})
}

// oldVersions reads the first versions of the resources whose first
// version was about something else. What a version holds is judged by
// that version, so a label added later or a re-filing does not open the
// old content to callers who may see only the new.
func (m *azMatrix) oldVersions(p *azPrincipal) {
	m.t.Helper()
	for _, r := range []*azRes{m.oRedV, m.oMoved} {
		want := m.readStatus(p, r)
		if want == http.StatusOK && !p.may("read", r.typ, r.v1) {
			want = http.StatusForbidden
		}
		resp := m.exec(azReq{p: p, name: "vread the first version of " + r.tag, method: "GET", path: r.ref() + "/_history/1", want: want, interaction: "vread", entity: r.ref() + "/_history/1"})
		if !p.may("read", r.typ, r.v1) && bytes.Contains(resp.body, []byte(r.v1.value)) {
			m.t.Errorf("%s: vread the first version of %s: the answer holds its first version's value, which the caller may not see", p.name, r.tag)
		}
		want = m.readStatus(p, r)
		q := azReq{p: p, name: "history of " + r.tag, method: "GET", path: r.ref() + "/_history", want: want, interaction: "history-instance", entity: r.ref()}
		if want == http.StatusOK && !p.may("read", r.typ, r.v1) {
			// Either the first version is left out (200) or the whole
			// history is refused (403); either way it must not show.
			q.want = 0
			q.audits = []azAudit{{"history-instance", "?"}}
		}
		resp = m.exec(q)
		if q.want == 0 && resp.status != http.StatusOK && resp.status != http.StatusForbidden {
			m.t.Errorf("%s: %s: status %d, want 200 without the first version, or 403", p.name, q.name, resp.status)
		}
		if !p.may("read", r.typ, r.v1) && bytes.Contains(resp.body, []byte(r.v1.value)) {
			m.t.Errorf("%s: history of %s: the answer holds its first version's value, which the caller may not see", p.name, r.tag)
		}
	}

}

// updateAsCreate creates A's Observation with PUT, as p: an update that
// creates is audited as a create (engine.opInteraction).
func (m *azMatrix) updateAsCreate(p *azPrincipal) {
	m.t.Helper()
	r := &azRes{typ: "Observation", id: uuid.NewString(), patient: m.pA.id, category: "laboratory", code: "put-1", label: policy.Normal}
	want := m.writeStatus(p, "create", r)
	if p.may("update", r.typ, nil) && !p.may("create", r.typ, nil) {
		want = http.StatusForbidden
	}
	interaction := "update"
	if want == http.StatusCreated {
		interaction = "create"
	}
	resp := m.exec(azReq{p: p, name: "update-as-create A's Observation", method: "PUT", path: r.ref(), body: r.body(), want: want, interaction: interaction})
	if resp.status == http.StatusCreated {
		m.world[r.ref()] = r
	}
}

// conditionals runs conditional interactions as p. They search as the
// caller: criteria that only resources it may not see match are as good
// as no match, and never tell it those resources' ids.
func (m *azMatrix) conditionals(p *azPrincipal) {
	m.t.Helper()
	a := m.pA.id
	{
		newA := &azRes{typ: "Observation", patient: a, category: "laboratory", code: "cond-ref", label: policy.Normal, focus: m.pB.ref()}
		body := strings.Replace(newA.body(), `"reference":"`+m.pB.ref()+`"`, `"reference":"Patient?name=Bravo"`, 1)
		var want int
		switch {
		case !p.may("create", "Observation", nil), !p.may("search", "Patient", nil):
			want = http.StatusForbidden
		case !p.may("search", "Patient", m.pB):
			want = http.StatusPreconditionFailed // matches no resource the caller may see
		case !p.may("create", "Observation", newA):
			want = http.StatusForbidden
		default:
			want = http.StatusOK
		}
		out, resp := m.transactionResponse(p, "transaction with a conditional reference to B", want, azEntry("POST", "Observation", body))
		m.noLeak(p, "transaction with a conditional reference to B", resp.body)
		if out != nil {
			newA.id = m.locationID(out.Entry[0].Response.Location)
			m.world[newA.ref()] = newA
		}
	}
	{
		newA := &azRes{typ: "Observation", patient: a, category: "vital-signs", code: "hidden-1", label: policy.Normal}
		var visible []*azRes
		for _, o := range m.world {
			if o.typ == "Observation" && o.code == "hidden-1" && p.may("search", "Observation", o) {
				visible = append(visible, o)
			}
		}
		var want int
		switch {
		case !p.may("create", "Observation", nil), !p.may("search", "Observation", nil):
			want = http.StatusForbidden
		case len(visible) > 1:
			want = http.StatusPreconditionFailed
		case len(visible) == 1 && p.may("read", "Observation", visible[0]):
			want = http.StatusOK // the match is the answer
		case len(visible) == 1:
			want = http.StatusForbidden
		default:
			want = m.writeStatus(p, "create", newA)
		}
		resp := m.exec(azReq{p: p, name: "conditional create matching B's Observation", method: "POST", path: "Observation", body: newA.body(),
			headers: []string{"If-None-Exist", "code=hidden-1"}, want: want, interaction: "create"})
		m.noLeak(p, "conditional create matching B's Observation", resp.body)
		if resp.status == http.StatusCreated {
			newA.id = m.locationID(resp.header.Get("Location"))
			m.world[newA.ref()] = newA
		}
	}

}

// transaction posts a transaction of entries as p, expecting want (200 or
// the refusal of the whole), and returns the response Bundle on 200.
func (m *azMatrix) transaction(p *azPrincipal, name string, want int, entries ...string) *fhir.Bundle {
	m.t.Helper()
	out, _ := m.transactionResponse(p, name, want, entries...)
	return out
}

// transactionResponse is transaction, with the HTTP response.
func (m *azMatrix) transactionResponse(p *azPrincipal, name string, want int, entries ...string) (*fhir.Bundle, response) {
	m.t.Helper()
	if want < 400 {
		want = http.StatusOK
	}
	r := m.exec(azReq{p: p, name: name, method: "POST", path: "", body: azBundle("transaction", entries...), want: want, interaction: "transaction"})
	if r.status != http.StatusOK {
		return nil, r
	}
	var out fhir.Bundle
	if err := json.Unmarshal(r.body, &out); err != nil || out.Type != "transaction-response" || len(out.Entry) != len(entries) {
		m.t.Errorf("%s: %s: transaction response: %v: %.300s", p.name, name, err, r.body)
		return nil, r
	}
	return &out, r
}

// noLeak checks that body names no resource p may neither read nor
// search (by its id).
func (m *azMatrix) noLeak(p *azPrincipal, name string, body []byte) {
	m.t.Helper()
	for ref, r := range m.world {
		if !p.may("read", r.typ, r) && !p.may("search", r.typ, r) && bytes.Contains(body, []byte(r.id)) {
			m.t.Errorf("%s: %s: the answer names %s (%s), which the caller may not see: %.400s", p.name, name, ref, r.tag, body)
		}
	}
}

// credentialFailures sends requests with bad or missing credentials: each
// is a 401 with a challenge, audited as unauthenticated.
func (m *azMatrix) credentialFailures() {
	h := m.h
	path := m.pA.ref()
	fail := func(name string, creds []string, challenge string) {
		m.t.Helper()
		q := azReq{name: "credentials: " + name, creds: creds, anon: creds == nil, method: "GET", path: path, want: http.StatusUnauthorized, interaction: "read", entity: path}
		r := m.exec(q)
		ch := r.header.Get("WWW-Authenticate")
		if challenge == "" && ch != `Bearer realm="kiln"` || challenge != "" && (!strings.HasPrefix(ch, `Bearer realm="kiln"`) || !strings.Contains(ch, challenge)) {
			m.t.Errorf("%s: WWW-Authenticate %q, want %q", q.name, ch, cmp.Or(challenge, `Bearer realm="kiln"`))
		}
		if !bytes.Contains(r.body, []byte(`"code":"login"`)) {
			m.t.Errorf("%s: no login OperationOutcome: %.300s", q.name, r.body)
		}
	}
	ok := func(name, who string, creds []string) {
		m.t.Helper()
		m.exec(azReq{name: "credentials: " + name, who: who, creds: creds, method: "GET", path: path, want: http.StatusOK, interaction: "read", entity: path})
	}
	invalid := `error="invalid_token"`

	fail("none", nil, "")
	fail("Basic scheme", []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:admin"))}, invalid)
	fail("Bearer without a token", []string{"Authorization", "Bearer"}, "")
	fail("Bearer garbage", []string{"Authorization", "Bearer not.a.jwt"}, invalid)
	fail("Bearer two-part JWT", []string{"Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30"}, invalid)
	fail("unknown API key", bearer("kiln_"+strings.Repeat("x", 40)), invalid)
	fail("unknown API key in X-API-Key", []string{"X-API-Key", "kiln_" + strings.Repeat("y", 40)}, invalid)
	// tenant default's key in tenant other
	m.exec(azReq{name: "credentials: default's API key on tenant other", tenant: "other", creds: []string{"X-API-Key", m.admin}, who: m.adminWho,
		method: "GET", path: m.pO.ref(), want: http.StatusUnauthorized, interaction: "read"})

	// Kiln tokens.
	admin := h.registerClient("default", "admin", "system/*.cruds")
	kiln := h.token(admin, "system/*.cruds")
	kilnWho := "client:" + admin.id
	ok("Kiln token (control)", kilnWho, bearer(kiln))
	h.clock.Advance(token.MaxTokenTTL + token.DefaultClockSkew + time.Second)
	fail("Kiln token expired", bearer(kiln), "expired")
	h.clock.Advance(-(token.MaxTokenTTL + token.DefaultClockSkew + time.Second))
	ok("Kiln token valid again (control)", kilnWho, bearer(kiln))
	early := h.token(admin, "system/*.cruds")
	h.clock.Advance(-10 * time.Minute)
	fail("Kiln token not yet valid", bearer(early), "not valid before")
	h.clock.Advance(10 * time.Minute)
	fail("Kiln token unsigned", bearer(oidctest.Unsigned(m.t, oidctest.Payload(m.t, kiln))), invalid)
	fail("Kiln token re-signed with another key, same kid", bearer(oidctest.Resign(m.t, kiln)), "signature")
	fail("Kiln token with a widened scope", bearer(azTamper(m.t, kiln, "scope", "system/*.cruds patient/*.cruds")), "signature")
	fail("Kiln token HS256 with its kid", bearer(azHS256(m.t, kiln)), "HS256")
	m.exec(azReq{name: "credentials: Kiln token of default on tenant other", tenant: "other", creds: bearer(kiln),
		method: "GET", path: m.pO.ref(), want: http.StatusUnauthorized, interaction: "read", entity: m.pO.ref()})

	// Tokens of OpenID providers.
	aud := []string{h.srv.URL + "/fhir/default"}
	user := oidctest.TokenRequest{Client: "app", Subject: "failing-user", Audience: aud, Scopes: []string{"user/*.rs"}, Roles: []string{"admin"}}
	good := m.op.Token(m.t, user)
	userWho := "user:" + m.op.Issuer() + "|" + user.Subject
	ok("OIDC token (control)", userWho, bearer(good))
	short := user
	short.Lifetime = time.Minute
	expiring := m.op.Token(m.t, short)
	ok("OIDC token, short (control)", userWho, bearer(expiring))
	h.clock.Advance(time.Minute + token.DefaultClockSkew + 5*time.Second)
	fail("OIDC token expired", bearer(expiring), "expired")
	h.clock.Advance(-(time.Minute + token.DefaultClockSkew + 5*time.Second))
	h.clock.Advance(-10 * time.Minute)
	fail("OIDC token not yet valid", bearer(m.op.Token(m.t, user)), "not valid before")
	h.clock.Advance(10 * time.Minute)
	wrongAud := user
	wrongAud.Audience = []string{"https://elsewhere.example/fhir"}
	fail("OIDC token for another audience", bearer(m.op.Token(m.t, wrongAud)), "aud")
	otherAud := user
	otherAud.Audience = []string{h.srv.URL + "/fhir/other"}
	fail("OIDC token for tenant other's audience", bearer(m.op.Token(m.t, otherAud)), "aud")
	fail("OIDC token unsigned", bearer(oidctest.Unsigned(m.t, oidctest.Payload(m.t, good))), invalid)
	fail("OIDC token re-signed with another key, same kid", bearer(oidctest.Resign(m.t, good)), "signature")
	fail("OIDC token with a widened scope", bearer(azTamper(m.t, good, "scope", "user/*.cruds")), "signature")
	untrusted := oidctest.Start(m.t)
	fail("token of an untrusted issuer", bearer(untrusted.Token(m.t, user)), "not trusted")
	// An issuer that tenant other trusts, with tenant default's audience.
	otherIdP := oidctest.Start(m.t)
	if err := token.TrustIssuer(m.t.Context(), h.store, "other", token.Trust{Issuer: otherIdP.Issuer(), RolesClaim: "roles"}); err != nil {
		m.t.Fatal(err)
	}
	fail("token of an issuer only tenant other trusts", bearer(otherIdP.Token(m.t, user)), "not trusted")
	otherUser := user
	otherUser.Audience = []string{h.srv.URL + "/fhir/other"}
	otherTok := otherIdP.Token(m.t, otherUser)
	m.exec(azReq{name: "credentials: tenant other's issuer on tenant other (control)", tenant: "other", creds: bearer(otherTok),
		who:    "user:" + otherIdP.Issuer() + "|" + user.Subject,
		method: "GET", path: m.pO.ref(), want: http.StatusOK, interaction: "read", entity: m.pO.ref()})
	m.exec(azReq{name: "credentials: tenant other's token on tenant default", creds: bearer(otherTok),
		method: "GET", path: path, want: http.StatusUnauthorized, interaction: "read", entity: path})
}

// azTamper changes one claim of a JWS and keeps its signature.
func azTamper(t *testing.T, raw, claim string, value any) string {
	t.Helper()
	c := oidctest.Payload(t, raw)
	c[claim] = value
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(raw, ".")
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

// azHS256 signs raw's claims with HS256 under its kid, with a guessable
// secret: an algorithm-confusion attempt.
func azHS256(t *testing.T, raw string) string {
	t.Helper()
	h := oidctest.Header(t, raw)
	kid, _ := h["kid"].(string)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: []byte(strings.Repeat("s", 32)), KeyID: kid}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := jwt.Signed(s).Claims(oidctest.Payload(t, raw)).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// auditImmutable checks that the AuditEvent the matrix attacked is as it
// was: one version, the same body.
func (m *azMatrix) auditImmutable() {
	ref := "AuditEvent/" + m.auditTarget
	r := m.exec(azReq{name: "admin reads the attacked AuditEvent", method: "GET", path: ref, want: http.StatusOK, interaction: "read", entity: ref})
	if !bytes.Equal(r.body, m.auditBody) {
		m.t.Errorf("the attacked AuditEvent changed:\n%s\nwas\n%s", r.body, m.auditBody)
	}
	m.exec(azReq{name: "admin vreads version 2 of the attacked AuditEvent", method: "GET", path: ref + "/_history/2", want: http.StatusNotFound, interaction: "vread"})
	r = m.exec(azReq{name: "admin reads the attacked AuditEvent's history", method: "GET", path: ref + "/_history", want: http.StatusOK, interaction: "history-instance", entity: ref})
	var hist fhir.Bundle
	if err := json.Unmarshal(r.body, &hist); err != nil || len(hist.Entry) != 1 {
		m.t.Errorf("the attacked AuditEvent's history: %v: %.500s", err, r.body)
	}
}

// checkAuditAPI finds every AuditEvent the matrix left through the API,
// as an admin of each tenant, with the outcome the store showed.
func (m *azMatrix) checkAuditAPI() {
	for _, tc := range []struct{ tenant, cred string }{{"default", m.admin}, {"other", m.otherAdmin}} {
		found := map[string]string{}
		next := "/fhir/" + tc.tenant + "/AuditEvent?_count=1000"
		for pages := 0; next != ""; pages++ {
			if pages > 100 {
				m.t.Fatal("AuditEvent pages loop")
			}
			r := m.h.do("GET", next, "", bearer(tc.cred)...)
			page := parsePage(m.t, r)
			for _, e := range page.Entry {
				var ev struct {
					ID      string `json:"id"`
					Outcome string `json:"outcome"`
				}
				if err := json.Unmarshal(e.Resource, &ev); err != nil {
					m.t.Fatal(err)
				}
				found[ev.ID] = ev.Outcome
			}
			next = ""
			if l := page.link("next"); l != "" {
				next = m.h.rel(m.t, l)
			}
		}
		n := 0
		outcomes := map[string]int{}
		for _, ev := range m.tracked {
			if ev.tenant != tc.tenant {
				continue
			}
			n++
			outcomes[ev.outcome]++
			got, ok := found[ev.id]
			switch {
			case !ok:
				m.t.Errorf("AuditEvent/%s of %q is not found by searching AuditEvent in tenant %s", ev.id, ev.request, tc.tenant)
			case got != ev.outcome:
				m.t.Errorf("AuditEvent/%s of %q: outcome %s through the API, %s in the store", ev.id, ev.request, got, ev.outcome)
			}
		}
		m.t.Logf("tenant %s: %d AuditEvents of the matrix found by searching (outcomes %v), %d in all", tc.tenant, n, outcomes, len(found))
	}
}

// The tests below isolate the matrix's cases that found faults, for
// whoever fixes them; the matrix runs the same cases for every principal.

// TestAuthzOldVersions: a version's content is judged by that version.
// The analyst (redacted data only) must not read the first, unredacted
// version of a resource redacted since, nor patient A's app the first
// version of an Observation that was filed under patient B.
func TestAuthzOldVersions(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		m := newAzMatrix(t, h)
		m.seed()
		m.oldVersions(m.apiKey("analyst", "system/*.cruds"))
		m.oldVersions(m.user("patient-app", oidctest.TokenRequest{Scopes: []string{"patient/*.rs"}, Patient: m.pA.id, Roles: []string{"clinician"}}))
		m.oldVersions(m.apiKey("clinician", "system/*.cruds")) // control: may see both versions
	})
}

// TestAuthzConditionalMatches: conditional references and If-None-Exist
// match as a search by the caller, and a refusal never names a resource
// the caller may not see.
func TestAuthzConditionalMatches(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		m := newAzMatrix(t, h)
		m.seed()
		m.conditionals(m.user("patient-writer", oidctest.TokenRequest{Scopes: []string{"patient/*.cruds"}, Patient: m.pA.id, Roles: []string{"clinician"}}))
		m.conditionals(m.apiKey("integration", "system/*.write"))
		m.conditionals(m.apiKey("clinician", "system/*.cruds")) // control: sees B
	})
}

// TestAuthzSystemSearchRestricted: a search of the whole tenant by a
// caller restricted on every type (the analyst: redacted data only).
func TestAuthzSystemSearchRestricted(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		m := newAzMatrix(t, h)
		m.seed()
		for _, p := range []*azPrincipal{m.apiKey("analyst", "system/*.cruds"), m.apiKey("clinician", "system/*.cruds")} {
			for _, s := range m.searches() {
				if s.typ == "" {
					m.search(p, s)
				}
			}
		}
	})
}

// TestAuthzUpdateAsCreateAudit: a PUT that creates is audited as a create.
func TestAuthzUpdateAsCreateAudit(t *testing.T) {
	eachAuthBackend(t, func(t *testing.T, h *harness) {
		m := newAzMatrix(t, h)
		m.seed()
		m.updateAsCreate(m.apiKey("clinician", "system/*.cruds"))
	})
}
