package examples

// The monitoring examples checked by the real promtool: it lints the alert
// rules, runs their unit tests, and runs every dashboard query against the
// series kgitops exports. Without promtool these tests skip, except in CI
// (CI=true) or with KGITOPS_REQUIRE_PROMTOOL=1, where they fail.

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// runPromtool runs promtool with args in dir and fails the test if it
// fails. It skips the test when promtool is missing and nothing requires it.
func runPromtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		const install = "promtool is not on the PATH (Debian: apt-get install prometheus)"
		if os.Getenv("KGITOPS_REQUIRE_PROMTOOL") == "1" || os.Getenv("CI") == "true" {
			t.Fatal(install + ", and KGITOPS_REQUIRE_PROMTOOL=1 or CI=true requires it")
		}
		t.Skip(install)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPromtoolCheckRules(t *testing.T) {
	// prometheus-rule-crd.yaml holds the same groups
	// (TestPrometheusRuleCRDMatchesRules).
	runPromtool(t, ".", "check", "rules", "--lint=all", "--lint-fatal", rulesFile)
}

func TestPromtoolTestRules(t *testing.T) {
	// promtool compares a firing alert's annotations word for word; the
	// tests expect only the summary, so hand promtool the rules without
	// the long ones.
	var rf map[string]any
	readYAML(t, rulesFile, &rf)
	groups, _ := rf["groups"].([]any)
	for _, g := range groups {
		group, _ := g.(map[string]any)
		rules, _ := group["rules"].([]any)
		for _, r := range rules {
			rule, _ := r.(map[string]any)
			if a, ok := rule["annotations"].(map[string]any); ok {
				delete(a, "description")
				delete(a, "runbook_url")
			}
		}
	}
	dir := t.TempDir()
	writeYAML(t, filepath.Join(dir, filepath.Base(rulesFile)), rf)
	tests, err := os.ReadFile(rulesTestFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(rulesTestFile)), tests, 0o644); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, dir, "test", "rules", filepath.Base(rulesTestFile))
}

func TestPromtoolDashboardQueries(t *testing.T) {
	// Every query, with Grafana's variables filled in, must select something
	// from the series kgitops exports: absent(query) must be empty. A
	// misspelt metric, label or label value, or a histogram's bare name,
	// selects nothing; a syntax error fails the evaluation.
	fams := exportedFamilies(t)
	tc := ruleTest{Interval: "1m"}
	for _, name := range slices.Sorted(maps.Keys(fams)) {
		for _, s := range inputSeriesOf(name, fams[name]) {
			tc.InputSeries = append(tc.InputSeries, testSeries{s, "0+1x20"})
		}
	}
	grafanaVar := regexp.MustCompile(`\$\{?(\w+)\}?`)
	for _, q := range dashboardQueries(t) {
		q = grafanaVar.ReplaceAllStringFunc(q, func(v string) string {
			if strings.HasPrefix(strings.Trim(v, "${}"), "__") {
				return "5m" // $__rate_interval, $__interval
			}
			return ".*" // $job, $instance: "All"
		})
		tc.PromQLExprTest = append(tc.PromQLExprTest, promQLExprTest{Expr: "absent(" + q + ")", EvalTime: "20m"})
	}
	dir := t.TempDir()
	writeYAML(t, filepath.Join(dir, "dashboard.test.yaml"), ruleTests{EvaluationInterval: "1m", Tests: []ruleTest{tc}})
	runPromtool(t, dir, "test", "rules", "dashboard.test.yaml")
}

// inputSeriesOf returns, for promtool, every series of the family as
// Prometheus would scrape it from one replica. A vector without children
// gets one child whose labels are all "x".
func inputSeriesOf(name string, f *family) []string {
	const target = `job="kgitops",namespace="kgitops",instance="kgitops-0"`
	if len(f.series) == 0 {
		labels := []string{target}
		for _, l := range f.labels {
			labels = append(labels, l+`="x"`)
		}
		return []string{name + "{" + strings.Join(labels, ",") + "}"}
	}
	var out []string
	for _, s := range f.series {
		if n, labels, ok := strings.Cut(s, "{"); ok {
			out = append(out, n+"{"+target+","+labels)
		} else {
			out = append(out, s+"{"+target+"}")
		}
	}
	return out
}
