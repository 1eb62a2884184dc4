package reconcile

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (a *applier) createTopics(ctx context.Context, cs []Change) {
	if len(cs) == 0 {
		return
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	req.ValidateOnly = a.opts.DryRun
	req.TimeoutMillis = timeoutMillis(ctx)
	for _, c := range cs {
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic = c.Name
		t.NumPartitions = c.Topic.Partitions
		t.ReplicationFactor = c.Topic.ReplicationFactor
		for _, k := range sortedKeys(c.Topic.SetConfigs) {
			cfg := kmsg.NewCreateTopicsRequestTopicConfig()
			cfg.Name = k
			cfg.Value = kmsg.StringPtr(c.Topic.SetConfigs[k])
			t.Configs = append(t.Configs, cfg)
		}
		req.Topics = append(req.Topics, t)
	}
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		a.failAll(cs, fmt.Errorf("create topics: %w", err))
		return
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			a.fail(KindTopic, t.Topic, errWithMessage(err, t.ErrorMessage))
		}
	}
}

func (a *applier) createPartitions(ctx context.Context, cs []Change) {
	if len(cs) == 0 {
		return
	}
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.ValidateOnly = a.opts.DryRun
	req.TimeoutMillis = timeoutMillis(ctx)
	for _, c := range cs {
		t := kmsg.NewCreatePartitionsRequestTopic()
		t.Topic = c.Name
		t.Count = c.Topic.Partitions
		req.Topics = append(req.Topics, t)
	}
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		a.failAll(cs, fmt.Errorf("create partitions: %w", err))
		return
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			a.fail(KindTopic, t.Topic, fmt.Errorf("add partitions: %w", errWithMessage(err, t.ErrorMessage)))
		}
	}
}

func (a *applier) alterConfigs(ctx context.Context, cs []Change) {
	if len(cs) == 0 {
		return
	}
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.ValidateOnly = a.opts.DryRun
	for _, c := range cs {
		r := kmsg.NewIncrementalAlterConfigsRequestResource()
		r.ResourceType = kmsg.ConfigResourceTypeTopic
		r.ResourceName = c.Name
		for _, k := range sortedKeys(c.Topic.SetConfigs) {
			cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			cfg.Name = k
			cfg.Op = kmsg.IncrementalAlterConfigOpSet
			cfg.Value = kmsg.StringPtr(c.Topic.SetConfigs[k])
			r.Configs = append(r.Configs, cfg)
		}
		for _, k := range c.Topic.DeleteConfigs {
			cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			cfg.Name = k
			cfg.Op = kmsg.IncrementalAlterConfigOpDelete
			r.Configs = append(r.Configs, cfg)
		}
		req.Resources = append(req.Resources, r)
	}
	for _, shard := range a.cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			a.failAll(cs, fmt.Errorf("alter configs: %w", shard.Err))
			continue
		}
		for _, r := range shard.Resp.(*kmsg.IncrementalAlterConfigsResponse).Resources {
			if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
				a.fail(KindTopic, r.ResourceName, fmt.Errorf("alter configs: %w", errWithMessage(err, r.ErrorMessage)))
			}
		}
	}
}

func (a *applier) deleteTopics(ctx context.Context, cs []Change) {
	if len(cs) == 0 {
		return
	}
	if a.opts.DryRun {
		for _, c := range cs {
			a.results[c.Kind+"/"+c.Name].Skipped = "dry run: Kafka cannot validate a deletion without doing it"
		}
		return
	}
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.TimeoutMillis = timeoutMillis(ctx)
	for _, c := range cs {
		t := kmsg.NewDeleteTopicsRequestTopic()
		t.Topic = kmsg.StringPtr(c.Name)
		req.Topics = append(req.Topics, t)
		req.TopicNames = append(req.TopicNames, c.Name)
	}
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		a.failAll(cs, fmt.Errorf("delete topics: %w", err))
		return
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil && t.Topic != nil {
			a.fail(KindTopic, *t.Topic, errWithMessage(err, t.ErrorMessage))
		}
	}
}

// settle records what was created and deleted in the inventory, then waits
// until the cluster's metadata shows the creations and deletions, so that a
// plan run right after apply sees the new state.
func (a *applier) settle(ctx context.Context, creates, deletes []Change) error {
	if a.opts.DryRun {
		return nil
	}
	set := map[ResourceKey]InventoryEntry{}
	var remove []ResourceKey
	var appeared, vanished []string
	for _, c := range creates {
		if a.results[c.Kind+"/"+c.Name].Err == nil {
			set[ResourceKey{c.Kind, c.Name}] = InventoryEntry{CreatedAt: a.opts.Now().UTC(), Revision: a.opts.Revision}
			appeared = append(appeared, c.Name)
		}
	}
	for _, c := range deletes {
		if a.results[c.Kind+"/"+c.Name].Err == nil {
			remove = append(remove, ResourceKey{c.Kind, c.Name})
			vanished = append(vanished, c.Name)
		}
	}
	w := inventoryWriter{cl: a.cl, ref: a.opts.Inventory, brokers: a.opts.Brokers}
	if err := w.record(ctx, set, remove); err != nil {
		return err
	}
	return waitForTopics(ctx, a.cl, appeared, vanished)
}
