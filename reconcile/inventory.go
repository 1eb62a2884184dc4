package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/ktopic"
	"github.com/kgitops/kgitops/secret"
)

// DefaultInventoryTopic is the compacted topic where kgitops records what it
// created. Its name starts with "__", so kgitops itself never manages,
// exports or deletes it as a topic.
const DefaultInventoryTopic = "__kgitops_inventory"

// DefaultInventoryName names the inventory of a repo when none is given.
const DefaultInventoryName = "default"

// InventoryRef says where an inventory lives: which topic, and which name
// inside it. Several repos (or teams) can share one cluster, each with its
// own name; each sees and deletes only what it recorded.
type InventoryRef struct {
	Topic string
	Name  string
	// Key, when set, signs every record kgitops writes (see MACHeader)
	// and makes reads ignore this inventory's records without a valid
	// MAC. It is never printed.
	Key secret.Value
	// TrustUnsigned, with a Key, reads this inventory's records without a
	// valid MAC as before keys existed (still counted as
	// unauthenticated): the one-time migration, until SignInventory has
	// signed them.
	TrustUnsigned bool
	// Log receives the one warning per read about unauthenticated
	// records (nil: slog.Default()).
	Log *slog.Logger
}

func (r InventoryRef) withDefaults() InventoryRef {
	if r.Topic == "" {
		r.Topic = DefaultInventoryTopic
	}
	if r.Name == "" {
		r.Name = DefaultInventoryName
	}
	return r
}

// ResourceKey names a resource in the inventory.
type ResourceKey struct {
	Kind string
	Name string
}

// InventoryEntry is what kgitops recorded when it applied a resource.
type InventoryEntry struct {
	CreatedAt time.Time `json:"createdAt"`
	Revision  string    `json:"revision,omitempty"` // the git revision it was applied from, if known
	// External marks a resource that existed before kgitops first applied
	// it (so far only users, whose password hash must be kept): kgitops
	// manages it but never deletes it.
	External bool `json:"external,omitempty"`
	// PasswordHash is a salted hash of the SCRAM credential last applied
	// to a user, so that a changed password shows in the plan. It is never
	// printed.
	PasswordHash string `json:"passwordHash,omitempty"`
	// ValueHashes holds, for a BrokerConfig, a salted hash of each
	// sensitive config value kgitops last applied (Kafka never returns
	// them), one "key hash" pair per line, sorted: a string rather than a
	// map, so that entries stay comparable. It is never printed.
	ValueHashes string `json:"valueHashes,omitempty"`
	// TopicID is the id Kafka gave the topic kgitops created (hex). A
	// topic is deleted only while its live id matches: a topic of the same
	// name created by someone else after ours was deleted is not ours.
	TopicID string `json:"topicId,omitempty"`
	// Pending marks an intent, written before kgitops creates the
	// resource: if the process dies before it records the outcome, the
	// resource is still owned when it exists. The next apply confirms it
	// (with the topic's id) or drops it.
	Pending bool `json:"pending,omitempty"`
	// Claim marks a resource this repo declares but another inventory
	// holds: kgitops does not change it, and records the claim so that the
	// other repo's plans report the conflict too. Never deleted.
	Claim bool `json:"claim,omitempty"`
	// PreventDestroy records the resource's kgitops.io/prevent-destroy
	// annotation as last applied: a plan that deletes it is refused, even
	// after the document left the repo.
	PreventDestroy bool `json:"preventDestroy,omitempty"`
	// SchemaID is, for a Schema, the registry's id of the schema kgitops
	// last registered or found as the subject's latest version: a later
	// version with another id was registered outside the repo (drift).
	SchemaID int `json:"schemaId,omitempty"`
	// Placement is, for a Topic, its spec.placement as kgitops last
	// applied it ("" for rack-aware, the default): a partition away from
	// it was moved out of band (placement drift), while a placement that
	// differs from it is a change in git, which the plan moves to.
	Placement string `json:"placement,omitempty"`
	// For a Reassignment record: what it moves (Target, such as "rf=3
	// rack-aware"), the partitions and the bytes it had to move when it
	// started (CreatedAt), for its progress and ETA across runs.
	Target string `json:"target,omitempty"`
	Moves  int    `json:"moves,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"`
}

// operational says whether entries of kind are kgitops' own bookkeeping
// (a reassignment, a throttle it set) rather than resources it manages.
func operational(kind string) bool { return kind == KindReassignment || kind == KindThrottle }

