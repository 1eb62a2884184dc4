package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/envflag"
	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// clusterFlags are the flags of every command that talks to Kafka.
type clusterFlags struct {
	conn           kconn.Options
	connVars       *envflag.Set // conn's flags and variables
	inventoryName  string
	inventoryTopic string
}

func (f *clusterFlags) add(cmd *cobra.Command, getenv func(string) string) {
	f.connVars = kafkaVars(&f.conn)
	f.connVars.Register(cmd.Flags())
	cmd.Flags().StringVar(&f.inventoryName, "inventory-name", envOr(getenv, "KGITOPS_INVENTORY_NAME", reconcile.DefaultInventoryName),
		"name under which this repo's inventory of created resources is kept; repos sharing a cluster need different names [$KGITOPS_INVENTORY_NAME]")
	cmd.Flags().StringVar(&f.inventoryTopic, "inventory-topic", envOr(getenv, "KGITOPS_INVENTORY_TOPIC", reconcile.DefaultInventoryTopic),
		"compacted topic that holds the inventory [$KGITOPS_INVENTORY_TOPIC]")
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
	if err := completeFrom(f.connVars, e.getenv, f.conn.Complete); err != nil {
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
func (f *clusterFlags) observe(ctx context.Context, cl *kgo.Client, opts reconcile.ObserveOptions) (*reconcile.Live, error) {
	ctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	opts.Inventory = f.inventory()
	live, err := reconcile.Observe(ctx, cl, opts)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("reading the cluster took longer than --timeout %s: %w", f.conn.Timeout, err)
		}
		return nil, kconn.Explain(err)
	}
	return live, nil
}

// readPasswords reads every declared User's password from the environment
// variable or the file under secrets its passwordFrom names, before any
// connection is made. Errors name the source, never a password; all of
// them are printed, and nothing is applied.
func (e *env) readPasswords(dir string, st *spec.State, secrets spec.SecretsDir) (map[string]reconcile.Secret, error) {
	out, errs := passwordsOf(dir, st, e.getenv, secrets)
	for _, err := range errs {
		fmt.Fprintln(e.stderr, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%d password(s) could not be read; nothing was applied", len(errs))
	}
	return out, nil
}

// passwordsOf reads every declared user's password, files from under
// secrets only; each error starts with the User's file:line, the file
// under dir.
func passwordsOf(dir string, st *spec.State, getenv func(string) string, secrets spec.SecretsDir) (map[string]reconcile.Secret, []error) {
	out := make(map[string]reconcile.Secret, len(st.Users))
	var errs []error
	for _, u := range st.Users {
		pw, err := u.ReadPassword(getenv, secrets.ReadFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.Pos.Under(dir), err))
			continue
		}
		out[u.Name] = reconcile.NewSecret(pw)
	}
	return out, errs
}

// loadDir loads the repo. When it does not load, it prints every problem
// to stderr, one line each, naming each file as the user would open it
// (relative to where they ran kgitops), and returns a one-line summary.
// When it loads, it logs every skipped file at debug level, and warns on
// stderr about each one that looks like a renamed manifest: its resources
// are not declared any more.
func (e *env) loadDir(dir string) (*spec.State, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	st, err := spec.Load(dir)
	if err == nil {
		for _, s := range st.Skipped {
			p := spec.Pos{File: s.Path}.Under(dir).File
			e.log.Debug("skipped a file", "file", p, "reason", s.Reason)
			if s.LooksRenamed {
				fmt.Fprintf(e.stderr, "Warning: skipped %s: %s\n", p, s.Reason)
			}
		}
		return st, nil
	}
	var errs spec.Errors
	if !errors.As(err, &errs) {
		return nil, err
	}
	for _, pe := range errs.Rebase(dir) {
		fmt.Fprintln(e.stderr, pe.Error())
	}
	return nil, fmt.Errorf("%d problem(s) found in %s; nothing was applied", len(errs), dir)
}

// checkDir says, naming it as it was given, why the --dir dir is not a
// folder to load.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("--dir %s: no such directory", dir)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("--dir %s: %w", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("--dir %s: not a directory (give the folder that holds the YAML files)", dir)
	}
	return nil
}
