package fhirpath

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// parser is a precedence-climbing parser over the token list; it builds
// the node tree evaluated by Expression.
type parser struct {
	toks  []token
	pos   int
	depth int
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack
// (a Go stack overflow cannot be recovered).
const maxDepth = 256

func parse(src string) (node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, fmt.Errorf("unexpected %q at %d", t.text, t.pos)
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) isOp(s string) bool {
	t := p.peek()
	return t.kind == tOp && t.text == s
}

func (p *parser) expect(s string) error {
	t := p.next()
	if t.kind != tOp || t.text != s {
		if t.kind == tEOF {
			return fmt.Errorf("expected %q at end of expression", s)
		}
		return fmt.Errorf("expected %q at %d, found %q", s, t.pos, t.text)
	}
	return nil
}

// binaryLevels lists the binary operators from lowest to highest precedence.
var binaryLevels = [][]string{
	{"implies"},
	{"or", "xor"},
	{"and"},
	{"in", "contains"},
	{"=", "~", "!=", "!~"},
	{"<", ">", "<=", ">="},
	{"|"},
	{"is", "as"},
	{"+", "-", "&"},
	{"*", "/", "div", "mod"},
}

// binaryOp returns the operator at the current token if it belongs to
// precedence level lvl.
func (p *parser) binaryOp(lvl int) string {
	t := p.peek()
	if (t.kind != tOp && t.kind != tIdent) || t.quoted {
		return ""
	}
	for _, op := range binaryLevels[lvl] {
		if t.text == op {
			return op
		}
	}
	return ""
}

func (p *parser) expr(lvl int) (node, error) {
	if lvl == 0 {
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			return nil, fmt.Errorf("expression nested more than %d levels", maxDepth)
		}
	}
	if lvl == len(binaryLevels) {
		return p.unary()
	}
	left, err := p.expr(lvl + 1)
	if err != nil {
		return nil, err
	}
	for {
		op := p.binaryOp(lvl)
		if op == "" {
			return left, nil
		}
		p.next()
		if op == "is" || op == "as" {
			ts, err := p.typeSpecifier()
			if err != nil {
				return nil, err
			}
			left = &typeOpNode{op: op, x: left, typ: ts}
			continue
		}
		right, err := p.expr(lvl + 1)
		if err != nil {
			return nil, err
		}
		left, err = newBinary(op, left, right)
		if err != nil {
			return nil, err
		}
	}
}

func (p *parser) unary() (node, error) {
	if p.isOp("+") || p.isOp("-") {
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			return nil, fmt.Errorf("expression nested more than %d levels", maxDepth)
		}
		op := p.next().text
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		if op == "+" {
			return x, nil
		}
		return negate(x), nil
	}
	return p.postfix()
}

func (p *parser) postfix() (node, error) {
	n, err := p.term()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.isOp("."):
			p.next()
			right, err := p.invocation(false)
			if err != nil {
				return nil, err
			}
			n = &pathNode{left: n, right: right}
		case p.isOp("["):
			p.next()
			idx, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			n = &indexerNode{x: n, index: idx}
		default:
			return n, nil
		}
	}
}

func (p *parser) term() (node, error) {
	t := p.peek()
	switch t.kind {
	case tEOF:
		return nil, fmt.Errorf("unexpected end of expression")
	case tString:
		p.next()
		return &literalNode{vals: []Value{{Type: SystemString, Data: t.text}}}, nil
	case tNumber:
		p.next()
		return p.number(t)
	case tDateTime:
		p.next()
		return dateTimeLiteral(t.text)
	case tTime:
		p.next()
		if _, ok := parseTime(t.text); !ok {
			return nil, fmt.Errorf("invalid time literal @T%s", t.text)
		}
		return &literalNode{vals: []Value{{Type: SystemTime, Data: t.text}}}, nil
	case tExternal:
		p.next()
		return &varNode{name: t.text}, nil
	case tSpecial:
		p.next()
		switch t.text {
		case "this":
			return thisNode{}, nil
		case "index":
			return indexVarNode{}, nil
		case "total":
			return totalNode{}, nil
		}
		return nil, fmt.Errorf("unknown special variable $%s at %d", t.text, t.pos)
	case tIdent:
		if !t.quoted && (t.text == "true" || t.text == "false") {
			p.next()
			return &literalNode{vals: []Value{{Type: SystemBoolean, Data: t.text == "true"}}}, nil
		}
		return p.invocation(true)
	case tOp:
		switch t.text {
		case "(":
			p.next()
			n, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return n, nil
		case "{":
			p.next()
			if err := p.expect("}"); err != nil {
				return nil, err
			}
			return &literalNode{}, nil
		}
	}
	return nil, fmt.Errorf("unexpected %q at %d", t.text, t.pos)
}

