package explain

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrNoTopic is returned by Observe for a topic the cluster does not have.
var ErrNoTopic = errors.New("the cluster has no such topic")

// brokerKeys are the broker settings the flags compare with.
var brokerKeys = []string{"replica.fetch.max.bytes", "message.max.bytes"}

// Observe reads one topic as Live explains it: its partitions, every
// config with where it comes from (DescribeConfigs with synonyms), and
// the brokers' settings the flags need, in two requests sent at once
// after the metadata.
func Observe(ctx context.Context, cl *kgo.Client, topic string) (LiveTopic, error) {
	lt := LiveTopic{Name: topic}
	adm := kadm.NewClient(cl)
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		return lt, fmt.Errorf("read metadata: %w", err)
	}
	td, ok := md.Topics[topic]
	if !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
		return lt, fmt.Errorf("topic %q: %w", topic, ErrNoTopic)
	}
	if td.Err != nil {
		return lt, fmt.Errorf("topic %q: %w", topic, td.Err)
	}
	lt.Partitions = len(td.Partitions)
	for _, p := range td.Partitions {
		lt.ReplicationFactor = max(lt.ReplicationFactor, len(p.Replicas))
	}

	brokers := make(chan map[string]string, 1)
	go func() {
		out := map[string]string{}
		if len(md.Brokers) > 0 {
			if rcs, err := adm.DescribeBrokerConfigs(ctx, md.Brokers[0].NodeID); err == nil && len(rcs) == 1 && rcs[0].Err == nil {
				for _, c := range rcs[0].Configs {
					for _, k := range brokerKeys {
						if c.Key == k && c.Value != nil {
							out[k] = *c.Value
						}
					}
				}
			}
		}
		brokers <- out
	}()

	req := kmsg.NewPtrDescribeConfigsRequest()
	req.IncludeSynonyms = true
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeTopic, topic
	req.Resources = append(req.Resources, r)
	resp, err := req.RequestWith(ctx, cl)
	lt.Broker = <-brokers
	if err != nil {
		return lt, fmt.Errorf("describe the configs of %q: %w", topic, err)
	}
	if len(resp.Resources) != 1 {
		return lt, fmt.Errorf("describe the configs of %q: %d resources in the answer", topic, len(resp.Resources))
	}
	res := resp.Resources[0]
	if err := kerr.ErrorForCode(res.ErrorCode); err != nil {
		return lt, fmt.Errorf("describe the configs of %q: %w", topic, err)
	}
	for _, c := range res.Configs {
		lc := LiveConfig{Key: c.Name, Value: c.Value, Source: source(c.Source), Sensitive: c.IsSensitive}
		if lc.Sensitive {
			lc.Value = nil
		}
		// The effective value comes from the first synonym; name the
		// broker setting when it is not the key itself.
		if len(c.ConfigSynonyms) > 0 && c.ConfigSynonyms[0].Name != c.Name {
			lc.Synonym = "broker setting " + c.ConfigSynonyms[0].Name
		}
		lt.Configs = append(lt.Configs, lc)
	}
	return lt, nil
}

// source names a config source of the wire (KAFKA-FACTS: Config sources).
func source(s kmsg.ConfigSource) string {
	switch s {
	case kmsg.ConfigSourceDynamicTopicConfig:
		return SourceTopic
	case kmsg.ConfigSourceDynamicBrokerConfig:
		return SourceDynamicBroker
	case kmsg.ConfigSourceDynamicDefaultBrokerConfig:
		return SourceDynamicDefault
	case kmsg.ConfigSourceStaticBrokerConfig:
		return SourceStaticBroker
	}
	return SourceKafkaDefault
}
