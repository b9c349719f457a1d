package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/user"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
)

// CLIQueryPrefix starts the entity query of the AuditEvent a configuration
// command leaves: "cli?command=kiln+egress+allow&arg=openai&class=phi".
const CLIQueryPrefix = "cli?"

// change is with for the commands that change who may do what in a tenant
// or where its data may go (clients, API keys, policies, issuers,
// allowlists, egress grants, code tables, tenant settings). Whatever fn
// returns, the attempt is recorded as an AuditEvent in the tenant, naming
// the command, its arguments and its own flags (never the store flags,
// which may hold a database password) and the operating-system user who
// ran it, so the audit trail a compliance officer reads shows who let
// OpenAI receive PHI, not only that it did.
func (f *accessFlags) change(cmd *cobra.Command, args []string, fn func(ctx context.Context, st store.Store) error) error {
	return f.with(cmd, func(ctx context.Context, st store.Store) error {
		return recorded(ctx, st, f.tenant, cmd, args, fn(ctx, st))
	})
}

// recorded records a configuration command's attempt in tenant and
// returns cmdErr, the command's own outcome, joined with any failure to
// record it: a change that was made but left no trace is an error too.
// Commands that cannot go through change (kiln tenant create has no
// --tenant, and the tenant it names may not exist yet) call it directly.
func recorded(ctx context.Context, st store.Store, tenant string, cmd *cobra.Command, args []string, cmdErr error) error {
	aerr := recordCLIChange(ctx, st, tenant, cmd, args, cmdErr)
	switch {
	case aerr == nil:
		return cmdErr
	case cmdErr != nil:
		return errors.Join(cmdErr, aerr)
	}
	return fmt.Errorf("the change was made but not recorded: %w", aerr)
}

// recordCLIChange writes the AuditEvent of one configuration command.
func recordCLIChange(ctx context.Context, st store.Store, tenant string, cmd *cobra.Command, args []string, cmdErr error) error {
	v, err := fhir.NewValidator()
	if err != nil {
		return err
	}
	q := url.Values{}
	q.Set("command", cmd.CommandPath())
	for _, a := range args {
		q.Add("arg", a)
	}
	// Local flags only: the group's persistent flags are the tenant (in
	// the event already) and the store. (VisitAll and Changed: Visit on
	// the derived LocalFlags set sees nothing, as pflag only marks flags
	// set through that set itself.)
	cmd.LocalFlags().VisitAll(func(fl *pflag.Flag) {
		if !fl.Changed {
			return
		}
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			for _, s := range sv.GetSlice() {
				q.Add(fl.Name, s)
			}
			return
		}
		q.Set(fl.Name, fl.Value.String())
	})
	eng := engine.New(st, v, engine.Options{Audit: true})
	if cmdErr != nil {
		// The command's own error may quote a file's content: the event
		// says that it failed, not why.
		cmdErr = fhir.Errorf(http.StatusBadRequest, fhir.IssueProcessing, "the command failed")
	}
	return eng.Record(ctx, tenant, cliAgent(), "operation", cmdErr, audit.Entity{Query: CLIQueryPrefix + q.Encode()})
}

// cliAgent names whoever runs the command: the operating-system user on
// this host.
func cliAgent() audit.Agent {
	who := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	if who == "" {
		who = "unknown"
	}
	host, _ := os.Hostname()
	return audit.Agent{Who: "cli:" + who, Display: "kiln command line", Address: host}
}
