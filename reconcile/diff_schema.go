package reconcile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// SchemaChange is the executable part of a Schema change.
type SchemaChange struct {
	Subject string
	// Register is the schema to register as a new version; nil when only
	// the level changes.
	Register *spec.Schema
	// Level is the level to set, "" for none.
	Level string
	// Hard makes a deletion hard (--allow-hard-delete).
	Hard bool
	// Existed is set when the subject had versions before kgitops first
	// registered one: it is recorded as external, never deleted.
	Existed bool
	// LiveID and LiveVersion are the latest version observed; the id is
	// recorded when only the level changes.
	LiveID, LiveVersion int
	// UndoDrift lets apply soft-delete the versions registered outside
	// the repo when the registry holds the repo's schema as an older
	// version: registering it again would not make it the latest.
	UndoDrift bool
	// Protect is kgitops.io/prevent-destroy to record.
	Protect *bool
	// Depth is how deep in the repo's references the schema is: apply
	// registers the shallower first.
	Depth int

	registeredID int // set by apply
}

func (c *SchemaChange) protection() *bool { return c.Protect }

// diffSchemas compares each declared subject's latest version with the
// repo's schema, by canonical form, and its level. A new version the
// registry finds incompatible is refused, naming the fields that differ.
func diffSchemas(p *Plan, desired *spec.State, live *Live, opts DiffOptions) {
	have := schemasOf(live)
	declared := map[string]bool{}
	deps := schemaDepths(desired.Schemas)
	for _, sc := range desired.Schemas {
		declared[sc.Subject] = true
		ls, exists := have[sc.Subject]
		exists = exists && ls.Version > 0
		if spec.MarkedForDeletion(sc.Annotations) {
			// A deletion written in git (kgitops.io/delete): soft, or
			// hard with --allow-hard-delete.
			if exists {
				p.Changes = append(p.Changes, Change{Action: ActionDelete, Kind: KindSchema, Name: sc.Subject, Requested: true, Pending: !opts.AllowDelete,
					Sources: []string{"Schema " + sc.Name + " at " + sc.Pos.String() + " (" + spec.AnnotationDelete + ")"},
					Payload: &SchemaChange{Subject: sc.Subject, Hard: opts.AllowHardDelete}})
			}
			continue
		}
		protect := spec.PreventDestroy(sc.Annotations)
		payload := &SchemaChange{Subject: sc.Subject, Existed: exists && !live.Inventory.has(KindSchema, sc.Subject), Protect: &protect, Depth: deps[sc.Subject]}
		var fields []Field
		if !exists {
			payload.Register = &sc
			fields = append(fields, Field{Path: "type", New: sc.Type}, Field{Path: "schema", New: schemaSource(sc)})
			if sc.Compatibility != "" {
				payload.Level = sc.Compatibility
				fields = append(fields, Field{Path: "compatibility", New: sc.Compatibility})
			}
			p.Changes = append(p.Changes, Change{Action: ActionCreate, Kind: KindSchema, Name: sc.Subject, Fields: fields, Payload: payload, Sources: schemaSources(sc)})
			continue
		}
		if e, ok := live.Inventory.Entries[ResourceKey{KindSchema, sc.Subject}]; ok && e.SchemaID != 0 && e.SchemaID != ls.ID {
			p.Notes = append(p.Notes, Refusal{Kind: KindSchema, Name: sc.Subject, Message: fmt.Sprintf(
				"version %d was registered outside the repo (drift); apply registers the repo's schema on top of it, "+
					"or, when the registry holds the repo's schema as an older version, soft-deletes the newer versions with --allow-delete", ls.Version)})
		}
		if !sameSchema(sc, ls) {
			payload.Register = &sc
			fields = append(fields, Field{Path: "schema", Old: fmt.Sprintf("version %d", ls.Version), New: fmt.Sprintf("version %d (%s)", ls.Version+1, schemaSource(sc))})
			fieldDiff := schemaFieldDiff(sc.Type, ls.Schema, sc.Text)
			fields = append(fields, fieldDiff...)
			if ls.Check != nil && !ls.Check.Is {
				p.Errors = append(p.Errors, Refusal{Kind: KindSchema, Name: sc.Subject, Message: incompatibleMessage(ls, fieldDiff)})
				continue
			}
		}
		if sc.Compatibility != "" && sc.Compatibility != ls.Level {
			payload.Level = sc.Compatibility
			fields = append(fields, Field{Path: "compatibility", Old: ls.Level, New: sc.Compatibility})
		}
		if len(fields) > 0 {
			payload.LiveID, payload.LiveVersion, payload.UndoDrift = ls.ID, ls.Version, opts.AllowDelete
			p.Changes = append(p.Changes, Change{Action: ActionUpdate, Kind: KindSchema, Name: sc.Subject, Fields: fields, Payload: payload, Sources: schemaSources(sc)})
		}
	}
	for _, subject := range live.Inventory.created(KindSchema) {
		if declared[subject] {
			continue
		}
		if ls, ok := have[subject]; ok && ls.Version > 0 {
			p.Changes = append(p.Changes, Change{Action: ActionDelete, Kind: KindSchema, Name: subject, Pending: !opts.AllowDelete,
				Payload: &SchemaChange{Subject: subject, Hard: opts.AllowHardDelete}})
		}
	}
}

