package examples

// Checks of the monitoring examples that need no Prometheus: the dashboard's
// layout and variables, and that every alert carries what an on-call
// engineer needs and is unit-tested both firing and silent. promtool_test.go
// runs the real promtool on the rules and the dashboard's queries, and
// registry_test.go checks the metrics they name against the daemon's registry.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const (
	dashboardFile = "monitoring/grafana-dashboard.json"
	rulesFile     = "monitoring/prometheus-rules.yaml"
	rulesCRDFile  = "monitoring/prometheus-rule-crd.yaml"
	rulesTestFile = "monitoring/prometheus-rules.test.yaml"
	monitoringDoc = "monitoring/README.md"
)

// --- Grafana dashboard ---------------------------------------------------------

type dashboard struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []dashboardVar `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type dashboardVar struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Query      any            `json:"query"` // a string, or an object with a "query" key
	Datasource *datasourceRef `json:"datasource"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID         int            `json:"id"`
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Datasource *datasourceRef `json:"datasource"`
	GridPos    struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // of a collapsed row
}

func readDashboard(t *testing.T) (dashboard, any) {
	t.Helper()
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatalf("%s is not valid JSON: %v", dashboardFile, err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return d, generic
}

// allPanels flattens rows.
func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

// labelValuesQuery is Grafana's label_values(<selector>, <label>).
var labelValuesQuery = regexp.MustCompile(`^label_values\((.*),\s*\w+\)$`)

func (v dashboardVar) query() string {
	q := v.Query
	if m, ok := q.(map[string]any); ok {
		q = m["query"]
	}
	s, _ := q.(string)
	return s
}

// dashboardQueries returns the dashboard's PromQL: the panels' queries and
// the selectors of the label_values variables.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	d, _ := readDashboard(t)
	var out []string
	for _, v := range d.Templating.List {
		if m := labelValuesQuery.FindStringSubmatch(v.query()); m != nil {
			out = append(out, m[1])
		}
	}
	for _, p := range allPanels(d.Panels) {
		for _, tg := range p.Targets {
			out = append(out, tg.Expr)
		}
	}
	return out
}

func walkStrings(v any, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case []any:
		for _, e := range v {
			walkStrings(e, f)
		}
	case map[string]any:
		for _, e := range v {
			walkStrings(e, f)
		}
	}
}

func TestGrafanaDashboard(t *testing.T) {
	d, _ := readDashboard(t)
	if d.UID == "" || d.Title == "" {
		t.Errorf("dashboard needs a uid and a title, has uid %q title %q", d.UID, d.Title)
	}
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion %d: want 36 or later (Grafana 9+), for datasource references by uid", d.SchemaVersion)
	}

	// Template variables: a Prometheus data source, then job and instance.
	vars := map[string]dashboardVar{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v
	}
	if v, ok := vars["datasource"]; !ok || v.Type != "datasource" || v.Query != "prometheus" {
		t.Errorf("want a template variable datasource of type datasource with query prometheus, have %+v", v)
	}
	for _, name := range []string{"job", "instance"} {
		v := vars[name]
		if v.Type != "query" || v.Datasource == nil || v.Datasource.UID != "${datasource}" || !labelValuesQuery.MatchString(v.query()) {
			t.Errorf("want a query variable %s, label_values(...) from ${datasource}, have %+v", name, v)
		}
	}

	// Panels: unique ids, a layout without overlaps, the ${datasource}
	// variable everywhere, and job and instance filters in every query.
	panels := allPanels(d.Panels)
	if len(panels) == 0 {
		t.Fatal("no panels")
	}
	ids := map[int]string{}
	for i, p := range panels {
		where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if other, dup := ids[p.ID]; dup || p.ID <= 0 || p.Title == "" {
			t.Errorf("%s: want a positive id and a title; the id is also %q's", where, other)
		}
		ids[p.ID] = p.Title
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			t.Errorf("%s: gridPos %+v outside the 24-column grid", where, g)
		}
		for _, o := range panels[:i] {
			h := o.GridPos
			if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
				t.Errorf("%s overlaps panel %d %q: %+v and %+v", where, o.ID, o.Title, g, h)
			}
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" || p.Datasource.Type != "prometheus" {
			t.Errorf("%s: datasource %+v, want prometheus ${datasource}", where, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: no queries", where)
		}
		for _, tg := range p.Targets {
			if !strings.Contains(tg.Expr, `job=~"$job"`) || !strings.Contains(tg.Expr, `instance=~"$instance"`) {
				t.Errorf("%s: %q does not filter on the job and instance variables", where, tg.Expr)
			}
		}
	}
}

// --- Prometheus rules ----------------------------------------------------------

