package cli

import (
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/examples"
)

func newDemo(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run the whole idea on an embedded in-memory Kafka: apply, drift, plan, apply again",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := runDemo(cmd.Context(), e); err != nil {
				return &exitError{code: ExitError, err: fmt.Errorf("demo: %w", err)}
			}
			return nil
		},
	}
}

// demo drives the real commands against an embedded kfake cluster.
type demo struct {
	e            *env
	dir          string
	bootstrap    string
	adm          *kadm.Client
	password     string // the demo user's, random and never printed
	inventoryKey string // signs the inventory records, random and never printed
}

func runDemo(ctx context.Context, e *env) error {
	c, err := kfake.NewCluster(kfake.NumBrokers(3))
	if err != nil {
		return fmt.Errorf("start the in-memory cluster: %w", err)
	}
	defer c.Close()
	dir, err := os.MkdirTemp("", "kgitops-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.CopyFS(dir, examples.FS()); err != nil {
		return fmt.Errorf("write the examples: %w", err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		return err
	}
	defer cl.Close()
	d := &demo{e: e, dir: dir, bootstrap: strings.Join(c.ListenAddrs(), ","), adm: kadm.NewClient(cl), password: rand.Text(), inventoryKey: rand.Text()}

	d.say("1. An in-memory Kafka cluster (kfake, 3 brokers) runs at %s.", d.bootstrap)
	d.say("   The desired state is the examples folder, copied to %s:", dir)
	if err := d.listFiles(); err != nil {
		return err
	}
	d.say("\n$ export KGITOPS_BOOTSTRAP_SERVERS=%s", d.bootstrap)
	d.say("$ export BILLING_PASSWORD=...   # access/users.yaml reads the billing user's password from here")
	d.say("$ export KGITOPS_INVENTORY_KEY=...   # signs the records of what kgitops created, so no one can forge one")
	if err := d.run(ctx, 0, "validate", "--dir", dir); err != nil {
		return err
	}
	d.say("2. Plan: what would change? Everything is new: topics, the billing user and its quota, and every ACL")
	d.say("   the role bindings expand to, each shown with the binding that asks for it.")
	if err := d.run(ctx, ExitChanges, "plan", "--detailed-exitcode"); err != nil {
		return err
	}
	d.say("3. Apply it.")
	if err := d.run(ctx, 0, "apply"); err != nil {
		return err
	}
	d.say("4. Plan again: nothing is left to do.")
	if err := d.run(ctx, 0, "plan", "--detailed-exitcode"); err != nil {
		return err
	}
	d.say("5. Someone changes the cluster by hand (out-of-band drift):")
	if err := d.drift(ctx); err != nil {
		return err
	}
	d.say("6. The plan detects the drift, field by field. Git is the truth.")
	if err := d.run(ctx, ExitChanges, "plan", "--detailed-exitcode"); err != nil {
		return err
	}
	d.say("7. Apply reverts it.")
	if err := d.run(ctx, 0, "apply"); err != nil {
		return err
	}
	d.say("8. A topic is removed from the repo (rm topics/audit.yaml). kgitops created it, so it may delete it,")
	d.say("   but only when told to: without --allow-delete the deletion stays pending.")
	if err := os.Remove(filepath.Join(dir, "topics", "audit.yaml")); err != nil {
		return err
	}
	if err := d.run(ctx, ExitChanges, "plan", "--detailed-exitcode"); err != nil {
		return err
	}
	if err := d.run(ctx, 0, "apply", "--allow-delete"); err != nil {
		return err
	}
	d.say("9. The cluster matches the repo again.")
	if err := d.run(ctx, 0, "plan", "--detailed-exitcode"); err != nil {
		return err
	}
	d.say("Done. Point kgitops at your own cluster with --bootstrap-servers, or see README.md.")
	return nil
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.e.stdout, format+"\n", args...)
}

func (d *demo) listFiles() error {
	return fs.WalkDir(examples.FS(), ".", func(p string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			d.say("     %s", p)
		}
		return err
	})
}

// run shows and runs one kgitops command in-process and checks its exit code.
func (d *demo) run(ctx context.Context, wantCode int, args ...string) error {
	if args[0] != "validate" {
		args = append(args, "--dir", d.dir)
	}
	d.say("\n$ kgitops %s", strings.Join(args, " "))
	environ := map[string]string{"KGITOPS_BOOTSTRAP_SERVERS": d.bootstrap, "KGITOPS_TIMEOUT": "20s", "BILLING_PASSWORD": d.password,
		"KGITOPS_INVENTORY_KEY": d.inventoryKey}
	code := Run(ctx, args, d.e.stdout, d.e.stderr, func(k string) string { return environ[k] })
	d.say("(exit code %d)\n", code)
	if code != wantCode {
		return fmt.Errorf("kgitops %s exited %d, want %d", args[0], code, wantCode)
	}
	return nil
}

// drift changes the cluster behind kgitops' back.
func (d *demo) drift(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	d.say("   - retention.ms of shop.orders set to 3600000 (1 hour)")
	d.say("   - segment.ms set on billing.payments, which the repo does not declare")
	d.say("   - topic billing.payment-state deleted")
	d.say("   - an ACL granting User:billing ALTER on shop.orders added")
	set := func(topic, key, value string) error {
		rs, err := d.adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: key, Value: kadm.StringPtr(value)}}, topic)
		if err == nil {
			_, err = rs.On(topic, nil)
		}
		return err
	}
	if err := set("shop.orders", "retention.ms", "3600000"); err != nil {
		return err
	}
	if err := set("billing.payments", "segment.ms", "600000"); err != nil {
		return err
	}
	if _, err := d.adm.DeleteTopic(ctx, "billing.payment-state"); err != nil {
		return err
	}
	b := kadm.NewACLs().Allow("User:billing").Topics("shop.orders").Operations(kadm.OpAlter).ResourcePatternType(kadm.ACLPatternLiteral)
	res, err := d.adm.CreateACLs(ctx, b)
	if err == nil && len(res) > 0 {
		err = res[0].Err
	}
	return err
}
