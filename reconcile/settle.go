package reconcile

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/ktopic"
)

// waitForTopics waits until brokers show the created topics and no longer
// show the deleted ones (see ktopic.Wait), through a client of its own for
// the reason readMetadata gives.
func waitForTopics(ctx context.Context, cl *kgo.Client, appeared, vanished []string) error {
	if len(appeared)+len(vanished) == 0 {
		return nil
	}
	once, err := kgo.NewClient(cl.Opts()...)
	if err != nil {
		return err
	}
	defer once.Close()
	return ktopic.Wait(ctx, once, appeared, vanished)
}

// readMetadata reads every topic in one request (see ktopic.Metadata),
// through a client of its own, closed once it has answered: franz-go keeps
// a deep copy of every Metadata answer sent through a client for the
// client's life (about 11 MB for 10,000 topics, next to the answer
// itself), and the daemon's client lives as long as the daemon. Dropping
// the topics from cl's copy instead would also drop them from its
// producer, which writes the inventory and the audit trail.
func readMetadata(ctx context.Context, cl *kgo.Client) (*kmsg.MetadataResponse, error) {
	once, err := kgo.NewClient(cl.Opts()...)
	if err != nil {
		return nil, err
	}
	defer once.Close()
	return ktopic.Metadata(ctx, once)
}
