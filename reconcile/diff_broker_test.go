package reconcile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kgitops/kgitops/export"
	"github.com/kgitops/kgitops/spec"
)

// brokerLive is a Live with brokers 1, 2 and 3 registered, and the given
// levels' overrides.
func brokerLive(levels map[string]LiveBrokerConfig, inv ...string) *Live {
	all := map[string]LiveBrokerConfig{spec.DefaultBroker: {}, "1": {}, "2": {}, "3": {}}
	for k, v := range levels {
		all[k] = v
	}
	live := &Live{Brokers: 3, RegisteredBrokers: 3, Inventory: Inventory{Entries: map[ResourceKey]InventoryEntry{}}}
	for _, name := range inv {
		live.Inventory.Entries[ResourceKey{KindBrokerConfig, name}] = InventoryEntry{}
	}
	setBrokerLevels(live, all)
	return live
}

func brokerDoc(broker string, configs map[string]string) spec.BrokerConfig {
	return spec.BrokerConfig{Name: "b-" + broker, Broker: broker, Configs: configs, Pos: spec.Pos{File: "brokers.yaml", Line: 2}}
}

// planText is a plan's changes, refusals and blocks, one line each, as a
// reviewer reads them.
func planText(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		line := string(c.Action) + " " + c.Kind + " " + c.Name
		if c.Pending {
			line += " (pending)"
		}
		if c.Requested {
			line += " (requested)"
		}
		for _, f := range c.Fields {
			line += " | " + f.Path + ": " + shownValue(f.Old) + " -> " + shownValue(f.New)
		}
		out = append(out, line)
	}
	for _, e := range p.Errors {
		out = append(out, "error "+e.Kind+" "+e.Name+": "+e.Message)
	}
	for _, e := range p.Blocked {
		out = append(out, "blocked "+e.Kind+" "+e.Name+": "+e.Message)
	}
	return out
}

func shownValue(v any) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(v)
}

