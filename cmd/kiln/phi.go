package main

import "github.com/spf13/cobra"

// phiCmd is `kiln phi`: PHI detection without the server.
func phiCmd() *cobra.Command {
	return &cobra.Command{Use: "phi", Short: "Detect PHI in text (scan, eval)"}
}
