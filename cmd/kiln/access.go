package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/spf13/cobra"

	"github.com/kiln-health/kiln/auth"
	"github.com/kiln-health/kiln/auth/apikey"
	"github.com/kiln-health/kiln/auth/backend"
	"github.com/kiln-health/kiln/auth/netguard"
	"github.com/kiln-health/kiln/auth/policy"
	"github.com/kiln-health/kiln/auth/scope"
	"github.com/kiln-health/kiln/auth/token"
	"github.com/kiln-health/kiln/fhir/store"
)

// accessCmds are the commands that manage access: clients, API keys,
// policies, trusted issuers and IP allowlists.
func accessCmds() []*cobra.Command {
	return []*cobra.Command{clientCmd(), apikeyCmd(), policyCmd(), issuerCmd(), allowlistCmd()}
}

// accessFlags are the flags every access command shares: the store and
// the tenant whose access it manages.
type accessFlags struct {
	storage storageFlags
	tenant  string
}

// group returns a command group whose subcommands all take accessFlags.
func (f *accessFlags) group(use, short string) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short}
	fs := cmd.PersistentFlags()
	f.storage.register(fs)
	fs.StringVar(&f.tenant, "tenant", "", "tenant to manage (required; it must exist)")
	_ = cmd.MarkPersistentFlagRequired("tenant")
	return cmd
}

// with checks the tenant name, opens the store, checks that the tenant
// exists and runs fn.
func (f *accessFlags) with(cmd *cobra.Command, fn func(ctx context.Context, st store.Store) error) error {
	if err := checkTenantName(f.tenant); err != nil {
		return err
	}
	ctx := cmd.Context()
	st, err := f.storage.open(ctx)
	if err != nil {
		return fmt.Errorf("opening the store: %w", err)
	}
	defer st.Close()
	tenants, err := st.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("listing tenants: %w", err)
	}
	if !slices.Contains(tenants, f.tenant) {
		return fmt.Errorf("tenant %q does not exist (create it with `kiln tenant create %s`)", f.tenant, f.tenant)
	}
	return fn(ctx, st)
}

// fields splits repeated, space-separated flag values into one list.
func fields(values []string) []string { return strings.Fields(strings.Join(values, " ")) }

// table writes rows under a header, aligned in columns; empty cells show "-".
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range append([][]string{header}, rows...) {
		cells := slices.Clone(row)
		for i, c := range cells {
			if c == "" {
				cells[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

func notFound(err error, format string, args ...any) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf(format, args...)
	}
	return err
}

// Backend Services clients.

func clientCmd() *cobra.Command {
	f := &accessFlags{}
	cmd := f.group("client", "Manage SMART Backend Services clients (private_key_jwt)")
	cmd.AddCommand(clientRegisterCmd(f), clientListCmd(f), clientDeleteCmd(f))
	return cmd
}

func clientRegisterCmd(f *accessFlags) *cobra.Command {
	var (
		c                 backend.Client
		scopes            []string
		jwksFile, jwksURL string
	)
	cmd := &cobra.Command{
		Use:   "register --tenant T --role R --scope SCOPES (--jwks-file F | --jwks-url U) [--name N] [--id ID]",
		Short: "Register a backend client by its public keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (jwksFile == "") == (jwksURL == "") {
				return errors.New("give exactly one of --jwks-file and --jwks-url")
			}
			if jwksFile != "" {
				set, err := readJWKS(jwksFile)
				if err != nil {
					return err
				}
				c.JWKS = set
			}
			c.Tenant, c.Scopes, c.JWKSURL = f.tenant, fields(scopes), jwksURL
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				reg, err := backend.Register(ctx, st, c)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "Registered client %s in tenant %s (role %s).\n", reg.ID, reg.Tenant, reg.Role)
				fmt.Fprintf(out, "It gets tokens at POST %s on this server: client_credentials with a private_key_jwt assertion (iss and sub %s).\n",
					auth.TokenURL("", reg.Tenant), reg.ID)
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&c.ID, "id", "", "client id (default: random)")
	fs.StringVar(&c.Name, "name", "", "what the client is, for people")
	fs.StringVar(&c.Role, "role", "", "Kiln role its tokens carry, e.g. integration (required)")
	fs.StringArrayVar(&scopes, "scope", nil, `system/ scopes it may request, space-separated or repeated, e.g. "system/Observation.rs system/Patient.rs" (required)`)
	fs.StringVar(&jwksFile, "jwks-file", "", "JSON Web Key Set file with its public keys (RS384 of 2048 bits or more, or ES384), each with a kid")
	fs.StringVar(&jwksURL, "jwks-url", "", "https URL where it publishes its JSON Web Key Set")
	_ = cmd.MarkFlagRequired("role")
	_ = cmd.MarkFlagRequired("scope")
	return cmd
}

