package reconcile

import (
	"fmt"
	"strings"

	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/types/descriptorpb"
)

// protoFields describes each field of a .proto file's messages, by
// Message.field (nested messages as Outer.Inner.field), as "N: type"
// with its label. The file is parsed, not linked, so that imports the
// plan does not hold do not matter: a type shows as written.
func protoFields(text string) map[string]string {
	h := reporter.NewHandler(nil)
	ast, err := parser.Parse("schema.proto", strings.NewReader(text), h)
	if err != nil {
		return nil
	}
	res, err := parser.ResultFromAST(ast, true, h)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, m := range res.FileDescriptorProto().GetMessageType() {
		addProtoMessage(out, m.GetName()+".", m)
	}
	return out
}

func addProtoMessage(out map[string]string, prefix string, m *descriptorpb.DescriptorProto) {
	for _, f := range m.GetField() {
		typ := f.GetTypeName()
		if typ == "" {
			typ = strings.ToLower(strings.TrimPrefix(f.GetType().String(), "TYPE_"))
		}
		label := ""
		switch {
		case f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REPEATED:
			label = "repeated "
		case f.GetProto3Optional():
			label = "optional "
		}
		out[prefix+f.GetName()] = fmt.Sprintf("%d: %s%s", f.GetNumber(), label, typ)
	}
	for _, n := range m.GetNestedType() {
		addProtoMessage(out, prefix+n.GetName()+".", n)
	}
}
