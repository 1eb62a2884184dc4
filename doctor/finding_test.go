package doctor

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSortFindings(t *testing.T) {
	fs := []Finding{
		{Check: "disk", Severity: Info, Resource: "log dir /a on broker 1"},
		{Check: "partitions-per-broker", Severity: Warn, Resource: "broker 10"},
		{Check: "partitions-per-broker", Severity: Warn, Resource: "broker 2"},
		{Check: "under-min-isr", Severity: Error, Resource: "topic b"},
		{Check: "offline-partitions", Severity: Error, Resource: "topic z"},
		{Check: "under-min-isr", Severity: Error, Resource: "topic a"},
	}
	SortFindings(fs)
	want := []string{
		"error offline-partitions topic z",
		"error under-min-isr topic a",
		"error under-min-isr topic b",
		"warn partitions-per-broker broker 2",
		"warn partitions-per-broker broker 10",
		"info disk log dir /a on broker 1",
	}
	if d := cmp.Diff(want, brief(fs)); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
}

func TestNaturalCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"broker 2", "broker 10", -1},
		{"broker 10", "broker 2", 1},
		{"topic a-9", "topic a-10", -1},
		{"a", "a", 0},
		{"a", "ab", -1},
		{"x01", "x1", 0},
	}
	for _, tt := range tests {
		if got := naturalCompare(tt.a, tt.b); got != tt.want {
			t.Errorf("naturalCompare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestReportCountsAndWorst(t *testing.T) {
	c := &Cluster{Brokers: brokers(2), Topics: []Topic{{Name: "a", Partitions: spread(3, 1, 2)}, {Name: "b", Partitions: spread(2, 1, 2)}}}
	r := NewReport(c, []Finding{{Severity: Info}, {Severity: Warn}, {Severity: Warn}})
	want := Summary{Warn: 2, Info: 1, Brokers: 2, Topics: 2, Partitions: 5}
	if r.Summary != want || r.Worst() != Warn {
		t.Fatalf("summary %+v, worst %q", r.Summary, r.Worst())
	}
	if r := NewReport(c, nil); r.Worst() != "" || r.Findings == nil {
		t.Fatalf("empty report: %+v", r)
	}
}

func TestCheckIsDeterministic(t *testing.T) {
	c := sampleCluster()
	first := Check(c, Options{})
	for range 20 {
		if d := cmp.Diff(first, Check(c, Options{})); d != "" {
			t.Fatalf("Check differs between runs:\n%s", d)
		}
	}
}
