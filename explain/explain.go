// Package explain says, for every effective config of a topic, its value
// and where it comes from: the topic, its profile, a dynamic broker or
// cluster default, a static broker setting, or Kafka's default; and flags
// values that are unusual for the profile or conflict with the brokers'
// settings. Building an Explanation is pure: observe.go reads the cluster.
package explain

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// Where a value comes from, from the most specific to the least.
const (
	SourceTopic          = "topic"
	SourceProfile        = "profile"
	SourceDynamicBroker  = "dynamic broker config"
	SourceDynamicDefault = "dynamic cluster default"
	SourceStaticBroker   = "static broker config"
	SourceKafkaDefault   = "Kafka's default"
)

// Explanation is one topic's effective configuration.
type Explanation struct {
	Topic string `json:"topic"`
	// Live is set when the values were read from the cluster; otherwise
	// they are what the repo gives, over Kafka's defaults.
	Live bool `json:"live"`
	// File and Line are where the repo declares the topic, if it does.
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Profile string `json:"profile,omitempty"` // the profile's origin, such as "profile durable (built-in)"

	Partitions        Value   `json:"partitions"`
	ReplicationFactor Value   `json:"replicationFactor"`
	Configs           []Value `json:"configs"`
	Flags             []Flag  `json:"flags"`
}

// Value is one effective value and where it comes from.
type Value struct {
	Key    string `json:"key,omitempty"`
	Value  string `json:"value"`
	Source string `json:"source"`
	// Detail says more of the source: the file:line or the profile that
	// sets it, or the broker setting it is read from (log.retention.hours).
	Detail string `json:"detail,omitempty"`
	// Repo, in a live explanation of a topic the repo declares, is what
	// the repo asks for when it differs from the live value: drift.
	Repo *string `json:"repo,omitempty"`
}

// Flag is a value worth a second look.
type Flag struct {
	Key      string `json:"key"`
	Severity string `json:"severity"` // error or warn
	Message  string `json:"message"`
}

// Offline explains a topic the repo declares, with what the repo gives
// and Kafka's defaults for the rest (brokers' settings are unknown
// offline).
// Positions are shown under dir, the folder the repo was loaded from.
func Offline(t spec.Topic, st *spec.State, dir string) Explanation {
	at := t.Pos.Under(dir)
	e := Explanation{Topic: t.Name, File: at.File, Line: at.Line, Profile: t.ProfileOrigin}
	e.Partitions = repoValue(t, "partitions", strconv.Itoa(int(t.Partitions)), dir)
	e.ReplicationFactor = repoValue(t, "replicationFactor", strconv.Itoa(int(t.ReplicationFactor)), dir)
	for _, k := range keys(t.Configs) {
		v, set := t.Configs[k]
		if !set {
			d, _ := spec.KafkaDefault(k)
			e.Configs = append(e.Configs, Value{Key: k, Value: d, Source: SourceKafkaDefault})
			continue
		}
		val := repoValue(t, "configs."+k, v, dir)
		val.Key = k
		e.Configs = append(e.Configs, val)
	}
	e.Flags = flags(e, &t, st, nil)
	return e
}

// repoValue is a value the repo sets: the topic's, or its profile's.
func repoValue(t spec.Topic, path, v, dir string) Value {
	if t.FromProfile[path] {
		return Value{Value: v, Source: SourceProfile, Detail: strings.TrimPrefix(t.ProfileOrigin, "profile ")}
	}
	return Value{Value: v, Source: SourceTopic, Detail: t.PosOf(path).Under(dir).String()}
}

