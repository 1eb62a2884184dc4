package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// clusterFlags are the flags of every command that talks to Kafka.
type clusterFlags struct {
	conn           kconn.Options
	inventoryName  string
	inventoryTopic string
}

func (f *clusterFlags) add(cmd *cobra.Command, getenv func(string) string) {
	f.conn.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&f.inventoryName, "inventory-name", envOr(getenv, "KGITOPS_INVENTORY_NAME", reconcile.DefaultInventoryName),
		"name under which this repo's inventory of created resources is kept; repos sharing a cluster need different names (env KGITOPS_INVENTORY_NAME)")
	cmd.Flags().StringVar(&f.inventoryTopic, "inventory-topic", envOr(getenv, "KGITOPS_INVENTORY_TOPIC", reconcile.DefaultInventoryTopic),
		"compacted topic that holds the inventory (env KGITOPS_INVENTORY_TOPIC)")
}

func (f *clusterFlags) inventory() reconcile.InventoryRef {
	return reconcile.InventoryRef{Topic: f.inventoryTopic, Name: f.inventoryName}
}

// connect checks the flags and opens a connection that is proven to work.
func (f *clusterFlags) connect(ctx context.Context, e *env) (*kgo.Client, error) {
	if msg, ok := spec.ValidTopicName(f.inventoryTopic); !ok {
		return nil, fmt.Errorf("--inventory-topic %q: %s", f.inventoryTopic, msg)
	}
	if f.inventoryName == "" || strings.ContainsAny(f.inventoryName, "/\x00") {
		return nil, fmt.Errorf("--inventory-name %q: must be non-empty and hold no '/'", f.inventoryName)
	}
	if err := f.conn.Complete(e.getenv); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	cl, _, err := f.conn.Connect(ctx, e.log)
	if err != nil {
		return nil, err
	}
	e.log.Info("connected", "cluster", f.conn.String())
	return cl, nil
}

// observe reads the live cluster within the timeout.
func (f *clusterFlags) observe(ctx context.Context, cl *kgo.Client) (*reconcile.Live, error) {
	ctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	live, err := reconcile.Observe(ctx, cl, reconcile.ObserveOptions{Inventory: f.inventory()})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("reading the cluster took longer than --timeout %s: %w", f.conn.Timeout, err)
		}
		return nil, kconn.Explain(err)
	}
	return live, nil
}

// loadDir loads the repo and turns spec errors into lines that name each
// file as the user would open it (relative to where they ran kgitops).
func loadDir(dir string) (*spec.State, error) {
	st, err := spec.Load(dir)
	if err == nil {
		return st, nil
	}
	var errs spec.Errors
	if !errors.As(err, &errs) {
		return nil, err
	}
	lines := make([]string, len(errs))
	for i, e := range errs {
		e.Pos.File = filepath.ToSlash(filepath.Join(dir, e.Pos.File))
		lines[i] = e.Error()
	}
	return nil, &loadError{lines: lines}
}

// loadError is a repo that does not load; it prints every problem.
type loadError struct{ lines []string }

func (e *loadError) Error() string {
	return fmt.Sprintf("%s\n%d problem(s) found; nothing was applied", strings.Join(e.lines, "\n"), len(e.lines))
}