// Inventory is the set of resources kgitops applied under one inventory name.
type Inventory struct {
	Entries map[ResourceKey]InventoryEntry
	name    string // the inventory name it was read under
	// Accepted is the revision a daemon last accepted and enforced under
	// this inventory name, or "" (see RecordAccepted). After a restart the
	// daemon compares the newest revision with it, to tell a refusal the
	// repo caused from one the cluster caused.
	Accepted string
	// Source is where the desired state of this inventory comes from (see
	// gitsync.SourceID), recorded by the first apply; "" for an inventory
	// written before kgitops recorded sources.
	Source string
	// Others names, for each resource that other inventories in the same
	// topic hold, one of them: what another repo owns, which this one
	// must not adopt.
	Others map[ResourceKey]string
	// Unauthenticated counts this inventory's records whose newest
	// version has no valid MAC under InventoryRef.Key: ignored, unless
	// InventoryRef.TrustUnsigned. UnauthenticatedKeys names their record
	// keys, sorted (never their values). Both are zero without a key.
	Unauthenticated     int
	UnauthenticatedKeys []string
}

// noteOther records a record of another inventory name.
func (inv *Inventory) noteOther(key string, tombstone bool) {
	name, rest, ok := strings.Cut(key, "/")
	if !ok {
		return
	}
	kind, res, ok := strings.Cut(rest, "/")
	if !ok || kind == "" || res == "" || strings.HasPrefix(kind, "@") {
		return
	}
	k := ResourceKey{kind, res}
	if tombstone {
		if inv.Others[k] == name {
			delete(inv.Others, k)
		}
		return
	}
	if inv.Others == nil {
		inv.Others = map[ResourceKey]string{}
	}
	inv.Others[k] = name
}

// Has says whether kgitops created the resource, and so may delete it.
func (inv Inventory) Has(kind, name string) bool {
	e, ok := inv.Entries[ResourceKey{kind, name}]
	return ok && !e.External
}

// has says whether the inventory holds the resource at all, created or
// external.
func (inv Inventory) has(kind, name string) bool {
	_, ok := inv.Entries[ResourceKey{kind, name}]
	return ok
}

// created lists the names of one kind that kgitops created, sorted.
func (inv Inventory) created(kind string) []string {
	var names []string
	for k, e := range inv.Entries {
		if k.Kind == kind && !e.External {
			names = append(names, k.Name)
		}
	}
	sort.Strings(names)
	return names
}

// recordKey is the Kafka record key of an entry: "<inventory name>/<kind>/<name>".
// Inventory names, kinds and topic names never contain '/'.
func recordKey(ref InventoryRef, k ResourceKey) string {
	return ref.Name + "/" + k.Kind + "/" + k.Name
}

// acceptedKey is the record key of the accepted revision. It holds no
// second '/', so versions that do not know it skip it.
func acceptedKey(ref InventoryRef) string { return ref.Name + "/@accepted" }

// sourceKey is the record key of the inventory's source.
func sourceKey(ref InventoryRef) string { return ref.Name + "/@source" }

// sourceRecord is the value of the source's record.
type sourceRecord struct {
	Source string    `json:"source"`
	At     time.Time `json:"at"`
}

// acceptedRecord is the value of the accepted revision's record.
type acceptedRecord struct {
	Revision string    `json:"revision"`
	At       time.Time `json:"at"`
}

func parseRecordKey(ref InventoryRef, key string) (ResourceKey, bool) {
	rest, ok := strings.CutPrefix(key, ref.Name+"/")
	if !ok {
		return ResourceKey{}, false
	}
	kind, name, ok := strings.Cut(rest, "/")
	if !ok || kind == "" || name == "" {
		return ResourceKey{}, false
	}
	return ResourceKey{kind, name}, true
}

// ReadInventory reads the inventory from its topic. A missing topic is an
// empty inventory: nothing was ever created. It costs a constant number of
// round trips: one ListOffsets, then fetches until the end offset (a handful
// at most, since the topic is compacted and fetches are large). With a
// key, this inventory's records without a valid MAC are ignored (see
// MACHeader), counted, and reported in one warning naming their keys.
func ReadInventory(ctx context.Context, cl *kgo.Client, ref InventoryRef) (Inventory, error) {
	ref = ref.withDefaults()
	inv := Inventory{Entries: map[ResourceKey]InventoryEntry{}, name: ref.Name}
	bad := unauthenticated{}
	err := scanInventory(ctx, cl, ref, func(r *kgo.Record) {
		if !ref.Key.IsZero() && ref.ownRecord(string(r.Key)) {
			ok := ref.authentic(r)
			bad.note(string(r.Key), ok)
			if !ok && !ref.TrustUnsigned {
				return // not written by kgitops: it may not make it do anything
			}
		}
		inv.apply(ref, r)
	})
	if err != nil {
		return inv, err
	}
	if len(bad) > 0 {
		inv.Unauthenticated, inv.UnauthenticatedKeys = len(bad), bad.keys()
		log := ref.Log
		if log == nil {
			log = slog.Default()
		}
		what := "ignored inventory records without a valid MAC: kgitops did not write them"
		if ref.TrustUnsigned {
			what = "trusted inventory records without a valid MAC (--inventory-trust-unsigned)"
		}
		log.Warn(what, "topic", ref.Topic, "inventory", ref.Name, "count", len(bad), "keys", inv.UnauthenticatedKeys)
	}
	return inv, nil
}

