package reconcile

import (
	"fmt"
	"testing"
)

func TestBatches(t *testing.T) {
	mk := func(n int) []Change {
		cs := make([]Change, n)
		for i := range cs {
			cs[i].Name = fmt.Sprint(i)
		}
		return cs
	}
	tests := []struct {
		name  string
		n     int
		cost  int
		sizes []int
	}{
		{"none", 0, 1, nil},
		{"one request", 100, 6, []int{100}},
		{"exactly the limit", 8000, 1, []int{8000}},
		{"just over", 8001, 1, []int{8000, 1}},
		{"5000 topics of 6 records", 5000, 6, []int{1333, 1333, 1333, 1001}},
		{"one change above the limit alone", 2, 9000, []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := batches(mk(tt.n), func(Change) int { return tt.cost })
			var sizes []int
			total := 0
			for _, b := range got {
				sizes = append(sizes, len(b))
				total += len(b)
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tt.sizes) || total != tt.n {
				t.Errorf("batch sizes %v, want %v", sizes, tt.sizes)
			}
		})
	}
}