func TestDiffBrokerConfigs(t *testing.T) {
	secret := map[string]Secret{BrokerSecretKey("1", "listener.name.internal.ssl.keystore.password"): NewSecret("ks-password")}
	applied, err := hashCredential("listener.name.internal.ssl.keystore.password", 0, NewSecret("ks-password"))
	if err != nil {
		t.Fatal(err)
	}
	withSecret := func(b spec.BrokerConfig) spec.BrokerConfig {
		b.Secrets = map[string]spec.PasswordSource{"listener.name.internal.ssl.keystore.password": {Env: "KS_PW"}}
		return b
	}
	hashed := func(live *Live, hash string) *Live {
		live.Inventory.Entries[ResourceKey{KindBrokerConfig, "1"}] = InventoryEntry{ValueHashes: encodeValueHashes(map[string]string{"listener.name.internal.ssl.keystore.password": hash})}
		return live
	}
	ksSet := map[string]LiveBrokerConfig{"1": {Secrets: map[string]string{"listener.name.internal.ssl.keystore.password": ""}}}
	tests := []struct {
		name    string
		desired []spec.BrokerConfig
		base    []spec.BrokerConfig
		live    *Live
		opts    DiffOptions
		want    []string
	}{
		{
			name:    "a new default",
			desired: []spec.BrokerConfig{brokerDoc(spec.DefaultBroker, map[string]string{"log.retention.ms": "604800000", "message.max.bytes": "2097152"})},
			live:    brokerLive(nil),
			want:    []string{"create BrokerConfig default | configs.log.retention.ms: - -> 604800000 | configs.message.max.bytes: - -> 2097152"},
		},
		{
			name:    "equal values in other forms are no change",
			desired: []spec.BrokerConfig{brokerDoc(spec.DefaultBroker, map[string]string{"log.retention.ms": "7d", "log.cleanup.policy": "compact,delete"})},
			live:    brokerLive(map[string]LiveBrokerConfig{spec.DefaultBroker: {Configs: map[string]string{"log.retention.ms": "604800000", "log.cleanup.policy": "delete,compact"}}}),
		},
		{
			name:    "a changed value and drift",
			desired: []spec.BrokerConfig{brokerDoc("2", map[string]string{"log.cleaner.threads": "2"})},
			live:    brokerLive(map[string]LiveBrokerConfig{"2": {Configs: map[string]string{"log.cleaner.threads": "1", "num.io.threads": "16"}}}),
			want:    []string{"update BrokerConfig 2 | configs.log.cleaner.threads: 1 -> 2 | configs.num.io.threads: 16 -> -"},
		},
		{
			name: "ignored, throttles and the cluster-wide min.insync.replicas are left alone",
			desired: []spec.BrokerConfig{
				{Name: "d", Broker: spec.DefaultBroker, IgnoreConfigs: []string{"confluent.*"}},
				brokerDoc("1", nil),
			},
			live: brokerLive(map[string]LiveBrokerConfig{
				spec.DefaultBroker: {Configs: map[string]string{"min.insync.replicas": "1", "confluent.x": "y", "leader.replication.throttled.rate": "1000"}},
				"1":                {Configs: map[string]string{"follower.replication.throttled.rate": "1000", "min.insync.replicas": "2"}},
			}),
			want: []string{"update BrokerConfig 1 | configs.min.insync.replicas: 2 -> -"},
		},
		{
			name:    "a declared throttle is managed",
			desired: []spec.BrokerConfig{brokerDoc("1", map[string]string{"leader.replication.throttled.rate": "2000"})},
			live:    brokerLive(map[string]LiveBrokerConfig{"1": {Configs: map[string]string{"leader.replication.throttled.rate": "1000"}}}),
			want:    []string{"update BrokerConfig 1 | configs.leader.replication.throttled.rate: 1000 -> 2000"},
		},
		{
			name:    "a secret not set yet",
			desired: []spec.BrokerConfig{withSecret(brokerDoc("1", nil))},
			live:    brokerLive(nil),
			opts:    DiffOptions{BrokerSecrets: secret},
			want:    []string{"create BrokerConfig 1 | configs.listener.name.internal.ssl.keystore.password: - -> (set from env KS_PW)"},
		},
		{
			name:    "a secret kgitops did not set",
			desired: []spec.BrokerConfig{withSecret(brokerDoc("1", nil))},
			live:    brokerLive(ksSet),
			opts:    DiffOptions{BrokerSecrets: secret},
			want:    []string{"update BrokerConfig 1 | configs.listener.name.internal.ssl.keystore.password: (not set by kgitops) -> (set from env KS_PW)"},
		},
		{
			name:    "the secret kgitops applied",
			desired: []spec.BrokerConfig{withSecret(brokerDoc("1", nil))},
			live:    hashed(brokerLive(ksSet), applied),
			opts:    DiffOptions{BrokerSecrets: secret},
		},
		{
			name:    "a changed secret",
			desired: []spec.BrokerConfig{withSecret(brokerDoc("1", nil))},
			live:    hashed(brokerLive(ksSet), "pbkdf2-sha512$16384$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
			opts:    DiffOptions{BrokerSecrets: secret},
			want:    []string{"update BrokerConfig 1 | configs.listener.name.internal.ssl.keystore.password: (applied earlier) -> (changed, from env KS_PW)"},
		},
		{
			name:    "a secret set out of band is removed as drift, unshown",
			desired: []spec.BrokerConfig{brokerDoc("1", nil)},
			live:    brokerLive(ksSet),
			want:    []string{"update BrokerConfig 1 | configs.listener.name.internal.ssl.keystore.password: (sensitive: Kafka never returns it) -> -"},
		},
		{
			name:    "no secret given",
			desired: []spec.BrokerConfig{withSecret(brokerDoc("1", nil))},
			live:    brokerLive(nil),
			want:    []string{"error BrokerConfig 1: no value was given for listener.name.internal.ssl.keystore.password to compare with: read it from its valueFrom before planning"},
		},
		{
			name:    "an unknown broker",
			desired: []spec.BrokerConfig{brokerDoc("7", map[string]string{"log.cleaner.threads": "2"})},
			live:    brokerLive(nil),
			want:    []string{"error BrokerConfig 7: broker 7 is not registered with the cluster, whose brokers are 1, 2, 3: in BrokerConfig b-7, set broker to the node.id of one of them, or remove the document"},
		},
		{
			name:    "a broker gone under an accepted revision",
			desired: []spec.BrokerConfig{brokerDoc("7", nil)},
			base:    []spec.BrokerConfig{brokerDoc("7", nil)},
			live:    brokerLive(nil),
			want: []string{"blocked BrokerConfig 7: broker 7 is not registered with the cluster, whose brokers are 1, 2, 3: in BrokerConfig b-7, set broker to the node.id of one of them, or remove the document; " +
				"the repo asked for this before the cluster changed, so only this resource waits for a person"},
		},
		{
			name:    "a broker that is down",
			desired: []spec.BrokerConfig{brokerDoc("3", map[string]string{"log.cleaner.threads": "2"})},
			live:    brokerLive(map[string]LiveBrokerConfig{"3": {Down: true}}),
			want:    []string{"blocked BrokerConfig 3: broker 3 is down: its configs are read, and changed, once it is back"},
		},
		{
			name: "removed from the repo: pending",
			live: brokerLive(map[string]LiveBrokerConfig{spec.DefaultBroker: {Configs: map[string]string{"log.retention.ms": "1", "min.insync.replicas": "1"}}}, spec.DefaultBroker),
			opts: DiffOptions{AllowEmpty: true},
			want: []string{"delete BrokerConfig default (pending) | configs.log.retention.ms: 1 -> -"},
		},
		{
			name: "removed from the repo, with --allow-delete",
			live: brokerLive(map[string]LiveBrokerConfig{"2": {Configs: map[string]string{"log.cleaner.threads": "2"}, Secrets: map[string]string{"sasl.jaas.config": ""}}}, "2"),
			opts: DiffOptions{AllowDelete: true, AllowEmpty: true},
			want: []string{"delete BrokerConfig 2 | configs.log.cleaner.threads: 2 -> - | configs.sasl.jaas.config: (sensitive: Kafka never returns it) -> -"},
		},
		{
			name: "removed from the repo, not kgitops'",
			live: brokerLive(map[string]LiveBrokerConfig{"2": {Configs: map[string]string{"log.cleaner.threads": "2"}}}),
			opts: DiffOptions{AllowDelete: true},
		},
		{
			name: "a deletion written in git",
			desired: []spec.BrokerConfig{{Name: "gone", Broker: "2", IgnoreConfigs: []string{"num.*"}, Pos: spec.Pos{File: "b.yaml", Line: 3},
				Annotations: map[string]string{spec.AnnotationDelete: "true"}}},
			live: brokerLive(map[string]LiveBrokerConfig{"2": {Configs: map[string]string{"log.cleaner.threads": "2", "num.io.threads": "16"}}}),
			opts: DiffOptions{AllowDelete: true},
			want: []string{"delete BrokerConfig 2 (requested) | configs.log.cleaner.threads: 2 -> -"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if tt.base != nil {
				opts.Baseline = &spec.State{BrokerConfigs: tt.base}
			}
			p := Diff(&spec.State{BrokerConfigs: tt.desired}, tt.live, opts)
			if d := cmp.Diff(tt.want, planText(p)); d != "" {
				t.Errorf("plan (-want +got):\n%s", d)
			}
		})
	}
}

// TestDiffBrokerConfigProtection pins kgitops.io/prevent-destroy on a
// BrokerConfig: recorded with the change, and then no plan deletes the
// level.
func TestDiffBrokerConfigProtection(t *testing.T) {
	b := brokerDoc("1", map[string]string{"log.cleaner.threads": "2"})
	b.Annotations = map[string]string{spec.AnnotationPreventDestroy: "true"}
	p := Diff(&spec.State{BrokerConfigs: []spec.BrokerConfig{b}}, brokerLive(nil), DiffOptions{})
	want := []string{"create BrokerConfig 1 | configs.log.cleaner.threads: - -> 2 | annotations.kgitops.io/prevent-destroy: - -> true"}
	if d := cmp.Diff(want, planText(p)); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
	if pr := p.Changes[0].Payload.(*BrokerConfigChange).Protect; pr == nil || !*pr {
		t.Errorf("the change does not carry the protection: %v", pr)
	}

	live := brokerLive(map[string]LiveBrokerConfig{"1": {Configs: map[string]string{"log.cleaner.threads": "2"}}})
	live.Inventory.Entries[ResourceKey{KindBrokerConfig, "1"}] = InventoryEntry{PreventDestroy: true}
	p = Diff(&spec.State{Topics: []spec.Topic{{Name: "t", Partitions: 1, ReplicationFactor: 1}}}, live, DiffOptions{AllowDelete: true})
	if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "protected by "+spec.AnnotationPreventDestroy) {
		t.Errorf("deleting a protected BrokerConfig: errors %v", p.Errors)
	}
}

