package backend

import (
	"fmt"
	"strings"

	"github.com/kiln-health/kiln/auth/scope"
)

// grantScope decides the scope of a token: every resource scope requested
// must be a system/ scope within the client's registered ones, or the
// whole request fails with invalid_scope naming the scope (RFC 6749 §3.3
// lets a server narrow a request silently, but a backend job that gets
// less than it asked for fails later and more obscurely). Other scopes
// (openid, offline_access, launch...) mean nothing without a user and are
// dropped. The result is the granted scopes, space-separated, once each,
// in the order requested.
func grantScope(c Client, requested string) (string, *Error) {
	if strings.TrimSpace(requested) == "" {
		return "", scopeError("scope is required: name the system/ scopes the token needs")
	}
	allowed, err := scope.ParseSet(strings.Join(c.Scopes, " "))
	if err != nil {
		return "", serverError("the client's registered scopes are invalid", fmt.Errorf("client %q of tenant %q: %w", c.ID, c.Tenant, err))
	}
	var granted []string
	seen := make(map[string]bool)
	for _, s := range strings.Fields(requested) {
		sc, resource, err := scope.Parse(s)
		switch {
		case err != nil:
			return "", scopeError(err.Error())
		case !resource || seen[s]:
			continue
		case sc.Context != scope.System:
			return "", scopeError(fmt.Sprintf("scope %s is not a system/ scope: a backend client acts for no user or patient", quote(s)))
		case !allowed.Covers(sc):
			return "", scopeError(fmt.Sprintf("scope %s is not within the scopes registered for this client", quote(s)))
		}
		seen[s] = true
		granted = append(granted, s)
	}
	if len(granted) == 0 {
		return "", scopeError("scope names no resource scope: request at least one system/ scope")
	}
	return strings.Join(granted, " "), nil
}
