package spec

import "strings"

// closest returns the candidate nearest to s by edit distance, ignoring
// case, if it is near enough to be a likely typo: at most a third of the
// candidate's length, and never more than 3 edits.
func closest(s string, candidates []string) (string, bool) {
	best, bestDist := "", -1
	ls := strings.ToLower(s)
	for _, c := range candidates {
		d := editDistance(ls, strings.ToLower(c))
		if d > max(1, min(3, len(c)/3)) {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, bestDist >= 0
}

// suggestHint returns "did you mean X?" for the candidate closest to s, or
// otherwise the fallback.
func suggestHint(s string, candidates []string, fallback string) string {
	if c, ok := closest(s, candidates); ok && c != s {
		return "did you mean " + c + "?"
	}
	return fallback
}

// editDistance is the optimal string alignment distance between a and b,
// in bytes: insertions, deletions, substitutions and swaps of two adjacent
// bytes each count one.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 || len(a)-len(b) > 3 || len(b)-len(a) > 3 {
		return max(len(a), len(b)) // too far apart to be a typo; keep it cheap
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
