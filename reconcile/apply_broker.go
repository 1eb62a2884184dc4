package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/spec"
)

// applyBrokerConfigs sets and removes the overrides of every changed level
// in one IncrementalAlterConfigs request: the client sends each broker's
// part to that broker (which checks what it can, such as a keystore) and
// the cluster-wide defaults to any broker, all at once. A dry run asks
// the brokers to validate the changes (validateOnly), removals included.
func (a *applier) applyBrokerConfigs(ctx context.Context, cs []Change) {
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.ValidateOnly = a.opts.DryRun
	for _, c := range cs {
		bc := c.Payload.(*BrokerConfigChange)
		r := kmsg.NewIncrementalAlterConfigsRequestResource()
		r.ResourceType = kmsg.ConfigResourceTypeBroker
		r.ResourceName = bc.resource()
		set := func(k, v string) {
			cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			cfg.Name, cfg.Op, cfg.Value = k, kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr(v)
			r.Configs = append(r.Configs, cfg)
		}
		for _, k := range sortedKeys(bc.Set) {
			set(k, bc.Set[k])
		}
		for _, k := range sortedKeys(bc.Secrets) {
			set(k, bc.Secrets[k].Reveal())
		}
		for _, k := range bc.Delete {
			cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			cfg.Name, cfg.Op = k, kmsg.IncrementalAlterConfigOpDelete
			r.Configs = append(r.Configs, cfg)
		}
		if len(r.Configs) > 0 { // a change of protection alone alters nothing
			req.Resources = append(req.Resources, r)
		}
	}
	if len(req.Resources) == 0 {
		return
	}
	for _, shard := range a.cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			// The error names no value: the request's secrets stay in it.
			for _, r := range shard.Req.(*kmsg.IncrementalAlterConfigsRequest).Resources {
				a.fail(KindBrokerConfig, brokerOf(r.ResourceName), fmt.Errorf("alter broker configs: %w", shard.Err))
			}
			continue
		}
		for _, r := range shard.Resp.(*kmsg.IncrementalAlterConfigsResponse).Resources {
			if err := kafkaErr(r.ErrorCode, r.ErrorMessage); err != nil {
				a.fail(KindBrokerConfig, brokerOf(r.ResourceName), fmt.Errorf("alter configs of %s: %w", spec.BrokerLevel(brokerOf(r.ResourceName)), err))
			}
		}
	}
}

// settleTimeout bounds the wait for brokers to show applied configs.
const settleTimeout = 30 * time.Second

// errNotShown is why settleBrokerConfigs gave up.
var errNotShown = errors.New("the brokers do not show the applied broker configs yet")

// settleBrokerConfigs waits until the brokers show what was applied: a
// broker reads an altered config from the controller's metadata a moment
// after the controller took it, and a plan right after the apply must be
// empty.
func settleBrokerConfigs(ctx context.Context, a *applier, done []Change) error {
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, c := range done {
		r := kmsg.NewDescribeConfigsRequestResource()
		r.ResourceType = kmsg.ConfigResourceTypeBroker
		r.ResourceName = c.Payload.(*BrokerConfigChange).resource()
		req.Resources = append(req.Resources, r)
	}
	err := pollUntil(ctx, func() (bool, error) {
		levels := map[string]LiveBrokerConfig{}
		if err := describeBrokerOverrides(ctx, a.cl, req, levels); err != nil {
			return false, err
		}
		return shows(done, levels), nil
	})
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w: %w", errNotShown, err)
	}
	return err
}

// shows says whether levels hold what the changes applied.
func shows(done []Change, levels map[string]LiveBrokerConfig) bool {
	for _, c := range done {
		bc := c.Payload.(*BrokerConfigChange)
		lc := levels[bc.Broker]
		for k, v := range bc.Set {
			if have, ok := lc.Configs[k]; !ok || !spec.BrokerConfigEqual(k, v, have) {
				return false
			}
		}
		for k := range bc.Secrets {
			_, secret := lc.Secrets[k]
			_, plain := lc.Configs[k]
			if !secret && !plain {
				return false
			}
		}
		for _, k := range bc.Delete {
			_, secret := lc.Secrets[k]
			_, plain := lc.Configs[k]
			if secret || plain {
				return false
			}
		}
	}
	return true
}
