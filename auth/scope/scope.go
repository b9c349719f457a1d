// Package scope parses SMART on FHIR scopes (v1 and v2, with granular
// v2 queries) and turns them into the search restrictions that enforce
// them.
//
// A resource scope is context/Type.permissions[?query]: patient/,
// user/ or system/; a resource type or "*"; v1 read, write or "*", or v2
// letters out of "cruds"; and, in v2, an optional search query that
// narrows the scope (patient/Observation.rs?category=...|laboratory).
// Other scopes (openid, fhirUser, launch/patient, offline_access...) are
// not about resources and are left to the authorization server.
//
// Enforcement is by search: Set.Restriction gives the store filter that
// selects the resources of a type the scopes allow, so reads, searches
// and writes are all checked by the same query language the store
// already runs, rather than by a second matcher that could disagree with
// it.
package scope

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/search"
	"github.com/kiln-health/kiln/fhir/searchparam"
	"github.com/kiln-health/kiln/fhir/store"
)

// Perm is a set of SMART v2 permissions.
type Perm uint8

// The SMART v2 permissions, in the order their letters must be written.
const (
	Create Perm = 1 << iota // c
	Read                    // r
	Update                  // u
	Delete                  // d
	Search                  // s
)

// letters are the v2 permission letters, in Perm bit order.
const letters = "cruds"

// allPerms is every permission: v2 "cruds", v1 "*".
const allPerms = Create | Read | Update | Delete | Search

// String gives p's letters in "cruds" order, as a v2 scope writes them.
func (p Perm) String() string {
	var b strings.Builder
	for i := range len(letters) {
		if p&(1<<i) != 0 {
			b.WriteByte(letters[i])
		}
	}
	return b.String()
}

// Context is whose data a scope is about: the launch patient's, whatever
// the user may see, or anything (a backend service).
type Context string

// The SMART scope contexts.
const (
	Patient Context = "patient"
	User    Context = "user"
	System  Context = "system"
)

// Scope is one parsed resource scope.
type Scope struct {
	// Raw is the scope as written.
	Raw     string
	Context Context
	// Type is a resource type, or "*" for every type.
	Type  string
	Perms Perm
	// Params is the granular SMART v2 query that narrows the scope (nil
	// if none): a resource must match it as a search, on top of the
	// context's own restriction.
	Params url.Values
}

// Parse parses one scope. ok is false, with no error, for a scope that is
// not a resource scope (openid, fhirUser, launch/patient, ...): those are
// none of the FHIR server's business. A malformed resource scope is an
// error whose message says what is wrong, fit for an OAuth invalid_scope
// error_description.
func Parse(s string) (_ Scope, ok bool, _ error) {
	ctx, rest, found := strings.Cut(s, "/")
	if !found {
		return Scope{}, false, nil
	}
	switch Context(ctx) {
	case Patient, User, System:
	default:
		// launch/patient, launch/encounter and the like.
		return Scope{}, false, nil
	}
	sc := Scope{Raw: s, Context: Context(ctx)}
	if strings.ContainsAny(s, " \t\r\n\"\\") {
		// RFC 6749 scope tokens cannot hold these; a space here means a
		// badly split scope string.
		return Scope{}, false, fmt.Errorf("scope %q: contains a space, quote or backslash", s)
	}
	rest, query, granular := strings.Cut(rest, "?")
	typ, perms, found := strings.Cut(rest, ".")
	if !found {
		return Scope{}, false, fmt.Errorf("scope %q: want %s/Type.permissions, e.g. %s/Observation.rs", s, ctx, ctx)
	}
	if typ != "*" && !fhir.IsResourceType(typ) {
		return Scope{}, false, fmt.Errorf("scope %q: %q is not a FHIR R4 resource type (nor *)", s, typ)
	}
	sc.Type = typ
	var err error
	switch perms {
	case "read":
		sc.Perms = Read | Search
	case "write":
		sc.Perms = Create | Update | Delete
	case "*":
		sc.Perms = allPerms
	default:
		if sc.Perms, err = parseLetters(perms); err != nil {
			return Scope{}, false, fmt.Errorf("scope %q: %w", s, err)
		}
	}
	if granular {
		if perms == "read" || perms == "write" || perms == "*" {
			return Scope{}, false, fmt.Errorf("scope %q: a query needs SMART v2 permissions (e.g. .rs), not .%s", s, perms)
		}
		if sc.Params, err = parseQuery(typ, query); err != nil {
			return Scope{}, false, fmt.Errorf("scope %q: %w", s, err)
		}
	}
	return sc, true, nil
}

