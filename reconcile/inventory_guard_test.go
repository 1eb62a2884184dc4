package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

func TestInventoryWriters(t *testing.T) {
	const inv = "__kgitops_inventory"
	allow := func(p, pattern string, prefixed bool, op kmsg.ACLOperation) TopicACL {
		return TopicACL{Pattern: pattern, Prefixed: prefixed, Principal: p, Host: "*", Operation: op, Permission: kmsg.ACLPermissionTypeAllow}
	}
	deny := func(p, pattern string, op kmsg.ACLOperation) TopicACL {
		a := allow(p, pattern, false, op)
		a.Permission = kmsg.ACLPermissionTypeDeny
		return a
	}
	tests := []struct {
		name string
		acls []TopicACL
		own  string
		want []string
	}{
		{"none", nil, "User:kgitops", nil},
		{"own literal ALL ignored", []TopicACL{allow("User:kgitops", inv, false, kmsg.ACLOperationAll)}, "User:kgitops", nil},
		{"literal write", []TopicACL{allow("User:bob", inv, false, kmsg.ACLOperationWrite)}, "User:kgitops", []string{"User:bob"}},
		{"prefixed write", []TopicACL{allow("User:eve", "__kg", true, kmsg.ACLOperationWrite)}, "User:kgitops", []string{"User:eve"}},
		{"wildcard all", []TopicACL{allow("User:*", "*", false, kmsg.ACLOperationAll)}, "User:kgitops", []string{"User:*"}},
		{"read only", []TopicACL{allow("User:r", inv, false, kmsg.ACLOperationRead)}, "User:kgitops", nil},
		{"other topic", []TopicACL{allow("User:w", "orders", false, kmsg.ACLOperationWrite), allow("User:w", "__kgx", true, kmsg.ACLOperationAll)}, "User:kgitops", nil},
		{"denied", []TopicACL{allow("User:d", "__", true, kmsg.ACLOperationWrite), deny("User:d", inv, kmsg.ACLOperationWrite)}, "User:kgitops", nil},
		{"denied to all", []TopicACL{allow("User:d", "__", true, kmsg.ACLOperationWrite), deny("User:*", "*", kmsg.ACLOperationAll)}, "User:kgitops", nil},
		{"deny from one host only", []TopicACL{allow("User:d", inv, false, kmsg.ACLOperationWrite), func() TopicACL {
			a := deny("User:d", inv, kmsg.ACLOperationWrite)
			a.Host = "10.0.0.1"
			return a
		}()}, "User:kgitops", []string{"User:d"}},
		{"own unknown", []TopicACL{allow("User:kgitops", inv, false, kmsg.ACLOperationAll), allow("User:a", inv, false, kmsg.ACLOperationWrite)}, "", []string{"User:a", "User:kgitops"}},
		{"sorted, once", []TopicACL{allow("User:z", inv, false, kmsg.ACLOperationWrite), allow("User:a", "*", false, kmsg.ACLOperationAll), allow("User:z", "__k", true, kmsg.ACLOperationAll)}, "User:kgitops", []string{"User:a", "User:z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, InventoryWriters(tt.acls, inv, tt.own)); d != "" {
				t.Fatalf("writers (-want +got):\n%s", d)
			}
		})
	}
}

// TestCheckInventoryWritersOnCluster finds a principal that a prefixed ACL
// lets write the inventory topic, and leaves out kgitops' own.
func TestCheckInventoryWritersOnCluster(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		prefix := kafkatest.Unique("__kgi")
		topic := prefix + "_inventory"
		self, intruder, reader := kafkatest.Unique("User:self"), kafkatest.Unique("User:intruder"), kafkatest.Unique("User:reader")
		adm := c.Admin(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		bs := []*kadm.ACLBuilder{
			kadm.NewACLs().Allow(intruder).Topics(prefix).ResourcePatternType(kadm.ACLPatternPrefixed).Operations(kadm.OpWrite),
			kadm.NewACLs().Allow(self).Topics(topic).ResourcePatternType(kadm.ACLPatternLiteral).Operations(kadm.OpAll),
			kadm.NewACLs().Allow(reader).Topics(topic).ResourcePatternType(kadm.ACLPatternLiteral).Operations(kadm.OpRead),
		}
		for _, b := range bs {
			b.AllowHosts("*")
			if res, err := adm.CreateACLs(ctx, b); err != nil || res[0].Err != nil {
				t.Fatalf("create ACL: %v %v", err, res)
			}
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for _, b := range bs {
				_, _ = adm.DeleteACLs(ctx, b)
			}
		})
		// A real broker answers from its copy of the metadata log, which
		// may lag the CreateACLs for a moment.
		for {
			got, err := CheckInventoryWriters(ctx, c.Client(t), topic, self)
			if err != nil {
				t.Fatal(err)
			}
			d := cmp.Diff([]string{intruder}, got)
			if d == "" {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("writers (-want +got):\n%s", d)
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}
