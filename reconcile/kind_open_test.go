package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// This file proves that a new kind is one place: Widget exists only here.
// It is registered with the loader and with the reconcile registry, lives
// in a fake backend (not Kafka), depends on topics, and is loaded,
// planned, applied, recorded, risk-checked, exported and diffed offline
// without any other file naming it.

const kindWidget = "Widget"

// widgetSpec is a Widget document's spec.
type widgetSpec struct {
	Size  int    `yaml:"size"`
	Topic string `yaml:"topic"` // the topic it feeds; a widget depends on topics
}

// widgetStore is the fake backend: what a schema registry or a Connect
// cluster would be for a real kind.
type widgetStore struct {
	mu    sync.Mutex
	items map[string]widgetSpec
	calls int // round trips, to check that observing is one call
}

func (s *widgetStore) list() map[string]widgetSpec {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	out := map[string]widgetSpec{}
	for k, v := range s.items {
		out[k] = v
	}
	return out
}

func (s *widgetStore) write(put map[string]widgetSpec, del []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	for k, v := range put {
		s.items[k] = v
	}
	for _, k := range del {
		delete(s.items, k)
	}
}

// widgetChange is the Widget kind's payload.
type widgetChange struct{ spec widgetSpec }

func registerWidget(t *testing.T) {
	t.Helper()
	t.Cleanup(spec.Register(spec.KindDef{
		Name:       kindWidget,
		Noun:       "widget(s)",
		SpecSchema: []byte(`{"type":"object","required":["size"],"properties":{"size":{"type":"integer","minimum":1},"topic":{"type":"string"}},"additionalProperties":false}`),
		Decode: func(doc spec.Doc) (any, error) {
			var w widgetSpec
			if err := doc.DecodeSpec(&w); err != nil {
				return nil, err
			}
			if w.Size < 1 {
				return nil, spec.Errors{{Pos: doc.Pos, Msg: fmt.Sprintf("widget %q: size must be at least 1", doc.Name), Hint: "set size: 1 or more"}}
			}
			return w, nil
		},
	}))
	desiredWidgets := func(st *spec.State) map[string]widgetSpec {
		out := map[string]widgetSpec{}
		for _, o := range st.Objects[kindWidget] {
			out[o.Name] = o.Spec.(widgetSpec)
		}
		return out
	}
	liveWidgets := func(live *Live) map[string]widgetSpec {
		w, _ := live.Parts[kindWidget].(map[string]widgetSpec)
		return w
	}
	t.Cleanup(register(&kind{
		name:  kindWidget,
		order: 50,
		after: []string{KindTopic},
		wanted: func(d *spec.State, inv Inventory) bool {
			return len(d.Objects[kindWidget]) > 0 || len(inv.created(kindWidget)) > 0
		},
		observe: func(_ context.Context, b Backends, live *Live, _ bool) error {
			store, err := backend[*widgetStore](b, "widgets")
			if err != nil {
				return err
			}
			setPart(live, kindWidget, store.list())
			return nil
		},
		diff: func(p *Plan, desired *spec.State, live *Live, opts DiffOptions) {
			have := liveWidgets(live)
			want := desiredWidgets(desired)
			for _, name := range sortedKeys(want) {
				w := want[name]
				old, exists := have[name]
				switch {
				case !exists:
					p.Changes = append(p.Changes, Change{Action: ActionCreate, Kind: kindWidget, Name: name,
						Fields: []Field{{Path: "size", New: w.Size}}, Payload: widgetChange{w}})
				case old != w:
					p.Changes = append(p.Changes, Change{Action: ActionUpdate, Kind: kindWidget, Name: name,
						Fields: []Field{{Path: "size", Old: old.Size, New: w.Size}}, Payload: widgetChange{w}})
				}
			}
			for _, name := range live.Inventory.created(kindWidget) {
				if _, declared := want[name]; !declared {
					if _, exists := have[name]; exists {
						p.Changes = append(p.Changes, Change{Action: ActionDelete, Kind: kindWidget, Name: name, Pending: !opts.AllowDelete})
					}
				}
			}
		},
		apply: func(_ context.Context, a *applier, cs []Change) {
			store, err := backend[*widgetStore](a.b, "widgets")
			if err != nil {
				a.failAll(cs, err)
				return
			}
			put := map[string]widgetSpec{}
			var del []string
			for _, c := range cs {
				if c.Action == ActionDelete {
					del = append(del, c.Name)
				} else {
					put[c.Name] = c.Payload.(widgetChange).spec
				}
			}
			store.write(put, del)
		},
		record: recordCreatedDeleted,
		risks: []riskRule{{code: "widget-shrink", match: func(p string) bool { return p == "size" }, onField: func(f Field) string {
			if f.New.(int) < f.Old.(int) {
				return "the widget shrinks"
			}
			return ""
		}}},
		export: func(live *Live, _ ExportOptions) []ExportedFile {
			var files []ExportedFile
			ws := liveWidgets(live)
			for _, name := range sortedKeys(ws) {
				files = append(files, ExportedFile{Path: "widgets/" + name + ".yaml", Data: fmt.Appendf(nil,
					"apiVersion: %s\nkind: Widget\nmetadata:\n  name: %s\nspec:\n  size: %d\n  topic: %s\n", spec.APIVersion, name, ws[name].Size, ws[name].Topic)})
			}
			return files
		},
		adopt: func(live *Live, _ ExportOptions) []ResourceKey {
			var keys []ResourceKey
			for _, name := range sortedKeys(liveWidgets(live)) {
				keys = append(keys, ResourceKey{kindWidget, name})
			}
			return keys
		},
		liveFrom: func(base *spec.State, live *Live) {
			setPart(live, kindWidget, desiredWidgets(base))
			for _, o := range base.Objects[kindWidget] {
				live.own(kindWidget, o.Name, o.Annotations)
			}
		},
	}))
}

