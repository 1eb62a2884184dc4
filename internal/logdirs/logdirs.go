// Package logdirs asks brokers for their log dirs: their sizes and the
// sizes of the replicas in them.
//
// franz-go shards a DescribeLogDirs request by the partitions it names: a
// request that names none (the empty, non-null list that asks for the
// dirs' sizes alone) first reads the metadata of every topic in the
// cluster, then goes to one broker picked at random, so the other brokers'
// disks are never seen. Each sends one request to every broker itself,
// at once, and reads no metadata.
package logdirs

import (
	"context"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Answer is one broker's answer, or why there is none (a request error
// or the response's top-level error).
type Answer struct {
	Broker int32
	Resp   *kmsg.DescribeLogDirsResponse
	Err    error
}

// Each asks every broker in brokers for its log dirs, with the sizes of
// the replicas of topics it holds: topics nil means every partition of
// every topic, an empty list none. A broker answers for the replicas it
// holds and leaves the others out. The answers are in the order of
// brokers.
func Each(ctx context.Context, cl *kgo.Client, brokers []int32, topics []kmsg.DescribeLogDirsRequestTopic) []Answer {
	out := make([]Answer, len(brokers))
	var wg sync.WaitGroup
	for i, id := range brokers {
		wg.Go(func() {
			req := kmsg.NewPtrDescribeLogDirsRequest()
			req.Topics = topics
			out[i] = Answer{Broker: id}
			kresp, err := cl.Broker(int(id)).Request(ctx, req)
			if err != nil {
				out[i].Err = err
				return
			}
			resp := kresp.(*kmsg.DescribeLogDirsResponse)
			if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
				out[i].Err = err
				return
			}
			out[i].Resp = resp
		})
	}
	wg.Wait()
	return out
}
