// Command kiln is the Kiln FHIR server: one binary with subcommands.
//
//	kiln serve     run the HTTP API (SQLite under --data, or PostgreSQL with --database-url)
//	kiln migrate   apply database migrations and exit
//	kiln tenant    create and list tenants
//	kiln reindex   rebuild the search indexes from the stored resources
//
// Every flag has an environment twin (KILN_ADDR for --addr, ...); a flag on
// the command line wins over the environment, which wins over the default.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	searchindex "github.com/kiln-health/kiln/fhir/search"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/postgres"
	"github.com/kiln-health/kiln/fhir/store/sqlite"
	"github.com/kiln-health/kiln/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "kiln:", err)
		os.Exit(1)
	}
}

// storageFlags select the backend; shared by every subcommand that opens the store.
type storageFlags struct {
	dataDir     string
	databaseURL string
}

func (f *storageFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.dataDir, "data", "./data", "data directory for the embedded SQLite database [KILN_DATA_DIR]")
	fs.StringVar(&f.databaseURL, "database-url", "", "PostgreSQL URL (postgres://...); when set, PostgreSQL is used instead of SQLite [KILN_DATABASE_URL]")
}

func (f *storageFlags) sqlitePath() string { return filepath.Join(f.dataDir, "kiln.db") }

// open opens the configured store; both backends apply pending migrations.
// A store that holds no resources yet records the index version of this
// kiln's search rules, by which whatever is written next is indexed.
func (f *storageFlags) open(ctx context.Context) (store.Store, error) {
	var (
		st  store.Store
		err error
	)
	if f.databaseURL != "" {
		st, err = postgres.Open(ctx, f.databaseURL)
	} else {
		st, err = sqlite.Open(ctx, f.sqlitePath())
	}
	if err != nil {
		return nil, err
	}
	if _, err := engine.CheckStoreIndex(ctx, st, searchindex.DefaultExtractor().Version()); err != nil {
		st.Close()
		return nil, fmt.Errorf("search index version: %w", err)
	}
	return st, nil
}

// envTwins maps flag names to their environment variables.
var envTwins = map[string]string{
	"addr":               "KILN_ADDR",
	"data":               "KILN_DATA_DIR",
	"database-url":       "KILN_DATABASE_URL",
	"base-url":           "KILN_BASE_URL",
	"log-format":         "KILN_LOG_FORMAT",
	"log-level":          "KILN_LOG_LEVEL",
	"max-body-bytes":     "KILN_MAX_BODY_BYTES",
	"max-bundle-entries": "KILN_MAX_BUNDLE_ENTRIES",
	"default-tenant":     "KILN_DEFAULT_TENANT",
}

// applyEnv sets flags not given on the command line from their environment twins.
func applyEnv(cmd *cobra.Command) error {
	var errs []error
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		env, ok := envTwins[fl.Name]
		if !ok || fl.Changed {
			return
		}
		if v, set := os.LookupEnv(env); set {
			if err := fl.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "kiln",
		Short:         "Kiln: a FHIR R4 health data service",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return applyEnv(cmd)
		},
	}
	root.AddCommand(serveCmd(), migrateCmd(), tenantCmd(), reindexCmd())
	root.AddCommand(accessCmds()...)
	root.AddCommand(phiCmd(), workerCmd(), egressCmd(), codingCmd())
	return root
}

// newLogger returns the logger of a long-running command, writing to w
// (the command's standard error).
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want json or text", format)
}

var tenantName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func checkTenantName(name string) error {
	if !tenantName.MatchString(name) {
		return fmt.Errorf("tenant name %q: use 1-63 lowercase letters, digits and '-', starting with a letter or digit", name)
	}
	return nil
}