// keys lists Kafka's topic config keys, and any other the topic sets.
func keys(configs map[string]string) []string {
	out := spec.TopicConfigKeys()
	for k := range configs {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// LiveTopic is what the cluster says of a topic: partitions, replication
// factor and every config with its source (DescribeConfigs with
// synonyms), and the brokers' settings the flags compare with.
type LiveTopic struct {
	Name              string
	Partitions        int
	ReplicationFactor int
	Configs           []LiveConfig
	Broker            map[string]string // replica.fetch.max.bytes, message.max.bytes
}

// LiveConfig is one config of a live topic.
type LiveConfig struct {
	Key       string
	Value     *string // nil for a sensitive value
	Source    string  // one of the Source constants
	Synonym   string  // the broker setting it comes from, when not the key itself
	Sensitive bool
}

// Live explains a topic as the cluster has it. With repo (the topic as
// the repo declares it), a value the topic sets says whether the topic or
// its profile asks for it, and a value that differs from the repo's is
// shown with the repo's.
func Live(lt LiveTopic, repo *spec.Topic, st *spec.State, dir string) Explanation {
	e := Explanation{Topic: lt.Name, Live: true}
	e.Partitions = Value{Value: strconv.Itoa(lt.Partitions), Source: SourceTopic}
	e.ReplicationFactor = Value{Value: strconv.Itoa(lt.ReplicationFactor), Source: SourceTopic}
	if repo != nil {
		at := repo.Pos.Under(dir)
		e.File, e.Line, e.Profile = at.File, at.Line, repo.ProfileOrigin
		e.Partitions = drift(e.Partitions, repoValue(*repo, "partitions", strconv.Itoa(int(repo.Partitions)), dir))
		e.ReplicationFactor = drift(e.ReplicationFactor, repoValue(*repo, "replicationFactor", strconv.Itoa(int(repo.ReplicationFactor)), dir))
	}
	for _, c := range lt.Configs {
		v := Value{Key: c.Key, Source: c.Source, Detail: c.Synonym}
		switch {
		case c.Sensitive || c.Value == nil:
			v.Value = "(sensitive)"
		default:
			v.Value = *c.Value
		}
		if repo != nil {
			want, declared := repo.Configs[c.Key]
			switch {
			case declared && c.Source == SourceTopic:
				v = drift(v, repoValue(*repo, "configs."+c.Key, want, dir))
			case declared:
				v.Repo = &want // the repo sets it; the cluster does not (yet)
			case c.Source == SourceTopic:
				none := "(not set: the override is removed on apply)"
				v.Repo = &none
			}
		}
		e.Configs = append(e.Configs, v)
	}
	slices.SortFunc(e.Configs, func(a, b Value) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	e.Flags = flags(e, repo, st, lt.Broker)
	return e
}

// drift is a live value described with the repo's source, and with the
// repo's value when they differ.
func drift(live, repo Value) Value {
	out := live
	out.Source, out.Detail = repo.Source, repo.Detail
	if !spec.ConfigEqual(live.Key, live.Value, repo.Value) {
		r := repo.Value
		out.Repo = &r
		out.Source, out.Detail = live.Source, live.Detail
	}
	return out
}

// value returns the effective value of key, and whether it is known.
func (e Explanation) value(key string) (string, bool) {
	for _, c := range e.Configs {
		if c.Key == key {
			return c.Value, c.Value != "(sensitive)"
		}
	}
	return "", false
}

func (e Explanation) number(key string) (int64, bool) {
	v, ok := e.value(key)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// brokerNumber is a broker setting: the live one, else Kafka's default.
func brokerNumber(broker map[string]string, key string, def int64) (int64, string) {
	if v, ok := broker[key]; ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n, "the brokers' " + key
		}
	}
	return def, key + " (Kafka's default)"
}

// Consumers' defaults (ConsumerConfig) a topic's max.message.bytes is
// compared with.
const (
	defaultMaxPartitionFetchBytes = 1 << 20  // max.partition.fetch.bytes
	defaultFetchMaxBytes          = 50 << 20 // fetch.max.bytes
	defaultReplicaFetchMaxBytes   = 1 << 20  // replica.fetch.max.bytes
	logOverhead                   = 12       // a batch's offset and size fields
)

// flags looks at the effective values for what is unusual for the
// profile and what conflicts with the brokers' or clients' settings.
func flags(e Explanation, t *spec.Topic, st *spec.State, broker map[string]string) []Flag {
	var out []Flag
	add := func(key, severity, format string, args ...any) {
		out = append(out, Flag{Key: key, Severity: severity, Message: fmt.Sprintf(format, args...)})
	}
	// Unusual for the profile: the topic overrides what its profile sets.
	if t != nil && t.Profile != "" && st != nil {
		if p, ok := st.Profile(t.Profile); ok {
			for _, k := range slices.Sorted(maps.Keys(p.Configs)) {
				if v, own := t.Configs[k]; own && !t.FromProfile["configs."+k] && !spec.ConfigEqual(k, v, p.Configs[k]) {
					add(k, spec.SeverityWarn, "%s sets %s; this topic overrides it with %s: say why in the topic, or pick another profile",
						p.Origin(), spec.ShowValue(k, p.Configs[k]), spec.ShowValue(k, v))
				}
			}
			if p.ReplicationFactor > 0 && !t.FromProfile["replicationFactor"] && t.ReplicationFactor < p.ReplicationFactor {
				add("replicationFactor", spec.SeverityWarn, "%s sets replication factor %d; this topic lowers it to %d", p.Origin(), p.ReplicationFactor, t.ReplicationFactor)
			}
		}
	}
	rf, _ := strconv.ParseInt(e.ReplicationFactor.Value, 10, 64)
	if isr, ok := e.number("min.insync.replicas"); ok {
		switch {
		case isr > rf:
			add("min.insync.replicas", spec.SeverityError, "min.insync.replicas %d is above the replication factor %d: writes with acks=all never succeed", isr, rf)
		case isr == rf && rf > 1:
			add("min.insync.replicas", spec.SeverityWarn, "min.insync.replicas %d equals the replication factor: one broker down stops writes with acks=all", isr)
		}
	}
	if mmb, ok := e.number("max.message.bytes"); ok {
		// Kafka's own default (1048588) is 1 MiB plus the 12-byte log
		// overhead of a batch, over fetch sizes of 1 MiB: that much is fine.
		if limit, what := brokerNumber(broker, "replica.fetch.max.bytes", defaultReplicaFetchMaxBytes); mmb > limit+logOverhead {
			add("max.message.bytes", spec.SeverityWarn, "max.message.bytes %s is above %s %s: followers fetch such a batch alone, and replicate large records slowly; raise replica.fetch.max.bytes on the brokers to at least %d",
				spec.ShowValue("max.message.bytes", strconv.FormatInt(mmb, 10)), what, spec.ShowValue("replica.fetch.max.bytes", strconv.FormatInt(limit, 10)), mmb)
		}
		switch {
		case mmb > defaultFetchMaxBytes:
			add("max.message.bytes", spec.SeverityWarn, "max.message.bytes %s is above consumers' default fetch.max.bytes (50MiB): consumers need fetch.max.bytes and max.partition.fetch.bytes raised to at least %d",
				spec.ShowValue("max.message.bytes", strconv.FormatInt(mmb, 10)), mmb)
		case mmb > defaultMaxPartitionFetchBytes+logOverhead:
			add("max.message.bytes", spec.SeverityWarn, "max.message.bytes %s is above consumers' default max.partition.fetch.bytes (1MiB): consumers with that default fetch large batches one at a time; raise it in consumers to at least %d",
				spec.ShowValue("max.message.bytes", strconv.FormatInt(mmb, 10)), mmb)
		}
	}
	if rms, ok := e.number("retention.ms"); ok && rms > 0 {
		if sms, ok := e.number("segment.ms"); ok && sms > rms {
			add("segment.ms", spec.SeverityWarn, "segment.ms %s is longer than retention.ms %s: Kafka deletes whole closed segments, so records stay up to %s; set segment.ms at most retention.ms",
				spec.ShowValue("segment.ms", strconv.FormatInt(sms, 10)), spec.ShowValue("retention.ms", strconv.FormatInt(rms, 10)), spec.ShowValue("segment.ms", strconv.FormatInt(sms, 10)))
		}
	}
	if rb, ok := e.number("retention.bytes"); ok && rb >= 0 {
		if sb, ok := e.number("segment.bytes"); ok && sb > rb {
			add("retention.bytes", spec.SeverityWarn, "retention.bytes %s is below segment.bytes %s: Kafka deletes whole segments, so a partition holds up to one segment whatever retention.bytes says",
				spec.ShowValue("retention.bytes", strconv.FormatInt(rb, 10)), spec.ShowValue("segment.bytes", strconv.FormatInt(sb, 10)))
		}
	}
	if minLag, ok := e.number("min.compaction.lag.ms"); ok {
		if maxLag, ok := e.number("max.compaction.lag.ms"); ok && minLag > maxLag {
			add("min.compaction.lag.ms", spec.SeverityError, "min.compaction.lag.ms is above max.compaction.lag.ms: Kafka refuses it")
		}
	}
	if v, _ := e.value("unclean.leader.election.enable"); v == "true" {
		add("unclean.leader.election.enable", spec.SeverityWarn, "unclean leader election is on: an out-of-sync replica may become leader and drop acknowledged records")
	}
	return out
}
