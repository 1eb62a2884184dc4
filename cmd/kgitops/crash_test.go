package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// Regression (issue 9): a daemon killed 0.45 s into a pass had created 300
// topics and recorded none, so --allow-delete could never remove them.
// This kills kgitops apply at random points of a 300-topic apply, 20
// times, and checks each time that every topic it created is owned, that
// the next apply confirms them all with their ids, and that they can then
// be deleted.
func TestKilledMidApplyOwnsWhatItCreated(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		const topics, kills = 300, 20
		prefix := kafkatest.Unique("crash")
		inv := reconcile.InventoryRef{Name: kafkatest.Unique("crash")}
		full, anchor := t.TempDir(), t.TempDir()
		writeTopics(t, full, prefix, topics)
		writeTopics(t, anchor, prefix+"-anchor", 1) // keeps the repo non-empty when the 300 go

		apply := func(dir string, extra ...string) *exec.Cmd {
			self, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(self, append([]string{"apply", "--dir", dir, "--bootstrap-servers", strings.Join(c.Bootstrap, ","),
				"--inventory-name", inv.Name, "--timeout", "60s"}, extra...)...)
			cmd.Env = append(os.Environ(), "KGITOPS_TEST_MAIN=1")
			return cmd
		}
		cl := c.Client(t)
		observe := func() *reconcile.Live {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			live, err := reconcile.Observe(ctx, cl, reconcile.ObserveOptions{Inventory: inv, Desired: &spec.State{}})
			if err != nil {
				t.Fatal(err)
			}
			return live
		}
		ours := func(live *reconcile.Live) (exist, owned, pending int) {
			for name := range live.Topics {
				if !strings.HasPrefix(name, prefix+"-") || strings.HasPrefix(name, prefix+"-anchor") {
					continue
				}
				exist++
				if e, ok := live.Inventory.Entries[reconcile.ResourceKey{Kind: reconcile.KindTopic, Name: name}]; ok {
					owned++
					if e.Pending {
						pending++
					}
				}
			}
			return exist, owned, pending
		}
		finish := func(dir string, extra ...string) {
			t.Helper()
			if out, err := apply(dir, extra...).CombinedOutput(); err != nil {
				live := observe()
				e, ok := live.Inventory.Entries[reconcile.ResourceKey{Kind: reconcile.KindTopic, Name: prefix + "-000"}]
				t.Fatalf("apply %v: %v (inventory entry of %s-000 now: %+v %v)\n%s", extra, err, prefix, e, ok, out)
			}
		}

		// startApply starts an apply of the 300 topics and returns once it
		// has printed its plan: from then on it writes the inventory and
		// creates topics.
		startApply := func() (*exec.Cmd, time.Time) {
			t.Helper()
			cmd := apply(full)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			planned := make(chan struct{})
			go func() {
				sc := bufio.NewScanner(out)
				once := false
				for sc.Scan() {
					if strings.HasPrefix(sc.Text(), "Plan: ") && !once {
						once = true
						close(planned)
					}
				}
				if !once {
					close(planned)
				}
			}()
			<-planned
			return cmd, time.Now()
		}

		// One uninterrupted apply, to know how long its applying part takes.
		cmd, planned := startApply()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("apply: %v", err)
		}
		took := time.Since(planned)
		finish(anchor, "--allow-delete")
		t.Logf("%s: applying %d topics takes %v after the plan is printed; killing at random points of it", c.Name, topics, took.Round(time.Millisecond))

		var created, midway, unconfirmed int
		for i := range kills {
			cmd, _ := startApply()
			time.Sleep(time.Duration(rand.Int64N(int64(took) + 1)))
			_ = cmd.Process.Kill()
			_ = cmd.Wait()

			exist, owned, pending := ours(observe())
			if owned < exist {
				t.Fatalf("kill %d: %d of our topics exist but only %d are in the inventory", i, exist, owned)
			}
			created += exist
			if exist > 0 && exist < topics {
				midway++
			}
			if exist > 0 && pending > 0 {
				unconfirmed++ // killed between creating and recording: only the intents own them
			}
			// The next apply finishes the job and confirms every intent.
			finish(full)
			if exist, owned, pending = ours(observe()); exist != topics || owned != topics || pending != 0 {
				t.Fatalf("kill %d: after a full apply %d exist, %d owned, %d pending; want %d, %d, 0", i, exist, owned, pending, topics, topics)
			}
			live := observe()
			for name, lt := range live.Topics {
				if e, ok := live.Inventory.Entries[reconcile.ResourceKey{Kind: reconcile.KindTopic, Name: name}]; ok && strings.HasPrefix(name, prefix+"-") && e.TopicID != lt.ID {
					t.Fatalf("kill %d: %s recorded with id %q, live %q", i, name, e.TopicID, lt.ID)
				}
			}
			// And every one of them can be deleted.
			finish(anchor, "--allow-delete")
			if exist, _, _ := ours(observe()); exist != 0 {
				t.Fatalf("kill %d: %d topics left after --allow-delete", i, exist)
			}
		}
		t.Logf("%s: %d kills; %d left a partial apply, %d came between creating and recording (owned by intents alone); %d topics found created at the kills, all owned",
			c.Name, kills, midway, unconfirmed, created)
	})
}

func writeTopics(t *testing.T, dir, prefix string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "---\napiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: %s-%03d\nspec:\n  partitions: 1\n  replicationFactor: 1\n", prefix, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "topics.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
