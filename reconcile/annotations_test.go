package reconcile

import (
	"strings"
	"testing"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

func annotated(t spec.Topic, key, value string) spec.Topic {
	t.Annotations = map[string]string{key: value}
	return t
}

// kgitops.io/prevent-destroy is recorded when applied, so that a plan that
// deletes the topic fails even after its document left the repo, and even
// with --allow-delete.
func TestPreventDestroyHoldsAfterTheDocumentIsGone(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		keep, guarded := kafkatest.Unique("keep"), kafkatest.Unique("guarded")
		protected := annotated(topic(guarded, 1, nil), spec.AnnotationPreventDestroy, "true")
		r.apply(state(topic(keep, 1, nil), protected), DiffOptions{})
		if e := r.observe().Inventory.Entries[ResourceKey{KindTopic, guarded}]; !e.PreventDestroy {
			t.Fatalf("protection not recorded: %+v", e)
		}

		p, _ := r.plan(state(topic(keep, 1, nil)), DiffOptions{AllowDelete: true})
		if len(p.Errors) != 1 || p.Errors[0].Name != guarded || !strings.Contains(p.Errors[0].Message, "protected by kgitops.io/prevent-destroy") {
			t.Fatalf("deleting a protected topic: %+v", p.Errors)
		}

		// Lifting the protection is a change of its own, shown in the plan.
		lifted := annotated(topic(guarded, 1, nil), spec.AnnotationPreventDestroy, "false")
		p, _ = r.applyPlan(state(topic(keep, 1, nil), lifted), DiffOptions{})
		if len(p.Changes) != 1 || p.Changes[0].Fields[0].Path != "annotations.kgitops.io/prevent-destroy" {
			t.Fatalf("lifting the protection: %+v", p.Changes)
		}
		r.apply(state(topic(keep, 1, nil)), DiffOptions{AllowDelete: true})
		if _, still := r.observe().Topics[guarded]; still {
			t.Fatal("the topic was not deleted once unprotected")
		}
	})
}

// kgitops.io/delete deletes a topic kgitops did not create, with
// --allow-delete, and shows it as a destructive change before that.
func TestADeletionWrittenInGit(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		legacy := kafkatest.Unique("legacy")
		createForeignTopic(t, c, legacy)
		st := state(annotated(topic(legacy, 1, nil), spec.AnnotationDelete, "true"))
		p, _ := r.plan(st, DiffOptions{})
		if len(p.Changes) != 1 || p.Changes[0].Action != ActionDelete || !p.Changes[0].Pending || !p.Destructive() ||
			!strings.Contains(p.Changes[0].Sources[0], spec.AnnotationDelete) {
			t.Fatalf("plan of a deletion written in git: %+v", p.Changes)
		}
		r.apply(st, DiffOptions{AllowDelete: true})
		if _, still := r.observe().Topics[legacy]; still {
			t.Fatal("the topic marked for deletion is still there")
		}
		r.assertNoChanges(st)
	})
}
