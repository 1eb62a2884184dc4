package daemon

import (
	"context"
	"strings"
	"testing"
	"time"

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
		const v1 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
		const byHand = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"x","type":"int","default":0}]}`
		h := newHarness(t, c, ModeApply, func(cfg *Config) {
			cfg.Interval = enforceInterval
			cfg.AllowDelete = true
			cfg.Backends = map[string]any{reconcile.BackendSchemaRegistry: reg}
		})
		rev := h.src.push(map[string]string{
			"orders.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata: {name: orders}\nspec:\n  subject: " + subject + "\n  type: AVRO\n  schemaFile: orders.avsc\n",
			"orders.avsc": v1,
		})
		h.start()
		h.waitFor("the schema registered", func(s Status) bool { return s.LastAppliedRevision == rev && s.LastError == "" })
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := reg.CreateSchema(ctx, subject, sr.Schema{Schema: byHand, Type: sr.TypeAvro}); err != nil {
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
