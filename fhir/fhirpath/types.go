package fhirpath

import (
	"fmt"
	"strings"

	"github.com/kiln-health/kiln/fhir/model"
)

// typeSpec is a type named in is/as/ofType, resolved at compile time.
type typeSpec struct {
	system string // "System.X" when the name is a FHIRPath system type
	fhir   string // a FHIR model type name
}

var systemTypeNames = map[string]bool{
	"String": true, "Integer": true, "Decimal": true, "Boolean": true,
	"Date": true, "DateTime": true, "Time": true, "Quantity": true,
}

func newTypeSpec(name string) (typeSpec, error) {
	ns, local, qualified := strings.Cut(name, ".")
	if !qualified {
		ns, local = "", name
	}
	switch ns {
	case "System":
		// Unknown System names simply match nothing (System.Patient).
		return typeSpec{system: "System." + local}, nil
	case "FHIR":
		if model.Lookup(local) == nil {
			return typeSpec{}, fmt.Errorf("unknown FHIR type %q", local)
		}
		return typeSpec{fhir: local}, nil
	case "":
		var ts typeSpec
		if model.Lookup(local) != nil {
			ts.fhir = local
		}
		if systemTypeNames[local] {
			// Unqualified Quantity is both FHIR.Quantity and System.Quantity.
			ts.system = "System." + local
		}
		if ts == (typeSpec{}) {
			return ts, fmt.Errorf("unknown type %q", local)
		}
		return ts, nil
	}
	return typeSpec{}, fmt.Errorf("unknown type %q", name)
}

func (ts typeSpec) matches(v Value) bool {
	if ts.system != "" && v.Type == ts.system {
		return true
	}
	return ts.fhir != "" && model.IsSubtype(v.Type, ts.fhir)
}

// typeInfo builds the result of type(): a SimpleTypeInfo/ClassInfo with
// namespace and name.
func typeInfo(v Value) Value {
	ns, name := "FHIR", v.Type
	if s, ok := strings.CutPrefix(v.Type, "System."); ok {
		ns, name = "System", s
	}
	return Value{Type: "System.TypeInfo", Data: map[string]any{"namespace": ns, "name": name}}
}
