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
