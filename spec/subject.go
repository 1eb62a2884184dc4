package spec

import (
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KindSchema is the kind of Schema documents.
const KindSchema = "Schema"

// Schema types, as the Confluent API names them.
const (
	SchemaAvro     = "AVRO"
	SchemaProtobuf = "PROTOBUF"
	SchemaJSON     = "JSON"
)

// SchemaTypes lists the schema types a Schema document may declare.
var SchemaTypes = []string{SchemaAvro, SchemaProtobuf, SchemaJSON}

// CompatibilityLevels lists the per-subject compatibility levels of a
// Confluent-compatible registry.
var CompatibilityLevels = []string{"BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"}

// Schema is a Schema document: one subject of a schema registry, its
// latest schema and, when set, its compatibility level. The schema text
// is read from SchemaFile (relative to the document) or given inline, and
// parsed offline for its type.
type Schema struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string // see AnnotationPreventDestroy
	// Subject is the registry subject; metadata.name when not written.
	Subject string
	// Type is one of SchemaTypes.
	Type string
	// Text is the schema, as written in the file or inline.
	Text string
	// File is the schema file, relative to the loaded folder; "" for an
	// inline schema.
	File       string
	References []SchemaReference
	// Compatibility is one of CompatibilityLevels, or "" to leave the
	// registry's level alone.
	Compatibility string
	Pos           Pos // the document's "kind:" line
}

// SchemaReference is a schema another one refers to: a Protobuf import
// or an Avro named type, by the name the referring schema uses.
type SchemaReference struct {
	Name    string
	Subject string
	Version int
}

// Schema returns the declared Schema document with the given name.
func (s *State) Schema(name string) (Schema, bool) {
	for _, sc := range s.Schemas {
		if sc.Name == name {
			return sc, true
		}
	}
	return Schema{}, false
}

// decodeSchema reads a Schema document and its schema file.
func decodeSchema(d *decoder, doc document, st *State) {
	sc := Schema{Name: doc.Name, Labels: doc.Labels, Annotations: doc.Annotations, Pos: doc.Pos, Subject: doc.Name}
	if doc.Spec == nil {
		d.errorf(doc.SpecAt, "add spec: {type: AVRO, schemaFile: ...}", "spec is missing")
		return
	}
	fl, ok := d.fields(doc.Spec, "spec", "subject", "type", "schemaFile", "schema", "references", "compatibility")
	if !ok {
		return
	}
	keep := doc.Name != ""
	if f, ok := fl["subject"]; ok {
		if s, ok := d.text(f, "a subject name"); ok && s != "" {
			sc.Subject = s
		} else {
			if ok {
				d.errorf(f.Value, "write the registry subject, such as orders-value, or leave subject out for metadata.name", "subject is empty")
			}
			keep = false
		}
	}
	if f, ok := fl["type"]; !ok {
		d.errorf(doc.SpecAt, "add type: one of "+strings.Join(SchemaTypes, ", "), "type is missing")
		keep = false
	} else if s, ok := d.text(f, "a schema type"); ok {
		if u := strings.ToUpper(s); slices.Contains(SchemaTypes, u) {
			sc.Type = u
		} else {
			d.errorf(f.Value, "write one of "+strings.Join(SchemaTypes, ", "), "unknown schema type %q", s)
			keep = false
		}
	} else {
		keep = false
	}
	if f, ok := fl["compatibility"]; ok {
		if s, ok := d.text(f, "a compatibility level"); ok {
			if u := strings.ToUpper(s); slices.Contains(CompatibilityLevels, u) {
				sc.Compatibility = u
			} else {
				d.errorf(f.Value, "write one of "+strings.Join(CompatibilityLevels, ", ")+", or leave it out to keep the registry's", "unknown compatibility level %q", s)
			}
		}
	}
	if f, ok := fl["references"]; ok && !isNull(f.Value) {
		sc.References = d.schemaReferences(f)
	}
	file, hasFile := fl["schemaFile"]
	inline, hasInline := fl["schema"]
	switch {
	case hasFile && hasInline:
		d.errorf(inline.Key, "keep schemaFile or schema, not both", "schema and schemaFile are both set")
		keep = false
	case hasFile:
		rel, ok := d.text(file, "a path relative to this file")
		if !ok {
			keep = false
			break
		}
		p := path.Join(path.Dir(d.file), rel)
		if path.IsAbs(rel) || !fs.ValidPath(p) {
			d.errorf(file.Value, "write a path inside the repo, relative to this file", "schemaFile %q is outside the repo", rel)
			keep = false
			break
		}
		b, err := d.l.readSchemaFile(p)
		if err != nil {
			d.errorf(file.Value, "write the path of the schema file, relative to this file", "schemaFile %s: %v", rel, err)
			keep = false
			break
		}
		sc.File, sc.Text = p, string(b)
	case hasInline:
		if s, ok := d.text(inline, "the schema text"); ok {
			sc.Text = s
		} else {
			keep = false
		}
	default:
		d.errorf(doc.SpecAt, "add schemaFile: <path relative to this file>, or schema: with the schema inline", "schemaFile is missing")
		keep = false
	}
	if keep {
		st.Schemas = append(st.Schemas, sc)
	} else {
		d.l.invalid(doc.Pos)
	}
}

