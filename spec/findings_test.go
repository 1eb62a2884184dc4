package spec

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// policyDoc is a Policy document with the given spec.topics rules.
func policyDoc(name, extra, topics string) string {
	return fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: Policy\nmetadata: {name: %s}\nspec:\n%s  topics:\n%s", name, extra, topics)
}

func shopTopic(name, spec string) string {
	return fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: {name: %s, labels: {team: shop}}\nspec: %s\n", name, spec)
}

// TestFindings checks every rule: each case loads one topic (and maybe a
// policy) and expects exactly the listed findings, as "rule severity
// line: message-fragment".
func TestFindings(t *testing.T) {
	const ok = "{partitions: 6, replicationFactor: 3, configs: {min.insync.replicas: 2, retention.ms: 7d}}"
	tests := []struct {
		name   string
		policy string // extra spec lines, then "|" then topics rules
		topic  string
		want   []string
	}{
		{"nothing wrong", "", ok, nil},
		{"min ISR above RF", "", "{partitions: 1, replicationFactor: 2, configs: {min.insync.replicas: 3}}",
			[]string{"min-isr-above-rf error 4: min.insync.replicas 3 is above the replication factor 2"}},
		{"min ISR equals RF", "", "{partitions: 1, replicationFactor: 3, configs: {min.insync.replicas: 3}}",
			[]string{"min-isr-equals-rf warn 4: one broker down stops writes"}},
		{"RF 1", "", "{partitions: 1, replicationFactor: 1}",
			[]string{"rf-one-outside-ephemeral warn 4: replication factor 1"}},
		{"RF 1 in ephemeral", "", "{profile: ephemeral, partitions: 1}", nil},
		{"disabled built-in", "  disable: [min-isr-equals-rf]\n|    partitions: {min: 1}\n", "{partitions: 1, replicationFactor: 3, configs: {min.insync.replicas: 3}}", nil},
		{"name pattern", "|    namePattern: '^shop\\.[a-z]+$'\n", ok,
			[]string{`p/namePattern error 3: name "t-1" does not match ^shop\.[a-z]+$`}},
		{"name pattern warn", "|    namePattern: {pattern: '^shop\\.', severity: warn}\n", ok,
			[]string{`p/namePattern warn 3: name "t-1" does not match`}},
		{"partitions", "|    partitions: {min: 8, max: 60}\n", ok,
			[]string{"p/partitions error 4: partitions 6 is below the minimum 8; set partitions: 8 or more"}},
		{"replication", "|    replicationFactor: {min: 4}\n", ok,
			[]string{"p/replicationFactor error 4: replicationFactor 3 is below the minimum 4"}},
		{"required", "|    requiredConfigs: [retention.ms, retention.bytes]\n", ok,
			[]string{"p/requiredConfigs error 4: configs.retention.bytes is required"}},
		{"forbidden", "|    forbiddenConfigs: {keys: [min.insync.replicas], severity: warn}\n", ok,
			[]string{"p/forbiddenConfigs warn 4: configs.min.insync.replicas is forbidden"}},
		{"config max with units", "|    configs:\n      retention.ms: {max: 3d}\n", ok,
			[]string{"p/configs.retention.ms error 4: configs.retention.ms 7d (604800000) is above the maximum 3d (259200000)"}},
		{"config max and unlimited", "|    configs:\n      retention.ms: {max: 30d}\n", "{partitions: 6, replicationFactor: 3, configs: {min.insync.replicas: 2, retention.ms: -1}}",
			[]string{"p/configs.retention.ms error 4: configs.retention.ms -1 is above the maximum 30d"}},
		{"config min", "|    configs:\n      retention.ms: {min: 14d}\n", ok,
			[]string{"p/configs.retention.ms error 4: configs.retention.ms 7d (604800000) is below the minimum 14d (1209600000)"}},
		{"config oneOf", "|    configs:\n      cleanup.policy: {oneOf: [compact]}\n", "{partitions: 6, replicationFactor: 3, configs: {min.insync.replicas: 2, cleanup.policy: delete}}",
			[]string{"p/configs.cleanup.policy error 4: configs.cleanup.policy delete is not one of compact"}},
		{"config oneOf list", "|    configs:\n      cleanup.policy: {oneOf: ['delete,compact']}\n", "{partitions: 6, replicationFactor: 3, configs: {min.insync.replicas: 2, cleanup.policy: [compact, delete]}}", nil},
		{"profiles", "|    profiles: [durable]\n", ok,
			[]string{"p/profiles error 2: no profile is not allowed; use one of durable"}},
		{"profiles none", "|    profiles: [durable, none]\n", ok, nil},
		{"profile set value", "|    configs:\n      retention.ms: {max: 1h}\n", "{profile: event-log, partitions: 3}",
			[]string{"p/configs.retention.ms error 4: configs.retention.ms 30d (2592000000) is above the maximum 1h"}},
		{"out of scope", "  match: {labels: {team: billing}}\n|    partitions: {min: 100}\n", ok, nil},
		{"in scope", "  match: {namePattern: '^t-', labels: {team: shop}}\n|    partitions: {min: 100}\n", ok,
			[]string{"p/partitions error 4: partitions 6 is below the minimum 100"}},
		{"policy severity", "  severity: warn\n|    partitions: {min: 100}\n", ok,
			[]string{"p/partitions warn 4: partitions 6 is below"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docs := shopTopic("t-1", tc.topic)
			if tc.policy != "" {
				extra, rules, _ := strings.Cut(tc.policy, "|")
				docs += "---\n" + policyDoc("p", extra, rules)
			}
			st := loadString(t, docs)
			var got []string
			for _, f := range st.Findings() {
				got = append(got, fmt.Sprintf("%s %s %d: %s", f.Rule, f.Severity, f.Line, f.Message))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w[:strings.Index(w, ":")+1]) || !strings.Contains(got[i], w[strings.Index(w, ":")+2:]) {
					t.Errorf("finding %d = %q, want %q", i, got[i], w)
				}
			}
		})
	}
}

