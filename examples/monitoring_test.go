package examples

// Checks of the deployment and monitoring examples: the Grafana dashboard and
// the Prometheus rules may use only the metrics kgitops run exports (a
// misspelt metric, label or label value fails), the alerts carry what an
// on-call engineer needs, and the Kubernetes and systemd examples hang
// together (probes on the metrics port, secrets only from the Secret, the git
// cache where the flags say). When promtool is on the PATH the rules are also
// checked and unit-tested by promtool; when systemd-analyze is, the unit is
// verified.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

const (
	dashboardFile  = "monitoring/grafana-dashboard.json"
	rulesFile      = "monitoring/prometheus-rules.yaml"
	rulesCRDFile   = "monitoring/prometheus-rule-crd.yaml"
	rulesTestFile  = "monitoring/prometheus-rules.test.yaml"
	monitoringDoc  = "monitoring/README.md"
	kubernetesDir  = "deploy/kubernetes"
	systemdUnit    = "deploy/systemd/kgitops.service"
	systemdEnvFile = "deploy/systemd/kgitops.env.example"
)

// metric is one metric of kgitops run (internal/daemon/metrics.go). Their
// names and labels are the contract the dashboard and the alerts rely on.
type metric struct {
	histogram bool
	labels    []string
}

var metrics = map[string]metric{
	"kgitops_reconcile_total":                {labels: []string{"result"}},
	"kgitops_reconcile_duration_seconds":     {histogram: true},
	"kgitops_drift_resources":                {labels: []string{"kind"}},
	"kgitops_plan_changes":                   {labels: []string{"kind", "action"}},
	"kgitops_applied_changes_total":          {labels: []string{"kind", "action"}},
	"kgitops_last_applied_revision_info":     {labels: []string{"revision"}},
	"kgitops_git_fetch_total":                {labels: []string{"result"}},
	"kgitops_last_success_timestamp_seconds": {},
	"kgitops_leader":                         {},
}

// labelValues are the values a label of the metrics can take.
var labelValues = map[string][]string{
	"result": {"success", "failure"},
	"kind":   {"Topic", "User", "Quota", "ACL"},
	"action": {"create", "update", "delete"},
}

// targetLabels are the labels Prometheus (and the Prometheus Operator) add to
// every scraped series.
var targetLabels = []string{"job", "instance", "namespace", "pod", "service", "container", "endpoint"}

// series maps every series name a query may use to the metric it belongs
// to: a histogram only through its _bucket, _count and _sum series.
func series() map[string]string {
	out := map[string]string{}
	for name, m := range metrics {
		if !m.histogram {
			out[name] = name
			continue
		}
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			out[name+suffix] = name
		}
	}
	return out
}

// seriesLabels are the labels a selector of series s may match on.
func seriesLabels(s string) []string {
	name := series()[s]
	labels := append(slices.Clone(metrics[name].labels), targetLabels...)
	if metrics[name].histogram && strings.HasSuffix(s, "_bucket") {
		labels = append(labels, "le")
	}
	return labels
}

// allLabels are the labels any kgitops series can carry.
func allLabels() []string {
	labels := append(slices.Clone(targetLabels), "le")
	for _, m := range metrics {
		labels = append(labels, m.labels...)
	}
	return labels
}

// promWords are the PromQL functions, aggregations and keywords, plus
// Grafana's label_values, that the queries may use besides metric names.
var promWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		sum min max avg count stddev stdvar group topk bottomk quantile count_values limitk limit_ratio
		by without on ignoring group_left group_right and or unless bool offset
		abs absent absent_over_time ceil changes clamp clamp_max clamp_min day_of_month day_of_week
		day_of_year days_in_month delta deriv exp floor histogram_quantile histogram_count histogram_sum
		histogram_fraction histogram_avg holt_winters hour idelta increase irate label_join label_replace
		ln log2 log10 minute month predict_linear rate resets round scalar sgn sort sort_desc sqrt
		time timestamp vector year avg_over_time min_over_time max_over_time sum_over_time
		count_over_time quantile_over_time stddev_over_time stdvar_over_time last_over_time
		present_over_time inf nan label_values`) {
		promWords[w] = true
	}
}

// token is one lexeme of a PromQL expression.
type token struct {
	kind byte // 'i' identifier, 's' string, 'n' number or duration, 'v' Grafana variable, 'p' punctuation
	text string
}

// lexPromQL splits expr into tokens and checks that strings end and that
// brackets balance. It is no parser, but enough to find every metric name,
// label name and label value an expression uses.
func lexPromQL(expr string) ([]token, error) {
	var toks []token
	var stack []byte
	closing := map[byte]byte{')': '(', '}': '{', ']': '['}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			for i < len(expr) && expr[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			var b strings.Builder
			for ; j < len(expr) && expr[j] != c; j++ {
				if expr[j] == '\\' && c != '`' && j+1 < len(expr) {
					j++
				}
				b.WriteByte(expr[j])
			}
			if j >= len(expr) {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			toks = append(toks, token{'s', b.String()})
			i = j + 1
		case c == '$':
			j := i + 1
			if j < len(expr) && expr[j] == '{' {
				k := strings.IndexByte(expr[j:], '}')
				if k < 0 {
					return nil, fmt.Errorf("unterminated ${ at %d", i)
				}
				j += k + 1
			} else {
				for j < len(expr) && isIdent(expr[j]) {
					j++
				}
			}
			toks = append(toks, token{'v', expr[i:j]})
			i = j
		case isIdent(c) && !unicode.IsDigit(rune(c)):
			j := i
			for j < len(expr) && isIdent(expr[j]) {
				j++
			}
			toks = append(toks, token{'i', expr[i:j]})
			i = j
		case unicode.IsDigit(rune(c)) || c == '.':
			j := i
			for j < len(expr) && (isIdent(expr[j]) || expr[j] == '.') {
				j++
			}
			toks = append(toks, token{'n', expr[i:j]})
			i = j
		default:
			op := string(c)
			if i+1 < len(expr) && slices.Contains([]string{"=~", "!~", "!=", "==", ">=", "<="}, expr[i:i+2]) {
				op = expr[i : i+2]
			}
			switch c {
			case '(', '{', '[':
				stack = append(stack, c)
			case ')', '}', ']':
				if len(stack) == 0 || stack[len(stack)-1] != closing[c] {
					return nil, fmt.Errorf("unbalanced %q at %d", c, i)
				}
				stack = stack[:len(stack)-1]
			}
			if !strings.Contains("(){}[],=~!<>+-*/%^@:", op[:1]) {
				return nil, fmt.Errorf("unexpected %q at %d", c, i)
			}
			toks = append(toks, token{'p', op})
			i += len(op)
		}
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("%q never closed", stack[len(stack)-1])
	}
	return toks, nil
}

