package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/coding"
)

// codingCmd is `kiln coding`: a tenant's own code tables (a licensed CPT
// table), whose codes CHR drafts then suggest from the notes. Kiln ships
// ICD-10-CM (public domain) and no CPT content.
func codingCmd() *cobra.Command {
	f := &accessFlags{}
	cmd := f.group("coding", "Manage a tenant's own code tables for CHR code suggestions (e.g. a licensed CPT table)")
	var system string
	imp := &cobra.Command{
		Use:   "import FILE --system URI --tenant T",
		Short: "Load a code table (TSV: code TAB description per line) for the tenant, replacing its table of that system",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tsv, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				n, err := coding.SaveTable(ctx, st, f.tenant, system, tsv)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Tenant %s: %d codes of %s loaded.\n", f.tenant, n, system)
				return nil
			})
		},
	}
	imp.Flags().StringVar(&system, "system", "", `the table's code system URI, e.g. "http://www.ama-assn.org/go/cpt" (required)`)
	_ = imp.MarkFlagRequired("system")
	var rmSystem string
	rm := &cobra.Command{
		Use:   "remove --system URI --tenant T",
		Short: "Remove the tenant's table of a code system",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.change(cmd, args, func(ctx context.Context, st store.Store) error {
				if err := coding.DeleteTable(ctx, st, f.tenant, rmSystem); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Tenant %s: no table of %s.\n", f.tenant, rmSystem)
				return nil
			})
		},
	}
	rm.Flags().StringVar(&rmSystem, "system", "", "the code system URI (required)")
	_ = rm.MarkFlagRequired("system")
	ls := &cobra.Command{
		Use:   "list --tenant T",
		Short: "List the tenant's code tables",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.with(cmd, func(ctx context.Context, st store.Store) error {
				tables, err := coding.NewTenantTables(st).Tables(ctx, f.tenant)
				if err != nil {
					return err
				}
				for _, t := range tables {
					fmt.Fprintf(cmd.OutOrStdout(), "%s\t%d codes\n", t.System(), t.Len())
				}
				if len(tables) == 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "Tenant %s has no code tables of its own (ICD-10-CM is built in).\n", f.tenant)
				}
				return nil
			})
		},
	}
	cmd.AddCommand(imp, rm, ls)
	return cmd
}
