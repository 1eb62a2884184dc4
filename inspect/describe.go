package inspect

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kgitops/kgitops/explain"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// TopicDescription is what describe topic shows.
type TopicDescription struct {
	Topic             string          `json:"topic"`
	ID                string          `json:"id,omitempty"`
	Internal          bool            `json:"internal,omitempty"`
	ReplicationFactor int             `json:"replicationFactor"`
	Partitions        []PartitionInfo `json:"partitions"`
	UnderReplicated   int             `json:"underReplicated"`
	Offline           int             `json:"offline"`
	Configs           []explain.Value `json:"configs"`
	// Repo is nil when no repo was read.
	Repo *RepoStatus `json:"repo,omitempty"`
	// Groups are the consumer groups reading the topic, with their lag on it.
	Groups []TopicGroup `json:"groups"`
	// GroupsError says why the groups could not be read, if they could not.
	GroupsError string `json:"groupsError,omitempty"`
}

// PartitionInfo is one partition of a described topic.
type PartitionInfo struct {
	Partition       int32   `json:"partition"`
	Leader          int32   `json:"leader"` // -1 without one
	Replicas        []int32 `json:"replicas"`
	ISR             []int32 `json:"isr"`
	Start           int64   `json:"logStartOffset"` // -1 when unknown
	End             int64   `json:"logEndOffset"`
	UnderReplicated bool    `json:"underReplicated,omitempty"`
	Offline         bool    `json:"offline,omitempty"`
	Error           string  `json:"error,omitempty"`
}

// RepoStatus says whether the repo declares the topic and how the cluster
// drifted from it.
type RepoStatus struct {
	Dir      string `json:"dir"`
	Declared bool   `json:"declared"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	// Drift lists what apply would change, as plan shows it; Refused
	// what it cannot change (shrinking partitions, a replication factor).
	Drift   []Drift  `json:"drift"`
	Refused []string `json:"refused,omitempty"`
}

// Drift is one value that differs between the cluster and the repo.
type Drift struct {
	Path string `json:"path"` // partitions, or configs.<key>
	Live string `json:"live"` // "" when the cluster does not set it
	Repo string `json:"repo"` // "" when the repo does not set it
}

// Drifted reports whether the cluster differs from the repo.
func (r *RepoStatus) Drifted() bool { return r != nil && (len(r.Drift) > 0 || len(r.Refused) > 0) }

// TopicGroup is a consumer group reading a topic, with its lag on it.
type TopicGroup struct {
	Group   string `json:"group"`
	State   string `json:"state"`
	Members int    `json:"members"`
	TopicLag
}

// DescribeTopic builds the description of an observed topic. With st
// (the repo loaded from dir, or nil), it says whether the repo declares
// the topic and what drifted, as reconcile.Diff sees it.
func DescribeTopic(obs TopicObservation, st *spec.State, dir string) TopicDescription {
	d := TopicDescription{Topic: obs.Name, ID: obs.ID, Internal: obs.Internal, Partitions: []PartitionInfo{}, Groups: []TopicGroup{}}
	for _, p := range obs.Partitions {
		b := obs.Bounds.Of(obs.Name, p.Partition)
		pi := PartitionInfo{Partition: p.Partition, Leader: p.Leader, Replicas: nonNil(p.Replicas), ISR: nonNil(p.ISR), Start: b.Start, End: b.End}
		pi.Offline = p.Leader < 0
		pi.UnderReplicated = len(p.ISR) < len(p.Replicas)
		if p.Err != nil {
			pi.Error = p.Err.Error()
		}
		if pi.Offline {
			d.Offline++
		}
		if pi.UnderReplicated {
			d.UnderReplicated++
		}
		d.ReplicationFactor = max(d.ReplicationFactor, len(p.Replicas))
		d.Partitions = append(d.Partitions, pi)
	}
	var repo *spec.Topic
	if st != nil {
		d.Repo = &RepoStatus{Dir: dir, Drift: []Drift{}}
		if t, ok := st.Topic(obs.Name); ok {
			repo = &t
			at := t.Pos.Under(dir)
			d.Repo.Declared, d.Repo.File, d.Repo.Line = true, at.File, at.Line
			d.Repo.Drift, d.Repo.Refused = TopicDrift(t, st.Settings, obs.Live)
		}
	}
	d.Configs = explain.Live(obs.Live, repo, st, dir).Configs
	if d.Configs == nil {
		d.Configs = []explain.Value{}
	}
	for _, g := range obs.Groups {
		if tl, ok := Lags(g, obs.Bounds).TopicOf(obs.Name); ok {
			d.Groups = append(d.Groups, TopicGroup{Group: g.Name, State: g.State, Members: len(g.Members), TopicLag: tl})
		}
	}
	slices.SortFunc(d.Groups, func(a, b TopicGroup) int { return strings.Compare(a.Group, b.Group) })
	if obs.GroupsErr != nil {
		d.GroupsError = obs.GroupsErr.Error()
	}
	return d
}

// TopicDrift is how the live topic differs from the repo's, as
// reconcile.Diff sees it: the diff of a repo holding only that topic
// (with the repo's settings, whose ignoreConfigs apply) against a cluster
// holding only the live one. It lists the fields an apply would change,
// and the refusals for what it cannot (shrinking partitions, changing the
// replication factor).
func TopicDrift(repo spec.Topic, settings spec.Settings, lt explain.LiveTopic) ([]Drift, []string) {
	overrides := map[string]string{}
	for _, c := range lt.Configs {
		if c.Source == explain.SourceTopic && c.Value != nil {
			overrides[c.Key] = *c.Value
		}
	}
	live := &reconcile.Live{
		Brokers: max(lt.ReplicationFactor, 1),
		Topics: map[string]reconcile.LiveTopic{lt.Name: {
			Name: lt.Name, Partitions: int32(lt.Partitions), ReplicationFactor: int16(lt.ReplicationFactor), Configs: overrides,
		}},
		Inventory: reconcile.Inventory{Entries: map[reconcile.ResourceKey]reconcile.InventoryEntry{}},
	}
	only := &spec.State{Topics: []spec.Topic{repo}, Settings: settings}
	plan := reconcile.Diff(only, live, reconcile.DiffOptions{})
	drift := []Drift{}
	for _, c := range plan.Changes {
		if c.Kind != reconcile.KindTopic || c.Name != lt.Name {
			continue
		}
		for _, f := range c.Fields {
			if !strings.HasPrefix(f.Path, "configs.") && f.Path != "partitions" {
				continue // such as the inventory's protection: not the cluster's
			}
			drift = append(drift, Drift{Path: f.Path, Live: show(f.Old), Repo: show(f.New)})
		}
	}
	var refused []string
	for _, r := range plan.Errors {
		if r.Kind == reconcile.KindTopic && r.Name == lt.Name {
			refused = append(refused, r.Message)
		}
	}
	for _, r := range plan.Blocked {
		if r.Kind == reconcile.KindTopic && r.Name == lt.Name {
			refused = append(refused, r.Message)
		}
	}
	slices.Sort(refused)
	return drift, refused
}

func show(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func nonNil(s []int32) []int32 {
	if s == nil {
		return []int32{}
	}
	return s
}

// GroupDescription is what describe group shows.
type GroupDescription struct {
	Group
	Lag GroupLag `json:"lag"`
}

// DescribeGroup builds the description of an observed group.
func DescribeGroup(g Group, b Bounds) GroupDescription {
	return GroupDescription{Group: g, Lag: Lags(g, b)}
}
