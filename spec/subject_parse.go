package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"github.com/hamba/avro/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// parseSchema parses a Schema's text offline for its type, with the
// schemas its references name when the repo declares them. An error is
// reported at the schema file's line when the parser says which, or can
// be made to (a JSON syntax error's offset, a quoted name in Avro's
// message); an inline schema's at the document.
func parseSchema(sc Schema, bySubject map[string]Schema) *Error {
	deps, cycle := referenced(sc, bySubject)
	if cycle != nil {
		return &Error{Pos: sc.Pos, Msg: fmt.Sprintf("Schema %q: its references form a cycle: %s", sc.Name, strings.Join(cycle, " → ")),
			Hint: "a registry registers a schema only after those it refers to: move the shared types into a subject that refers to none of them"}
	}
	var line int
	var err error
	switch sc.Type {
	case SchemaAvro:
		line, err = parseAvro(sc, deps)
	case SchemaProtobuf:
		line, err = parseProto(sc, bySubject, deps)
	case SchemaJSON:
		line, err = parseJSONSchema(sc, bySubject, deps)
	}
	if err == nil {
		return nil
	}
	pos := sc.Pos
	if sc.File != "" {
		pos = Pos{File: sc.File, Line: max(line, 1)}
	}
	return &Error{Pos: pos, Msg: fmt.Sprintf("Schema %q: %s schema: %v", sc.Name, strings.ToLower(sc.Type), err), Hint: "fix the schema so that the registry accepts it"}
}

// jsonLine returns the line of a JSON syntax error, or 0.
func jsonLine(text string, err error) int {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return lineAt(text, int(se.Offset))
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return lineAt(text, int(te.Offset))
	}
	return 0
}

func lineAt(text string, offset int) int {
	offset = min(max(offset, 0), len(text))
	return strings.Count(text[:offset], "\n") + 1
}

var quoted = regexp.MustCompile(`(?:type|name|field)[: ]+"?([A-Za-z0-9_.\-]+)"?`)

// lineOfQuoted guesses the line an Avro error is about from a name it
// quotes.
func lineOfQuoted(text string, err error) int {
	for _, m := range quoted.FindAllStringSubmatch(err.Error(), -1) {
		if i := strings.Index(text, `"`+m[1]+`"`); i >= 0 {
			return lineAt(text, i)
		}
	}
	return 0
}

// namedDep is a schema of the repo that another refers to, by the name
// the reference gives it.
type namedDep struct {
	name string
	sc   Schema
}

// referenced lists the repo's schemas that sc refers to, directly or
// through others, each before the schemas that refer to it and each once;
// a reference to a subject the repo does not declare is left to the
// registry. cycle is the subjects of a cycle of references, if there is
// one (a → b → a), which no registry can register.
func referenced(sc Schema, bySubject map[string]Schema) (deps []namedDep, cycle []string) {
	done := map[string]bool{}
	var path []string
	var walk func(s Schema) bool
	walk = func(s Schema) bool {
		if i := slices.Index(path, s.Subject); i >= 0 {
			cycle = append(slices.Clone(path[i:]), s.Subject)
			return false
		}
		path = append(path, s.Subject)
		defer func() { path = path[:len(path)-1] }()
		for _, r := range s.References {
			dep, ok := bySubject[r.Subject]
			if !ok {
				continue
			}
			if !walk(dep) {
				return false
			}
			if !done[r.Subject+"\x00"+r.Name] {
				done[r.Subject+"\x00"+r.Name] = true
				deps = append(deps, namedDep{r.Name, dep})
			}
		}
		return true
	}
	walk(sc)
	return deps, cycle
}

func parseAvro(sc Schema, deps []namedDep) (int, error) {
	var v any
	if err := json.Unmarshal([]byte(sc.Text), &v); err != nil {
		return jsonLine(sc.Text, err), fmt.Errorf("invalid JSON: %w", err)
	}
	cache := &avro.SchemaCache{}
	parsed := map[string]bool{}
	for _, d := range deps {
		if d.sc.Type != SchemaAvro || parsed[d.sc.Subject] {
			continue
		}
		parsed[d.sc.Subject] = true
		if _, err := avro.ParseWithCache(d.sc.Text, "", cache); err != nil {
			return 0, fmt.Errorf("reference %s (subject %s): %w", d.name, d.sc.Subject, err)
		}
	}
	if _, err := avro.ParseWithCache(sc.Text, "", cache); err != nil {
		return lineOfQuoted(sc.Text, err), err
	}
	return 0, nil
}