func widgetRepo(topicName string, widgets map[string]int) fstest.MapFS {
	files := fstest.MapFS{"topic.yaml": {Data: fmt.Appendf(nil,
		"apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: %s\nspec:\n  partitions: 1\n  replicationFactor: 1\n", topicName)}}
	for name, size := range widgets {
		files["widgets/"+name+".yaml"] = &fstest.MapFile{Data: fmt.Appendf(nil,
			"apiVersion: kgitops.io/v1alpha1\nkind: Widget\nmetadata:\n  name: %s\nspec:\n  size: %d\n  topic: %s\n", name, size, topicName)}
	}
	return files
}

func TestAKindRegisteredInATestRunsEndToEnd(t *testing.T) {
	t.Cleanup(func() { // runs last: the registration is undone
		if slices.Contains(Kinds(), kindWidget) {
			t.Error("Widget still registered after its test")
		}
	})
	registerWidget(t)
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		store := &widgetStore{items: map[string]widgetSpec{}}
		backends := map[string]any{"widgets": store}
		topicName := kafkatest.Unique("widgets")
		load := func(widgets map[string]int) *spec.State {
			t.Helper()
			st, err := spec.LoadFS(widgetRepo(topicName, widgets))
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			return st
		}
		plan := func(st *spec.State, opts DiffOptions) (*Plan, *Live) {
			t.Helper()
			live, err := Observe(r.ctx(), r.cl, ObserveOptions{Inventory: r.inv, Desired: st, Backends: backends})
			if err != nil {
				t.Fatalf("observe: %v", err)
			}
			return Diff(st, live, opts), live
		}
		apply := func(p *Plan, live *Live) {
			t.Helper()
			results, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers, Known: live.Inventory, Backends: backends})
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			for _, res := range results {
				if res.Err != nil {
					t.Fatalf("apply %s %s: %v", res.Change.Kind, res.Change.Name, res.Err)
				}
			}
		}

		// Loaded, counted and planned after the topic it depends on.
		st := load(map[string]int{"alpha": 2, "beta": 1})
		if got := st.Counts(); !slices.Contains(got, spec.Count{Kind: kindWidget, Noun: "widget(s)", N: 2}) {
			t.Errorf("counts: %+v", got)
		}
		if ks := Kinds(); slices.Index(ks, kindWidget) < slices.Index(ks, KindTopic) {
			t.Errorf("Kinds() = %v: Widget must come after Topic", ks)
		}
		p, live := plan(st, DiffOptions{})
		var order []string
		for _, ch := range p.Changes {
			order = append(order, ch.Kind+" "+string(ch.Action)+" "+ch.Name)
		}
		want := []string{"Topic create " + topicName, "Widget create alpha", "Widget create beta"}
		if !slices.Equal(order, want) {
			t.Fatalf("plan order %v, want %v", order, want)
		}
		calls := store.calls
		apply(p, live)
		if store.calls != calls+1 {
			t.Errorf("applying two widgets took %d calls to the backend, want 1", store.calls-calls)
		}
		if got := store.list()["alpha"]; got.Size != 2 || got.Topic != topicName {
			t.Fatalf("backend after apply: %+v", store.items)
		}

		// Recorded: the next plan is empty, and a shrink is flagged by the kind's own risk rule.
		if p, _ := plan(st, DiffOptions{}); p.HasChanges() {
			t.Fatalf("second plan not empty: %+v", p.Changes)
		}
		p, _ = plan(load(map[string]int{"alpha": 1, "beta": 1}), DiffOptions{})
		if len(p.Changes) != 1 || len(p.Changes[0].Risks) != 1 || p.Changes[0].Risks[0].Code != "widget-shrink" {
			t.Fatalf("shrink plan: %+v", p.Changes)
		}

		// Exported from the backend, and adopted.
		live, err := Observe(r.ctx(), r.cl, ObserveOptions{Inventory: r.inv, AllAccess: true, Backends: backends})
		if err != nil {
			t.Fatal(err)
		}
		files := Export(live, ExportOptions{Filter: nil})
		var exported []string
		for _, f := range files {
			if strings.HasPrefix(f.Path, "widgets/") {
				exported = append(exported, f.Path)
			}
		}
		if !slices.Equal(exported, []string{"widgets/alpha.yaml", "widgets/beta.yaml"}) {
			t.Errorf("exported widget files: %v", exported)
		}
		if keys := AdoptionKeys(live, ExportOptions{}); !slices.Contains(keys, ResourceKey{kindWidget, "beta"}) {
			t.Errorf("adoption keys lack widget beta: %v", keys)
		}

		// Offline diff between two revisions, and deletion only with --allow-delete.
		off := Diff(load(map[string]int{"alpha": 2}), LiveFrom(st), DiffOptions{})
		if len(off.Changes) != 1 || off.Changes[0].Name != "beta" || !off.Changes[0].Pending {
			t.Fatalf("offline diff: %+v", off.Changes)
		}
		p, live = plan(load(map[string]int{"alpha": 2}), DiffOptions{AllowDelete: true})
		apply(p, live)
		if _, ok := store.list()["beta"]; ok {
			t.Fatal("beta not deleted")
		}
		r.assertNoChangesWith(load(map[string]int{"alpha": 2}), backends)
	})
}

// A Widget document with a bad field fails the load with file:line.
func TestARegisteredKindIsLoadedStrictly(t *testing.T) {
	registerWidget(t)
	_, err := spec.LoadFS(fstest.MapFS{"w.yaml": {Data: []byte("apiVersion: kgitops.io/v1alpha1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  sise: 3\n")}})
	if err == nil || !strings.Contains(err.Error(), `w.yaml:6: unknown field "sise" in spec (did you mean size?)`) {
		t.Fatalf("load error: %v", err)
	}
	// kgitops schema describes it too, so editors check Widget documents.
	for _, kind := range []string{"", kindWidget} {
		js, err := spec.JSONSchema(kind)
		if err != nil || !strings.Contains(string(js), `"const": "Widget"`) || !strings.Contains(string(js), `"minimum": 1`) {
			t.Fatalf("JSONSchema(%q): %v\n%s", kind, err, js)
		}
	}
}
