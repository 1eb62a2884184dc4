package reconcile

import (
	"context"
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/spec"
)

// LiveBrokerConfig is the dynamic config overrides set at one level: one
// broker, or the cluster-wide defaults. Live.Parts[KindBrokerConfig]
// holds them by broker ("default" or the id), with an entry for every
// registered broker.
type LiveBrokerConfig struct {
	// Down marks a registered broker that is down (fenced): its configs
	// could not be read.
	Down bool `json:"down,omitempty"`
	// Configs holds the overrides set at this level and nowhere else
	// (source DYNAMIC_BROKER_CONFIG, or DYNAMIC_DEFAULT_BROKER_CONFIG for
	// the defaults), as Kafka's strings.
	Configs map[string]string `json:"configs,omitempty"`
	// Secrets lists the sensitive overrides set at this level. Kafka never
	// returns their values, so each maps to ""; in a Live made by
	// LiveFrom, to where the base revision reads it from.
	Secrets map[string]string `json:"secrets,omitempty"`
}

// brokerLevels is the BrokerConfig part of live, or nil when it was not
// read.
func brokerLevels(live *Live) map[string]LiveBrokerConfig {
	levels, _ := live.Parts[KindBrokerConfig].(map[string]LiveBrokerConfig)
	return levels
}

func setBrokerLevels(live *Live, levels map[string]LiveBrokerConfig) {
	setPart(live, KindBrokerConfig, levels)
}

// observeBrokerConfigs reads the overrides of the cluster-wide defaults
// and of every live broker in one DescribeConfigs request, which the
// client sends to each broker at once (a broker describes its own
// configs): one round trip whatever the number of brokers.
func observeBrokerConfigs(ctx context.Context, b Backends, live *Live, _ bool) error {
	levels := map[string]LiveBrokerConfig{spec.DefaultBroker: {}}
	req := kmsg.NewPtrDescribeConfigsRequest()
	add := func(resource string) {
		r := kmsg.NewDescribeConfigsRequestResource()
		r.ResourceType = kmsg.ConfigResourceTypeBroker
		r.ResourceName = resource
		req.Resources = append(req.Resources, r)
	}
	add("")
	for _, br := range live.metadata.Brokers {
		id := strconv.Itoa(int(br.NodeID))
		levels[id] = LiveBrokerConfig{}
		add(id)
	}
	for _, id := range live.DownBrokers {
		levels[strconv.Itoa(int(id))] = LiveBrokerConfig{Down: true}
	}
	if err := describeBrokerOverrides(ctx, b.Kafka, req, levels); err != nil {
		return err
	}
	setBrokerLevels(live, levels)
	return nil
}

// describeBrokerOverrides sends req and fills levels with the overrides
// each resource holds at its own level.
func describeBrokerOverrides(ctx context.Context, cl *kgo.Client, req *kmsg.DescribeConfigsRequest, levels map[string]LiveBrokerConfig) error {
	for _, shard := range cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			return fmt.Errorf("describe broker configs: %w", shard.Err)
		}
		for _, r := range shard.Resp.(*kmsg.DescribeConfigsResponse).Resources {
			broker := brokerOf(r.ResourceName)
			if err := kafkaErr(r.ErrorCode, r.ErrorMessage); err != nil {
				return fmt.Errorf("describe configs of %s: %w", spec.BrokerLevel(broker), err)
			}
			lc := LiveBrokerConfig{Configs: map[string]string{}, Secrets: map[string]string{}}
			for _, c := range r.Configs {
				if !setAt(r.ResourceName, c.Source) {
					continue
				}
				if c.IsSensitive || spec.BrokerConfigSensitive(c.Name) {
					lc.Secrets[c.Name] = "" // whatever the broker says, the value is never kept
					continue
				}
				if c.Value != nil {
					lc.Configs[c.Name] = *c.Value
				}
			}
			levels[broker] = lc
		}
	}
	return nil
}

// setAt says whether a config of the BROKER resource is an override set
// at that resource's own level: for one broker DYNAMIC_BROKER_CONFIG (the
// broker's description also shows the cluster-wide defaults, with their
// own source); for the defaults DYNAMIC_DEFAULT_BROKER_CONFIG. kfake keeps
// one set of broker overrides for the whole cluster and reports it with
// source DYNAMIC_BROKER_CONFIG at every level, the defaults included; a
// real broker never answers that source for the resource "", so taking
// it there too costs nothing.
func setAt(resource string, source kmsg.ConfigSource) bool {
	if resource == "" {
		return source == kmsg.ConfigSourceDynamicDefaultBrokerConfig || source == kmsg.ConfigSourceDynamicBrokerConfig
	}
	return source == kmsg.ConfigSourceDynamicBrokerConfig
}