// TestDiffBrokerConfigOffline is the offline diff between two revisions:
// a new broker id is no refusal (no cluster to ask), and a secret is
// compared by where it comes from.
func TestDiffBrokerConfigOffline(t *testing.T) {
	ks := "listener.name.internal.ssl.keystore.password"
	b1 := brokerDoc("1", map[string]string{"log.cleaner.threads": "2"})
	b1.Secrets = map[string]spec.PasswordSource{ks: {Env: "OLD_PW"}}
	head := b1
	head.Configs = map[string]string{"log.cleaner.threads": "3"}
	head.Secrets = map[string]spec.PasswordSource{ks: {File: "new-pw"}}
	p := Diff(&spec.State{BrokerConfigs: []spec.BrokerConfig{head, brokerDoc("9", map[string]string{"log.cleaner.threads": "1"})}},
		LiveFrom(&spec.State{BrokerConfigs: []spec.BrokerConfig{b1, brokerDoc(spec.DefaultBroker, map[string]string{"log.retention.ms": "1"})}}), DiffOptions{})
	want := []string{
		"delete BrokerConfig default (pending) | configs.log.retention.ms: 1 -> -",
		"update BrokerConfig 1 | configs.listener.name.internal.ssl.keystore.password: (from env OLD_PW) -> (changed, from file new-pw) | configs.log.cleaner.threads: 2 -> 3",
		"create BrokerConfig 9 | configs.log.cleaner.threads: - -> 1",
	}
	if d := cmp.Diff(want, planText(p)); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
}

