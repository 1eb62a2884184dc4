package soak

import (
	"fmt"
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 < p <= 100) of ds by the
// nearest-rank method, or 0 for none.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(float64(len(s))*p/100+0.999999) - 1
	return s[max(0, min(rank, len(s)-1))]
}

// Trend is one quantity sampled through the soak, by thirds: the first
// third is the daemon warmed up, the last third is where a leak shows.
type Trend struct {
	Name               string
	Min, Max           float64
	FirstMin, FirstMax float64
	LastMin, LastMax   float64
	Samples            int
}

// TrendOf splits values, in sampling order, into thirds.
func TrendOf(name string, values []float64) Trend {
	t := Trend{Name: name, Samples: len(values)}
	if len(values) == 0 {
		return t
	}
	third := max(1, len(values)/3)
	t.Min, t.Max = slices.Min(values), slices.Max(values)
	t.FirstMin, t.FirstMax = slices.Min(values[:third]), slices.Max(values[:third])
	t.LastMin, t.LastMax = slices.Min(values[len(values)-third:]), slices.Max(values[len(values)-third:])
	return t
}

// Flat says whether the last third stayed within the first third's
// maximum times ratio plus slack, and why not. A leak raises the floor and
// the peaks of the last third; the garbage collector's sawtooth raises
// neither for long, so comparing maxima of thirds tolerates it where
// comparing two single samples would not. Fewer than 6 samples say
// nothing, which is an error.
func (t Trend) Flat(ratio, slack float64) error {
	if t.Samples < 6 {
		return fmt.Errorf("%s: %d samples, too few to judge (want 6 or more)", t.Name, t.Samples)
	}
	if limit := t.FirstMax*ratio + slack; t.LastMax > limit {
		return fmt.Errorf("%s grew: the last third peaked at %.4g, above %.4g (the first third's peak %.4g × %.2f + %.4g)",
			t.Name, t.LastMax, limit, t.FirstMax, ratio, slack)
	}
	return nil
}