// schemaSource says where a schema comes from, for the plan.
func schemaSource(sc spec.Schema) string {
	if sc.File != "" {
		return sc.File
	}
	return "inline in " + sc.Pos.String()
}

// schemaSources names the document.
func schemaSources(sc spec.Schema) []string {
	return []string{fmt.Sprintf("Schema %s at %s", sc.Name, sc.Pos)}
}

// schemaDepths gives each declared subject its depth in references: 0
// for a schema that refers to no declared subject.
func schemaDepths(scs []spec.Schema) map[string]int {
	by := map[string]spec.Schema{}
	for _, s := range scs {
		by[s.Subject] = s
	}
	depth := map[string]int{}
	var visit func(s string, seen []string) int
	visit = func(s string, seen []string) int {
		if d, ok := depth[s]; ok {
			return d
		}
		sc, ok := by[s]
		if !ok || slices.Contains(seen, s) {
			return -1
		}
		d := 0
		for _, r := range sc.References {
			d = max(d, visit(r.Subject, append(seen, s))+1)
		}
		depth[s] = d
		return d
	}
	for _, s := range scs {
		visit(s.Subject, nil)
	}
	return depth
}

func incompatibleMessage(ls LiveSubject, fields []Field) string {
	level := ls.Level
	if level == "" {
		level = "the registry's"
	}
	who := "the registry refuses the new schema"
	if len(ls.Check.Messages) > 0 && strings.HasPrefix(ls.Check.Messages[0], checkedLocally) {
		who = "kgitops refuses the new schema"
	}
	msg := fmt.Sprintf("%s: it is not compatible with version %d under %s compatibility", who, ls.Version, level)
	if len(ls.Check.Messages) > 0 {
		msg += ": " + strings.Join(ls.Check.Messages, "; ")
	}
	var names []string
	for _, f := range fields {
		if name, ok := strings.CutPrefix(f.Path, "fields."); ok {
			names = append(names, name+" ("+describeFieldChange(f)+")")
		}
	}
	if len(names) > 0 {
		msg += "; the fields that changed: " + strings.Join(names, ", ")
	}
	return msg + ". Make the change compatible (a new field needs a default), or change the level on purpose"
}

func describeFieldChange(f Field) string {
	switch {
	case f.Old == nil:
		return fmt.Sprintf("added: %v", f.New)
	case f.New == nil:
		return fmt.Sprintf("removed: %v", f.Old)
	}
	return fmt.Sprintf("%v -> %v", f.Old, f.New)
}

