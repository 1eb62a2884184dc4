// Package promtext reads Prometheus' text exposition format, as a daemon's
// /metrics serves it, for the benchmarks and the soak that watch kgitops run
// from outside.
package promtext

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Series is one sample of a scrape: the metric name, its labels and value.
type Series struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Scrape is what one read of /metrics held.
type Scrape []Series

// Parse reads the Prometheus text exposition format, as client_golang
// writes it (no timestamps, labels without escaped quotes in the values
// that matter here). Comment lines are skipped.
func Parse(r io.Reader) (Scrape, error) {
	var out Scrape
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		cut := strings.LastIndexByte(line, ' ')
		if cut < 0 {
			return nil, fmt.Errorf("metrics line %q: no value", line)
		}
		v, err := strconv.ParseFloat(line[cut+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %q: %w", line, err)
		}
		s := Series{Name: line[:cut], Labels: map[string]string{}, Value: v}
		if open := strings.IndexByte(s.Name, '{'); open >= 0 {
			labels := strings.TrimSuffix(s.Name[open+1:], "}")
			s.Name = s.Name[:open]
			for _, kv := range splitLabels(labels) {
				k, val, ok := strings.Cut(kv, "=")
				if !ok {
					return nil, fmt.Errorf("metrics line %q: label %q", line, kv)
				}
				s.Labels[k] = strings.Trim(val, `"`)
			}
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// splitLabels splits a="x",b="y" at the commas outside quotes.
func splitLabels(s string) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// Sum adds the values of every series named name whose labels include
// match (nil matches all).
func (s Scrape) Sum(name string, match map[string]string) float64 {
	var total float64
	for _, x := range s {
		if x.Name == name && includes(x.Labels, match) {
			total += x.Value
		}
	}
	return total
}

// Label returns label key of the first series named name with a non-zero
// value (the revision of an _info gauge), or "".
func (s Scrape) Label(name, key string) string {
	for _, x := range s {
		if x.Name == name && x.Value != 0 {
			return x.Labels[key]
		}
	}
	return ""
}

// Has says whether some series is named name.
func (s Scrape) Has(name string) bool {
	for _, x := range s {
		if x.Name == name {
			return true
		}
	}
	return false
}

func includes(labels, match map[string]string) bool {
	for k, v := range match {
		if labels[k] != v {
			return false
		}
	}
	return true
}
