package examples

// The metrics the monitoring examples may use, read from the registry that
// `kgitops run` serves rather than copied: a metric the daemon renames or
// drops fails the dashboard, the rules or their unit tests here.

import (
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kgitops/kgitops/internal/daemon"
)

// family is one metric family of the registry.
type family struct {
	typ    string              // counter, gauge, histogram, summary or untyped
	labels []string            // variable labels
	series []string            // name{labels} of each series a scrape shows from the start
	values map[string][]string // label values in those series
}

// recorder is a Registerer that keeps every collector registered through
// it. A scrape shows only the vectors that have a child; the collectors'
// Descs show them all.
type recorder struct {
	prometheus.Registerer
	collectors []prometheus.Collector
}

func (r *recorder) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return r.Registerer.Register(c)
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// descFields reads the name and the variable labels out of Desc.String():
// Desc has no getters for them.
var descFields = regexp.MustCompile(`^Desc\{fqName: "([^"]+)", .*variableLabels: \{([^}]*)\}\}$`)

// targetLabels are the labels Prometheus (and the Prometheus Operator) add
// to every scraped series.
var targetLabels = []string{"job", "instance", "namespace", "pod", "service", "container", "endpoint"}

// exportedFamilies returns, by name, the metric families of the registry
// that cmd/kgitops/cli/run.go builds: the daemon's metrics plus the Go and
// process collectors.
func exportedFamilies(t *testing.T) map[string]*family {
	t.Helper()
	reg := prometheus.NewRegistry()
	rec := &recorder{Registerer: reg}
	daemon.NewMetrics(rec)
	rec.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	fams := map[string]*family{}
	for _, c := range rec.collectors {
		descs := make(chan *prometheus.Desc)
		go func() { c.Describe(descs); close(descs) }()
		for d := range descs {
			m := descFields.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("cannot read the name and labels of %s", d)
			}
			f := &family{typ: "untyped", values: map[string][]string{}}
			for l := range strings.SplitSeq(m[2], ",") {
				if l != "" {
					f.labels = append(f.labels, strings.TrimSuffix(strings.TrimPrefix(l, "c("), ")"))
				}
			}
			// A scrape shows the type of the others.
			switch c.(type) {
			case *prometheus.HistogramVec:
				f.typ = "histogram"
			case *prometheus.SummaryVec:
				f.typ = "summary"
			}
			fams[m[1]] = f
		}
	}

	// Scrape the registry as Prometheus does.
	scrape := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(scrape, httptest.NewRequest("GET", "/metrics", nil))
	var f *family
	for line := range strings.Lines(scrape.Body.String()) {
		if w := strings.Fields(line); len(w) == 4 && w[0] == "#" && w[1] == "TYPE" {
			if f = fams[w[2]]; f == nil {
				t.Fatalf("/metrics shows %s, but no collector describes it", w[2])
			}
			f.typ = w[3]
			continue
		}
		if strings.HasPrefix(line, "#") || f == nil {
			continue
		}
		s := strings.TrimSpace(line)
		s = s[:max(0, strings.LastIndexByte(s, ' '))] // drop the value
		m := seriesSyntax.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("/metrics: cannot read %q", line)
		}
		f.series = append(f.series, s)
		for _, lp := range labelPair.FindAllStringSubmatch(m[2], -1) {
			if !slices.Contains(f.values[lp[1]], lp[2]) {
				f.values[lp[1]] = append(f.values[lp[1]], lp[2])
			}
		}
	}
	return fams
}

// seriesNames maps each series name PromQL can select to its family: a
// histogram only through its _bucket, _sum and _count series.
func seriesNames(fams map[string]*family) map[string]string {
	out := map[string]string{}
	for name, f := range fams {
		switch f.typ {
		case "histogram":
			out[name+"_bucket"], out[name+"_sum"], out[name+"_count"] = name, name, name
		case "summary":
			out[name], out[name+"_sum"], out[name+"_count"] = name, name, name
		default:
			out[name] = name
		}
	}
	return out
}

