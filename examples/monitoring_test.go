package examples

// Checks of the deployment and monitoring examples: the Grafana dashboard and
// the Prometheus rules may use only the metrics kgitops run exports (a
// misspelt metric, label or label value fails), and the alerts carry what an
// on-call engineer needs. When promtool is on the PATH the rules are also
// checked and unit-tested by promtool.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	dashboardFile = "monitoring/grafana-dashboard.json"
	rulesFile     = "monitoring/prometheus-rules.yaml"
	rulesCRDFile  = "monitoring/prometheus-rule-crd.yaml"
	rulesTestFile = "monitoring/prometheus-rules.test.yaml"
	monitoringDoc = "monitoring/README.md"
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
