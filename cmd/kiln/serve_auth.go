package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/kiln-health/kiln/auth"
	"github.com/kiln-health/kiln/auth/apikey"
	"github.com/kiln-health/kiln/fhir/store"
)

// authFlags configure authorization in kiln serve.
type authFlags struct {
	env            string
	enabled        bool
	trustedProxies []string
	pepperFile     string
}

func (f *authFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.env, "env", "development", "development or production; production refuses to start with auth disabled, development keys, or no --base-url [KILN_ENV]")
	fs.BoolVar(&f.enabled, "auth", true, "require a bearer token or API key on the FHIR API (development may turn it off) [KILN_AUTH]")
	fs.StringSliceVar(&f.trustedProxies, "trusted-proxies", nil, "addresses or CIDRs of proxies whose X-Forwarded-For is believed [KILN_TRUSTED_PROXIES]")
	fs.StringVar(&f.pepperFile, "apikey-pepper-file", "", "file holding the secret (>= 32 bytes) that keys API key hashes; default: one generated and kept in the database [KILN_APIKEY_PEPPER_FILE]")
}

func init() {
	envTwins["env"] = "KILN_ENV"
	envTwins["auth"] = "KILN_AUTH"
	envTwins["trusted-proxies"] = "KILN_TRUSTED_PROXIES"
	envTwins["apikey-pepper-file"] = "KILN_APIKEY_PEPPER_FILE"
}

func (f *authFlags) production() bool { return f.env == "production" }

// check refuses settings that production must not run with.
func (f *authFlags) check(baseURL string) error {
	switch f.env {
	case "development", "production":
	default:
		return fmt.Errorf("--env %q: want development or production", f.env)
	}
	if !f.production() {
		return nil
	}
	if !f.enabled {
		return errors.New("KILN_ENV=production refuses to start with authorization disabled (--auth=false)")
	}
	if baseURL == "" {
		return errors.New("KILN_ENV=production needs --base-url (KILN_BASE_URL): token audiences and issuers must not depend on a request's Host header")
	}
	return nil
}

// readPepper reads the API key pepper from file (none when file is
// empty). Serve and the apikey commands must read it alike, or keys made
// by one would not verify in the other: surrounding whitespace (the
// newline an editor adds) is not part of it.
func readPepper(file string) ([]byte, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--apikey-pepper-file: %w", err)
	}
	b = []byte(strings.TrimSpace(string(b)))
	if len(b) == 0 {
		return nil, fmt.Errorf("--apikey-pepper-file %s is empty", file)
	}
	return b, nil
}

// service builds the auth service, or nil when authorization is disabled.
func (f *authFlags) service(ctx context.Context, st store.Store) (*auth.Service, error) {
	if !f.enabled {
		return nil, nil
	}
	pepper, err := readPepper(f.pepperFile)
	if err != nil {
		return nil, err
	}
	svc, err := auth.New(ctx, st, auth.Options{TrustedProxies: f.trustedProxies, APIKeyPepper: pepper})
	if err != nil {
		return nil, err
	}
	tenants, err := st.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	if f.production() {
		dev, err := svc.APIKeys().HasDevKeys(ctx, tenants)
		if err != nil {
			return nil, err
		}
		if dev {
			return nil, errors.New("KILN_ENV=production refuses to start while development API keys exist; revoke them with `kiln apikey revoke`")
		}
	}
	return svc, nil
}

// devKey replaces the tenant's development API key (role admin) and
// prints it with how to use it: only the key's hash is stored, so each
// development start makes a new one.
func devKey(ctx context.Context, svc *auth.Service, tenant, base string, out io.Writer) error {
	keys := svc.APIKeys()
	old, err := keys.List(ctx, tenant)
	if err != nil {
		return err
	}
	for _, k := range old {
		if k.Dev && !k.Revoked {
			if err := keys.Revoke(ctx, tenant, k.ID); err != nil {
				return err
			}
		}
	}
	plain, _, err := keys.Create(ctx, apikey.Key{Tenant: tenant, Name: "development", Role: "admin", Scopes: []string{"system/*.cruds"}, Dev: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, `
Development API key for tenant %q (role admin; replaced at every start; KILN_ENV=production refuses to run while one exists):

    export KILN_KEY=%s
    curl -H "Authorization: Bearer $KILN_KEY" %s/Patient

`, tenant, plain, base)
	return nil
}

// publicBase is the URL to show for the server: --base-url, or the listen
// address on localhost.
func publicBase(baseURL, addr string) string {
	if baseURL != "" {
		return strings.TrimSuffix(baseURL, "/")
	}
	if strings.HasPrefix(addr, ":") {
		addr = "localhost" + addr
	}
	return "http://" + addr
}