// metricNames matches whatever looks like a metric of fams in text: a word
// that starts with one of their prefixes (kgitops_, go_, process_).
// promtool has checked the syntax, so no PromQL parser is needed.
func metricNames(fams map[string]*family) *regexp.Regexp {
	var prefixes []string
	for name := range fams {
		p, _, _ := strings.Cut(name, "_")
		prefixes = append(prefixes, regexp.QuoteMeta(p))
	}
	slices.Sort(prefixes)
	return regexp.MustCompile(`\b(?:` + strings.Join(slices.Compact(prefixes), "|") + `)_[A-Za-z0-9_]*`)
}

func TestMonitoringUsesExportedMetrics(t *testing.T) {
	fams := exportedFamilies(t)
	series := seriesNames(fams)
	find := metricNames(fams)
	check := func(where, text string, query bool) {
		for _, name := range find.FindAllString(text, -1) {
			_, isFamily := fams[name]
			if series[name] == "" && (query || !isFamily) { // prose may name a histogram
				t.Errorf("%s: %s is not a series kgitops run exports (internal/daemon/metrics.go)", where, name)
			}
		}
	}
	shown := map[string]bool{}
	for _, q := range dashboardQueries(t) {
		check(dashboardFile, q, true)
		for _, name := range find.FindAllString(q, -1) {
			shown[series[name]] = true
		}
	}
	_, generic := readDashboard(t)
	walkStrings(generic, func(s string) { check(dashboardFile, s, false) })
	for _, r := range readRules(t).rules() {
		check(rulesFile+": "+r.Alert, r.Expr, true)
		for a, text := range r.Annotations {
			check(rulesFile+": "+r.Alert+" "+a, text, false)
		}
	}
	doc, err := os.ReadFile(monitoringDoc)
	if err != nil {
		t.Fatal(err)
	}
	check(monitoringDoc, string(doc), false)

	// Every kgitops metric is on the dashboard and in the README's table.
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	for name := range fams {
		if !strings.HasPrefix(name, "kgitops_") {
			continue
		}
		if !shown[name] {
			t.Errorf("%s: no panel shows %s", dashboardFile, name)
		}
		if !documented[name] {
			t.Errorf("%s: the Metrics table has no row for %s", monitoringDoc, name)
		}
	}
}

// seriesSyntax and labelPair read a series as a scrape and promtool's
// input_series write it: name{label="value",...}.
var (
	seriesSyntax = regexp.MustCompile(`^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?$`)
	labelPair    = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)="([^"]*)"`)
)

func TestRuleTestSeriesAreExported(t *testing.T) {
	// The unit tests prove the alerts only as far as their input looks like
	// what kgitops exports: a misspelt label value in an alert and in its
	// test would pass promtool.
	fams := exportedFamilies(t)
	series := seriesNames(fams)
	var rt ruleTests
	readYAML(t, rulesTestFile, &rt)
	for _, tc := range rt.Tests {
		for _, in := range tc.InputSeries {
			m := seriesSyntax.FindStringSubmatch(in.Series)
			if m == nil {
				t.Errorf("%s: cannot read series %s", rulesTestFile, in.Series)
				continue
			}
			name, f := m[1], fams[series[m[1]]]
			if f == nil {
				t.Errorf("%s: %s is not a series kgitops run exports", rulesTestFile, in.Series)
				continue
			}
			labels := slices.Concat(f.labels, targetLabels)
			switch {
			case f.typ == "histogram" && strings.HasSuffix(name, "_bucket"):
				labels = append(labels, "le")
			case f.typ == "summary" && name == series[name]:
				labels = append(labels, "quantile")
			}
			for _, lm := range labelPair.FindAllStringSubmatch(m[2], -1) {
				label, value := lm[1], lm[2]
				if !slices.Contains(labels, label) {
					t.Errorf("%s: %s: %s has no label %s, only %v", rulesTestFile, in.Series, name, label, labels)
				}
				if vs := f.values[label]; len(vs) > 0 && !slices.Contains(vs, value) {
					t.Errorf("%s: %s: %s is one of %v", rulesTestFile, in.Series, label, vs)
				}
			}
		}
	}
}
