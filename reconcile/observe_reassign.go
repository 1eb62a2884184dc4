package reconcile

import (
	"context"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/spec"
)

// Moving is one partition's reassignment in progress, as the cluster
// lists it: Replicas holds the target replicas and those being removed.
type Moving struct {
	Replicas, Adding, Removing []int32
}

// Target is the replica list the partition has once its reassignment
// completes.
func (m Moving) Target() []int32 { return without(m.Replicas, m.Removing) }

// without returns the elements of a that are not in b, in a's order.
func without(a, b []int32) []int32 {
	var out []int32
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// readReassignments lists every reassignment in progress in the cluster,
// by topic and partition, in one request (the controller answers). An
// error means they are unknown: a principal without DESCRIBE on the
// cluster, or a broker without the API.
func readReassignments(ctx context.Context, cl *kgo.Client) (map[string]map[int32]Moving, error) {
	req := kmsg.NewPtrListPartitionReassignmentsRequest()
	req.TimeoutMillis = 15000
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("list the reassignments in progress: %w", err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, fmt.Errorf("list the reassignments in progress: %w", kafkaErr(resp.ErrorCode, resp.ErrorMessage))
	}
	out := map[string]map[int32]Moving{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if out[t.Topic] == nil {
				out[t.Topic] = map[int32]Moving{}
			}
			out[t.Topic][p.Partition] = Moving{Replicas: p.Replicas, Adding: p.AddingReplicas, Removing: p.RemovingReplicas}
		}
	}
	return out, nil
}

// mayMove lists the topics whose partitions a plan may move: those whose
// declared replication factor differs from the live one, those with a
// placement, and those being reassigned. Only their replicas' sizes are
// read.
//
// Each topic is listed with its partitions: DescribeLogDirs answers a
// topic named without partitions with none of them.
func mayMove(desired *spec.State, md *kmsg.MetadataResponse, moving map[string]map[int32]Moving) kadm.TopicsSet {
	parts := map[string][]kmsg.MetadataResponseTopicPartition{}
	for _, t := range md.Topics {
		if t.Topic != nil {
			parts[*t.Topic] = t.Partitions
		}
	}
	want := map[string]bool{}
	for _, t := range desired.Topics {
		if ps, ok := parts[t.Name]; ok && (int(replicationFactor(ps)) != int(t.ReplicationFactor) || t.Placement != nil) {
			want[t.Name] = true
		}
	}
	for t := range moving {
		want[t] = true
	}
	set := kadm.TopicsSet{}
	for t := range want {
		for _, p := range parts[t] {
			set.Add(t, p.Partition)
		}
	}
	return set
}
