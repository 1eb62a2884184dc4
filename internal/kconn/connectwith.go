package kconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ConnectWith is Connect with extra client options, applied after
// kconn's own (later options win): a producer's acks, compression and
// partitioner, say. It proves the connection the same way and explains
// failures the same way.
func (o *Options) ConnectWith(ctx context.Context, log *slog.Logger, extra ...kgo.Opt) (*kgo.Client, *kadm.Client, error) {
	if !o.completed {
		return nil, nil, errors.New("kafka connection options are not complete: call Complete before Connect")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o.warnInsecure(log)
	tr := new(trail)
	cl, err := kgo.NewClient(append(o.clientOpts(tr, log), extra...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("set up Kafka client for %s: %w", o, err)
	}
	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	tr.stopOnSASLFailure(cancel)
	adm := kadm.NewClient(cl)
	_, err = adm.BrokerMetadata(pctx)
	tr.stopOnSASLFailure(nil)
	if err != nil {
		took, seen := time.Since(start), tr.snapshot()
		cl.Close()
		return nil, nil, o.diagnose(ctx, took, seen, err)
	}
	log.Debug("connected to Kafka", "kafka", o.String())
	return cl, adm, nil
}
