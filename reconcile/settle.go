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
	_, err := apart(cl, func(own *kgo.Client) (struct{}, error) {
		return struct{}{}, ktopic.Wait(ctx, own, appeared, vanished)
	})
	return err
}

// readMetadata reads every topic in one request (see ktopic.Metadata),
// through a client of its own: franz-go keeps a deep copy of every
// Metadata answer sent through a client for the client's life (about 11 MB
// for 10,000 topics, next to the answer itself), and the daemon's client
// lives as long as the daemon. Dropping the topics from cl's copy instead
// would also drop them from its producer, which writes the inventory and
// the audit trail.
func readMetadata(ctx context.Context, cl *kgo.Client) (*kmsg.MetadataResponse, error) {
	return apart(cl, func(own *kgo.Client) (*kmsg.MetadataResponse, error) { return ktopic.Metadata(ctx, own) })
}

// apart calls fn with a client of its own, made with cl's options (its
// brokers, TLS, SASL, logger and hooks) and closed when fn returns: a new
// connection, whose metadata copy goes with it, and which no request on
// cl's connection holds up.
func apart[T any](cl *kgo.Client, fn func(*kgo.Client) (T, error)) (T, error) {
	own, err := kgo.NewClient(cl.Opts()...)
	if err != nil {
		var zero T
		return zero, err
	}
	defer own.Close()
	return fn(own)
}