func isIdent(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// promQL is what checkPromQL learnt about one expression.
type promQL struct {
	series   []string // kgitops series used
	grouping []string // labels in by/without/on/ignoring/group_left/group_right
}

// checkPromQL returns the problems of expr: unknown kgitops series,
// identifiers that are neither metrics nor PromQL words, matchers on labels
// the series does not have or on values the label never takes, and grouping
// by labels no kgitops series has.
func checkPromQL(expr string) (promQL, []string) {
	var q promQL
	toks, err := lexPromQL(expr)
	if err != nil {
		return q, []string{err.Error()}
	}
	known := series()
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.text == "{" && (i == 0 || toks[i-1].kind != 'i') {
			// A selector without a metric name: {job="x"}.
			n, ps := checkMatchers(toks[i+1:], allLabels(), "{}")
			problems = append(problems, ps...)
			i += n
			continue
		}
		if t.kind != 'i' {
			continue
		}
		next := func(k int) token {
			if i+k < len(toks) {
				return toks[i+k]
			}
			return token{}
		}
		switch {
		case strings.HasPrefix(t.text, "kgitops"):
			if _, ok := known[t.text]; !ok {
				bad("unknown metric %s", t.text)
				continue
			}
			q.series = append(q.series, t.text)
			if next(1).text == "{" {
				n, ps := checkMatchers(toks[i+2:], seriesLabels(t.text), t.text)
				problems = append(problems, ps...)
				i += 1 + n
			}
		case slices.Contains([]string{"by", "without", "on", "ignoring", "group_left", "group_right"}, t.text):
			if next(1).text != "(" {
				continue
			}
			j := i + 2
			for ; j < len(toks) && toks[j].text != ")"; j++ {
				if toks[j].kind == 'i' {
					q.grouping = append(q.grouping, toks[j].text)
					if !slices.Contains(allLabels(), toks[j].text) {
						bad("%s (%s): no kgitops series has the label %q", t.text, toks[j].text, toks[j].text)
					}
				}
			}
			i = j
		case promWords[t.text]:
		case i > 0 && toks[i-1].text == "," && slices.Contains(allLabels(), t.text):
			// The label argument of Grafana's label_values(selector, label).
		default:
			bad("unknown identifier %q (neither a kgitops metric nor a PromQL function)", t.text)
		}
	}
	return q, problems
}

// checkMatchers checks the matchers in toks up to the closing brace and
// returns how many tokens that took.
func checkMatchers(toks []token, labels []string, of string) (int, []string) {
	var problems []string
	i := 0
	for ; i < len(toks) && toks[i].text != "}"; i++ {
		if toks[i].kind != 'i' {
			continue
		}
		name := toks[i].text
		if !slices.Contains(labels, name) {
			problems = append(problems, fmt.Sprintf("%s has no label %q", of, name))
		}
		if i+2 >= len(toks) || toks[i+2].kind != 's' {
			continue // a Grafana variable, or a syntax error promtool would catch
		}
		op, value := toks[i+1].text, toks[i+2].text
		allowed, ok := labelValues[name]
		if !ok || strings.Contains(value, "$") {
			continue
		}
		switch op {
		case "=", "!=":
			if !slices.Contains(allowed, value) {
				problems = append(problems, fmt.Sprintf("%s{%s%s%q}: %s is one of %v", of, name, op, value, name, allowed))
			}
		case "=~", "!~":
			for _, alt := range strings.Split(value, "|") {
				if regexp.MustCompile(`^[A-Za-z]+$`).MatchString(alt) && !slices.Contains(allowed, alt) {
					problems = append(problems, fmt.Sprintf("%s{%s%s%q}: %s is one of %v", of, name, op, value, name, allowed))
				}
			}
		}
		i += 2
	}
	return i + 1, problems
}

