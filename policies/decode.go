package policies

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// decodeBody fills the struct val points to from body, by the `hcl` tags
// of its fields, as gohcl.DecodeBody does for the tags the policy schema
// uses (types.*.go):
//
//	hcl:"NAME,optional" or hcl:"NAME"  an hcl.Expression attribute
//	hcl:"NAME,block"                   a *T block, at most one, or []*T
//	hcl:"NAME,label"                   a block label, a string
//	hcl:"NAME,label_range"             that label's hcl.Range
//	hcl:",def_range"                   the block's header range
//	hcl:",remain"                      every other attribute, hcl.Attributes
//
// It is written here rather than imported because gohcl links hclwrite
// (for its encoder) and through it go-cmp, whose package initialisers
// every start of the gaol binary would pay for. Its diagnostics are
// gohcl's, word for word. An absent attribute is, as with gohcl, a static
// null expression at the body's missing-item range, never nil: see
// present. A tag or field type outside that list is a programmer mistake
// and panics.
func decodeBody(body hcl.Body, val any) hcl.Diagnostics {
	v := reflect.ValueOf(val)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("decodeBody: target must be a pointer to a struct, not %T", val))
	}
	return decodeStruct(body, v.Elem())
}

// decodeStruct fills the struct v from body.
func decodeStruct(body hcl.Body, v reflect.Value) hcl.Diagnostics {
	s := schemaOf(v.Type())
	content, rest, diags := bodyContent(body, s)
	if content == nil {
		return diags
	}
	if s.remain >= 0 {
		attrs, d := rest.JustAttributes()
		diags = append(diags, d...)
		v.Field(s.remain).Set(reflect.ValueOf(attrs))
	}
	for _, f := range s.attrs {
		v.Field(f.index).Set(reflect.ValueOf(attrExpr(body, content.Attributes[f.name])))
	}
	byType := content.Blocks.ByType()
	for _, f := range s.blocks {
		diags = append(diags, decodeBlocks(v.Field(f.index), f.name, byType[f.name])...)
	}
	return diags
}

// bodyContent is body's content by s's schema; with a remain field, also
// what the schema left over.
func bodyContent(body hcl.Body, s *structSchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	if s.remain >= 0 {
		return body.PartialContent(&s.schema)
	}
	content, diags := body.Content(&s.schema)
	return content, nil, diags
}

// attrExpr is attr's expression, or for an absent attribute a static null
// at the place it would have been written.
func attrExpr(body hcl.Body, attr *hcl.Attribute) hcl.Expression {
	if attr == nil {
		return hcl.StaticExpr(cty.NullVal(cty.DynamicPseudoType), body.MissingItemRange())
	}
	return attr.Expr
}

// decodeBlocks fills field, a *T or a []*T, from the blocks of type typ.
// A second block for a *T is an error, and neither is decoded.
func decodeBlocks(field reflect.Value, typ string, blocks hcl.Blocks) hcl.Diagnostics {
	if len(blocks) == 0 {
		return nil
	}
	if field.Kind() == reflect.Pointer {
		if len(blocks) > 1 {
			return hcl.Diagnostics{duplicateBlock(typ, blocks)}
		}
		p := reflect.New(field.Type().Elem())
		field.Set(p)
		return decodeBlock(blocks[0], p.Elem())
	}
	var diags hcl.Diagnostics
	all := reflect.MakeSlice(field.Type(), len(blocks), len(blocks))
	for i, b := range blocks {
		p := reflect.New(field.Type().Elem().Elem())
		all.Index(i).Set(p)
		diags = append(diags, decodeBlock(b, p.Elem())...)
	}
	field.Set(all)
	return diags
}

// duplicateBlock reports the second of blocks of a type allowed once.
func duplicateBlock(typ string, blocks hcl.Blocks) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Duplicate %s block", typ),
		Detail:   fmt.Sprintf("Only one %s block is allowed. Another was defined at %s.", typ, blocks[0].DefRange.String()),
		Subject:  &blocks[1].DefRange,
	}
}

// decodeBlock fills the struct v from block: its body, labels and ranges.
func decodeBlock(block *hcl.Block, v reflect.Value) hcl.Diagnostics {
	diags := decodeStruct(block.Body, v)
	s := schemaOf(v.Type())
	for i, label := range block.Labels {
		if i >= len(s.labels) {
			break // the schema names the labels, so hcl has reported extra ones
		}
		v.Field(s.labels[i].index).SetString(label)
		if s.labels[i].rangeIndex >= 0 {
			v.Field(s.labels[i].rangeIndex).Set(reflect.ValueOf(block.LabelRanges[i]))
		}
	}
	if s.defRange >= 0 {
		v.Field(s.defRange).Set(reflect.ValueOf(block.DefRange))
	}
	return diags
}

