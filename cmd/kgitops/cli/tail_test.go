package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// tailTopic creates a Unique topic with n partitions for the tail and
// produce tests, deleted when the test ends.
func tailTopic(t *testing.T, c *kafkatest.Cluster, prefix string, n int32) string {
	t.Helper()
	adm := c.Admin(t)
	name := kafkatest.Unique(prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := adm.CreateTopic(ctx, n, 1, nil, name)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopics(ctx, name)
	})
	kafkatest.WaitForTopics(t, adm, name)
	return name
}

// inputFile writes content to a file for produce --input.
func inputFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tailLine is one line of tail -o json.
type tailLine struct {
	Partition   int32             `json:"partition"`
	Offset      int64             `json:"offset"`
	Timestamp   string            `json:"timestamp"`
	Key         json.RawMessage   `json:"key"`
	KeyFormat   string            `json:"key_format"`
	Headers     map[string]any    `json:"headers"`
	Value       json.RawMessage   `json:"value"`
	ValueFormat string            `json:"value_format"`
	Schema      map[string]any    `json:"schema"`
	Extra       map[string]string `json:"-"`
}

func tailJSON(t *testing.T, r result) []tailLine {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("tail:\n%s", r)
	}
	var out []tailLine
	d := json.NewDecoder(strings.NewReader(r.stdout))
	for d.More() {
		var l tailLine
		if err := d.Decode(&l); err != nil {
			t.Fatalf("tail -o json: %v\n%s", err, r)
		}
		out = append(out, l)
	}
	return out
}

// Records written by produce come back from tail with their keys,
// headers, partitions and values, binary ones included.
func TestProduceTailRoundTrip(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		topic := tailTopic(t, c, "roundtrip", 2)
		conn := []string{"--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--timeout", "30s"}
		jsonIn := inputFile(t, `{"key":"k1","value":{"n":1,"user":{"name":"ada"}},"headers":{"trace":"t-1"},"partition":0}
{"key":"k2","value":"plain text","partition":1}

{"value":null,"partition":0}
`)
		r := kgitopsPayload(t, nil, append([]string{"produce", topic, "--format", "json", "--input", jsonIn}, conn...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "line 1: partition 0 offset 0\n") || !strings.Contains(r.stdout, "line 2: partition 1 offset 0\n") ||
			!strings.Contains(r.stdout, "line 4: partition 0 offset 1\n") {
			t.Fatalf("produce --format json:\n%s", r)
		}
		textIn := inputFile(t, "k3\t\x01\xff\xfe\njust a value\n")
		r = kgitopsPayload(t, nil, append([]string{"produce", topic, "--input", textIn, "--compression", "zstd", "-o", "json"}, conn...)...)
		if r.code != 0 || strings.Count(r.stdout, `"offset"`) != 2 {
			t.Fatalf("produce text:\n%s", r)
		}
		r = kgitopsPayload(t, nil, append([]string{"produce", topic, "--key", "k4", "--value", "acked by nobody", "--acks", "0"}, conn...)...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "line 1: partition ") || strings.Contains(r.stdout, "offset") ||
			!strings.Contains(r.stderr, "--acks 0: the brokers acknowledge nothing") {
			t.Fatalf("produce --acks 0:\n%s", r)
		}

		tail := func(extra ...string) []tailLine {
			return tailJSON(t, kgitopsPayload(t, nil, append(append([]string{"tail", topic, "-o", "json"}, conn...), extra...)...))
		}
		got := tail()
		if len(got) != 6 {
			t.Fatalf("tail printed %d records, want 6: %+v", len(got), got)
		}
		byKey := map[string]tailLine{}
		for _, l := range got {
			byKey[string(l.Key)] = l
			if _, err := time.Parse(time.RFC3339, l.Timestamp); err != nil || !strings.Contains(l.Timestamp, ".") {
				t.Errorf("timestamp %q is not RFC 3339 with ms", l.Timestamp)
			}
		}
		k1 := byKey[`"k1"`]
		if k1.Partition != 0 || string(k1.Value) != `{"n":1,"user":{"name":"ada"}}` || k1.ValueFormat != "json" || k1.Headers["trace"] != "t-1" {
			t.Errorf("k1: %+v", k1)
		}
		if l := byKey[`"k2"`]; l.Partition != 1 || string(l.Value) != `"plain text"` || l.ValueFormat != "text" {
			t.Errorf("k2: %+v", l)
		}
		if l := byKey[`"k3"`]; string(l.Value) != `"01fffe"` || l.ValueFormat != "hex" {
			t.Errorf("k3 (binary): %+v", l)
		}
		if l := byKey[`"k4"`]; string(l.Value) != `"acked by nobody"` {
			t.Errorf("k4 (acks 0): %+v", l)
		}
		nulls := 0
		for _, l := range got {
			if string(l.Key) == "null" {
				nulls++
			}
		}
		if nulls != 2 { // the tombstone and "just a value"
			t.Errorf("%d records with a null key, want 2", nulls)
		}

		if got := tail("--grep", "ada|acked"); len(got) != 2 {
			t.Errorf("--grep ada|acked: %d records", len(got))
		}
		if got := tail("--where", "user.name=ada"); len(got) != 1 || string(got[0].Key) != `"k1"` {
			t.Errorf("--where user.name=ada: %+v", got)
		}
		if got := tail("--where", "n=2"); len(got) != 0 {
			t.Errorf("--where n=2: %+v", got)
		}
		if got := tail("--partition", "1", "--limit", "1"); len(got) != 1 || got[0].Partition != 1 || got[0].Offset != 0 {
			t.Errorf("--partition 1 --limit 1: %+v", got)
		}
		if got := tail("--from", "-1", "-p", "0,1"); len(got) != 2 {
			t.Errorf("--from -1: %+v", got)
		}

		r = kgitopsPayload(t, nil, append([]string{"tail", topic, "--partition", "0", "--limit", "1"}, conn...)...)
		want := "partition 0  offset 0  "
		if r.code != 0 || !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, "\n  key     k1\n  header  trace: t-1\n  value   {\"n\":1,\"user\":{\"name\":\"ada\"}}\n") {
			t.Errorf("tail text:\n%s", r)
		}
	})
}

