package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kiln-health/kiln/auth"
	"github.com/kiln-health/kiln/auth/policy"
	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/store"
)

// adminRoutes are the tenant's access-policy API, for principals with
// the admin role:
//
//	GET    /admin/{tenant}/policy            rules and role assignments
//	POST   /admin/{tenant}/policy/rules      add a rule      {"subject","type","action","label","effect"}
//	DELETE /admin/{tenant}/policy/rules      remove a rule   (same body)
//	POST   /admin/{tenant}/policy/roles      assign a role   {"subject","role"}
//	DELETE /admin/{tenant}/policy/roles      unassign a role (same body)
//
// Rules and assignments made here apply to this tenant only. Every
// change is audited.
func (s *Server) adminRoutes(r *gin.Engine) {
	g := r.Group("/admin/:tenant", s.limitBody, s.tenant, s.requireAdmin)
	g.GET("/policy", s.listPolicy)
	g.POST("/policy/rules", s.changeRule(true))
	g.DELETE("/policy/rules", s.changeRule(false))
	g.POST("/policy/roles", s.changeRole(true))
	g.DELETE("/policy/roles", s.changeRole(false))
}

const principalKey = "kiln.principal"

// requireAdmin authenticates the caller and requires the admin role.
func (s *Server) requireAdmin(c *gin.Context) {
	if s.auth == nil {
		s.fail(c, fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "authorization is disabled on this server"))
		c.Abort()
		return
	}
	p, ok := s.authenticate(c, adminEntity, s.fail)
	if !ok {
		return
	}
	admin, err := s.auth.IsAdmin(c.Request.Context(), p)
	if err != nil {
		s.fail(c, err)
		c.Abort()
		return
	}
	if !admin {
		err := fhir.Errorf(http.StatusForbidden, fhir.IssueForbidden, "the policy API needs the admin role")
		interaction, entities := adminEntity(c)
		if aerr := s.engine.Record(c.Request.Context(), c.Param("tenant"), p.Agent(), interaction, err, entities...); aerr != nil {
			err = fhir.AsError(aerr)
		}
		s.fail(c, err)
		c.Abort()
		return
	}
	c.Set(principalKey, p)
	c.Next()
}

// adminEntity describes an admin API request for its AuditEvent.
func adminEntity(c *gin.Context) (string, []audit.Entity) {
	return "operation", []audit.Entity{{Query: c.Request.Method + " " + c.Request.URL.Path}}
}

type policyView struct {
	Rules []policy.Rule       `json:"rules"`
	Roles []policy.Assignment `json:"roles"`
}

func (s *Server) listPolicy(c *gin.Context) {
	ctx, tenant := c.Request.Context(), c.Param("tenant")
	var v policyView
	var err error
	if v.Rules, err = s.auth.Policy().Rules(ctx, tenant); err == nil {
		v.Roles, err = s.auth.Policy().Roles(ctx, tenant)
	}
	if err = s.audited(c, "GET policy", err); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

type ruleBody struct {
	Subject string `json:"subject"`
	Type    string `json:"type"`
	Action  string `json:"action"`
	Label   string `json:"label"`
	Effect  string `json:"effect"`
}

func (s *Server) changeRule(add bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var b ruleBody
		if err := json.NewDecoder(c.Request.Body).Decode(&b); err != nil {
			s.fail(c, fhir.Errorf(http.StatusBadRequest, fhir.IssueStructure, "the body must be a JSON rule: %v", err))
			return
		}
		r := policy.Rule{Subject: b.Subject, Tenant: c.Param("tenant"), Type: b.Type, Action: b.Action, Label: b.Label, Effect: b.Effect}
		if r.Label == "" {
			r.Label = policy.Any
		}
		if r.Effect == "" {
			r.Effect = policy.EffectAllow
		}
		ctx := c.Request.Context()
		var err error
		if add {
			err = s.auth.Policy().AddRule(ctx, r)
		} else {
			err = s.auth.Policy().RemoveRule(ctx, r)
		}
		s.finishChange(c, map[bool]string{true: "add ", false: "remove "}[add]+r.String(), err)
	}
}

func (s *Server) changeRole(assign bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var b struct{ Subject, Role string }
		if err := json.NewDecoder(c.Request.Body).Decode(&b); err != nil {
			s.fail(c, fhir.Errorf(http.StatusBadRequest, fhir.IssueStructure, "the body must be JSON {\"subject\", \"role\"}: %v", err))
			return
		}
		ctx, tenant := c.Request.Context(), c.Param("tenant")
		var err error
		if assign {
			err = s.auth.Policy().AssignRole(ctx, tenant, b.Subject, b.Role)
		} else {
			err = s.auth.Policy().UnassignRole(ctx, tenant, b.Subject, b.Role)
		}
		a := policy.Assignment{Subject: b.Subject, Role: b.Role, Tenant: tenant}
		s.finishChange(c, map[bool]string{true: "assign ", false: "unassign "}[assign]+a.String(), err)
	}
}

// finishChange audits a policy change and answers it.
func (s *Server) finishChange(c *gin.Context, what string, err error) {
	switch {
	case errors.Is(err, policy.ErrInvalid):
		err = fhir.Errorf(http.StatusBadRequest, fhir.IssueValue, "%v", err)
	case errors.Is(err, store.ErrNotFound):
		err = fhir.Errorf(http.StatusNotFound, fhir.IssueNotFound, "%s: no such rule or assignment", what)
	}
	if err = s.audited(c, what, err); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// audited records an admin API call as an AuditEvent (subtype operation)
// and returns the call's error, or the failure to record it.
func (s *Server) audited(c *gin.Context, what string, err error) error {
	p := c.MustGet(principalKey).(auth.Principal)
	if aerr := s.engine.Record(c.Request.Context(), c.Param("tenant"), p.Agent(), "operation", err, audit.Entity{Query: what}); aerr != nil && err == nil {
		return aerr
	}
	return err
}