// structSchema is what a struct type's `hcl` tags say: the body schema
// to ask hcl for, and which field takes which part. An index of -1 means
// the struct has no such field.
type structSchema struct {
	schema   hcl.BodySchema
	attrs    []namedField // in schema order
	blocks   []namedField // in schema order
	labels   []labelField // in label order
	remain   int
	defRange int
}

// namedField is the field that takes the attribute or block type name;
// for a block type, labels are the names of its labels.
type namedField struct {
	name   string
	index  int
	labels []string
}

// labelField is the field that takes one block label, and the field that
// takes its range (-1 if none).
type labelField struct {
	name              string
	index, rangeIndex int
}

var (
	exprType   = reflect.TypeFor[hcl.Expression]()
	attrsType  = reflect.TypeFor[hcl.Attributes]()
	rangeType  = reflect.TypeFor[hcl.Range]()
	stringType = reflect.TypeFor[string]()
)

// schemaOf reads t's tags. Attributes and block types are listed sorted by
// name, as gohcl lists them, since hcl's "Did you mean" suggestion is the
// first close name in the schema's order.
func schemaOf(t reflect.Type) *structSchema {
	s := &structSchema{remain: -1, defRange: -1}
	labelRanges := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("hcl")
		if !ok {
			continue
		}
		name, kind, _ := strings.Cut(tag, ",")
		switch kind {
		case "", "optional":
			mustHaveType(t, f, exprType)
			s.attrs = append(s.attrs, namedField{name: name, index: i})
		case "block":
			s.blocks = append(s.blocks, namedField{name: name, index: i, labels: labelNames(blockStruct(t, f))})
		case "label":
			mustHaveType(t, f, stringType)
			s.labels = append(s.labels, labelField{name: name, index: i, rangeIndex: -1})
		case "label_range":
			mustHaveType(t, f, rangeType)
			labelRanges[name] = i
		case "def_range":
			mustHaveType(t, f, rangeType)
			s.defRange = i
		case "remain":
			mustHaveType(t, f, attrsType)
			s.remain = i
		default:
			panic(fmt.Sprintf("policies: %s.%s: hcl tag kind %q is not supported by decodeBody", t, f.Name, kind))
		}
	}
	for i := range s.labels {
		if r, ok := labelRanges[s.labels[i].name]; ok {
			s.labels[i].rangeIndex = r
		}
	}
	s.schema = bodySchema(s)
	return s
}

// bodySchema is the hcl schema of s: its attributes (none required, as
// gohcl never requires an hcl.Expression; see evaluator.required) and its
// block types with their label names.
func bodySchema(s *structSchema) hcl.BodySchema {
	sort.Slice(s.attrs, func(i, j int) bool { return s.attrs[i].name < s.attrs[j].name })
	sort.Slice(s.blocks, func(i, j int) bool { return s.blocks[i].name < s.blocks[j].name })
	var schema hcl.BodySchema
	for _, a := range s.attrs {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: a.name})
	}
	for _, b := range s.blocks {
		schema.Blocks = append(schema.Blocks, hcl.BlockHeaderSchema{Type: b.name, LabelNames: b.labels})
	}
	return schema
}

// blockStruct is T for a block field f of t, a *T or a []*T with T a
// struct.
func blockStruct(t reflect.Type, f reflect.StructField) reflect.Type {
	ft := f.Type
	if ft.Kind() == reflect.Slice {
		ft = ft.Elem()
	}
	if ft.Kind() != reflect.Pointer || ft.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("policies: %s.%s: a block field must be a *T or []*T with T a struct, not %s", t, f.Name, f.Type))
	}
	return ft.Elem()
}

// labelNames lists the labels t's tags declare, in order.
func labelNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name, kind, _ := strings.Cut(t.Field(i).Tag.Get("hcl"), ","); kind == "label" {
			names = append(names, name)
		}
	}
	return names
}

// mustHaveType panics unless field f of t has type want.
func mustHaveType(t reflect.Type, f reflect.StructField, want reflect.Type) {
	if f.Type != want {
		panic(fmt.Sprintf("policies: %s.%s: its hcl tag %q needs a field of type %s, not %s", t, f.Name, f.Tag.Get("hcl"), want, f.Type))
	}
}