func serveCmd() *cobra.Command {
	var (
		sf            storageFlags
		addr, baseURL string
		logFormat     string
		logLevel      string
		maxBody       int64
		maxEntries    int
		defaultTenant string
		af            authFlags
		pf            pipelineFlags
		workers       int
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the FHIR API",
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			log, err := newLogger(cmd.ErrOrStderr(), logFormat, logLevel)
			if err != nil {
				return err
			}
			if err := af.check(baseURL); err != nil {
				return err
			}
			if workers < 0 {
				return fmt.Errorf("--workers %d: want 0 or more", workers)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// A signal while starting stops kiln as one while serving does:
			// cleanly, not with the error of whatever it interrupted.
			serving := false
			defer func() {
				if err != nil && !serving && ctx.Err() != nil {
					log.Info("stopped while starting", "error", err.Error())
					err = nil
				}
			}()

			// The address first: a kiln that cannot listen must fail before
			// it changes anything (it would replace the development key of
			// the kiln already listening there).
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("--addr %s: %w", addr, err)
			}
			defer ln.Close()

			st, err := sf.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if defaultTenant != "" {
				if err := checkTenantName(defaultTenant); err != nil {
					return err
				}
				if err := st.CreateTenant(ctx, defaultTenant); err != nil {
					return err
				}
			}
			authSvc, err := af.service(ctx, st)
			if err != nil {
				return err
			}
			if authSvc == nil {
				log.Warn("authorization is disabled: every request may read and change every tenant's data")
			}
			eng, pipe, err := pf.newEngine(ctx, st, sf, publicBase(baseURL, addr), engine.Options{Limits: engine.Limits{MaxBundleEntries: maxEntries}}, af.production(), log)
			if err != nil {
				return err
			}
			defer pipe.Close()
			workersDone := make(<-chan error)
			if workers > 0 {
				w, done, err := startWorkers(ctx, st, pipe, workers, log)
				if err != nil {
					return err
				}
				workersDone = done
				defer func() { stop(); <-workersDone }() // let running jobs finish
				log.Info("document pipeline workers running in-process", "worker", w.ID(), "concurrency", workers)
			}
			cfg := pipe.serverConfig(server.Config{MaxBodyBytes: maxBody, BaseURL: baseURL, Version: version, Auth: authSvc})
			api := server.New(eng, log, cfg)
			if stale, err := eng.CheckIndex(ctx); err != nil {
				return err
			} else if stale {
				log.Warn("the search index was built by another version of the search rules; searches may miss resources until `kiln reindex` runs",
					"index_version", eng.IndexVersion())
			}

			srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			log.Info("kiln serving", "addr", ln.Addr().String(), "backend", st.Backend(), "version", version, "env", af.env, "auth", authSvc != nil,
				"vector_search", vectorSearch(st))
			if authSvc != nil && !af.production() && defaultTenant != "" {
				if err := devKey(ctx, authSvc, defaultTenant, publicBase(baseURL, addr)+"/fhir/"+defaultTenant, cmd.OutOrStdout()); err != nil {
					return err
				}
			}
			serving = true
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			log.Info("shutting down")
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			return srv.Shutdown(shutdownCtx)
		},
	}
	fs := cmd.Flags()
	sf.register(fs)
	fs.StringVar(&addr, "addr", ":8080", "listen address HOST:PORT [KILN_ADDR]")
	fs.StringVar(&baseURL, "base-url", "", "public base URL (e.g. https://kiln.example.org) for links; default: from each request's Host [KILN_BASE_URL]")
	fs.StringVar(&logFormat, "log-format", "json", "log format: json or text [KILN_LOG_FORMAT]")
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error [KILN_LOG_LEVEL]")
	fs.Int64Var(&maxBody, "max-body-bytes", server.DefaultMaxBodyBytes, "largest request body accepted, in bytes [KILN_MAX_BODY_BYTES]")
	fs.IntVar(&maxEntries, "max-bundle-entries", engine.DefaultLimits.MaxBundleEntries, "most entries in one batch or transaction Bundle [KILN_MAX_BUNDLE_ENTRIES]")
	fs.StringVar(&defaultTenant, "default-tenant", "default", "tenant created at start if missing; empty for none [KILN_DEFAULT_TENANT]")
	af.register(fs)
	pf.register(fs)
	fs.IntVar(&workers, "workers", 1, "document pipeline jobs run in this process at once (0: only kiln worker processes run them) [KILN_WORKERS]")
	return cmd
}

func migrateCmd() *cobra.Command {
	var sf storageFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := sf.open(cmd.Context())
			if err != nil {
				return err
			}
			return st.Close()
		},
	}
	sf.register(cmd.Flags())
	return cmd
}

func tenantCmd() *cobra.Command {
	var sf storageFlags
	cmd := &cobra.Command{Use: "tenant", Short: "Manage tenants"}
	create := &cobra.Command{
		Use:   "create NAME...",
		Short: "Create tenants (existing ones are left as they are)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range args {
				if err := checkTenantName(name); err != nil {
					return err
				}
			}
			st, err := sf.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			for _, name := range args {
				if err := createTenant(cmd, st, name); err != nil {
					return err
				}
			}
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List tenants",
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := sf.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			names, err := st.Tenants(cmd.Context())
			if err != nil {
				return err
			}
			if len(names) > 0 {
				fmt.Fprintln(cmd.OutOrStdout(), strings.Join(names, "\n"))
			}
			return nil
		},
	}
	sf.register(cmd.PersistentFlags())
	cmd.AddCommand(create, list, tenantSettingsCmd())
	return cmd
}

// createTenant creates one tenant and records it in that tenant's own
// audit trail, as if the command had named it alone: a tenant's
// AuditEvents must not tell its auditors which other tenants exist. A
// failed creation is not recorded: the tenant it names may not exist, and
// its audit trail would then be written into nowhere.
func createTenant(cmd *cobra.Command, st store.Store, name string) error {
	ctx := cmd.Context()
	if err := st.CreateTenant(ctx, name); err != nil {
		return fmt.Errorf("creating tenant %s: %w", name, err)
	}
	if err := recorded(ctx, st, name, cmd, []string{name}, nil); err != nil {
		return fmt.Errorf("tenant %s: %w", name, err)
	}
	return nil
}

func reindexCmd() *cobra.Command {
	var (
		sf      storageFlags
		tenants []string
	)
	cmd := &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the search indexes of every resource (after an upgrade that changed the search rules)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := sf.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			v, err := fhir.NewValidator()
			if err != nil {
				return err
			}
			eng := engine.New(st, v, engine.Options{})
			existing, err := st.Tenants(ctx)
			if err != nil {
				return err
			}
			all := len(tenants) == 0
			if all {
				tenants = existing
			}
			// Check every name before reindexing any: a misspelt tenant
			// must not look reindexed.
			for _, t := range tenants {
				if !slices.Contains(existing, t) {
					return fmt.Errorf("tenant %q does not exist (kiln tenant list shows the tenants)", t)
				}
			}
			out := cmd.OutOrStdout()
			for _, t := range tenants {
				start := time.Now()
				n, err := eng.Reindex(ctx, t, nil)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "%s: reindexed %d resources in %s\n", t, n, time.Since(start).Round(time.Millisecond))
			}
			if !all {
				// Other tenants may still hold old index rows.
				return nil
			}
			return st.SetIndexVersion(ctx, eng.IndexVersion())
		},
	}
	sf.register(cmd.Flags())
	cmd.Flags().StringSliceVar(&tenants, "tenant", nil, "reindex only these tenants (default: all, and record the index version)")
	return cmd
}
