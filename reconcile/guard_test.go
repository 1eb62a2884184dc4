package reconcile

import (
	"strings"
	"testing"

	"github.com/kgitops/kgitops/spec"
)

func ownedLive(topics ...string) *Live {
	live := &Live{Topics: map[string]LiveTopic{}, Inventory: Inventory{Entries: map[ResourceKey]InventoryEntry{}}}
	for _, name := range topics {
		live.Topics[name] = LiveTopic{Name: name, Partitions: 1, ReplicationFactor: 1, Configs: map[string]string{}}
		live.Inventory.Entries[ResourceKey{KindTopic, name}] = InventoryEntry{}
	}
	return live
}

// Regression (issue 9): a daemon with --allow-delete deleted every topic
// it had created after one commit that emptied the repo.
func TestAnEmptyDesiredStateIsRefused(t *testing.T) {
	live := ownedLive("a", "b")
	p := Diff(&spec.State{Settings: spec.Settings{IgnoreConfigs: []string{"x"}}}, live, DiffOptions{AllowDelete: true})
	if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "declares nothing, while the inventory owns 2 resource(s)") || !strings.Contains(p.Errors[0].Message, "--allow-empty") {
		t.Fatalf("an empty desired state: %+v", p.Errors)
	}
	p = Diff(&spec.State{}, live, DiffOptions{AllowDelete: true, AllowEmpty: true})
	if len(p.Errors) != 0 || p.Summary.Delete != 2 {
		t.Fatalf("with AllowEmpty: %+v %+v", p.Errors, p.Summary)
	}
	if p := Diff(&spec.State{}, ownedLive(), DiffOptions{}); len(p.Errors) != 0 {
		t.Fatalf("an empty repo on an empty inventory is fine: %+v", p.Errors)
	}
}

func TestMoreDeletionsThanMaxDeletesAreAllHeld(t *testing.T) {
	live := ownedLive("a", "b", "c", "keep")
	st := state(topic("keep", 1, nil))
	two, three := 2, 3
	p := Diff(st, live, DiffOptions{AllowDelete: true, MaxDeletes: &two})
	if p.Summary.Delete != 0 || p.Summary.PendingDelete != 3 {
		t.Fatalf("summary with 3 deletions and --max-deletes 2: %+v", p.Summary)
	}
	for _, c := range p.Changes {
		if !c.Pending || !strings.Contains(c.Held, "deletes 3 resource(s), more than --max-deletes 2 allows") {
			t.Fatalf("deletion not held: %+v", c)
		}
		if len(c.Risks) == 0 || !strings.Contains(c.Risks[0].Message, "(held: ") {
			t.Errorf("risk of a held deletion: %+v", c.Risks)
		}
	}
	if p := Diff(st, live, DiffOptions{AllowDelete: true, MaxDeletes: &three}); p.Summary.Delete != 3 {
		t.Fatalf("3 deletions within --max-deletes 3: %+v", p.Summary)
	}
	// Deletions pending --allow-delete do not count.
	if p := Diff(st, live, DiffOptions{MaxDeletes: &two}); p.Summary.PendingDelete != 3 || p.Changes[0].Held != "" {
		t.Fatalf("pending deletions counted against --max-deletes: %+v", p.Changes)
	}
}

// A refusal of the whole plan reads as its message, not "* *: ...".
func TestRefusalOfTheWholePlanReads(t *testing.T) {
	if got := (Refusal{Kind: "*", Name: "*", Message: "this inventory belongs to x"}).Error(); got != "this inventory belongs to x" {
		t.Errorf("got %q", got)
	}
	if got := (Refusal{Kind: KindTopic, Name: "a", Message: "m"}).Error(); got != "Topic a: m" {
		t.Errorf("got %q", got)
	}
}