// ruleFile is a Prometheus rule file, as far as these tests read one;
// promtool checks the rest.
type ruleFile struct {
	Groups []struct {
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func (rf ruleFile) rules() []rule {
	var out []rule
	for _, g := range rf.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// ruleTests is a promtool unit-test file, as far as these tests read or
// write one.
type ruleTests struct {
	RuleFiles          []string   `yaml:"rule_files,omitempty"`
	EvaluationInterval string     `yaml:"evaluation_interval"`
	Tests              []ruleTest `yaml:"tests"`
}

type ruleTest struct {
	Interval       string           `yaml:"interval"`
	InputSeries    []testSeries     `yaml:"input_series"`
	AlertRuleTest  []alertTest      `yaml:"alert_rule_test,omitempty"`
	PromQLExprTest []promQLExprTest `yaml:"promql_expr_test,omitempty"`
}

type testSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertTest struct {
	Alertname string `yaml:"alertname"`
	ExpAlerts []struct {
		ExpLabels map[string]string `yaml:"exp_labels"`
	} `yaml:"exp_alerts"`
}

type promQLExprTest struct {
	Expr       string `yaml:"expr"`
	EvalTime   string `yaml:"eval_time"`
	ExpSamples []any  `yaml:"exp_samples"`
}

func readRules(t *testing.T) ruleFile {
	t.Helper()
	var rf ruleFile
	readYAML(t, rulesFile, &rf)
	return rf
}

var (
	promDuration  = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)
	labelTemplate = regexp.MustCompile(`\$labels\.([A-Za-z_][A-Za-z0-9_]*)`)
)

func TestPrometheusRules(t *testing.T) {
	doc, err := os.ReadFile(monitoringDoc)
	if err != nil {
		t.Fatal(err)
	}

	// What the unit tests prove of each alert: that it fires, that it stays
	// silent, and which labels it carries when it fires.
	type tested struct {
		fires, silent bool
		labels        map[string]bool
	}
	tests := map[string]*tested{}
	var rt ruleTests
	readYAML(t, rulesTestFile, &rt)
	for _, tc := range rt.Tests {
		for _, at := range tc.AlertRuleTest {
			a := tests[at.Alertname]
			if a == nil {
				a = &tested{labels: map[string]bool{}}
				tests[at.Alertname] = a
			}
			a.silent = a.silent || len(at.ExpAlerts) == 0
			a.fires = a.fires || len(at.ExpAlerts) > 0
			for _, e := range at.ExpAlerts {
				for l := range e.ExpLabels {
					a.labels[l] = true
				}
			}
		}
	}

	rules := readRules(t).rules()
	if len(rules) == 0 {
		t.Fatalf("%s: no rules", rulesFile)
	}
	for _, r := range rules {
		where := fmt.Sprintf("%s: alert %s", rulesFile, r.Alert)
		if !regexp.MustCompile(`^Kgitops[A-Z][A-Za-z]+$`).MatchString(r.Alert) {
			t.Errorf("%s: every rule should be an alert named KgitopsSomething", where)
		}
		if !promDuration.MatchString(r.For) || !strings.ContainsAny(r.For, "123456789") {
			t.Errorf("%s: for %q, want a non-zero duration such as 10m", where, r.For)
		}
		if s := r.Labels["severity"]; !slices.Contains([]string{"critical", "warning", "info"}, s) {
			t.Errorf("%s: severity %q, want critical, warning or info", where, s)
		}
		for _, a := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("%s: no %s annotation", where, a)
			}
		}
		if !strings.HasSuffix(r.Annotations["runbook_url"], "/examples/monitoring/README.md#"+strings.ToLower(r.Alert)) ||
			!regexp.MustCompile(`(?m)^### `+r.Alert+`$`).Match(doc) {
			t.Errorf("%s: runbook_url %q should point at its section (### %s) of %s", where, r.Annotations["runbook_url"], r.Alert, monitoringDoc)
		}

		tc := tests[r.Alert]
		if tc == nil || !tc.fires || !tc.silent {
			t.Errorf("%s: %s should test it both firing (exp_alerts) and silent (exp_alerts: [])", where, rulesTestFile)
			continue
		}
		delete(tests, r.Alert)
		// An aggregation keeps only the labels it groups by: annotations
		// can show only labels the firing alerts in the tests carry.
		for name, text := range r.Annotations {
			for _, m := range labelTemplate.FindAllStringSubmatch(text, -1) {
				if !tc.labels[m[1]] {
					t.Errorf("%s: annotation %s shows $labels.%s, which no firing alert in %s carries", where, name, m[1], rulesTestFile)
				}
			}
		}
	}
	for name := range tests {
		t.Errorf("%s tests alert %s, which %s does not define", rulesTestFile, name, rulesFile)
	}
}

func TestPrometheusRuleCRDMatchesRules(t *testing.T) {
	var plain struct {
		Groups any `yaml:"groups"`
	}
	var crd struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec struct {
			Groups any `yaml:"groups"`
		} `yaml:"spec"`
	}
	readYAML(t, rulesFile, &plain)
	readYAML(t, rulesCRDFile, &crd)
	if crd.APIVersion != "monitoring.coreos.com/v1" || crd.Kind != "PrometheusRule" || crd.Metadata.Name == "" {
		t.Errorf("%s: want a named monitoring.coreos.com/v1 PrometheusRule, have %s %s %q", rulesCRDFile, crd.APIVersion, crd.Kind, crd.Metadata.Name)
	}
	if !reflect.DeepEqual(plain.Groups, crd.Spec.Groups) {
		t.Errorf("spec.groups of %s differ from the groups of %s: edit both", rulesCRDFile, rulesFile)
	}
}

func TestMonitoringKustomization(t *testing.T) {
	var k struct {
		Resources          []string `yaml:"resources"`
		ConfigMapGenerator []struct {
			Files []string `yaml:"files"`
		} `yaml:"configMapGenerator"`
	}
	readYAML(t, "monitoring/kustomization.yaml", &k)
	files := slices.Clone(k.Resources)
	for _, g := range k.ConfigMapGenerator {
		files = append(files, g.Files...)
	}
	if !slices.Contains(files, filepath.Base(rulesCRDFile)) || !slices.Contains(files, filepath.Base(dashboardFile)) {
		t.Errorf("monitoring/kustomization.yaml should ship %s and %s, has %v", rulesCRDFile, dashboardFile, files)
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join("monitoring", f)); err != nil {
			t.Errorf("monitoring/kustomization.yaml: %v", err)
		}
	}
}
