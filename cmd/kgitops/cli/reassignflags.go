package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/spec"
)

// reassignFlags bound the replica moves a plan starts (plan, apply, run).
type reassignFlags struct {
	throttle    string // --throttle, a rate with units; "" keeps the repo's Settings
	maxInFlight int    // --max-partitions-in-flight; 0 keeps the repo's Settings
}

func (f *reassignFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.throttle, "throttle", "",
		fmt.Sprintf("replication throttle per broker while replicas move, in bytes per second with units (50MiB, 100MB; 0 or none: no throttle); default: Settings reassignment.throttle, else %s", humanRate(spec.DefaultReplicationThrottle)))
	cmd.Flags().IntVar(&f.maxInFlight, "max-partitions-in-flight", 0,
		fmt.Sprintf("most partitions moving in the cluster at once; default: Settings reassignment.maxPartitionsInFlight, else %d", spec.DefaultMaxPartitionsInFlight))
}

// throttleOpt is --throttle as DiffOptions takes it: nil when not given.
func (f *reassignFlags) throttleOpt() (*int64, error) {
	if f.maxInFlight < 0 {
		return nil, fmt.Errorf("--max-partitions-in-flight %d: want at least 1", f.maxInFlight)
	}
	if f.throttle == "" {
		return nil, nil
	}
	v, err := spec.ParseRate(f.throttle)
	if err != nil {
		return nil, fmt.Errorf("--throttle %s: %w", f.throttle, err)
	}
	return &v, nil
}

// humanRate prints a rate in bytes/s with binary units where exact.
func humanRate(v int64) string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if v >= u.n && v%u.n == 0 {
			return fmt.Sprintf("%d%s", v/u.n, u.name)
		}
	}
	return fmt.Sprintf("%d", v)
}