func parseProto(sc Schema, bySubject map[string]Schema, deps []namedDep) (int, error) {
	const self = "schema.proto"
	for _, r := range sc.References {
		if _, ok := bySubject[r.Subject]; !ok {
			return 0, nil // an import the repo does not hold: the registry checks it
		}
	}
	files := map[string]string{self: sc.Text}
	for _, d := range deps {
		files[d.name] = d.sc.Text
	}
	comp := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(files)}),
	}
	_, err := comp.Compile(context.Background(), self)
	if err == nil {
		return 0, nil
	}
	var ep reporter.ErrorWithPos
	if errors.As(err, &ep) {
		p := ep.GetPosition()
		if p.Filename == self {
			return p.Line, ep.Unwrap()
		}
		return 0, fmt.Errorf("in import %s: %w", p.Filename, err)
	}
	return 0, err
}

func parseJSONSchema(sc Schema, bySubject map[string]Schema, deps []namedDep) (int, error) {
	text := sc.Text
	for _, r := range sc.References {
		if _, ok := bySubject[r.Subject]; !ok {
			return 0, nil // a $ref the repo does not hold: the registry checks it
		}
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return jsonLine(text, err), fmt.Errorf("invalid JSON: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(text)))
	if err != nil {
		return 0, err
	}
	c := jsonschema.NewCompiler()
	const url = "repo:///schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return 0, err
	}
	for _, d := range deps {
		// A $ref names a reference by its name, relative to the schema.
		dep, err := jsonschema.UnmarshalJSON(strings.NewReader(d.sc.Text))
		if err == nil {
			err = c.AddResource("repo:///"+strings.TrimPrefix(d.name, "/"), dep)
		}
		if err != nil {
			return 0, fmt.Errorf("reference %s (subject %s): %w", d.name, d.sc.Subject, err)
		}
	}
	if _, err := c.Compile(url); err != nil {
		return jsonSchemaErrorLine(text, err), err
	}
	return 0, nil
}

// jsonSchemaErrorLine finds the line of the value a JSON Schema's
// metaschema error is about (its deepest cause's location), or 0.
func jsonSchemaErrorLine(text string, err error) int {
	var sve *jsonschema.SchemaValidationError
	if !errors.As(err, &sve) {
		return 0
	}
	var ve *jsonschema.ValidationError
	if !errors.As(sve.Err, &ve) {
		return 0
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	return jsonPointerLine(text, ve.InstanceLocation)
}

// jsonPointerLine returns the line of the key (or array element) at ptr
// in the JSON text, or 0.
func jsonPointerLine(text string, ptr []string) int {
	if len(ptr) == 0 {
		return 0
	}
	dec := json.NewDecoder(strings.NewReader(text))
	line := 0
	var value func(path []string) bool
	value = func(path []string) bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return true
		}
		for i := 0; dec.More(); i++ {
			p := append(slices.Clone(path), strconv.Itoa(i))
			if d == '{' {
				k, err := dec.Token()
				if err != nil {
					return false
				}
				p[len(p)-1] = fmt.Sprint(k)
			}
			if line == 0 && slices.Equal(p, ptr) {
				line = lineAt(text, int(dec.InputOffset()))
				if d == '[' { // the offset is the end of the previous token
					line = lineAt(text, int(dec.InputOffset())+len(text[dec.InputOffset():])-len(strings.TrimLeft(text[dec.InputOffset():], " \t\r\n,")))
				}
			}
			if !value(p) {
				return false
			}
		}
		_, err = dec.Token()
		return err == nil
	}
	value(nil)
	return line
}

// recordName is the full name of a schema's record, as the record and
// topic-record naming strategies use it: an Avro record's namespace and
// name, a Protobuf file's first message with its package. "" when the
// schema names none (JSON Schema) or does not parse.
func recordName(sc Schema) string {
	switch sc.Type {
	case SchemaAvro:
		var rec struct{ Name, Namespace string }
		if json.Unmarshal([]byte(sc.Text), &rec) != nil || rec.Name == "" {
			return ""
		}
		if rec.Namespace == "" || strings.Contains(rec.Name, ".") {
			return rec.Name
		}
		return rec.Namespace + "." + rec.Name
	case SchemaProtobuf:
		h := reporter.NewHandler(nil)
		ast, err := parser.Parse("schema.proto", strings.NewReader(sc.Text), h)
		if err != nil {
			return ""
		}
		res, err := parser.ResultFromAST(ast, true, h)
		if err != nil {
			return ""
		}
		fd := res.FileDescriptorProto()
		if len(fd.GetMessageType()) == 0 {
			return ""
		}
		name := fd.GetMessageType()[0].GetName()
		if pkg := fd.GetPackage(); pkg != "" {
			name = pkg + "." + name
		}
		return name
	}
	return ""
}