func TestTailErrors(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		topic := tailTopic(t, c, "tailerr", 1)
		conn := []string{"--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--timeout", "30s"}
		tests := []struct {
			args []string
			want string
		}{
			{[]string{"tail", topic, "--from", "yesterday"}, `--from "yesterday": want beginning, end`},
			{[]string{"tail", topic, "--partition", "x"}, `--partition "x": want a partition number`},
			{[]string{"tail", topic, "--partition", "3"}, `has no partition 3 (it has 1 partition)`},
			{[]string{"tail", topic + "-nope"}, `no such topic`},
			{[]string{"tail", topic, "--where", "x"}, `--where "x": want PATH=VALUE`},
			{[]string{"tail", topic, "--schema-registry", "http://u:p@localhost:1"}, "put no credentials in the URL"},
			{[]string{"produce", topic, "--acks", "2"}, `--acks "2": want all, 1 or 0`},
			{[]string{"produce", topic, "--compression", "brotli"}, `--compression "brotli": want none, gzip, snappy, lz4 or zstd`},
			{[]string{"produce", topic, "--value-schema", "s"}, "--key-schema and --value-schema need --schema-registry"},
			{[]string{"produce", topic, "--value-message", "shop.Order"}, "--value-message needs --value-schema"},
			{[]string{"produce", topic, "--format", "json", "--input", inputFile(t, "{\"value\":1}\nnot json\n")}, "line 2: want a JSON object"},
		}
		for _, tt := range tests {
			r := kgitopsPayload(t, nil, append(tt.args, conn...)...)
			if r.code != 1 || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, "u:p@") {
				t.Errorf("%v: want exit 1 and %q:\n%s", tt.args, tt.want, r)
			}
		}
	})
}