func readJWKS(path string) (*jose.JSONWebKeySet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading --jwks-file: %w", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("%s is not a JSON Web Key Set: %w", path, err)
	}
	return &set, nil
}

func clientListCmd(f *accessFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list --tenant T",
		Short: "List a tenant's backend clients",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.with(cmd, func(ctx context.Context, st store.Store) error {
				clients, err := backend.ListClients(ctx, st, f.tenant)
				if err != nil {
					return err
				}
				rows := make([][]string, len(clients))
				for i, c := range clients {
					keys := c.JWKSURL
					if c.JWKS != nil {
						kids := make([]string, len(c.JWKS.Keys))
						for j, k := range c.JWKS.Keys {
							kids[j] = k.KeyID
						}
						keys = "inline: " + strings.Join(kids, ", ")
					}
					rows[i] = []string{c.ID, c.Name, c.Role, strings.Join(c.Scopes, " "), keys}
				}
				return table(cmd.OutOrStdout(), []string{"ID", "NAME", "ROLE", "SCOPES", "KEYS"}, rows)
			})
		},
	}
}

func clientDeleteCmd(f *accessFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete --tenant T ID",
		Short: "Delete a backend client (its unexpired tokens stay valid for at most five minutes)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				if err := backend.DeleteClient(ctx, st, f.tenant, args[0]); err != nil {
					return notFound(err, "tenant %s has no client %q", f.tenant, args[0])
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Deleted client %s; tokens already issued to it expire within five minutes.\n", args[0])
				return nil
			})
		},
	}
}

// API keys.

// defaultKeyScopes are the scopes of an API key created without --scopes.
var defaultKeyScopes = []string{"system/*.cruds"}

// keyManager opens the API key manager on a store.
type keyManager func(ctx context.Context, st store.Store) (*apikey.Manager, error)

func apikeyCmd() *cobra.Command {
	f := &accessFlags{}
	var pepperFile string
	cmd := f.group("apikey", "Manage API keys (for integrations that cannot do OAuth)")
	cmd.PersistentFlags().StringVar(&pepperFile, "apikey-pepper-file", "",
		"file holding the pepper the server hashes keys with (default: the pepper generated and kept in the store)")
	manager := func(ctx context.Context, st store.Store) (*apikey.Manager, error) {
		configured, err := readPepper(pepperFile)
		if err != nil {
			return nil, err
		}
		pepper, err := apikey.LoadPepper(ctx, st, configured)
		if err != nil {
			return nil, err
		}
		return apikey.NewManager(st, pepper, apikey.Options{})
	}
	cmd.AddCommand(apikeyCreateCmd(f, manager), apikeyListCmd(f, manager), apikeyRevokeCmd(f, manager))
	return cmd
}

