package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/document"
)

// tenantSettingsCmd is `kiln tenant settings`: a tenant's document
// pipeline settings, kept in the database so that every server and worker
// of the tenant applies the same ones (read once per document job).
func tenantSettingsCmd() *cobra.Command {
	f := &accessFlags{}
	cmd := f.group("settings", "Show and change a tenant's document pipeline settings")
	cmd.AddCommand(tenantSettingsSetCmd(f), tenantSettingsShowCmd(f))
	return cmd
}

func tenantSettingsSetCmd(f *accessFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "set --tenant T NAME=VALUE...",
		Short: "Change settings (documents processed from now on use them)",
		Long: "Change a tenant's document pipeline settings. Settings:\n\n" +
			"  dates=token   replace each detected date with the patient's vault token, [DATE_1] (default)\n" +
			"  dates=shift   move each date by the patient's secret offset, keeping its format;\n" +
			"                a date that cannot be parsed is tokenised\n\n" +
			"Documents already redacted keep the method they were redacted with (their meta.tag says which).",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				s, err := document.LoadSettings(ctx, st, f.tenant)
				if err != nil {
					return err
				}
				for _, a := range args {
					name, value, ok := strings.Cut(a, "=")
					if !ok {
						return fmt.Errorf("setting %q: want NAME=VALUE, like dates=shift", a)
					}
					if err := s.Set(strings.TrimSpace(name), strings.TrimSpace(value)); err != nil {
						return err
					}
				}
				if err := document.SaveSettings(ctx, st, f.tenant, s); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Settings of tenant %s:\n%s\n", f.tenant, strings.Join(s.Pairs(), "\n"))
				return nil
			})
		},
	}
}

func tenantSettingsShowCmd(f *accessFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show --tenant T",
		Short: "Show the settings (defaults included)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.with(cmd, func(ctx context.Context, st store.Store) error {
				s, err := document.LoadSettings(ctx, st, f.tenant)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), strings.Join(s.Pairs(), "\n"))
				return nil
			})
		},
	}
}
