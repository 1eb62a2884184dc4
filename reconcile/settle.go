package reconcile

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/ktopic"
)

// waitForTopics waits until brokers show the created topics and no longer
// show the deleted ones (see ktopic.Wait).
func waitForTopics(ctx context.Context, cl *kgo.Client, appeared, vanished []string) error {
	return ktopic.Wait(ctx, cl, appeared, vanished)
}

// readMetadata reads every topic in one request (see ktopic.Metadata).
func readMetadata(ctx context.Context, cl *kgo.Client) (*kmsg.MetadataResponse, error) {
	return ktopic.Metadata(ctx, cl)
}
