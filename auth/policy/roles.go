package policy

import (
	"context"
	"fmt"
)

// HasRole reports whether any of subjects is role in tenant: the role's own
// name, or a subject assigned the role (directly or through other roles)
// in the tenant or in every tenant. The admin API requires "admin".
func (e *Engine) HasRole(ctx context.Context, tenant string, subjects []string, role string) (bool, error) {
	if err := e.maybeRefresh(ctx); err != nil {
		return false, err
	}
	rm := e.cur.Load().enf.GetRoleManager()
	for _, sub := range subjects {
		if sub == "" {
			continue
		}
		if sub == role {
			return true, nil
		}
		for _, dom := range []string{tenant, Any} {
			ok, err := rm.HasLink(sub, role, dom)
			if err != nil {
				return false, fmt.Errorf("policy: role of %s in %s: %w", sub, tenant, err)
			}
			if ok {
				return true, nil
			}
		}
	}
	return false, nil
}
