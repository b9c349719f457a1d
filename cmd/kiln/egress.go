package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/egress"
)

// egressCmd is `kiln egress`: which outside processors may receive a
// tenant's data. Without a grant nothing leaves.
func egressCmd() *cobra.Command {
	f := &accessFlags{}
	cmd := f.group("egress", "Manage which outside processors may receive a tenant's data (default: none)")
	cmd.AddCommand(egressAllowCmd(f), egressDenyCmd(f), egressShowCmd(f))
	return cmd
}

func egressAllowCmd(f *accessFlags) *cobra.Command {
	var class string
	cmd := &cobra.Command{
		Use:   "allow PROCESSOR --class redacted|phi --tenant T",
		Short: "Let a processor (openai, aws-comprehend-medical, ...) receive redacted data, or raw PHI too",
		Long: `Grants PROCESSOR a data class in the tenant's egress policy, replacing any earlier grant:
  redacted  text whose PHI is replaced by vault tokens, and de-identified facts
  phi       raw text that may hold PHI (includes redacted)`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := egress.ParseClass(class)
			if err != nil {
				return err
			}
			if err := egress.CheckProcessor(args[0]); err != nil {
				return err
			}
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				if err := egress.Allow(ctx, st, f.tenant, args[0], c); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Tenant %s may now send %s data to %s.\n", f.tenant, c, args[0])
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&class, "class", "", "data class: redacted or phi (required)")
	_ = cmd.MarkFlagRequired("class")
	return cmd
}

func egressDenyCmd(f *accessFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "deny PROCESSOR --tenant T",
		Short: "Stop sending anything to a processor (takes effect on its next call)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := egress.CheckProcessor(args[0]); err != nil {
				return err
			}
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				had, err := egress.Deny(ctx, st, f.tenant, args[0])
				if err != nil {
					return err
				}
				if had {
					fmt.Fprintf(cmd.OutOrStdout(), "Tenant %s sends nothing to %s any more.\n", f.tenant, args[0])
				} else {
					fmt.Fprintf(cmd.OutOrStdout(), "Tenant %s had no grant for %s; it sends it nothing.\n", f.tenant, args[0])
				}
				return nil
			})
		},
	}
}

func egressShowCmd(f *accessFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show --tenant T",
		Short: "Show a tenant's egress policy",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.with(cmd, func(ctx context.Context, st store.Store) error {
				grants, err := egress.Grants(ctx, st, f.tenant)
				if err != nil {
					return err
				}
				if len(grants) == 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "Tenant %s sends no data to any processor.\n", f.tenant)
					return nil
				}
				rows := make([][]string, len(grants))
				for i, g := range grants {
					rows[i] = []string{g.Processor, string(g.Class), g.Updated.UTC().Format(time.RFC3339)}
				}
				return table(cmd.OutOrStdout(), []string{"PROCESSOR", "CLASS", "UPDATED"}, rows)
			})
		},
	}
}