func apikeyCreateCmd(f *accessFlags, manager keyManager) *cobra.Command {
	var (
		k      apikey.Key
		scopes []string
	)
	cmd := &cobra.Command{
		Use:   "create --tenant T --role R [--name N] [--scopes SCOPES] [--rate-per-minute N] [--fhir-user Practitioner/ID]",
		Short: "Create an API key and print it, once",
		Long: "Create an API key and print it. Kiln keeps only a keyed hash of the key, so it is shown once and never again.\n" +
			"Without --scopes the key gets system/*.cruds: every interaction on every type, as far as its role's policy allows.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			k.Tenant, k.Scopes = f.tenant, fields(scopes)
			if len(k.Scopes) == 0 {
				k.Scopes = defaultKeyScopes
			}
			for _, s := range k.Scopes {
				if _, ok, err := scope.Parse(s); err != nil {
					return err
				} else if !ok {
					return fmt.Errorf("scope %q is not a SMART resource scope such as system/Observation.rs", s)
				}
			}
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				m, err := manager(ctx, st)
				if err != nil {
					return err
				}
				plaintext, created, err := m.Create(ctx, k)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "Created API key %s in tenant %s (role %s, scopes %s, %d requests/minute):\n\n\t%s\n\n",
					created.ID, created.Tenant, created.Role, strings.Join(created.Scopes, " "), created.Rate(), plaintext)
				fmt.Fprintln(out, "Copy it now: it cannot be shown again. Send it as \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\".")
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&k.Role, "role", "", "Kiln role the key acts with, e.g. integration (required)")
	fs.StringVar(&k.FHIRUser, "fhir-user", "", `the person the key acts for, e.g. "Practitioner/123" (a clinician signing CHRs)`)
	fs.StringVar(&k.Name, "name", "", "what the key is for, for people")
	fs.StringArrayVar(&scopes, "scopes", nil, `SMART scopes, space-separated or repeated (default "system/*.cruds")`)
	fs.IntVar(&k.RatePerMinute, "rate-per-minute", 0, fmt.Sprintf("sustained requests per minute allowed (0: %d)", apikey.DefaultRatePerMinute))
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func apikeyListCmd(f *accessFlags, manager keyManager) *cobra.Command {
	return &cobra.Command{
		Use:   "list --tenant T",
		Short: "List a tenant's API keys, revoked ones included (never the keys themselves)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.with(cmd, func(ctx context.Context, st store.Store) error {
				m, err := manager(ctx, st)
				if err != nil {
					return err
				}
				keys, err := m.List(ctx, f.tenant)
				if err != nil {
					return err
				}
				rows := make([][]string, len(keys))
				for i, k := range keys {
					revoked := "no"
					if k.Revoked {
						revoked = "yes"
					}
					rows[i] = []string{k.ID, k.Name, k.Role, strings.Join(k.Scopes, " "), strconv.Itoa(k.Rate()),
						k.Created.UTC().Format(time.DateTime), revoked}
				}
				return table(cmd.OutOrStdout(), []string{"ID", "NAME", "ROLE", "SCOPES", "RATE/MIN", "CREATED (UTC)", "REVOKED"}, rows)
			})
		},
	}
}

func apikeyRevokeCmd(f *accessFlags, manager keyManager) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke --tenant T ID",
		Short: "Revoke an API key: it is refused from now on but stays listed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				m, err := manager(ctx, st)
				if err != nil {
					return err
				}
				if err := m.Revoke(ctx, f.tenant, args[0]); err != nil {
					return notFound(err, "tenant %s has no API key %q", f.tenant, args[0])
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Revoked API key %s.\n", args[0])
				return nil
			})
		},
	}
}

// Policies.

func policyCmd() *cobra.Command {
	f := &accessFlags{}
	cmd := f.group("policy", "Manage access policy rules and role assignments")
	cmd.AddCommand(policyListCmd(f), policyRuleCmd(f, "add"), policyRuleCmd(f, "remove"),
		policyAssignCmd(f, "assign"), policyAssignCmd(f, "unassign"))
	return cmd
}

