package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// doctorReport is the JSON document of doctor -o json, decoded strictly.
type doctorReport struct {
	Findings []struct {
		Check    string `json:"check"`
		Severity string `json:"severity"`
		Resource string `json:"resource"`
		Evidence string `json:"evidence"`
		Why      string `json:"why"`
		Fix      string `json:"fix"`
		YAML     string `json:"yaml"`
	} `json:"findings"`
	Summary struct {
		Error      int `json:"error"`
		Warn       int `json:"warn"`
		Info       int `json:"info"`
		Brokers    int `json:"brokers"`
		Topics     int `json:"topics"`
		Partitions int `json:"partitions"`
	} `json:"summary"`
}

func decodeDoctor(t *testing.T, r result) doctorReport {
	t.Helper()
	var doc doctorReport
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("doctor -o json: %v\n%s", err, r)
	}
	if doc.Findings == nil {
		t.Fatalf("findings must be a list, even an empty one:\n%s", r)
	}
	counts := map[string]int{}
	for _, f := range doc.Findings {
		counts[f.Severity]++
		if f.Check == "" || f.Resource == "" || f.Evidence == "" || f.Why == "" || f.Fix == "" {
			t.Errorf("finding with an empty field: %+v", f)
		}
	}
	if len(counts) > 3 || counts["error"] != doc.Summary.Error || counts["warn"] != doc.Summary.Warn || counts["info"] != doc.Summary.Info {
		t.Errorf("summary %+v does not count the findings by severity %v", doc.Summary, counts)
	}
	return doc
}

// doctorExit is the exit code a report's worst finding calls for.
func doctorExit(doc doctorReport) int {
	switch {
	case doc.Summary.Error > 0:
		return ExitError
	case doc.Summary.Warn > 0:
		return ExitWarnings
	}
	return ExitOK
}

func TestDoctorJSONAndExitCode(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := kgitops(t, nil, "doctor", "-o", "json", "--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--timeout", "30s")
		doc := decodeDoctor(t, r)
		if r.code != doctorExit(doc) || r.stderr != "" {
			t.Fatalf("exit %d for summary %+v, or stderr not empty:\n%s", r.code, doc.Summary, r)
		}
		if doc.Summary.Brokers == 0 || doc.Summary.Topics == 0 && c.Real() {
			t.Fatalf("summary: %+v", doc.Summary)
		}
		if c.Real() {
			return // a shared broker: other tests' topics come and go
		}
		// kfake's three brokers default to min.insync.replicas 1, a warning:
		// exit 2. It has no DescribeQuorum, which is information.
		var sawMinISR, sawQuorum bool
		for _, f := range doc.Findings {
			sawMinISR = sawMinISR || f.Check == "min-insync-replicas" && f.Severity == "warn" && strings.Contains(f.YAML, "min.insync.replicas: 2")
			sawQuorum = sawQuorum || f.Check == "coverage" && f.Severity == "info" && f.Resource == "controllers (DescribeQuorum)"
		}
		if r.code != ExitWarnings || !sawMinISR || !sawQuorum || doc.Summary.Error != 0 {
			t.Fatalf("kfake: want exit 2 with the min.insync.replicas warning and the quorum information:\n%s", r)
		}
	})
}

func TestDoctorOutputsAndFlags(t *testing.T) {
	c := kafkatest.NewFake(t)
	adm := c.Admin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 6, 1, map[string]*string{"retention.ms": kadm.StringPtr("-1")}, "forever"); err != nil {
		t.Fatal(err)
	}
	args := func(extra ...string) []string {
		return append([]string{"doctor", "--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--timeout", "10s"}, extra...)
	}

	r := kgitops(t, nil, args()...)
	for _, want := range []string{"kgitops doctor: 3 brokers, 1 topic, 6 partitions.\n", "WARN   unbounded-retention  topic forever\n",
		"            kind: Topic\n", "WARN   single-replica  topic forever\n", "Doctor: 0 errors, 3 warnings, 1 info.\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text output lacks %q", want)
		}
	}
	if r.code != ExitWarnings {
		t.Errorf("text: exit %d, want %d", r.code, ExitWarnings)
	}
	if t.Failed() {
		t.Fatal(r)
	}

	r = kgitops(t, nil, args("-o", "markdown")...)
	if r.code != ExitWarnings || !strings.HasPrefix(r.stdout, "## kgitops doctor\n\n3 brokers, 1 topic, 6 partitions: **0 errors, 3 warnings, 1 info**\n") ||
		!strings.Contains(r.stdout, "```yaml\napiVersion: kgitops.io/v1alpha1\nkind: Topic\n") {
		t.Fatalf("markdown:\n%s", r)
	}

	// Six replicas on three brokers: at least one holds more than 1, an
	// error, exit 1 (kfake places partitions at random).
	r = kgitops(t, nil, args("-o", "json", "--max-partitions-per-broker", "1")...)
	doc := decodeDoctor(t, r)
	capacity := 0
	for _, f := range doc.Findings {
		if f.Check == "partitions-per-broker" && f.Severity == "error" {
			capacity++
		}
	}
	if r.code != ExitError || capacity == 0 || capacity != doc.Summary.Error {
		t.Fatalf("--max-partitions-per-broker 1: want partitions-per-broker errors and exit 1:\n%s", r)
	}

	for _, bad := range []struct {
		args []string
		err  string
	}{
		{args("-o", "yaml"), `Error: -o "yaml": want text, json or markdown`},
		{args("--max-partitions-per-broker", "0"), "Error: --max-partitions-per-broker 0: want at least 1"},
		{[]string{"doctor", "--bootstrap-servers", "127.0.0.1:1", "--timeout", "3s"}, "Error: cannot reach Kafka at 127.0.0.1:1"},
		{[]string{"doctor"}, "Error: "},
	} {
		r := kgitops(t, nil, bad.args...)
		if r.code != ExitError || r.stdout != "" || !strings.HasPrefix(r.stderr, bad.err) {
			t.Errorf("%v: want exit 1 and %q:\n%s", bad.args, bad.err, r)
		}
	}
}

// TestDoctorNeverPrintsThePassword runs doctor over SASL with debug logs,
// in every format and with a wrong password, and greps all output for the
// password.
func TestDoctorNeverPrintsThePassword(t *testing.T) {
	kafkatest.EachSecure(t, func(t *testing.T, c *kafkatest.Cluster) {
		mechanism := "SCRAM-SHA-512"
		base := []string{"doctor", "--bootstrap-servers", strings.Join(c.SASLBootstrap, ","), "--sasl-mechanism", mechanism,
			"--sasl-username", c.AdminUser, "--timeout", "15s", "--log-level", "debug"}
		for _, run := range []struct {
			password string
			output   string
			ok       bool
		}{
			{c.AdminPassword, "text", true},
			{c.AdminPassword, "json", true},
			{c.AdminPassword, "markdown", true},
			{c.AdminPassword + "-wrong", "text", false},
		} {
			r := kgitops(t, map[string]string{"KGITOPS_SASL_PASSWORD": run.password}, append(base, "-o", run.output)...)
			if ok := r.code != ExitError || strings.Contains(r.stdout, "doctor"); ok != run.ok {
				t.Errorf("-o %s, right password %v: exit %d\n%s", run.output, run.ok, r.code, r)
			}
			if bytes.Contains([]byte(r.stdout+r.stderr), []byte(c.AdminPassword)) {
				t.Errorf("-o %s printed the password:\n%s", run.output, r)
			}
		}
	})
}
