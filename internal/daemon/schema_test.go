package daemon

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
)

// A version registered by hand is drift: in apply mode the daemon puts
// the repo's schema back on top (soft-deleting the version by hand, as
// the registry holds the repo's schema already), through the same
// metrics as every kind.
func TestRevertsSchemaDrift(t *testing.T) {
	url := kafkatest.Registry(t)
	if url == "" {
		t.Skipf("needs a schema registry: set %s (internal/testbroker/registry.sh)", kafkatest.EnvSchemaRegistry)
	}
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		reg, subject := schemaSubject(t, url)
		h := newHarness(t, c, ModeApply, func(cfg *Config) {
			cfg.Interval = enforceInterval
			cfg.AllowDelete = true
			cfg.Backends = map[string]any{reconcile.BackendSchemaRegistry: reg}
		})
		rev := h.src.push(schemaRepo(subject, orderV1))
		h.start()
		h.waitFor("the schema registered", func(s Status) bool { return s.LastAppliedRevision == rev && s.LastError == "" })
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := reg.CreateSchema(ctx, subject, sr.Schema{Schema: orderByHand, Type: sr.TypeAvro}); err != nil {
			t.Fatal(err)
		}
		updates := func() float64 {
			return h.metric("kgitops_applied_changes_total", map[string]string{"kind": "Schema", "action": "update"})
		}
		base := h.d.Status().Passes
		for {
			ss, err := reg.SchemaByVersion(ctx, subject, -1)
			if err == nil && updates() >= 1 && !strings.Contains(ss.Schema.Schema, `"x"`) {
				break
			}
			if s := h.d.Status(); s.Passes >= base+4 {
				t.Fatalf("drift not reverted within %d passes; latest %+v (%v); status %+v", s.Passes-base, ss, err, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if s := h.passesAfter(2); s.LastError != "" || len(s.Drift) != 0 {
			t.Errorf("after the revert: error %q, drift %+v", s.LastError, s.Drift)
		}
	})
}

const (
	orderV1     = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
	orderV2     = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"total","type":"long","default":0}]}`
	orderByHand = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"x","type":"int","default":0}]}`
)

// schemaSubject returns a registry client and a fresh subject, deleted
// (soft, then hard) when the test ends.
func schemaSubject(t *testing.T, url string) (*sr.Client, string) {
	t.Helper()
	reg, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	subject := kafkatest.Unique("daemon-orders") + "-value"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = reg.DeleteSubject(ctx, subject, sr.SoftDelete)
		_, _ = reg.DeleteSubject(ctx, subject, sr.HardDelete)
	})
	return reg, subject
}

// schemaRepo is a repo with one Schema document for subject.
func schemaRepo(subject, avsc string) map[string]string {
	return map[string]string{
		"orders.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata: {name: orders}\nspec:\n  subject: " + subject + "\n  type: AVRO\n  schemaFile: orders.avsc\n",
		"orders.avsc": avsc,
	}
}

// In detect mode a version registered by hand is reported, as drift in
// the status and the drift gauge, and left alone.
func TestReportsSchemaDrift(t *testing.T) {
	url := kafkatest.Registry(t)
	if url == "" {
		t.Skipf("needs a schema registry: set %s (internal/testbroker/registry.sh)", kafkatest.EnvSchemaRegistry)
	}
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		reg, subject := schemaSubject(t, url)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := reg.CreateSchema(ctx, subject, sr.Schema{Schema: orderV1, Type: sr.TypeAvro}); err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, c, ModeDetect, func(cfg *Config) {
			cfg.Backends = map[string]any{reconcile.BackendSchemaRegistry: reg}
		})
		h.src.push(schemaRepo(subject, orderV1))
		h.start()
		if s := h.passesAfter(2); s.LastError != "" || len(s.Drift) != 0 {
			t.Fatalf("the registry holds the repo's schema: error %q, drift %+v", s.LastError, s.Drift)
		}
		if _, err := reg.CreateSchema(ctx, subject, sr.Schema{Schema: orderByHand, Type: sr.TypeAvro}); err != nil {
			t.Fatal(err)
		}
		s := h.waitFor("the drift reported", func(s Status) bool { return len(s.Drift) > 0 })
		d := s.Drift[0]
		if len(s.Drift) != 1 || d.Kind != "Schema" || d.Name != subject || d.Action != "update" {
			t.Fatalf("drift %+v", s.Drift)
		}
		var removed bool
		for _, f := range d.Fields {
			removed = removed || f.Path == "fields.x"
		}
		if !removed {
			t.Errorf("the drift does not name the field added by hand: %+v", d.Fields)
		}
		if got := h.metric("kgitops_drift_resources", map[string]string{"kind": "Schema"}); got != 1 {
			t.Errorf("kgitops_drift_resources{kind=Schema} = %v, want 1", got)
		}
		ss, err := reg.SchemaByVersion(ctx, subject, -1)
		if err != nil || ss.Version != 2 || !strings.Contains(ss.Schema.Schema, `"x"`) {
			t.Errorf("detect mode changed the registry: latest %+v (%v)", ss, err)
		}
	})
}

// Every applied schema change is published to the audit topic as every
// other kind's is: Schema/<subject>, the action and the fields.
func TestAuditsSchemaChanges(t *testing.T) {
	url := kafkatest.Registry(t)
	if url == "" {
		t.Skipf("needs a schema registry: set %s (internal/testbroker/registry.sh)", kafkatest.EnvSchemaRegistry)
	}
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		reg, subject := schemaSubject(t, url)
		auditTopic := kafkatest.Unique("audit")
		h := newHarness(t, c, ModeApply, func(cfg *Config) {
			cfg.Audit = &Auditor{Client: cfg.Client, Topic: auditTopic, Source: "test repo"}
			cfg.Backends = map[string]any{reconcile.BackendSchemaRegistry: reg}
		})
		first := h.src.push(schemaRepo(subject, orderV1))
		h.start()
		h.waitFor("created", func(s Status) bool { return s.LastAppliedRevision == first })
		second := h.src.push(schemaRepo(subject, orderV2))
		h.waitFor("updated", func(s Status) bool { return s.LastAppliedRevision == second })

		cl := c.Client(t, kgo.ConsumeTopics(auditTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var events []ChangeEvent
		for len(events) < 2 {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				t.Fatalf("got %d audit events, want 2: %+v", len(events), events)
			}
			fs.EachRecord(func(r *kgo.Record) {
				var ev ChangeEvent
				if err := json.Unmarshal(r.Value, &ev); err != nil {
					t.Fatalf("audit event is not JSON: %v", err)
				}
				if string(r.Key) != "Schema/"+subject {
					t.Errorf("event key %q", r.Key)
				}
				events = append(events, ev)
			})
		}
		create, update := events[0], events[1]
		if create.Subject != "Schema/"+subject || create.Data.Revision != first || create.Data.Action != "create" || create.Data.After["type"] != "AVRO" {
			t.Errorf("create event: %+v", create)
		}
		if update.Data.Revision != second || update.Data.Action != "update" || update.Data.After["fields.total"] == nil {
			t.Errorf("update event: %+v", update)
		}
	})
}