// policyEngine opens the policy engine, first storing the default rules
// in a store that never held any, as the server does at start: a rule
// stored before that would keep the defaults out for good.
func policyEngine(ctx context.Context, st store.Store) (*policy.Engine, error) {
	e, err := policy.New(ctx, st, policy.Options{})
	if err != nil {
		return nil, err
	}
	if err := e.SeedDefaults(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// domain is the policy tenant: the tenant, or "*" for all of them.
func domain(tenant string, all bool) string {
	if all {
		return policy.Any
	}
	return tenant
}

func policyListCmd(f *accessFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list --tenant T",
		Short: "List the rules and role assignments that apply in a tenant (its own and those of every tenant, *)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.with(cmd, func(ctx context.Context, st store.Store) error {
				e, err := policyEngine(ctx, st)
				if err != nil {
					return err
				}
				rules, err := e.Rules(ctx, f.tenant)
				if err != nil {
					return err
				}
				roles, err := e.Roles(ctx, f.tenant)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				rows := make([][]string, len(rules))
				for i, r := range rules {
					rows[i] = []string{r.Tenant, r.Subject, r.Type, r.Action, r.Label, r.Effect}
				}
				fmt.Fprintln(out, "Rules:")
				if err := table(out, []string{"TENANT", "SUBJECT", "TYPE", "ACTION", "LABEL", "EFFECT"}, rows); err != nil {
					return err
				}
				rows = make([][]string, len(roles))
				for i, a := range roles {
					rows[i] = []string{a.Tenant, a.Subject, a.Role}
				}
				fmt.Fprintln(out, "\nRole assignments:")
				return table(out, []string{"TENANT", "SUBJECT", "ROLE"}, rows)
			})
		},
	}
}

// policyRuleCmd is "policy add" or "policy remove".
func policyRuleCmd(f *accessFlags, verb string) *cobra.Command {
	var (
		r   policy.Rule
		all bool
	)
	short := "Add an allow or deny rule"
	if verb == "remove" {
		short = "Remove a rule (give the same flags it was added with)"
	}
	cmd := &cobra.Command{
		Use:   verb + " --tenant T --subject S --type X --action A [--label L] [--effect allow|deny] [--all-tenants]",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				e, err := policyEngine(ctx, st)
				if err != nil {
					return err
				}
				r.Tenant = domain(f.tenant, all)
				done := "Added"
				if verb == "add" {
					err = e.AddRule(ctx, r)
				} else {
					done, err = "Removed", notFound(e.RemoveRule(ctx, r), "no such rule: %s", r)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s rule: %s\n", done, r)
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&r.Subject, "subject", "", `role or principal id ("clinician", "client:ID", "apikey:ID", "user:ISSUER|SUB") (required)`)
	fs.StringVar(&r.Type, "type", "", "resource type, type group (clinical, admin-data, audit) or * (required)")
	fs.StringVar(&r.Action, "action", "", "read, search, create, update, delete, operation or * (required)")
	fs.StringVar(&r.Label, "label", policy.Any, "label class: normal, redacted, restricted, or * (normal and redacted; all three in a deny)")
	fs.StringVar(&r.Effect, "effect", policy.EffectAllow, "allow or deny (a deny beats every allow)")
	fs.BoolVar(&all, "all-tenants", false, "make the rule apply in every tenant (tenant *)")
	for _, name := range []string{"subject", "type", "action"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// policyAssignCmd is "policy assign" or "policy unassign".
func policyAssignCmd(f *accessFlags, verb string) *cobra.Command {
	var all bool
	short := "Give a subject a role in the tenant"
	if verb == "unassign" {
		short = "Take a role from a subject in the tenant"
	}
	cmd := &cobra.Command{
		Use:   verb + " --tenant T [--all-tenants] SUBJECT ROLE",
		Short: short,
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				e, err := policyEngine(ctx, st)
				if err != nil {
					return err
				}
				a := policy.Assignment{Subject: args[0], Role: args[1], Tenant: domain(f.tenant, all)}
				done := "Assigned"
				if verb == "assign" {
					err = e.AssignRole(ctx, a.Tenant, a.Subject, a.Role)
				} else {
					done, err = "Unassigned", notFound(e.UnassignRole(ctx, a.Tenant, a.Subject, a.Role),
						"%s does not have role %s in tenant %s", a.Subject, a.Role, a.Tenant)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s role: %s\n", done, a)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all-tenants", false, "the assignment of every tenant (tenant *)")
	return cmd
}

// Trusted OpenID Connect issuers.

func issuerCmd() *cobra.Command {
	f := &accessFlags{}
	cmd := f.group("issuer", "Manage the external OpenID Connect issuers a tenant accepts tokens from")
	cmd.AddCommand(issuerTrustCmd(f), issuerListCmd(f), issuerUntrustCmd(f))
	return cmd
}

func issuerTrustCmd(f *accessFlags) *cobra.Command {
	var t token.Trust
	cmd := &cobra.Command{
		Use:   "trust --tenant T --issuer URL [--audience A]... [--roles-claim C] [--patient-claim C]",
		Short: "Accept the issuer's access tokens (replacing an earlier trust of it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				if err := token.TrustIssuer(ctx, st, f.tenant, t); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Tenant %s now accepts tokens from %s.\n", f.tenant, t.Issuer)
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&t.Issuer, "issuer", "", "issuer URL exactly as in its tokens' iss (https, or http on loopback) (required)")
	fs.StringArrayVar(&t.Audiences, "audience", nil, "audience accepted besides the tenant's FHIR base URL (repeatable)")
	fs.StringVar(&t.RolesClaim, "roles-claim", "", "claim holding Kiln role names (default: the issuer grants no roles)")
	fs.StringVar(&t.PatientClaim, "patient-claim", "", "claim holding the patient id (default "+token.DefaultPatientClaim+")")
	_ = cmd.MarkFlagRequired("issuer")
	return cmd
}

func issuerListCmd(f *accessFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list --tenant T",
		Short: "List the issuers a tenant trusts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.with(cmd, func(ctx context.Context, st store.Store) error {
				trusts, err := token.TrustedIssuers(ctx, st, f.tenant)
				if err != nil {
					return err
				}
				rows := make([][]string, len(trusts))
				for i, t := range trusts {
					patient := t.PatientClaim
					if patient == "" {
						patient = token.DefaultPatientClaim
					}
					rows[i] = []string{t.Issuer, strings.Join(t.Audiences, " "), t.RolesClaim, patient}
				}
				return table(cmd.OutOrStdout(), []string{"ISSUER", "AUDIENCES", "ROLES CLAIM", "PATIENT CLAIM"}, rows)
			})
		},
	}
}

