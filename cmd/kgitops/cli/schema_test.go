package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/kgitops/kgitops/spec"
)

// runSchema runs the schema command alone, as cli.go's root would.
func runSchema(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newSchema(&env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return out.String(), err
}

func TestSchema(t *testing.T) {
	all, err := spec.JSONSchema("")
	if err != nil {
		t.Fatal(err)
	}
	topic, err := spec.JSONSchema(spec.KindTopic)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"every kind", nil, string(all)},
		{"json", []string{"-o", "json"}, string(all)},
		{"one kind", []string{"--kind", "Topic", "--output", "json"}, string(topic)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := runSchema(t, tc.args...)
			if err != nil {
				t.Fatalf("schema %v: %v", tc.args, err)
			}
			if got != tc.want {
				t.Errorf("schema %v printed %d bytes, want JSONSchema's %d", tc.args, len(got), len(tc.want))
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(got), &v); err != nil || v["$schema"] != spec.JSONSchemaDialect {
				t.Errorf("schema %v printed no draft 2020-12 schema: %v", tc.args, err)
			}
		})
	}
}

func TestSchemaErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--kind", "Topics"}, `--kind: unknown kind "Topics" (did you mean Topic? kinds: ACL, BrokerConfig, Policy, Quota, Role, RoleBinding, Schema, Settings, Topic, TopicProfile, User)`},
		{[]string{"--kind", "topic"}, `--kind: unknown kind "topic" (did you mean Topic? kinds: ACL, BrokerConfig, Policy, Quota, Role, RoleBinding, Schema, Settings, Topic, TopicProfile, User)`},
		{[]string{"-o", "yaml"}, `-o "yaml": want json`},
	}
	for _, tc := range tests {
		out, err := runSchema(t, tc.args...)
		var xe *exitError
		if !errors.As(err, &xe) || xe.code != ExitError || err.Error() != tc.want {
			t.Errorf("schema %v = %v, want exit %d with %s", tc.args, err, ExitError, tc.want)
		}
		if out != "" {
			t.Errorf("schema %v printed %q along with the error", tc.args, out)
		}
	}
	if _, err := runSchema(t, "extra"); err == nil {
		t.Error("schema with an argument succeeded")
	}
}
