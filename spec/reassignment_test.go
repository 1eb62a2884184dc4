package spec

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string // the whole message, hint left out; "" for none
	}{
		{in: "50MiB", want: 50 << 20},
		{in: "100MB", want: 100_000_000},
		{in: "1048576", want: 1 << 20},
		{in: "none", want: 0},
		{in: "0", want: 0},
		{in: "0MiB", want: 0},
		{in: " 1.5 GiB ", want: 3 << 29},
		{in: "512KiB", want: 512 << 10},
		{in: "1kB", want: 1000},
		{in: "10B", want: 10},
		{in: "+5", want: 5},
		{in: "9223372036854775807", want: 1<<63 - 1},
		{in: "", err: "the rate is empty"},
		{in: "fast", err: `"fast" is not a rate`},
		{in: "None", err: `"None" is not a rate`},
		{in: "50MiB/s", err: `"50MiB/s" is not a rate`},
		{in: "1e6", err: `"1e6" is not a rate`},
		{in: "-1", err: "-1 is below 0"},
		{in: "50Mb", err: `unknown unit "Mb" in "50Mb"`},
		{in: "50ms", err: `unknown unit "ms" in "50ms"`},
		{in: "0.5B", err: "0.5B is not a whole number of bytes"},
		{in: "9223372036854775808", err: "9223372036854775808 is more than 9223372036854775807 bytes per second"},
		{in: "8388608TiB", err: "8388608TiB is more than 9223372036854775807 bytes per second"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRate(tc.in)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Errorf("ParseRate(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseRate(%q) = %d, want an error %q", tc.in, got, tc.err)
			}
			msg, hint, _ := strings.Cut(err.Error(), " (")
			if msg != tc.err {
				t.Errorf("ParseRate(%q) error = %q, want %q", tc.in, msg, tc.err)
			}
			if hint == "" {
				t.Errorf("ParseRate(%q) error %q says nothing of what to write instead", tc.in, err)
			}
		})
	}
}

func TestReassignmentSettings(t *testing.T) {
	const header = "apiVersion: kgitops.io/v1alpha1\nkind: Settings\nmetadata: {name: s}\n"
	tests := []struct {
		name string
		doc  string
		want ReassignmentSettings
		rate int64
		n    int
		drft string
	}{
		{"no Settings", "", ReassignmentSettings{Throttle: -1}, DefaultReplicationThrottle, DefaultMaxPartitionsInFlight, PlacementDriftReport},
		{"no spec", header, ReassignmentSettings{Throttle: -1}, DefaultReplicationThrottle, DefaultMaxPartitionsInFlight, PlacementDriftReport},
		{"no block", header + "spec: {ignoreConfigs: [segment.ms]}\n", ReassignmentSettings{Throttle: -1}, DefaultReplicationThrottle, DefaultMaxPartitionsInFlight, PlacementDriftReport},
		{"null block", header + "spec:\n  reassignment:\n", ReassignmentSettings{Throttle: -1}, DefaultReplicationThrottle, DefaultMaxPartitionsInFlight, PlacementDriftReport},
		{"empty block", header + "spec:\n  reassignment: {}\n", ReassignmentSettings{Throttle: -1, Pos: Pos{"s.yaml", 5}}, DefaultReplicationThrottle, DefaultMaxPartitionsInFlight, PlacementDriftReport},
		{
			"all", header + "spec:\n  reassignment:\n    throttle: 20MiB\n    maxPartitionsInFlight: 3\n    placementDrift: revert\n",
			ReassignmentSettings{Throttle: 20 << 20, ThrottleSet: true, MaxPartitionsInFlight: 3, PlacementDrift: PlacementDriftRevert, Pos: Pos{"s.yaml", 5}},
			20 << 20, 3, PlacementDriftRevert,
		},
		{
			"no throttle", header + "spec:\n  reassignment: {throttle: none, maxPartitionsInFlight: \"10000\", placementDrift: report}\n",
			ReassignmentSettings{Throttle: 0, ThrottleSet: true, MaxPartitionsInFlight: 10000, PlacementDrift: PlacementDriftReport, Pos: Pos{"s.yaml", 5}},
			0, 10000, PlacementDriftReport,
		},
		{
			"throttle 0 as a YAML number", header + "spec:\n  reassignment: {throttle: 0}\n",
			ReassignmentSettings{Throttle: 0, ThrottleSet: true, Pos: Pos{"s.yaml", 5}},
			0, DefaultMaxPartitionsInFlight, PlacementDriftReport,
		},
		{
			"throttle in bytes", header + "spec:\n  reassignment: {throttle: 1048576}\n",
			ReassignmentSettings{Throttle: 1 << 20, ThrottleSet: true, Pos: Pos{"s.yaml", 5}},
			1 << 20, DefaultMaxPartitionsInFlight, PlacementDriftReport,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := LoadFS(fstest.MapFS{"s.yaml": {Data: []byte(tc.doc)}})
			if err != nil {
				t.Fatal(err)
			}
			r := st.Settings.Reassignment
			if diff := cmp.Diff(tc.want, r); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if r.Rate() != tc.rate || r.InFlight() != tc.n || r.Drift() != tc.drft {
				t.Errorf("Rate, InFlight, Drift = %d, %d, %q; want %d, %d, %q", r.Rate(), r.InFlight(), r.Drift(), tc.rate, tc.n, tc.drft)
			}
		})
	}
	// A State built by hand, as tests of other packages build one, takes
	// the defaults too, not "no throttle".
	var zero ReassignmentSettings
	if zero.Rate() != DefaultReplicationThrottle || zero.InFlight() != DefaultMaxPartitionsInFlight || zero.Drift() != PlacementDriftReport {
		t.Errorf("the zero ReassignmentSettings gives %d, %d, %q; want the defaults", zero.Rate(), zero.InFlight(), zero.Drift())
	}
}
