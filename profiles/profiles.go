// Package profiles embeds the conformance resources Kiln publishes
// (StructureDefinitions, CodeSystems, ValueSets, OperationDefinitions), so
// that the server validates against exactly the files it publishes.
package profiles

import "embed"

// FS holds every *.json file of this directory.
//
//go:embed *.json
var FS embed.FS