func issuerUntrustCmd(f *accessFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "untrust --tenant T URL",
		Short: "Stop accepting the issuer's tokens",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				if err := token.UntrustIssuer(ctx, st, f.tenant, args[0]); err != nil {
					return notFound(err, "tenant %s does not trust issuer %s", f.tenant, args[0])
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Tenant %s no longer accepts tokens from %s.\n", f.tenant, args[0])
				return nil
			})
		},
	}
}

// IP allowlists.

func allowlistCmd() *cobra.Command {
	f := &accessFlags{}
	cmd := f.group("allowlist", "Manage the addresses a tenant may be reached from")
	cmd.AddCommand(allowlistSetCmd(f), allowlistShowCmd(f))
	return cmd
}

func allowlistSetCmd(f *accessFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "set --tenant T [CIDR]...",
		Short: "Replace the tenant's allowlist; with no CIDR, every address is allowed",
		Long: "Replace the tenant's IP allowlist with the given ranges (CIDRs such as 10.0.0.0/8 or bare addresses).\n" +
			"With no CIDR the allowlist is cleared and every address may reach the tenant. Servers apply changes within seconds.",
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				if err := netguard.SetAllowlist(ctx, st, f.tenant, args); err != nil {
					return err
				}
				return showAllowlist(ctx, cmd.OutOrStdout(), st, f.tenant)
			})
		},
	}
}

func allowlistShowCmd(f *accessFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show --tenant T",
		Short: "Show the addresses the tenant may be reached from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.with(cmd, func(ctx context.Context, st store.Store) error {
				return showAllowlist(ctx, cmd.OutOrStdout(), st, f.tenant)
			})
		},
	}
}

func showAllowlist(ctx context.Context, out io.Writer, st store.Store, tenant string) error {
	prefixes, err := netguard.Allowlist(ctx, st, tenant)
	if err != nil {
		return err
	}
	if len(prefixes) == 0 {
		fmt.Fprintf(out, "Tenant %s has no allowlist: every address may reach it.\n", tenant)
		return nil
	}
	fmt.Fprintf(out, "Tenant %s may be reached only from:\n", tenant)
	for _, p := range prefixes {
		fmt.Fprintf(out, "  %s\n", p)
	}
	return nil
}