// schemaReferences reads spec.references.
func (d *decoder) schemaReferences(f field) []SchemaReference {
	if f.Value.Kind != yaml.SequenceNode {
		d.errorf(f.Value, "write a list: - {name: common.proto, subject: common, version: 1}", "references must be a list")
		return nil
	}
	var out []SchemaReference
	for _, n := range f.Value.Content {
		rf, ok := d.fields(n, "a reference", "name", "subject", "version")
		if !ok {
			continue
		}
		var r SchemaReference
		good := true
		for _, k := range []string{"name", "subject"} {
			g, ok := rf[k]
			if !ok {
				d.errorf(n, "add "+k+": to the reference", "%s is missing", k)
				good = false
				continue
			}
			s, ok := d.text(g, "text")
			if !ok || s == "" {
				good = false
				continue
			}
			if k == "name" {
				r.Name = s
			} else {
				r.Subject = s
			}
		}
		if g, ok := rf["version"]; !ok {
			d.errorf(n, "add version: <n> to the reference", "version is missing")
			good = false
		} else if v, ok := d.integer(g, intRange{lo: 1, hi: maxInt, bits: 32}); ok {
			r.Version = int(v)
		} else {
			good = false
		}
		if good {
			out = append(out, r)
		}
	}
	return out
}

// checkSchemas reports subjects declared twice, parses every schema
// offline (errors at the schema file's lines), and checks the topics'
// spec.schemas.
func checkSchemas(l *loader, st *State) {
	slices.SortStableFunc(st.Schemas, func(a, b Schema) int { return cmp.Compare(a.Name, b.Name) })
	byName := map[string]Schema{}
	bySubject := map[string]Schema{}
	for _, sc := range st.Schemas {
		if first, ok := byName[sc.Name]; ok {
			l.add(Error{Pos: sc.Pos, Msg: fmt.Sprintf("Schema %q is declared twice: also at %s", sc.Name, first.Pos), Hint: "remove one of them"})
			continue
		}
		byName[sc.Name] = sc
		if first, ok := bySubject[sc.Subject]; ok {
			l.add(Error{Pos: sc.Pos, Msg: fmt.Sprintf("subject %q is declared by Schema %q too, at %s", sc.Subject, first.Name, first.Pos), Hint: "one Schema document per subject"})
			continue
		}
		bySubject[sc.Subject] = sc
	}
	for _, sc := range st.Schemas {
		if e := parseSchema(sc, bySubject); e != nil {
			l.add(*e)
		}
	}
	for _, t := range st.Topics {
		checkTopicSchemas(l, t, byName)
	}
}