// proseMetric finds metric-like names in prose (titles, descriptions,
// annotations); there the bare histogram name is fine.
var proseMetric = regexp.MustCompile(`\bkgitops_[A-Za-z0-9_:]*`)

func checkProse(t *testing.T, where, text string) {
	t.Helper()
	for _, name := range proseMetric.FindAllString(text, -1) {
		if _, ok := metrics[name]; ok {
			continue
		}
		if _, ok := series()[name]; ok {
			continue
		}
		t.Errorf("%s: mentions %s, which kgitops does not export", where, name)
	}
}

func TestCheckPromQLCatchesMistakes(t *testing.T) {
	// The checks below are only as good as checkPromQL: make sure it fails
	// on the mistakes it is there to catch, and passes good queries.
	good := []string{
		`sum by (result) (rate(kgitops_reconcile_total{job=~"$job", result="failure"}[$__rate_interval]))`,
		`histogram_quantile(0.99, sum by (le) (rate(kgitops_reconcile_duration_seconds_bucket[5m])))`,
		`time() - max by (namespace, job) (kgitops_last_success_timestamp_seconds) > 30 * 60 or absent(kgitops_last_success_timestamp_seconds{job="kgitops"})`,
		`label_values(kgitops_leader{job=~"$job"}, instance)`,
	}
	for _, expr := range good {
		if _, problems := checkPromQL(expr); len(problems) > 0 {
			t.Errorf("checkPromQL(%s) = %v, want no problems", expr, problems)
		}
	}
	bad := map[string]string{
		"misspelt metric":           `sum(kgitops_drift_resource)`,
		"unknown metric":            `kgitops_reconcile_failures_total`,
		"bare histogram":            `rate(kgitops_reconcile_duration_seconds[5m])`,
		"bare selector label":       `{jobs="kgitops"}`,
		"metric with a digit":       `kgitops_leader2`,
		"misspelt function":         `rat(kgitops_reconcile_total[5m])`,
		"label of another metric":   `kgitops_leader{kind="Topic"}`,
		"label value typo":          `kgitops_reconcile_total{result="failed"}`,
		"label value typo in regex": `kgitops_drift_resources{kind=~"Topic|Acl"}`,
		"grouping by unknown label": `sum by (kinds) (kgitops_drift_resources)`,
		"unbalanced parenthesis":    `sum(rate(kgitops_reconcile_total[5m])`,
		"unterminated string":       `kgitops_reconcile_total{result="success}`,
	}
	for name, expr := range bad {
		if _, problems := checkPromQL(expr); len(problems) == 0 {
			t.Errorf("%s: checkPromQL(%s) found no problem", name, expr)
		}
	}
}

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
		RefID      string         `json:"refId"`
		Expr       string         `json:"expr"`
		Datasource *datasourceRef `json:"datasource"`
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

func TestGrafanaDashboard(t *testing.T) {
	d, generic := readDashboard(t)
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
	var exprs []string // every PromQL expression, for the checks below
	for _, name := range []string{"job", "instance"} {
		v, ok := vars[name]
		if !ok || v.Type != "query" {
			t.Errorf("want a query template variable %q, have %+v", name, v)
			continue
		}
		if v.Datasource == nil || v.Datasource.UID != "${datasource}" {
			t.Errorf("variable %s: datasource %+v, want uid ${datasource}", name, v.Datasource)
		}
		q := v.Query
		if m, ok := q.(map[string]any); ok {
			q = m["query"]
		}
		s, _ := q.(string)
		if !strings.HasPrefix(s, "label_values(") {
			t.Errorf("variable %s: query %v, want label_values(...)", name, v.Query)
		}
		exprs = append(exprs, s)
	}

	// Panels: unique ids, a layout without overlaps, the ${datasource}
	// variable everywhere, and PromQL in every target.
	panels := allPanels(d.Panels)
	if len(panels) == 0 {
		t.Fatal("no panels")
	}
	ids := map[int]string{}
	for i, p := range panels {
		where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if p.ID <= 0 {
			t.Errorf("%s: id must be positive", where)
		}
		if other, dup := ids[p.ID]; dup {
			t.Errorf("%s: id %d is also %q's", where, p.ID, other)
		}
		ids[p.ID] = p.Title
		if p.Title == "" {
			t.Errorf("%s: no title", where)
		}
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
		if !slices.Contains([]string{"stat", "timeseries", "table", "gauge", "bargauge", "text", "state-timeline", "heatmap"}, p.Type) {
			t.Errorf("%s: unexpected panel type %q", where, p.Type)
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" || p.Datasource.Type != "prometheus" {
			t.Errorf("%s: datasource %+v, want prometheus ${datasource}", where, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: no queries", where)
		}
		refIDs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.RefID == "" || refIDs[tg.RefID] {
				t.Errorf("%s: refId %q empty or repeated", where, tg.RefID)
			}
			refIDs[tg.RefID] = true
			if tg.Datasource != nil && tg.Datasource.UID != "${datasource}" {
				t.Errorf("%s: target %s has datasource %+v, want ${datasource}", where, tg.RefID, tg.Datasource)
			}
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("%s: target %s has no expr", where, tg.RefID)
				continue
			}
			if !strings.Contains(tg.Expr, `job=~"$job"`) || !strings.Contains(tg.Expr, `instance=~"$instance"`) {
				t.Errorf("%s: %s does not filter on the job and instance variables", where, tg.Expr)
			}
			exprs = append(exprs, tg.Expr)
		}
	}

	// Every expression uses only kgitops' metrics and labels; together they
	// show every metric.
	used := map[string]bool{}
	var all strings.Builder
	for _, expr := range exprs {
		q, problems := checkPromQL(expr)
		for _, p := range problems {
			t.Errorf("dashboard query %s: %s", expr, p)
		}
		if len(q.series) == 0 {
			t.Errorf("dashboard query %s uses no kgitops metric", expr)
		}
		for _, s := range q.series {
			used[series()[s]] = true
		}
		all.WriteString(expr + "\n")
	}
	for name := range metrics {
		if !used[name] {
			t.Errorf("no panel shows %s", name)
		}
	}
	for _, want := range []string{
		"histogram_quantile(0.5,", "histogram_quantile(0.95,", "histogram_quantile(0.99,",
		"time() - max(kgitops_last_success_timestamp_seconds", "sum by (result) (rate(kgitops_reconcile_total",
	} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("no dashboard query contains %q", want)
		}
	}

	// Titles and descriptions name only real metrics too.
	walkStrings(generic, func(s string) { checkProse(t, dashboardFile, s) })
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