// calendarUnits are the keywords a number may be followed by to make a
// time-valued quantity literal (4 days).
var calendarUnits = map[string]bool{
	"year": true, "years": true, "month": true, "months": true, "week": true, "weeks": true,
	"day": true, "days": true, "hour": true, "hours": true, "minute": true, "minutes": true,
	"second": true, "seconds": true, "millisecond": true, "milliseconds": true,
}

func (p *parser) number(t token) (node, error) {
	// A unit after the number makes a quantity literal.
	if u := p.peek(); u.kind == tString || u.kind == tIdent && !u.quoted && calendarUnits[u.text] {
		p.next()
		return &literalNode{vals: []Value{{Type: SystemQuantity, Data: Quantity{Value: json.Number(t.text), Unit: u.text}}}}, nil
	}
	if strings.Contains(t.text, ".") {
		return &literalNode{vals: []Value{{Type: SystemDecimal, Data: json.Number(t.text)}}}, nil
	}
	i, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("integer literal %s: %w", t.text, err)
	}
	return &literalNode{vals: []Value{{Type: SystemInteger, Data: i}}}, nil
}

func dateTimeLiteral(text string) (node, error) {
	if strings.Contains(text, "T") {
		if _, ok := parseDateTime(text); !ok {
			return nil, fmt.Errorf("invalid dateTime literal @%s", text)
		}
		// @2015T is a dateTime with year precision.
		return &literalNode{vals: []Value{{Type: SystemDateTime, Data: strings.TrimSuffix(text, "T")}}}, nil
	}
	if _, ok := parseDate(text); !ok {
		return nil, fmt.Errorf("invalid date literal @%s", text)
	}
	return &literalNode{vals: []Value{{Type: SystemDate, Data: text}}}, nil
}

// invocation parses a member name or a function call; term reports
// whether it starts a path (where a type name may stand for the focus).
func (p *parser) invocation(term bool) (node, error) {
	t := p.next()
	if t.kind != tIdent {
		if t.kind == tEOF {
			return nil, fmt.Errorf("expected a name at end of expression")
		}
		return nil, fmt.Errorf("expected a name at %d, found %q", t.pos, t.text)
	}
	if !p.isOp("(") {
		if !isKnownName(t.text) {
			return nil, fmt.Errorf("%q at %d is neither an element nor a type of FHIR R4", t.text, t.pos)
		}
		return &memberNode{name: t.text, term: term}, nil
	}
	p.next()
	var args []node
	if !p.isOp(")") {
		for {
			a, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if !p.isOp(",") {
				break
			}
			p.next()
		}
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	f, err := newFunc(t.text, args)
	if err != nil {
		return nil, fmt.Errorf("at %d: %w", t.pos, err)
	}
	return f, nil
}

// typeSpecifier parses a possibly qualified type name: Patient,
// FHIR.Patient, System.String.
func (p *parser) typeSpecifier() (typeSpec, error) {
	t := p.next()
	if t.kind != tIdent {
		return typeSpec{}, fmt.Errorf("expected a type name at %d", t.pos)
	}
	name := t.text
	if p.isOp(".") {
		p.next()
		t2 := p.next()
		if t2.kind != tIdent {
			return typeSpec{}, fmt.Errorf("expected a type name at %d", t2.pos)
		}
		name += "." + t2.text
	}
	return newTypeSpec(name)
}
