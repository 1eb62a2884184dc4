package promtext

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
kgitops_drift_resources{kind="ACL"} 1
kgitops_drift_resources{kind="Topic"} 2
kgitops_last_applied_revision_info{revision="abc,def"} 1
kgitops_reconcile_total{result="failure"} 0
kgitops_reconcile_total{result="success"} 17
process_resident_memory_bytes 5.1e+07
`
	s, err := Parse(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  float64
		want float64
	}{
		{"goroutines", s.Sum("go_goroutines", nil), 42},
		{"drift", s.Sum("kgitops_drift_resources", nil), 3},
		{"success", s.Sum("kgitops_reconcile_total", map[string]string{"result": "success"}), 17},
		{"rss", s.Sum("process_resident_memory_bytes", nil), 51e6},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if got := s.Label("kgitops_last_applied_revision_info", "revision"); got != "abc,def" {
		t.Errorf("revision label = %q", got)
	}
	if _, err := Parse(strings.NewReader("x{a=\"1\"} notanumber\n")); err == nil {
		t.Error("a bad value parsed")
	}
}
