package fhir

import (
	"slices"
	"sync"

	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
)

var resourceTypes = sync.OnceValue(func() []string {
	// Every R4 resource type is a field of the ContainedResource oneof, so
	// the list comes from the same protos that validate resources.
	fields := (&bcrpb.ContainedResource{}).ProtoReflect().Descriptor().Fields()
	names := make([]string, 0, fields.Len())
	for i := range fields.Len() {
		if m := fields.Get(i).Message(); m != nil {
			names = append(names, string(m.Name()))
		}
	}
	slices.Sort(names)
	return names
})

// ResourceTypes lists every FHIR R4 resource type, sorted.
func ResourceTypes() []string { return slices.Clone(resourceTypes()) }

// IsResourceType reports whether name is an R4 resource type (case-sensitive).
func IsResourceType(name string) bool {
	_, found := slices.BinarySearch(resourceTypes(), name)
	return found
}