// checkTopicSchemas checks that a topic's spec.schemas name Schema
// documents of the repo whose subjects follow the naming strategy.
func checkTopicSchemas(l *loader, t Topic, byName map[string]Schema) {
	ts := t.Schemas
	for _, part := range []struct{ role, name string }{{"key", ts.Key}, {"value", ts.Value}} {
		if part.name == "" {
			continue
		}
		at := ts.At[part.role]
		sc, ok := byName[part.name]
		if !ok {
			l.add(Error{Pos: at, Msg: fmt.Sprintf("topic %q: schemas.%s names Schema %q, which the repo does not declare", t.Name, part.role, part.name),
				Hint: suggestHint(part.name, sortedSchemaNames(byName), "add a Schema document named "+part.name+", or fix the name")})
			continue
		}
		switch ts.Strategy {
		case "", "topic":
			if want := t.Name + "-" + part.role; sc.Subject != want {
				l.add(Error{Pos: at, Msg: fmt.Sprintf("topic %q: the %s schema's subject is %q; the topic-name strategy wants %q", t.Name, part.role, sc.Subject, want),
					Hint: fmt.Sprintf("set subject: %s in Schema %s, or strategy: record or topic-record under schemas", want, sc.Name)})
			}
		case "topic-record":
			if n := recordName(sc); n != "" && sc.Subject != t.Name+"-"+n {
				l.add(Error{Pos: at, Msg: fmt.Sprintf("topic %q: the %s schema's subject is %q; the topic-record strategy wants %q", t.Name, part.role, sc.Subject, t.Name+"-"+n),
					Hint: fmt.Sprintf("set subject: %s-%s in Schema %s", t.Name, n, sc.Name)})
			} else if n == "" && !strings.HasPrefix(sc.Subject, t.Name+"-") {
				l.add(Error{Pos: at, Msg: fmt.Sprintf("topic %q: the %s schema's subject %q does not start with %q, as the topic-record strategy wants", t.Name, part.role, sc.Subject, t.Name+"-"),
					Hint: "name the subject <topic>-<record name>"})
			}
		case "record":
			if n := recordName(sc); n != "" && sc.Subject != n {
				l.add(Error{Pos: at, Msg: fmt.Sprintf("topic %q: the %s schema's subject is %q; the record strategy wants the record's full name %q", t.Name, part.role, sc.Subject, n),
					Hint: fmt.Sprintf("set subject: %s in Schema %s", n, sc.Name)})
			}
		}
	}
}

func sortedSchemaNames(m map[string]Schema) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// schemaDocSchema is the JSON Schema of Schema documents.
func schemaDocSchema() *schema {
	levels := append(slices.Clone(CompatibilityLevels), lowerAll(CompatibilityLevels)...)
	types := append(slices.Clone(SchemaTypes), lowerAll(SchemaTypes)...)
	spec := object("A schema registry subject: its latest schema, and its compatibility level.", []string{"type"},
		prop{"subject", text("The registry subject; metadata.name when left out.")},
		prop{"type", &schema{Description: "The schema type.", Enum: strs(types)}},
		prop{"schemaFile", text("The schema file, relative to this document.")},
		prop{"schema", text("The schema, inline.")},
		prop{"references", &schema{Description: "Schemas this one refers to: Protobuf imports, Avro named types.", Type: []string{"array", "null"},
			Items: object("A reference.", []string{"name", "subject", "version"},
				prop{"name", text("The name the schema uses: the import path, or the Avro type's full name.")},
				prop{"subject", text("The subject of the referenced schema.")},
				prop{"version", wholeNumber("The referenced version.", intRange{lo: 1, hi: maxInt, bits: 32}, false)})}},
		prop{"compatibility", &schema{Description: "The subject's compatibility level; left out, the registry's stays.", Enum: strs(levels)}})
	spec.OneOf = []*schema{{Required: []string{"schemaFile"}}, {Required: []string{"schema"}}}
	return docSchema(KindSchema, "A schema registry subject.", nil, spec, true)
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}
