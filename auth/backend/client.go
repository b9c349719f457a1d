package backend

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/kiln-health/kiln/auth/scope"
	"github.com/kiln-health/kiln/fhir/store"
)

// recordKind is the store.Record kind of registered clients.
const recordKind = "client"

// ErrInvalidRegistration is returned (wrapped, with the reason) by
// Register for a client that cannot be registered; callers answer 400.
var ErrInvalidRegistration = errors.New("invalid client registration")

// Client is a registered backend client of one tenant.
type Client struct {
	ID     string `json:"id"`
	Tenant string `json:"tenant"`
	Name   string `json:"name,omitempty"`
	// Role is the Kiln role its tokens carry (e.g. "integration"); access
	// policies decide what the role may do.
	Role string `json:"role"`
	// Scopes are the system/ scopes (SMART v1 or v2 syntax) the client may
	// request; a token request may ask for these or narrower ones.
	Scopes []string `json:"scopes"`
	// Exactly one of JWKS (public keys kept by Kiln) and JWKSURL (an https
	// URL where the client publishes its keys, so it can rotate them
	// without telling Kiln) is set.
	JWKS    *jose.JSONWebKeySet `json:"jwks,omitempty"`
	JWKSURL string              `json:"jwks_url,omitempty"`
	Created time.Time           `json:"created"`
}

// Register validates c and stores it. It generates a random ID when c.ID
// is empty and sets Created when zero. Registering an ID that exists
// fails with store.ErrConflict (wrapped): replacing a client's keys is
// delete and register, so a typo cannot silently take over another
// client. Invalid clients fail with ErrInvalidRegistration (wrapped).
func Register(ctx context.Context, records store.Records, c Client) (Client, error) {
	if err := c.validate(); err != nil {
		return Client{}, fmt.Errorf("%w: %w", ErrInvalidRegistration, err)
	}
	if c.ID == "" {
		c.ID = rand.Text()
	}
	if c.Created.IsZero() {
		c.Created = time.Now()
	}
	c.Created = c.Created.UTC().Truncate(time.Millisecond)
	value, err := json.Marshal(c)
	if err != nil {
		return Client{}, fmt.Errorf("encoding client %q: %w", c.ID, err)
	}
	r := store.Record{Tenant: c.Tenant, Kind: recordKind, Key: c.ID, Value: value}
	if err := records.InsertRecord(ctx, r); err != nil {
		return Client{}, fmt.Errorf("registering client %q in tenant %q: %w", c.ID, c.Tenant, err)
	}
	return c, nil
}

// GetClient returns one client; store.ErrNotFound (wrapped) if the
// tenant has no such client.
func GetClient(ctx context.Context, records store.Records, tenant, id string) (Client, error) {
	r, err := records.GetRecord(ctx, tenant, recordKind, id)
	if err != nil {
		return Client{}, fmt.Errorf("reading client %q of tenant %q: %w", id, tenant, err)
	}
	return decodeClient(r)
}

// ListClients returns the clients of one tenant ordered by ID.
func ListClients(ctx context.Context, records store.Records, tenant string) ([]Client, error) {
	rs, err := records.ListRecords(ctx, tenant, recordKind)
	if err != nil {
		return nil, fmt.Errorf("listing clients of tenant %q: %w", tenant, err)
	}
	clients := make([]Client, 0, len(rs))
	for _, r := range rs {
		c, err := decodeClient(r)
		if err != nil {
			return nil, err
		}
		clients = append(clients, c)
	}
	return clients, nil
}

// DeleteClient removes a client; store.ErrNotFound (wrapped) if the
// tenant has no such client. Tokens already issued to it stay valid
// until they expire (at most five minutes).
func DeleteClient(ctx context.Context, records store.Records, tenant, id string) error {
	if err := records.DeleteRecord(ctx, tenant, recordKind, id); err != nil {
		return fmt.Errorf("deleting client %q of tenant %q: %w", id, tenant, err)
	}
	return nil
}

func decodeClient(r store.Record) (Client, error) {
	var c Client
	if err := json.Unmarshal(r.Value, &c); err != nil {
		return Client{}, fmt.Errorf("decoding client %q of tenant %q: %w", r.Key, r.Tenant, err)
	}
	// The record's key and tenant are authoritative: the token endpoint
	// matches an assertion's iss against the key it looked up.
	c.ID, c.Tenant = r.Key, r.Tenant
	return c, nil
}

// validate checks everything the token endpoint later relies on, so that
// a bad registration fails now, loudly, not at the client's first token
// request.
func (c *Client) validate() error {
	switch {
	case c.Tenant == "":
		return errors.New("tenant is required")
	case strings.ContainsAny(c.ID, " \t\r\n"):
		// The jti records are keyed "clientID jti": a space in an ID
		// could make two clients' keys collide.
		return errors.New("id must not contain white space")
	case c.Role == "":
		return errors.New("role is required")
	case len(c.Scopes) == 0:
		return errors.New("at least one system/ scope is required")
	case (c.JWKS == nil) == (c.JWKSURL == ""):
		return errors.New("exactly one of jwks and jwks_url is required")
	}
	for _, s := range c.Scopes {
		if err := checkRegisteredScope(s); err != nil {
			return err
		}
	}
	if c.JWKS != nil {
		if err := checkKeySet(c.JWKS); err != nil {
			return fmt.Errorf("jwks: %w", err)
		}
		return nil
	}
	return checkJWKSURL(c.JWKSURL)
}

// checkRegisteredScope accepts only system/ resource scopes: a backend
// client acts for no user and no patient, so nothing else can ever be
// granted to it.
func checkRegisteredScope(s string) error {
	sc, resource, err := scope.Parse(s)
	if err != nil {
		return err // it names the scope
	}
	if !resource || sc.Context != scope.System {
		return fmt.Errorf("scope %q is not a system/ resource scope", s)
	}
	return nil
}

// checkJWKSURL requires https, as SMART does, so keys cannot be swapped
// in transit; plain http is allowed for loopback hosts only, for local
// development.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("jwks_url: %w", err)
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("jwks_url %q is not an absolute URL", raw)
	case u.User != nil:
		return errors.New("jwks_url must not carry credentials")
	case u.Fragment != "":
		return fmt.Errorf("jwks_url %q must not have a fragment", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("jwks_url %q must use https", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