// apply reads one record of the inventory topic into inv.
func (inv *Inventory) apply(ref InventoryRef, r *kgo.Record) {
	if string(r.Key) == sourceKey(ref) {
		var s sourceRecord
		if r.Value != nil && json.Unmarshal(r.Value, &s) == nil {
			inv.Source = s.Source
		}
		return
	}
	if string(r.Key) == acceptedKey(ref) {
		var a acceptedRecord
		if r.Value != nil && json.Unmarshal(r.Value, &a) == nil {
			inv.Accepted = a.Revision
		}
		return
	}
	k, ok := parseRecordKey(ref, string(r.Key))
	if !ok {
		inv.noteOther(string(r.Key), r.Value == nil)
		return
	}
	if r.Value == nil {
		delete(inv.Entries, k)
		return
	}
	var e InventoryEntry
	if json.Unmarshal(r.Value, &e) != nil {
		return // an entry this version cannot read: keep what we had
	}
	inv.Entries[k] = e
}

// topicExists asks a broker, through the client (which refreshes the
// client's own metadata of the topic), whether topic exists.
func topicExists(ctx context.Context, cl *kgo.Client, topic string) (bool, error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = []kmsg.MetadataRequestTopic{rt}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return false, err
	}
	for _, t := range resp.Topics {
		if t.Topic != nil && *t.Topic == topic {
			return t.ErrorCode == 0, nil
		}
	}
	return false, nil
}

// scanInventory calls fn on every record of the inventory topic, in
// order, up to its end offset when the scan starts.
func scanInventory(ctx context.Context, cl *kgo.Client, ref InventoryRef, fn func(*kgo.Record)) error {
	adm := kadm.NewClient(cl)
	var end kadm.ListedOffset
	// A retriable answer (OFFSET_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER
	// while the partition's leadership moves: a broker restarting, a
	// rebalance) is asked again, within ctx.
	for attempt := 0; ; attempt++ {
		ends, err := adm.ListEndOffsets(ctx, ref.Topic)
		if err != nil {
			return fmt.Errorf("read inventory %q: %w", ref.Topic, err)
		}
		var ok bool
		end, ok = ends.Lookup(ref.Topic, 0)
		if !ok || errors.Is(end.Err, kerr.UnknownTopicOrPartition) {
			// kadm answers from the client's metadata, which may predate
			// the topic (another apply created it a moment ago): ask a
			// broker before reading an inventory as empty.
			if exists, err := topicExists(ctx, cl, ref.Topic); err != nil {
				return fmt.Errorf("read inventory %q: %w", ref.Topic, err)
			} else if !exists {
				return nil
			}
			if attempt >= 20 {
				return fmt.Errorf("read inventory %q: the topic exists, but its end offset cannot be read", ref.Topic)
			}
			time.Sleep(time.Duration(min(attempt+1, 5)) * 100 * time.Millisecond)
			continue
		}
		if end.Err == nil {
			break
		}
		if !kerr.IsRetriable(end.Err) || attempt >= 20 {
			return fmt.Errorf("read inventory %q: %w", ref.Topic, end.Err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("read inventory %q: %w (%w)", ref.Topic, end.Err, ctx.Err())
		case <-time.After(time.Duration(min(attempt+1, 5)) * 100 * time.Millisecond):
		}
	}
	if end.Offset == 0 {
		return nil
	}
	consumer, err := kgo.NewClient(append(cl.Opts(),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{ref.Topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchMaxPartitionBytes(64<<20),
		kgo.FetchMaxBytes(64<<20),
	)...)
	if err != nil {
		return fmt.Errorf("read inventory %q: %w", ref.Topic, err)
	}
	defer consumer.Close()
	for {
		fs := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read inventory %q: %w", ref.Topic, err)
		}
		var fetchErr error
		fs.EachError(func(_ string, _ int32, err error) { fetchErr = err })
		if fetchErr != nil {
			return fmt.Errorf("read inventory %q: %w", ref.Topic, fetchErr)
		}
		done := false
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset+1 >= end.Offset {
				done = true
			}
			fn(r)
		})
		if done {
			return nil
		}
	}
}

