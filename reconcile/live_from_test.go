package reconcile

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kgitops/kgitops/spec"
)

func loadYAML(t *testing.T, docs ...string) *spec.State {
	t.Helper()
	st, err := spec.LoadFS(fstest.MapFS{"repo.yaml": {Data: []byte(strings.Join(docs, "---\n"))}})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return st
}

const (
	hdr       = "apiVersion: kgitops.io/v1alpha1\n"
	ordersV1  = hdr + "kind: Topic\nmetadata: {name: orders}\nspec: {partitions: 6, replicationFactor: 3, configs: {retention.ms: 86400000}}\n"
	ordersV2  = hdr + "kind: Topic\nmetadata: {name: orders}\nspec: {partitions: 3, replicationFactor: 3, configs: {retention.ms: 3600000}}\n"
	legacy    = hdr + "kind: Topic\nmetadata: {name: legacy}\nspec: {partitions: 1, replicationFactor: 1}\n"
	aliceV1   = hdr + "kind: ACL\nmetadata: {name: alice}\nspec:\n  principal: User:alice\n  rules:\n    - resource: {type: topic, name: orders}\n      operations: [READ, WRITE]\n"
	aliceV2   = hdr + "kind: ACL\nmetadata: {name: alice}\nspec:\n  principal: User:alice\n  rules:\n    - resource: {type: topic, name: orders}\n      operations: [READ]\n"
	bob       = hdr + "kind: ACL\nmetadata: {name: bob}\nspec:\n  principal: User:bob\n  rules:\n    - resource: {type: topic, name: orders}\n      operations: [READ]\n"
	quotaV1   = hdr + "kind: Quota\nmetadata: {name: alice}\nspec: {user: alice, values: {producer_byte_rate: 1048576}}\n"
	quotaV2   = hdr + "kind: Quota\nmetadata: {name: alice}\nspec: {user: alice, values: {producer_byte_rate: 2097152}}\n"
	userEnvA  = hdr + "kind: User\nmetadata: {name: alice}\nspec: {scram: {mechanism: SCRAM-SHA-256, passwordFrom: {env: PW_A}}}\n"
	userEnvA2 = hdr + "kind: User\nmetadata: {name: alice}\nspec: {scram: {mechanism: SCRAM-SHA-256, passwordFrom: {env: PW_A2}}}\n"
)

// TestOfflineDiffIsTheDiffAgainstTheBase pins kgitops diff between refs:
// Diff(head, LiveFrom(base)) gives every kind's changes, the same refusals
// as a plan, removals as pending deletions, and users compared by where
// their password comes from.
func TestOfflineDiffIsTheDiffAgainstTheBase(t *testing.T) {
	base := loadYAML(t, ordersV1, legacy, aliceV1, bob, quotaV1, userEnvA)
	head := loadYAML(t, ordersV2, aliceV2, quotaV2, userEnvA2)
	p := Diff(head, LiveFrom(base), DiffOptions{})
	var b bytes.Buffer
	if err := RenderText(&b, p); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Error: Topic orders: partitions cannot shrink from 6 to 3",
		"- Topic legacy  (pending: deleted only with --allow-delete)",
		"~ User alice\n      # from User alice at repo.yaml:",
		"~ scram.password: (from env PW_A) → (changed, from env PW_A2)",
		"~ Quota user=alice\n      # from Quota alice at repo.yaml:",
		"~ values.producer_byte_rate: 1048576 → 2097152",
		"- ACL ALLOW User:alice WRITE topic:orders (literal) from *  (drift: not in the repo, will be deleted)",
		"- ACL ALLOW User:bob READ topic:orders (literal) from *  (pending: deleted only with --allow-delete)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("offline diff lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Topic orders\n") && strings.Contains(out, "configs.retention.ms") {
		t.Errorf("a refused topic still shows its other changes:\n%s", out)
	}
	if same := Diff(base, LiveFrom(base), DiffOptions{}); same.HasChanges() || len(same.Errors) > 0 {
		t.Errorf("a revision against itself: %+v %v", same.Changes, same.Errors)
	}
}

// TestKindDependencies checks that every kind a kind depends on applies
// before it.
func TestKindDependencies(t *testing.T) {
	for _, k := range registered() {
		for _, dep := range k.after {
			d := kindOf(dep)
			if d == nil || d.order >= k.order {
				t.Errorf("kind %s depends on %s, which must be registered with a lower order", k.name, dep)
			}
		}
		if k.diff == nil || k.apply == nil {
			t.Errorf("kind %s lacks a diff or an apply", k.name)
		}
	}
}

// annotate puts metadata.annotations {key: "true"} on a document above.
func annotate(doc, key string) string {
	i := strings.Index(doc, "metadata: {name: ")
	j := strings.Index(doc[i:], "}") + i
	return doc[:j] + ", annotations: {" + key + `: "true"}` + doc[j:]
}

// An offline diff sees annotations as a plan does: a protection already in
// the base is no change, protecting or unprotecting is one, a resource the
// base already deleted with kgitops.io/delete is not deleted again, and
// a newly marked one shows as a requested deletion.
func TestOfflineDiffOfAnnotations(t *testing.T) {
	all := []string{ordersV1, aliceV1, quotaV1, userEnvA}
	var protected, marked []string
	for _, d := range all {
		protected = append(protected, annotate(d, spec.AnnotationPreventDestroy))
		marked = append(marked, annotate(d, spec.AnnotationDelete))
	}
	if p := Diff(loadYAML(t, protected...), LiveFrom(loadYAML(t, protected...)), DiffOptions{}); p.HasChanges() || len(p.Errors) > 0 {
		t.Errorf("protected in base and head: %v %v", changeNames(p), p.Errors)
	}
	if p := Diff(loadYAML(t, marked...), LiveFrom(loadYAML(t, marked...)), DiffOptions{}); p.HasChanges() || len(p.Errors) > 0 {
		t.Errorf("marked in base and head: %v %v", changeNames(p), p.Errors)
	}
	p := Diff(loadYAML(t, protected...), LiveFrom(loadYAML(t, all...)), DiffOptions{})
	if got := protectFields(p); len(got) != 4 {
		t.Errorf("protecting: %v", changeNames(p))
	}
	p = Diff(loadYAML(t, marked...), LiveFrom(loadYAML(t, all...)), DiffOptions{})
	if p.Summary.PendingDelete != 5 || len(p.Errors) > 0 { // topic, 2 ACLs, quota, user
		t.Errorf("marking: %v %v", changeNames(p), p.Errors)
	}
	for _, c := range p.Changes {
		if !c.Requested {
			t.Errorf("%s %s: not shown as requested in git", c.Kind, c.Name)
		}
	}
	// A protected base refuses the deletions a head with the documents
	// gone would make.
	p = Diff(loadYAML(t, legacy), LiveFrom(loadYAML(t, protected...)), DiffOptions{AllowDelete: true})
	if len(p.Errors) != 5 {
		t.Errorf("deleting protected resources offline: %v", p.Errors)
	}
}