// --- Prometheus rules ----------------------------------------------------------

type ruleFile struct {
	Groups []ruleGroup `yaml:"groups"`
}

type ruleGroup struct {
	Name     string `yaml:"name"`
	Interval string `yaml:"interval,omitempty"`
	Rules    []rule `yaml:"rules"`
}

type rule struct {
	Alert         string            `yaml:"alert,omitempty"`
	Record        string            `yaml:"record,omitempty"`
	Expr          string            `yaml:"expr"`
	For           string            `yaml:"for,omitempty"`
	KeepFiringFor string            `yaml:"keep_firing_for,omitempty"`
	Labels        map[string]string `yaml:"labels,omitempty"`
	Annotations   map[string]string `yaml:"annotations,omitempty"`
}

// decodeStrict decodes one YAML document, refusing fields out does not have.
func decodeStrict(data []byte, out any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(out)
}

func readRules(t *testing.T) ruleFile {
	t.Helper()
	data, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := decodeStrict(data, &rf); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	return rf
}

var (
	promDuration  = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)
	labelTemplate = regexp.MustCompile(`\$labels\.([A-Za-z_][A-Za-z0-9_]*)`)
)

func TestPrometheusRules(t *testing.T) {
	rf := readRules(t)
	if len(rf.Groups) == 0 {
		t.Fatal("no rule groups")
	}
	doc, err := os.ReadFile(monitoringDoc)
	if err != nil {
		t.Fatal(err)
	}
	alerts := map[string]bool{}
	groups := map[string]bool{}
	for _, g := range rf.Groups {
		if g.Name == "" || groups[g.Name] {
			t.Errorf("group name %q empty or repeated", g.Name)
		}
		groups[g.Name] = true
		for _, r := range g.Rules {
			where := fmt.Sprintf("%s: alert %s", rulesFile, r.Alert)
			if r.Alert == "" || r.Record != "" {
				t.Errorf("%s: every rule here should be an alert, have %+v", rulesFile, r)
				continue
			}
			if alerts[r.Alert] {
				t.Errorf("%s: defined twice", where)
			}
			alerts[r.Alert] = true
			if !regexp.MustCompile(`^Kgitops[A-Z][A-Za-z]+$`).MatchString(r.Alert) {
				t.Errorf("%s: name should be KgitopsSomething", where)
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
			if !strings.HasSuffix(r.Annotations["runbook_url"], "/examples/monitoring/README.md#"+strings.ToLower(r.Alert)) {
				t.Errorf("%s: runbook_url %q should point at its section of examples/monitoring/README.md", where, r.Annotations["runbook_url"])
			}
			if !regexp.MustCompile(`(?m)^#+ ` + r.Alert + `$`).Match(doc) {
				t.Errorf("%s: %s has no section (### %s) for the runbook_url", where, monitoringDoc, r.Alert)
			}

			q, problems := checkPromQL(r.Expr)
			for _, p := range problems {
				t.Errorf("%s: %s", where, p)
			}
			if len(q.series) == 0 {
				t.Errorf("%s: expr uses no kgitops metric", where)
			}
			for name, text := range r.Annotations {
				checkProse(t, where+" annotation "+name, text)
				// An aggregation keeps only the labels it groups by: an
				// annotation can only show those.
				for _, m := range labelTemplate.FindAllStringSubmatch(text, -1) {
					if !slices.Contains(q.grouping, m[1]) {
						t.Errorf("%s: annotation %s shows $labels.%s, which the expr (by %v) does not keep", where, name, m[1], q.grouping)
					}
				}
			}
		}
	}
	for _, want := range []string{"KgitopsDriftPresent", "KgitopsNoSuccessfulReconcile", "KgitopsGitFetchFailing", "KgitopsReconcileFailing", "KgitopsNoLeader"} {
		if !alerts[want] {
			t.Errorf("%s: no alert %s", rulesFile, want)
		}
	}
}

func TestPrometheusRuleCRDMatchesRules(t *testing.T) {
	plain, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	crd, err := os.ReadFile(rulesCRDFile)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Groups any `yaml:"groups"`
	}
	var c struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name   string            `yaml:"name"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec struct {
			Groups any `yaml:"groups"`
		} `yaml:"spec"`
	}
	if err := decodeStrict(plain, &p); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	if err := decodeStrict(crd, &c); err != nil {
		t.Fatalf("%s: %v", rulesCRDFile, err)
	}
	if c.APIVersion != "monitoring.coreos.com/v1" || c.Kind != "PrometheusRule" || c.Metadata.Name == "" {
		t.Errorf("%s: want a named monitoring.coreos.com/v1 PrometheusRule, have %s %s %q", rulesCRDFile, c.APIVersion, c.Kind, c.Metadata.Name)
	}
	if !reflect.DeepEqual(p.Groups, c.Spec.Groups) {
		t.Errorf("spec.groups of %s differ from the groups of %s: edit both", rulesCRDFile, rulesFile)
	}
}

// promtool runs promtool with args in dir, or skips the test without it.
func promtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not on the PATH (Debian: apt-get install prometheus)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestPrometheusRulesPromtool(t *testing.T) {
	promtool(t, ".", "check", "rules", rulesFile)

	// The unit tests leave annotations out, as promtool would otherwise
	// compare them word for word: hand it the rules without them.
	rf := readRules(t)
	for g := range rf.Groups {
		for r := range rf.Groups[g].Rules {
			rf.Groups[g].Rules[r].Annotations = nil
		}
	}
	stripped, err := yaml.Marshal(rf)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests, err := os.ReadFile(rulesTestFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(rulesFile)), stripped, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(rulesTestFile)), tests, 0o644); err != nil {
		t.Fatal(err)
	}
	promtool(t, dir, "test", "rules", filepath.Base(rulesTestFile))
}

func TestGrafanaDashboardPromtool(t *testing.T) {
	// promtool parses the dashboard's queries as recording rules, with
	// Grafana's variables replaced by what Grafana would put there.
	d, _ := readDashboard(t)
	vars := regexp.MustCompile(`\$\{?(\w+)\}?`)
	labelValuesQuery := regexp.MustCompile(`^label_values\((.*),\s*\w+\)$`)
	var rf ruleFile
	g := ruleGroup{Name: "dashboard"}
	add := func(expr string) {
		expr = vars.ReplaceAllStringFunc(expr, func(v string) string {
			if strings.Contains(v, "__") {
				return "5m"
			}
			return ".*"
		})
		g.Rules = append(g.Rules, rule{Record: fmt.Sprintf("dashboard:query_%d", len(g.Rules)+1), Expr: expr})
	}
	for _, v := range d.Templating.List {
		if s, ok := v.Query.(string); ok {
			if m := labelValuesQuery.FindStringSubmatch(s); m != nil {
				add(m[1])
			}
		}
	}
	for _, p := range allPanels(d.Panels) {
		for _, tg := range p.Targets {
			add(tg.Expr)
		}
	}
	rf.Groups = []ruleGroup{g}
	data, err := yaml.Marshal(rf)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dashboard.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	promtool(t, dir, "check", "rules", "dashboard.yaml")
}

// --- Kubernetes manifests ------------------------------------------------------

type object struct {
	file       string
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	node *yaml.Node
}

// readManifests reads every document of every YAML file in dir but
// kustomization.yaml.
func readManifests(t *testing.T, dir string) (objects []object, files []string) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if filepath.Base(path) == "kustomization.yaml" {
			continue
		}
		files = append(files, filepath.Base(path))
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for n := 1; ; n++ {
			var node yaml.Node
			err := dec.Decode(&node)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: document %d: %v", path, n, err)
			}
			if len(node.Content) == 0 || node.Content[0].Kind == yaml.ScalarNode && node.Content[0].Tag == "!!null" {
				continue // an empty document
			}
			o := object{file: path, node: &node}
			if err := node.Decode(&o); err != nil {
				t.Fatalf("%s: document %d: %v", path, n, err)
			}
			if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
				t.Errorf("%s: document %d lacks apiVersion, kind or metadata.name", path, n)
			}
			objects = append(objects, o)
		}
	}
	return objects, files
}

func find(t *testing.T, objects []object, kind string, out any) {
	t.Helper()
	var found []object
	for _, o := range objects {
		if o.Kind == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s, have %d", kind, len(found))
	}
	if err := found[0].node.Decode(out); err != nil {
		t.Fatalf("%s: %v", found[0].file, err)
	}
}

type (
	httpProbe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port any    `yaml:"port"`
		} `yaml:"httpGet"`
	}
	envVar struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	}
	container struct {
		Name  string   `yaml:"name"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
		Env   []envVar `yaml:"env"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		ReadinessProbe *httpProbe `yaml:"readinessProbe"`
		LivenessProbe  *httpProbe `yaml:"livenessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext *struct {
			RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
	deployment struct {
		Spec struct {
			Replicas int `yaml:"replicas"`
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Template struct {
				Metadata struct {
					Labels map[string]string `yaml:"labels"`
				} `yaml:"metadata"`
				Spec struct {
					ServiceAccountName            string      `yaml:"serviceAccountName"`
					TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
					Containers                    []container `yaml:"containers"`
					SecurityContext               struct {
						RunAsNonRoot *bool `yaml:"runAsNonRoot"`
					} `yaml:"securityContext"`
					Volumes []struct {
						Name     string    `yaml:"name"`
						EmptyDir *struct{} `yaml:"emptyDir"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	service struct {
		Spec struct {
			Selector map[string]string `yaml:"selector"`
			Ports    []struct {
				Name       string `yaml:"name"`
				Port       int    `yaml:"port"`
				TargetPort any    `yaml:"targetPort"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}
	serviceMonitor struct {
		APIVersion string `yaml:"apiVersion"`
		Spec       struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Endpoints []struct {
				Port string `yaml:"port"`
				Path string `yaml:"path"`
			} `yaml:"endpoints"`
		} `yaml:"spec"`
	}
	secret struct {
		StringData map[string]string `yaml:"stringData"`
		Data       map[string]string `yaml:"data"`
	}
)

// matches reports whether labels carry every label of selector.
func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

func TestKubernetesManifests(t *testing.T) {
	objects, files := readManifests(t, kubernetesDir)
	if len(objects) == 0 {
		t.Fatalf("no manifests in %s", kubernetesDir)
	}

	// kustomization.yaml lists exactly the manifests.
	var k struct {
		Resources []string `yaml:"resources"`
		Images    []struct {
			Name string `yaml:"name"`
		} `yaml:"images"`
	}
	data, err := os.ReadFile(filepath.Join(kubernetesDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if got, want := slices.Sorted(slices.Values(k.Resources)), files; !slices.Equal(got, want) {
		t.Errorf("kustomization.yaml resources %v, want the manifests %v", got, want)
	}

	var dep deployment
	find(t, objects, "Deployment", &dep)
	var svc service
	find(t, objects, "Service", &svc)
	var sm serviceMonitor
	find(t, objects, "ServiceMonitor", &sm)
	var sec secret
	find(t, objects, "Secret", &sec)
	var secretName, saName string
	for _, o := range objects {
		switch o.Kind {
		case "Secret":
			secretName = o.Metadata.Name
		case "ServiceAccount":
			saName = o.Metadata.Name
		}
	}

	spec := dep.Spec.Template.Spec
	if dep.Spec.Replicas != 2 {
		t.Errorf("Deployment: replicas %d, want 2", dep.Spec.Replicas)
	}
	if !matches(dep.Spec.Selector.MatchLabels, dep.Spec.Template.Metadata.Labels) {
		t.Errorf("Deployment: selector %v does not match the pod labels %v", dep.Spec.Selector.MatchLabels, dep.Spec.Template.Metadata.Labels)
	}
	if spec.ServiceAccountName == "" || spec.ServiceAccountName != saName {
		t.Errorf("Deployment: serviceAccountName %q, want the ServiceAccount %q", spec.ServiceAccountName, saName)
	}
	if spec.TerminationGracePeriodSeconds < 60 {
		t.Errorf("Deployment: terminationGracePeriodSeconds %d, want at least 60 to end a pass", spec.TerminationGracePeriodSeconds)
	}
	if spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot {
		t.Error("Deployment: pod securityContext.runAsNonRoot should be true")
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("Deployment: %d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]
	if len(k.Images) != 1 || !strings.HasPrefix(c.Image, k.Images[0].Name+":") {
		t.Errorf("Deployment: image %q is not the one kustomization.yaml's images: replaces (%v)", c.Image, k.Images)
	}
	readme, err := os.ReadFile(filepath.Join(kubernetesDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, []byte(c.Image)) {
		t.Errorf("README.md should tell users to replace the placeholder image %s", c.Image)
	}

	// Args: run, in apply mode, listening on the metrics port, with the
	// git cache on an emptyDir.
	args := map[string]string{}
	for _, a := range c.Args[min(1, len(c.Args)):] {
		name, value, _ := strings.Cut(a, "=")
		args[name] = value
	}
	if len(c.Args) == 0 || c.Args[0] != "run" {
		t.Errorf("Deployment: args %v should start with run", c.Args)
	}
	for _, flag := range []string{"--repo", "--mode", "--listen", "--git-cache-dir"} {
		if _, ok := args[flag]; !ok {
			t.Errorf("Deployment: args lack %s=...", flag)
		}
	}
	if args["--mode"] != "apply" {
		t.Errorf("Deployment: --mode=%s, want apply", args["--mode"])
	}
	var metricsPort int
	for _, p := range c.Ports {
		if p.Name == "metrics" {
			metricsPort = p.ContainerPort
		}
	}
	if metricsPort != 9090 {
		t.Errorf("Deployment: want container port 9090 named metrics, have %+v", c.Ports)
	}
	if args["--listen"] != fmt.Sprintf(":%d", metricsPort) {
		t.Errorf("Deployment: --listen=%s, want :%d (the metrics port)", args["--listen"], metricsPort)
	}
	cacheVolume := ""
	for _, m := range c.VolumeMounts {
		if m.MountPath == args["--git-cache-dir"] {
			cacheVolume = m.Name
		}
	}
	emptyDir := false
	for _, v := range spec.Volumes {
		if v.Name == cacheVolume && v.EmptyDir != nil {
			emptyDir = true
		}
	}
	if cacheVolume == "" || !emptyDir {
		t.Errorf("Deployment: --git-cache-dir=%s should be an emptyDir volume mount", args["--git-cache-dir"])
	}

	// Probes on the metrics port.
	for _, p := range []struct {
		name  string
		probe *httpProbe
		path  string
	}{{"readinessProbe", c.ReadinessProbe, "/readyz"}, {"livenessProbe", c.LivenessProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("Deployment: no %s.httpGet", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("Deployment: %s.httpGet.path %q, want %s", p.name, p.probe.HTTPGet.Path, p.path)
		}
		if port := fmt.Sprint(p.probe.HTTPGet.Port); port != "metrics" && port != fmt.Sprint(metricsPort) {
			t.Errorf("Deployment: %s.httpGet.port %v, want metrics", p.name, port)
		}
	}

	// Hardening and resources.
	sc := c.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("Deployment: container securityContext should be non-root, read-only, without privilege escalation, drop ALL; have %+v", sc)
	}
	for _, r := range []string{"cpu", "memory"} {
		if c.Resources.Requests[r] == "" {
			t.Errorf("Deployment: no %s request", r)
		}
	}
	if c.Resources.Limits["memory"] == "" {
		t.Error("Deployment: no memory limit")
	}

	// Secrets come from the Secret, never inline, and the keys exist.
	keys := map[string]bool{}
	for key, v := range sec.StringData {
		keys[key] = true
		if !strings.HasPrefix(v, "REPLACE_ME") {
			t.Errorf("secret.yaml: %s should hold a REPLACE_ME placeholder, not a value", key)
		}
	}
	for key := range sec.Data {
		t.Errorf("secret.yaml: %s in data: keep placeholders in stringData", key)
	}
	fromSecret := map[string]bool{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			ref := e.ValueFrom.SecretKeyRef
			fromSecret[e.Name] = true
			if ref.Name != secretName || !keys[ref.Key] {
				t.Errorf("Deployment: env %s refers to %s/%s, which secret.yaml does not define", e.Name, ref.Name, ref.Key)
			}
		}
	}
	for _, name := range []string{"KGITOPS_GIT_PASSWORD", "KGITOPS_SASL_PASSWORD", "KGITOPS_WEBHOOK_SECRET"} {
		if !fromSecret[name] {
			t.Errorf("Deployment: env %s should come from the Secret", name)
		}
	}

	// Service → pods, ServiceMonitor → Service, both on the metrics port.
	if !matches(svc.Spec.Selector, dep.Spec.Template.Metadata.Labels) {
		t.Errorf("Service: selector %v does not match the pods %v", svc.Spec.Selector, dep.Spec.Template.Metadata.Labels)
	}
	svcPort := ""
	for _, p := range svc.Spec.Ports {
		if tp := fmt.Sprint(p.TargetPort); tp == "metrics" || tp == fmt.Sprint(metricsPort) {
			svcPort = p.Name
		}
	}
	if svcPort == "" {
		t.Errorf("Service: no port targets the metrics port: %+v", svc.Spec.Ports)
	}
	var svcLabels map[string]string
	for _, o := range objects {
		if o.Kind == "Service" {
			svcLabels = o.Metadata.Labels
		}
	}
	if sm.APIVersion != "monitoring.coreos.com/v1" {
		t.Errorf("ServiceMonitor: apiVersion %s, want monitoring.coreos.com/v1", sm.APIVersion)
	}
	if !matches(sm.Spec.Selector.MatchLabels, svcLabels) {
		t.Errorf("ServiceMonitor: selector %v does not match the Service's labels %v", sm.Spec.Selector.MatchLabels, svcLabels)
	}
	if len(sm.Spec.Endpoints) == 0 || sm.Spec.Endpoints[0].Port != svcPort || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor: endpoints %+v, want port %q path /metrics", sm.Spec.Endpoints, svcPort)
	}
}

func TestMonitoringKustomization(t *testing.T) {
	var k struct {
		Resources          []string `yaml:"resources"`
		ConfigMapGenerator []struct {
			Files []string `yaml:"files"`
		} `yaml:"configMapGenerator"`
	}
	data, err := os.ReadFile("monitoring/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
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

// --- systemd -------------------------------------------------------------------

// readUnit reads a systemd unit file into section → key → values, joining
// continued lines.
func readUnit(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unit := map[string]map[string][]string{}
	section := ""
	var line string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if line == "" && (l == "" || l[0] == '#' || l[0] == ';') {
			continue
		}
		if strings.HasSuffix(l, `\`) {
			line += strings.TrimSuffix(l, `\`) + " "
			continue
		}
		line += l
		switch {
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			unit[section] = map[string][]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Errorf("%s: cannot read %q", path, line)
			} else {
				unit[section][key] = append(unit[section][key], value)
			}
		}
		line = ""
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return unit
}

func TestSystemdUnit(t *testing.T) {
	unit := readUnit(t, systemdUnit)
	svc := unit["Service"]
	if svc == nil {
		t.Fatalf("%s: no [Service] section", systemdUnit)
	}
	one := func(key string) string {
		if len(svc[key]) != 1 {
			t.Errorf("%s: want one %s=, have %q", systemdUnit, key, svc[key])
			return ""
		}
		return svc[key][0]
	}
	for key, want := range map[string]string{
		"ProtectSystem":   "strict",
		"NoNewPrivileges": "yes",
		"Restart":         "on-failure",
		"KillSignal":      "SIGTERM",
		"CacheDirectory":  "kgitops",
	} {
		if got := one(key); got != want {
			t.Errorf("%s: %s=%s, want %s", systemdUnit, key, got, want)
		}
	}
	if !slices.Equal(svc["DynamicUser"], []string{"yes"}) && len(svc["User"]) == 0 {
		t.Errorf("%s: want DynamicUser=yes or a User=", systemdUnit)
	}
	if d := one("TimeoutStopSec"); !promDuration.MatchString(d) && !regexp.MustCompile(`^[0-9]+$`).MatchString(d) {
		t.Errorf("%s: TimeoutStopSec=%s", systemdUnit, d)
	}
	if one("EnvironmentFile") == "" {
		t.Errorf("%s: no EnvironmentFile for the secrets", systemdUnit)
	}
	if r := one("ExecReload"); !strings.Contains(r, "-HUP") || !strings.Contains(r, "$MAINPID") {
		t.Errorf("%s: ExecReload=%s, want kill -HUP $MAINPID", systemdUnit, r)
	}

	cmdline := strings.Fields(one("ExecStart"))
	if len(cmdline) < 2 || filepath.Base(cmdline[0]) != "kgitops" || cmdline[1] != "run" {
		t.Fatalf("%s: ExecStart=%v, want kgitops run ...", systemdUnit, cmdline)
	}
	flags := map[string]string{}
	for _, a := range cmdline[2:] {
		name, value, _ := strings.Cut(a, "=")
		flags[name] = value
	}
	if flags["--mode"] != "apply" {
		t.Errorf("%s: --mode=%s, want apply", systemdUnit, flags["--mode"])
	}
	if want := "/var/cache/" + one("CacheDirectory"); flags["--git-cache-dir"] != want {
		t.Errorf("%s: --git-cache-dir=%s, want the CacheDirectory %s", systemdUnit, flags["--git-cache-dir"], want)
	}

	// Every variable ExecStart expands is set by the env file or the unit,
	// and the env file holds placeholders for secrets only.
	env := map[string]string{}
	data, err := os.ReadFile(systemdEnvFile)
	if err != nil {
		t.Fatal(err)
	}
	for n, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(l, "=")
		if !ok || !regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`).MatchString(name) {
			t.Errorf("%s:%d: want NAME=value, have %q", systemdEnvFile, n+1, l)
			continue
		}
		env[name] = value
		if (strings.Contains(name, "PASSWORD") || strings.Contains(name, "SECRET")) && !strings.HasPrefix(value, "REPLACE_ME") {
			t.Errorf("%s:%d: %s should hold a REPLACE_ME placeholder", systemdEnvFile, n+1, name)
		}
	}
	for _, e := range svc["Environment"] {
		for _, kv := range strings.Fields(e) {
			name, value, _ := strings.Cut(kv, "=")
			if _, ok := env[name]; !ok {
				env[name] = value
			}
		}
	}
	for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(one("ExecStart"), -1) {
		if _, ok := env[m[1]]; !ok {
			t.Errorf("%s: ExecStart uses ${%s}, which neither Environment= nor %s sets", systemdUnit, m[1], systemdEnvFile)
		}
	}
	for _, name := range []string{"KGITOPS_GIT_PASSWORD", "KGITOPS_SASL_PASSWORD", "KGITOPS_WEBHOOK_SECRET", "KGITOPS_BOOTSTRAP_SERVERS"} {
		if _, ok := env[name]; !ok {
			t.Errorf("%s: no %s", systemdEnvFile, name)
		}
	}
}

func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not on the PATH")
	}
	// verify wants the binary and the env file to exist: point the copy at
	// /bin/true and make the env file optional. Only complaints about this
	// unit count, not about others on the machine.
	data, err := os.ReadFile(systemdUnit)
	if err != nil {
		t.Fatal(err)
	}
	unit := strings.ReplaceAll(string(data), "/usr/local/bin/kgitops", "/bin/true")
	unit = strings.ReplaceAll(unit, "EnvironmentFile=/", "EnvironmentFile=-/")
	path := filepath.Join(t.TempDir(), "kgitops.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, _ := exec.CommandContext(ctx, analyze, "verify", path).CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "kgitops.service") {
			t.Errorf("systemd-analyze verify: %s", l)
		}
	}
}
