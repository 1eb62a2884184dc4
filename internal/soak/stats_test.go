package soak

import (
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		name string
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", ms(7), 95, 7 * time.Millisecond},
		{"median of odd", ms(5, 1, 3), 50, 3 * time.Millisecond},
		{"median of even is the lower", ms(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{"p95 of 20", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), 95, 19 * time.Millisecond},
		{"max", ms(9, 1, 5), 100, 9 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.ds, tt.p); got != tt.want {
				t.Fatalf("Percentile(%v, %v) = %v, want %v", tt.ds, tt.p, got, tt.want)
			}
		})
	}
}

func TestTrendFlat(t *testing.T) {
	tests := []struct {
		name    string
		values  []float64
		ratio   float64
		slack   float64
		wantErr string
	}{
		{"sawtooth stays flat", []float64{50, 90, 52, 88, 51, 91, 49, 89, 53}, 1.25, 0, ""},
		{"a steady leak", []float64{50, 55, 60, 65, 70, 75, 80, 85, 90}, 1.25, 0, "rss grew: the last third peaked at 90"},
		{"goroutines within slack", []float64{40, 42, 41, 43, 44, 42}, 1, 5, ""},
		{"goroutines beyond slack", []float64{40, 42, 41, 47, 48, 49}, 1, 5, "rss grew"},
		{"too few samples", []float64{1, 2, 3}, 1, 0, "3 samples, too few"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := TrendOf("rss", tt.values).Flat(tt.ratio, tt.slack)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Flat: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Flat: %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseText(t *testing.T) {
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
	s, err := ParseText(strings.NewReader(text))
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
	if _, err := ParseText(strings.NewReader("x{a=\"1\"} notanumber\n")); err == nil {
		t.Error("a bad value parsed")
	}
}
