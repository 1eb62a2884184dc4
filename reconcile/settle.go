package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// waitForTopics polls metadata (one request per poll, whatever the number
// of topics) until every topic in appeared is visible with its partitions
// and every topic in vanished is gone, or ctx ends.
func waitForTopics(ctx context.Context, cl *kgo.Client, appeared, vanished []string) error {
	if len(appeared)+len(vanished) == 0 {
		return nil
	}
	delay := 50 * time.Millisecond
	for {
		md, err := readMetadata(ctx, cl)
		if err == nil && settled(md, appeared, vanished) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the cluster to show the applied topics: %w", ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, time.Second)
	}
}

func settled(md *kmsg.MetadataResponse, appeared, vanished []string) bool {
	topics := make(map[string]kmsg.MetadataResponseTopic, len(md.Topics))
	for _, t := range md.Topics {
		if t.Topic != nil {
			topics[*t.Topic] = t
		}
	}
	for _, name := range appeared {
		t, ok := topics[name]
		if !ok || t.ErrorCode != 0 || len(t.Partitions) == 0 {
			return false
		}
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 || p.Leader < 0 {
				return false
			}
		}
	}
	for _, name := range vanished {
		if _, ok := topics[name]; ok {
			return false
		}
	}
	return true
}
