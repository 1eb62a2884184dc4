package payload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// protoFile is the name the schema text is compiled under.
const protoFile = "schema.proto"

// compileProto compiles the text of a .proto file into its descriptor. It
// may import the well-known types and the files imports holds, by name
// (a schema's references).
func compileProto(text string, imports map[string]string) (protoreflect.FileDescriptor, error) {
	sources := map[string]string{protoFile: text}
	for name, src := range imports {
		sources[name] = src
	}
	comp := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(sources),
		}),
	}
	files, err := comp.Compile(context.Background(), protoFile)
	if err != nil {
		return nil, err
	}
	return files[0], nil
}

// message finds the message that a wire-format index list names: the
// first index among the file's top-level messages, each next one among the
// previous one's nested messages.
func message(fd protoreflect.FileDescriptor, index []int) (protoreflect.MessageDescriptor, error) {
	if len(index) == 0 {
		return nil, errors.New("protobuf: empty message index")
	}
	msgs := fd.Messages()
	var md protoreflect.MessageDescriptor
	for _, i := range index {
		if i < 0 || i >= msgs.Len() {
			return nil, fmt.Errorf("protobuf: message index %v is not in the schema", index)
		}
		md = msgs.Get(i)
		msgs = md.Messages()
	}
	return md, nil
}

// protoToJSON decodes b, the message index list and then the message, into
// JSON.
func (c *cached) protoToJSON(b []byte) ([]byte, error) {
	index, rest, err := header.DecodeIndex(b, 64)
	if err != nil {
		return nil, fmt.Errorf("protobuf message index: %w", err)
	}
	md, err := message(c.proto, index)
	if err != nil {
		return nil, err
	}
	m := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(rest, m); err != nil {
		return nil, fmt.Errorf("protobuf %s: %w", md.FullName(), err)
	}
	js, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		return nil, err
	}
	// protojson varies its spacing on purpose; compact it for stable output.
	var out bytes.Buffer
	if err := json.Compact(&out, js); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// jsonToProto encodes the JSON document js as the message index names
// (nil: the schema's first), returning the index list and the message.
func (c *cached) jsonToProto(js []byte, index []int) ([]int, []byte, error) {
	if index == nil {
		index = []int{0}
	}
	md, err := message(c.proto, index)
	if err != nil {
		return nil, nil, err
	}
	m := dynamicpb.NewMessage(md)
	if err := (protojson.UnmarshalOptions{}).Unmarshal(js, m); err != nil {
		return nil, nil, &FieldError{Msg: fmt.Sprintf("does not match message %s: %v", md.FullName(), err)}
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, nil, fmt.Errorf("protobuf %s: %w", md.FullName(), err)
	}
	return index, b, nil
}