// maxTopicsPerTeam counts a team's topics in the policy's scope.
func TestMaxTopicsPerTeam(t *testing.T) {
	docs := policyDoc("p", "", "    maxTopicsPerTeam: 2\n")
	for i := range 3 {
		docs += "---\n" + shopTopic(fmt.Sprintf("t-%d", i), "{partitions: 1, replicationFactor: 3}")
	}
	fs := loadString(t, docs).Findings()
	if len(fs) != 1 || fs[0].Rule != "p/maxTopicsPerTeam" || fs[0].Kind != KindPolicy || !strings.Contains(fs[0].Message, "team shop declares 3 topics, more than the 2") || fs[0].Line != 6 {
		t.Fatalf("findings: %+v", fs)
	}
}

// A Policy lets vendor keys through by prefix, or turns the loader's key
// and value checks off, for the topics in its scope only.
func TestPolicyTurnsLoaderChecksOff(t *testing.T) {
	vendor := shopTopic("t-1", "{partitions: 1, replicationFactor: 3, configs: {confluent.placement.constraints: x}}")
	if _, err := LoadFS(mapFS(vendor)); err == nil || !strings.Contains(err.Error(), `unknown topic config "confluent.placement.constraints"`) {
		t.Fatalf("without a policy: %v", err)
	}
	allow := "---\n" + policyDoc("p", "  match: {labels: {team: shop}}\n", "    allowConfigPrefixes: [confluent.]\n")
	if st, err := LoadFS(mapFS(vendor + allow)); err != nil || st.Topics[0].Configs["confluent.placement.constraints"] != "x" {
		t.Fatalf("with allowConfigPrefixes: %v", err)
	}
	other := "---\n" + policyDoc("p", "  match: {labels: {team: billing}}\n", "    allowConfigPrefixes: [confluent.]\n")
	if _, err := LoadFS(mapFS(vendor + other)); err == nil {
		t.Fatal("a policy out of scope let the key through")
	}
	off := "---\napiVersion: kgitops.io/v1alpha1\nkind: Policy\nmetadata: {name: off}\nspec: {disable: [unknown-config, config-value]}\n"
	bad := shopTopic("t-2", "{partitions: 1, replicationFactor: 3, configs: {x.y: 1, retention.ms: soon}}")
	if st, err := LoadFS(mapFS(bad + off)); err != nil || st.Topics[0].Configs["retention.ms"] != "soon" {
		t.Fatalf("with unknown-config and config-value off: %v", err)
	}
}

func mapFS(yaml string) fstest.MapFS { return fstest.MapFS{"a.yaml": {Data: []byte(yaml)}} }