// parseLetters parses v2 permissions: a non-empty subsequence of "cruds",
// so that each scope has a single spelling (Covers compares perms, but
// clients and logs compare strings).
func parseLetters(perms string) (Perm, error) {
	if perms == "" {
		return 0, errors.New("no permissions after the dot: want v1 read, write or *, or v2 letters out of cruds")
	}
	var p Perm
	next := 0 // letters before next are used up
	for _, c := range []byte(perms) {
		i := strings.IndexByte(letters, c)
		if i < 0 {
			return 0, fmt.Errorf("permissions %q: %q is not one of read, write, * or the v2 letters c, r, u, d, s", perms, c)
		}
		if i < next {
			return 0, fmt.Errorf("permissions %q: v2 letters must be in the order c, r, u, d, s, each at most once", perms)
		}
		p |= 1 << i
		next = i + 1
	}
	return p, nil
}

// shapeParams are search parameters that shape the result rather than
// select resources: in a scope they would select nothing and so widen it
// unnoticed (a scope ?_count=1 would grant everything), so they are
// refused.
var shapeParams = map[string]bool{
	"_count": true, "_offset": true, "_cursor": true, "_total": true,
	"_summary": true, "_elements": true, "_sort": true, "_include": true,
	"_revinclude": true, "_type": true, "_format": true, "_pretty": true,
	"_contained": true, "_containedType": true,
}

// checkParams refuses empty queries and result parameters.
func checkParams(params url.Values) error {
	if len(params) == 0 {
		return errors.New("empty query after ?")
	}
	for name := range params {
		code, _, _ := strings.Cut(name, ":")
		if shapeParams[code] {
			return fmt.Errorf("query parameter %q shapes search results and cannot restrict a scope", name)
		}
	}
	return nil
}

// parseQuery parses and checks a granular scope's query: it must be a
// strict search of typ, or, for "*", of at least one type, so that a typo
// is refused when the scope is requested rather than silently granting
// nothing.
func parseQuery(typ, query string) (url.Values, error) {
	params, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", query, err)
	}
	if err := checkParams(params); err != nil {
		return nil, err
	}
	if typ != "*" {
		if _, err := filters(typ, params, search.Options{}); err != nil {
			return nil, fmt.Errorf("query %q: %s", query, describe(err))
		}
		return params, nil
	}
	for _, t := range fhir.ResourceTypes() {
		if _, err := filters(t, params, search.Options{}); err == nil {
			return params, nil
		}
	}
	return nil, fmt.Errorf("query %q is a valid search of no resource type", query)
}

// filters parses params as a strict search of typ. Every value must
// apply: search drops empty ones ("category="), which in a scope would
// widen it past what was written.
func filters(typ string, params url.Values, opts search.Options) ([]store.Filter, error) {
	opts.Strict = true
	req, err := search.Parse([]string{typ}, params, opts)
	if err != nil {
		return nil, err
	}
	for name, vs := range params {
		if !slices.Equal(vs, req.Used[name]) {
			return nil, fmt.Errorf("parameter %q: an empty value selects nothing", name)
		}
	}
	if len(req.Query.Filters) == 0 {
		// Unreachable when every parameter applied; checked all the same,
		// as no filter would grant every resource.
		return nil, errors.New("the query selects nothing")
	}
	return req.Query.Filters, nil
}

// describe is err's message without the HTTP status a *fhir.Error puts
// before it: scope errors become OAuth error descriptions, not FHIR
// responses.
func describe(err error) string {
	var fe *fhir.Error
	if !errors.As(err, &fe) || len(fe.Issues) == 0 {
		return err.Error()
	}
	msgs := make([]string, len(fe.Issues))
	for i, is := range fe.Issues {
		msgs[i] = is.Diagnostics
	}
	return strings.Join(msgs, "; ")
}

// Set is the resource scopes of a client or token.
type Set []Scope

// ParseSet parses a space-separated scope string (an OAuth scope
// parameter), keeping the resource scopes once each. Any malformed
// resource scope makes it an error: a client that asks for a scope it
// misspelt should hear so rather than get less than it thinks.
func ParseSet(scopes string) (Set, error) {
	var set Set
	for _, s := range strings.Fields(scopes) {
		sc, ok, err := Parse(s)
		if err != nil {
			return nil, err
		}
		if ok && !slices.ContainsFunc(set, func(x Scope) bool { return x.Raw == sc.Raw }) {
			set = append(set, sc)
		}
	}
	return set, nil
}

// String is the space-separated scopes, as written.
func (s Set) String() string {
	raw := make([]string, len(s))
	for i, sc := range s {
		raw[i] = sc.Raw
	}
	return strings.Join(raw, " ")
}

// Contexts lists the distinct contexts of s, in order of appearance.
func (s Set) Contexts() []Context {
	var cs []Context
	for _, sc := range s {
		if !slices.Contains(cs, sc.Context) {
			cs = append(cs, sc.Context)
		}
	}
	return cs
}