// sameSchema compares the repo's schema with a live version by canonical
// form: JSON (Avro, JSON Schema) compacted with keys sorted, Protobuf
// with runs of white space folded; and their references.
func sameSchema(sc spec.Schema, ls LiveSubject) bool {
	if sc.Type != ls.Type && ls.Type != "" {
		return false
	}
	refs := sc.References
	if !slices.Equal(refs, ls.References) && !(len(refs) == 0 && len(ls.References) == 0) {
		return false
	}
	return canonicalSchema(sc.Type, sc.Text) == canonicalSchema(sc.Type, ls.Schema)
}

func canonicalSchema(typ, text string) string {
	if typ == spec.SchemaProtobuf {
		return strings.Join(strings.Fields(text), " ")
	}
	var v any
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return text
	}
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return text
	}
	return b.String()
}

// schemaFieldDiff lists the fields added, removed or changed, as
// fields.<name> (nested ones as a.b): an Avro record's with their types
// and defaults, a Protobuf file's messages' with their numbers and types,
// a JSON Schema's properties with their types and defaults.
func schemaFieldDiff(typ, old, nw string) []Field {
	var a, b map[string]string
	switch typ {
	case spec.SchemaAvro:
		a, b = avroFields(old), avroFields(nw)
	case spec.SchemaProtobuf:
		a, b = protoFields(old), protoFields(nw)
	case spec.SchemaJSON:
		a, b = jsonSchemaFields(old), jsonSchemaFields(nw)
	}
	if a == nil || b == nil {
		return nil
	}
	var out []Field
	for _, name := range sortedKeys(a) {
		if v, ok := b[name]; !ok {
			out = append(out, Field{Path: "fields." + name, Old: a[name]})
		} else if v != a[name] {
			out = append(out, Field{Path: "fields." + name, Old: a[name], New: v})
		}
	}
	for _, name := range sortedKeys(b) {
		if _, ok := a[name]; !ok {
			out = append(out, Field{Path: "fields." + name, New: b[name]})
		}
	}
	return out
}

// avroFields describes each field of an Avro record schema as "type" or
// "type (default X)", by dotted name.
func avroFields(text string) map[string]string {
	var v any
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return nil
	}
	out := map[string]string{}
	var walk func(prefix string, s any)
	walk = func(prefix string, s any) {
		rec, ok := s.(map[string]any)
		if !ok || rec["type"] != "record" {
			return
		}
		fs, _ := rec["fields"].([]any)
		for _, f := range fs {
			fm, ok := f.(map[string]any)
			if !ok {
				continue
			}
			name, _ := fm["name"].(string)
			desc := compactJSON(fm["type"])
			if def, ok := fm["default"]; ok {
				b, _ := json.Marshal(def)
				desc += " (default " + string(b) + ")"
			}
			out[prefix+name] = desc
			walk(prefix+name+".", fm["type"])
		}
	}
	walk("", v)
	return out
}

func compactJSON(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// jsonSchemaFields describes each property of a JSON Schema (nested
// objects' as a.b) as its type, "required" when it is, and its default.
func jsonSchemaFields(text string) map[string]string {
	var v any
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return nil
	}
	out := map[string]string{}
	var walk func(prefix string, s any)
	walk = func(prefix string, s any) {
		obj, ok := s.(map[string]any)
		if !ok {
			return
		}
		props, _ := obj["properties"].(map[string]any)
		req, _ := obj["required"].([]any)
		for _, name := range sortedKeys(props) {
			p, _ := props[name].(map[string]any)
			desc := "any"
			if t, ok := p["type"]; ok {
				desc = compactJSON(t)
			}
			if slices.Contains(req, any(name)) {
				desc += ", required"
			}
			if def, ok := p["default"]; ok {
				b, _ := json.Marshal(def)
				desc += " (default " + string(b) + ")"
			}
			out[prefix+name] = desc
			walk(prefix+name+".", p)
		}
	}
	walk("", v)
	return out
}