// TestExportBrokerConfigsPlansEmpty exports overrides, loads the export
// back, and plans it against the same cluster: nothing to change, and the
// sensitive value appears nowhere.
func TestExportBrokerConfigsPlansEmpty(t *testing.T) {
	live := brokerLive(map[string]LiveBrokerConfig{
		spec.DefaultBroker: {Configs: map[string]string{"log.retention.ms": "604800000", "min.insync.replicas": "1", "leader.replication.throttled.rate": "10"}},
		"2": {Configs: map[string]string{"log.cleaner.threads": "2", "x.vendor.flag": "on", "ssl.cipher.suites": "A,B"},
			Secrets: map[string]string{"listener.name.internal.ssl.keystore.password": ""}},
	})
	files := Export(live, ExportOptions{Units: true})
	dir := t.TempDir()
	if err := export.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, f := range files {
		all.Write(f.Data)
	}
	for _, want := range []string{"log.retention.ms: 7d", "# listener.name.internal.ssl.keystore.password: {valueFrom: {env: CHANGE_ME}}", "- x.vendor.flag # not in kgitops' table"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the export lacks %q:\n%s", want, all.String())
		}
	}
	if strings.Contains(all.String(), "throttled") {
		t.Errorf("the export holds a replication throttle:\n%s", all.String())
	}
	st, err := spec.Load(dir)
	if err != nil {
		t.Fatalf("the export does not load: %v\n%s", err, all.String())
	}
	if p := Diff(st, live, DiffOptions{}); p.HasChanges() || len(p.Errors) > 0 {
		t.Errorf("the export plans changes: %v", planText(p))
	}
	keys := AdoptionKeys(live, ExportOptions{})
	if d := cmp.Diff([]ResourceKey{{KindBrokerConfig, spec.DefaultBroker}, {KindBrokerConfig, "2"}}, keys); d != "" {
		t.Errorf("adoption keys (-want +got):\n%s", d)
	}
}