// Covers reports whether want asks for no more than one scope of s
// grants: the same context, the same type (or s's is "*"), no other
// permissions, and, if s's scope has a query, the very same query (a
// different query may select other resources; no query at all selects
// more). It checks that the scopes a client requests lie within those it
// was registered for.
func (s Set) Covers(want Scope) bool {
	for _, sc := range s {
		if sc.Context != want.Context ||
			(sc.Type != "*" && sc.Type != want.Type) ||
			want.Perms&^sc.Perms != 0 {
			continue
		}
		if len(sc.Params) > 0 && !maps.EqualFunc(sc.Params, want.Params, slices.Equal) {
			continue
		}
		return true
	}
	return false
}

// Restriction says which resources of type typ the scopes allow for the
// permission p (a single one): ok false denies every one; ok true with a
// nil filter allows every one; otherwise only those matching f. patient
// is the id of the launch patient ("" if none), which patient/ scopes
// confine to its Patient compartment. opts are the server's search
// options (for reference base URLs); parsing is always strict.
//
// Scopes are ORed: f is the store.AnyOf of the restrictions of every
// scope that grants p on typ, each the AND of its query and its
// compartment. err is only for what should not happen: a bad typ or p,
// or a scope whose query Parse would have refused.
func (s Set) Restriction(typ string, p Perm, patient string, opts search.Options) (f store.Filter, ok bool, err error) {
	if !fhir.IsResourceType(typ) {
		return nil, false, fmt.Errorf("scope restriction: %q is not a resource type", typ)
	}
	if p == 0 || p&(p-1) != 0 || p&^allPerms != 0 {
		return nil, false, fmt.Errorf("scope restriction: permission %05b is not a single permission", uint8(p))
	}
	var anyOf store.AnyOf
	for _, sc := range s {
		if sc.Perms&p == 0 || (sc.Type != "*" && sc.Type != typ) {
			continue
		}
		f, ok, err := sc.restriction(typ, patient, opts)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		if f == nil {
			// One scope allows every resource: the others cannot narrow it.
			return nil, true, nil
		}
		anyOf = append(anyOf, f)
	}
	switch len(anyOf) {
	case 0:
		return nil, false, nil
	case 1:
		return anyOf[0], true, nil
	}
	return anyOf, true, nil
}

// restriction is what one scope, known to grant the permission on typ's
// type or "*", allows of typ: like Set.Restriction.
func (sc Scope) restriction(typ, patient string, opts search.Options) (store.Filter, bool, error) {
	var compartment store.Filter
	if sc.Context == Patient {
		var ok bool
		if compartment, ok = patientCompartment(typ, patient); !ok {
			return nil, false, nil
		}
	}
	var all store.AllOf
	if sc.Params != nil {
		if err := checkParams(sc.Params); err != nil {
			return nil, false, fmt.Errorf("scope %q: %w", sc.Raw, err)
		}
		fs, err := filters(typ, sc.Params, opts)
		if err != nil {
			if sc.Type == "*" {
				// The query is about other types (Parse checked it fits
				// one): for typ this scope grants nothing. Failing
				// closed also covers a value typ's parameter of the same
				// name cannot take.
				return nil, false, nil
			}
			return nil, false, fmt.Errorf("scope %q: %w", sc.Raw, err)
		}
		all = append(all, fs...)
	}
	if compartment != nil {
		all = append(all, compartment)
	}
	switch len(all) {
	case 0:
		return nil, true, nil
	case 1:
		return all[0], true, nil
	}
	return all, true, nil
}

// patientCompartment restricts typ to the Patient compartment of patient:
// ok false if nothing of typ can be allowed, a nil filter if typ is not in
// the compartment and so not patient data to withhold (Medication,
// Organization, Practitioner...).
func patientCompartment(typ, patient string) (f store.Filter, ok bool) {
	switch {
	case patient == "":
		// A patient/ scope without a launch patient confines to nothing.
		return nil, false
	case typ == "Binary":
		// Not in the compartment, yet it may hold anything (a scanned
		// letter about the patient, or about another): its content
		// cannot be judged by search, so it is withheld.
		return nil, false
	case typ == "Patient":
		// The patient's own record. The compartment's "link" parameter
		// (other Patient records linked to it) is left out: SMART grants
		// the launch patient, not every record that refers to it.
		return store.IDMatch{IDs: []string{patient}}, true
	}
	codes := searchparam.PatientCompartment(typ)
	switch len(codes) {
	case 0:
		return nil, true
	case 1:
		return store.ReferenceMatch{Param: codes[0], Type: "Patient", ID: patient}, true
	}
	refs := make(store.AnyOf, len(codes))
	for i, code := range codes {
		refs[i] = store.ReferenceMatch{Param: code, Type: "Patient", ID: patient}
	}
	return refs, true
}
