package spec

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Object is one document of a kind added with Register.
type Object struct {
	Kind   string
	Name   string
	Labels map[string]string
	// Annotations are metadata.annotations, kgitops.io/ keys checked.
	Annotations map[string]string
	// Spec is what the kind's Decode returned for the document.
	Spec any
	Pos  Pos // the document's "kind:" line
}

// KindDef is a document kind added to the loader with Register: a new
// kind arrives by registration, without edits to the loader.
type KindDef struct {
	Name string
	// Noun names the kind's documents in summaries, such as "widget(s)".
	Noun string
	// Decode checks one document's spec and returns its value. Errors it
	// returns as Errors are reported as they are; any other error at the
	// document's "spec:" line. Doc.DecodeSpec does the strict decoding.
	Decode func(doc Doc) (any, error)
	// SpecSchema is the JSON Schema of the spec, for `kgitops schema`;
	// nil allows any mapping.
	SpecSchema json.RawMessage
}

// Doc is one document of a registered kind, handed to its Decode.
type Doc struct {
	Name   string
	Labels map[string]string
	Pos    Pos
	d      *decoder
	spec   *yaml.Node // nil when the document has no spec
	specAt *yaml.Node
}

// DecodeSpec decodes the spec into v, a pointer to a struct with yaml
// tags. Fields the struct does not name are reported at their own line,
// with the known fields as the hint; values of the wrong type at the
// spec's line.
func (doc Doc) DecodeSpec(v any) error {
	if doc.spec == nil {
		return Errors{{Pos: doc.d.pos(doc.specAt), Msg: "spec is missing", Hint: "add spec: with the kind's fields"}}
	}
	var errs Errors
	if known := yamlFields(v); known != nil {
		ps, ok := doc.d.pairs(doc.spec, "spec")
		if !ok {
			return Errors{{Pos: doc.d.pos(doc.spec), Msg: "spec must be a mapping"}}
		}
		for _, p := range ps {
			if !slices.Contains(known, p.Name) {
				errs = append(errs, Error{Pos: doc.d.pos(p.Key), Msg: fmt.Sprintf("unknown field %q in spec", p.Name),
					Hint: suggestHint(p.Name, known, "known fields: "+strings.Join(known, ", "))})
			}
		}
	}
	if err := doc.spec.Decode(v); err != nil {
		errs = append(errs, Error{Pos: doc.d.pos(doc.spec), Msg: "spec: " + strings.TrimPrefix(err.Error(), "yaml: ")})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// yamlFields lists the yaml names of a struct's fields, or nil when v
// does not point to a struct.
func yamlFields(v any) []string {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for f := range t.Elem().Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = strings.ToLower(f.Name)
		}
		names = append(names, name)
	}
	return names
}

var kindsMu sync.RWMutex

// Register adds a document kind to the loader, and returns the function
// that removes it again (for tests). It panics on a name the loader
// already knows: a programming error.
func Register(def KindDef) (unregister func()) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[def.Name]; dup {
		panic(fmt.Sprintf("spec: kind %q registered twice", def.Name))
	}
	kinds[def.Name] = kind{
		order:  len(kinds) + 100,
		noun:   def.Noun,
		count:  func(st *State) int { return len(st.Objects[def.Name]) },
		decode: decodeObject(def),
		check:  checkObjects(def.Name),
		schema: func() *schema {
			spec := &schema{raw: def.SpecSchema}
			if spec.raw == nil {
				spec = &schema{Type: "object"}
			}
			return docSchema(def.Name, "A "+def.Name+" document.", nil, spec, true)
		},
	}
	return func() {
		kindsMu.Lock()
		defer kindsMu.Unlock()
		delete(kinds, def.Name)
	}
}

func decodeObject(def KindDef) func(d *decoder, doc document, st *State) {
	return func(d *decoder, doc document, st *State) {
		v, err := def.Decode(Doc{Name: doc.Name, Labels: doc.Labels, Pos: doc.Pos, d: d, spec: doc.Spec, specAt: doc.SpecAt})
		var errs Errors
		switch {
		case errors.As(err, &errs):
			for _, e := range errs {
				d.l.add(e)
			}
			d.l.invalid(doc.Pos)
			return
		case err != nil:
			d.errorf(doc.SpecAt, "", "%s", err.Error())
			d.l.invalid(doc.Pos)
			return
		}
		if st.Objects == nil {
			st.Objects = map[string][]Object{}
		}
		st.Objects[def.Name] = append(st.Objects[def.Name], Object{Kind: def.Name, Name: doc.Name, Labels: doc.Labels, Annotations: doc.Annotations, Spec: v, Pos: doc.Pos})
	}
}

// checkObjects reports a name declared twice for one registered kind.
func checkObjects(name string) func(l *loader, st *State) {
	return func(l *loader, st *State) {
		objs := st.Objects[name]
		slices.SortStableFunc(objs, func(a, b Object) int { return cmp.Compare(a.Name, b.Name) })
		for i := 1; i < len(objs); i++ {
			if objs[i].Name == objs[i-1].Name {
				l.add(Error{Pos: objs[i].Pos, Msg: fmt.Sprintf("%s %q is declared twice; the first is at %s", name, objs[i].Name, objs[i-1].Pos), Hint: "keep one of them"})
			}
		}
	}
}

// Count is how many documents of one kind a State holds.
type Count struct {
	Kind string
	Noun string // such as "topic(s)"
	N    int
}

// Counts lists, in a stable order, how many documents of each kind the
// state holds: topics always, the other kinds when there are some.
func (s *State) Counts() []Count {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	type entry struct {
		name string
		k    kind
	}
	var ks []entry
	for name, k := range kinds {
		if k.count != nil {
			ks = append(ks, entry{name, k})
		}
	}
	slices.SortFunc(ks, func(a, b entry) int { return cmp.Or(cmp.Compare(a.k.order, b.k.order), cmp.Compare(a.name, b.name)) })
	var out []Count
	for _, e := range ks {
		if n := e.k.count(s); n > 0 || e.name == KindTopic {
			out = append(out, Count{Kind: e.name, Noun: e.k.noun, N: n})
		}
	}
	return out
}
