// Package soak holds the soak benchmark of issue 14 (make soak): kgitops run,
// as its own process, reconciles thousands of topics on a real broker for a
// long time while out-of-band drift is injected every few seconds and a
// commit is pushed every minute. TestSoak (soak_test.go) drives it and runs
// only when KGITOPS_SOAK names a duration.
//
// The package's own code is the pure part the test judges with: reading
// the Prometheus text format, percentiles, and the criteria that say
// whether memory and goroutines stayed flat. It starts no process and
// touches no cluster.
package soak