// inventoryWriter appends entries to the inventory topic, creating the
// topic (compacted) the first time it is needed.
type inventoryWriter struct {
	cl      *kgo.Client
	ref     InventoryRef
	brokers int
	source  string // written with the entries when set
	// wrote, when set, hears the offset of every record written.
	wrote func(offset int64)
}

// ensureTopic creates the inventory topic if it does not exist yet, and
// waits until brokers know it: a produce right after the creation would
// otherwise fail with UNKNOWN_TOPIC_OR_PARTITION on a busy controller.
func (w inventoryWriter) ensureTopic(ctx context.Context) error {
	return ktopic.Ensure(ctx, w.cl, ktopic.Spec{
		Name: w.ref.Topic, What: "inventory topic", Partitions: 1, ReplicationFactor: int16(min(3, max(1, w.brokers))),
		Configs: map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}, Wait: true,
	})
}

// record writes entries (nil entry: remove) in one produce round, and the
// inventory's source when w.source is set.
func (w inventoryWriter) record(ctx context.Context, set map[ResourceKey]InventoryEntry, remove []ResourceKey) error {
	if len(set)+len(remove) == 0 && w.source == "" {
		return nil
	}
	if err := w.ensureTopic(ctx); err != nil {
		return err
	}
	recs := make([]*kgo.Record, 0, len(set)+len(remove))
	for k, e := range set {
		v, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode inventory entry: %w", err)
		}
		recs = append(recs, &kgo.Record{Topic: w.ref.Topic, Partition: 0, Key: []byte(recordKey(w.ref, k)), Value: v})
	}
	for _, k := range remove {
		recs = append(recs, &kgo.Record{Topic: w.ref.Topic, Partition: 0, Key: []byte(recordKey(w.ref, k))})
	}
	if w.source != "" {
		v, err := json.Marshal(sourceRecord{Source: w.source, At: time.Now().UTC()})
		if err != nil {
			return fmt.Errorf("encode inventory source: %w", err)
		}
		recs = append(recs, &kgo.Record{Topic: w.ref.Topic, Partition: 0, Key: []byte(sourceKey(w.ref)), Value: v})
	}
	for _, r := range recs {
		w.ref.sign(r)
	}
	if err := produce(ctx, w.cl, recs); err != nil {
		return fmt.Errorf("write inventory %q: %w", w.ref.Topic, err)
	}
	if w.wrote != nil {
		for _, r := range recs {
			w.wrote(r.Offset)
		}
	}
	return nil
}

// RecordAccepted notes in the inventory that revision is the one the
// daemon enforces. It is one small record, written only when the revision
// changes.
func RecordAccepted(ctx context.Context, cl *kgo.Client, ref InventoryRef, brokers int, revision string, now time.Time) error {
	ref = ref.withDefaults()
	w := inventoryWriter{cl: cl, ref: ref, brokers: brokers}
	if err := w.ensureTopic(ctx); err != nil {
		return err
	}
	v, err := json.Marshal(acceptedRecord{Revision: revision, At: now.UTC()})
	if err != nil {
		return fmt.Errorf("encode accepted revision: %w", err)
	}
	rec := &kgo.Record{Topic: ref.Topic, Partition: 0, Key: []byte(acceptedKey(ref)), Value: v}
	ref.sign(rec)
	if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("write inventory %q: %w", ref.Topic, err)
	}
	return nil
}

// produce writes records. When the client's idea of the topic is stale
// (after the inventory topic was deleted and created again, as on a broker
// whose data was wiped, kgo keeps the old topic id and the broker answers
// UNKNOWN_TOPIC_ID), it writes them again through a fresh client.
func produce(ctx context.Context, cl *kgo.Client, recs []*kgo.Record) error {
	err := cl.ProduceSync(ctx, recs...).FirstErr()
	if !errors.Is(err, kerr.UnknownTopicID) && !errors.Is(err, kerr.UnknownTopicOrPartition) {
		return err
	}
	cl.ForceMetadataRefresh()
	fresh, ferr := kgo.NewClient(cl.Opts()...)
	if ferr != nil {
		return err
	}
	defer fresh.Close()
	for _, r := range recs {
		r.ProducerID, r.ProducerEpoch, r.Offset = 0, 0, 0
	}
	return fresh.ProduceSync(ctx, recs...).FirstErr()
}
