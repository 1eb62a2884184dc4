// Package daemon is kgitops' long-running reconciler: it pulls the desired
// state from a Source, plans against the live cluster and, when it leads,
// applies, on every pass, even when the revision did not change, so that
// out-of-band drift is caught. It records status and Prometheus metrics and
// serves them over HTTP.
//
// It holds no reconciliation logic of its own (package reconcile does) and
// no git code (package gitsync does): a pass only sequences them and
// decides, from how a pass failed, when the next one runs.
package daemon
