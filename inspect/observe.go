package inspect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrNoGroup is returned for a group the cluster does not have.
var ErrNoGroup = errors.New("the cluster has no such consumer group")

// ErrNoTopic is returned for a topic the cluster does not have.
var ErrNoTopic = errors.New("the cluster has no such topic")

// ObserveGroups reads the named consumer groups, or every classic and
// KIP-848 consumer group when names is empty, with their members and
// committed offsets: ListGroups, then DescribeGroups (classic),
// ConsumerGroupDescribe (KIP-848) and OffsetFetch for all the groups at
// once. A named group the cluster does not have is ErrNoGroup.
func ObserveGroups(ctx context.Context, cl *kgo.Client, names ...string) ([]Group, error) {
	adm := kadm.NewClient(cl)
	listed, err := adm.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list consumer groups: %w", err)
	}
	want := names
	if len(want) == 0 {
		for _, g := range listed.Sorted() {
			if g.GroupType == "" || g.GroupType == TypeClassic || g.GroupType == TypeConsumer {
				want = append(want, g.Group)
			}
		}
	}
	// ListGroups leaves out the groups the user may not DESCRIBE: a named
	// group it does not list is described as a classic group, so that a
	// missing permission is told apart from a missing group.
	var classic, consumer []string
	for _, name := range want {
		l, ok := listed[name]
		switch {
		case !ok || l.GroupType == "" || l.GroupType == TypeClassic:
			classic = append(classic, name)
		case l.GroupType == TypeConsumer:
			consumer = append(consumer, name)
		default:
			return nil, fmt.Errorf("group %q is a %s group, not a consumer group", name, l.GroupType)
		}
	}
	if len(want) == 0 {
		return nil, nil
	}

	var (
		wg         sync.WaitGroup
		described  kadm.DescribedGroups
		describedC map[string]consumerDescription
		errC, errN error
		fetched    kadm.FetchOffsetsResponses
	)
	if len(classic) > 0 {
		wg.Go(func() { described, errC = adm.DescribeGroups(ctx, classic...) })
	}
	if len(consumer) > 0 {
		wg.Go(func() { describedC, errN = describeConsumerGroups(ctx, cl, consumer) })
	}
	wg.Go(func() { fetched = adm.FetchManyOffsets(ctx, want...) })
	wg.Wait()
	if err := errors.Join(errC, errN); err != nil {
		return nil, withNeed(fmt.Errorf("describe consumer groups: %w", err), "DESCRIBE", "group", strings.Join(want, ", "))
	}

	// Listing every group, one deleted since the list is left out, and one
	// that cannot be read is skipped and named in a *PartialError: in a
	// shared cluster, one group must not hide all the others.
	all := len(names) == 0
	out := make([]Group, 0, len(want))
	var skipped []error
	for _, name := range want {
		g, err := oneGroup(name, all, described, describedC, fetched)
		switch {
		case err == errGone:
		case err != nil && all:
			skipped = append(skipped, err)
		case err != nil:
			return nil, err
		default:
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b Group) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	if len(skipped) > 0 {
		return out, &PartialError{Err: errors.Join(skipped...), Skipped: len(skipped)}
	}
	return out, nil
}

// errGone is a group deleted since ListGroups listed it.
var errGone = errors.New("gone")

// PartialError says that some groups of a listing could not be read; the
// others were.
type PartialError struct {
	Skipped int
	Err     error
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d group(s) could not be read and are left out: %v", e.Skipped, e.Err)
}
func (e *PartialError) Unwrap() error { return e.Err }

// oneGroup reads one group from the answers; errGone when all is set and
// the group no longer exists.
func oneGroup(name string, all bool, described kadm.DescribedGroups, describedC map[string]consumerDescription, fetched kadm.FetchOffsetsResponses) (Group, error) {
	var g Group
	if d, ok := described[name]; ok {
		switch {
		case errors.Is(d.Err, kerr.GroupIDNotFound) || d.Err == nil && d.State == "Dead":
			if all {
				return Group{}, errGone
			}
			return Group{}, fmt.Errorf("group %q: %w", name, ErrNoGroup)
		case d.Err != nil:
			return Group{}, withNeed(fmt.Errorf("describe group %q: %w", name, d.Err), "DESCRIBE", "group", name)
		}
		g = classicGroup(d)
	} else if d, ok := describedC[name]; ok {
		switch {
		case errors.Is(d.err, kerr.GroupIDNotFound):
			if all {
				return Group{}, errGone
			}
			return Group{}, fmt.Errorf("group %q: %w", name, ErrNoGroup)
		case d.err != nil:
			return Group{}, withNeed(fmt.Errorf("describe group %q: %w", name, d.err), "DESCRIBE", "group", name)
		}
		g = d.group
	} else {
		return Group{}, fmt.Errorf("describe group %q: no answer", name)
	}
	f, ok := fetched[name]
	if !ok {
		return Group{}, fmt.Errorf("fetch the offsets of group %q: no answer", name)
	}
	if f.Err != nil {
		return Group{}, withNeed(fmt.Errorf("fetch the offsets of group %q: %w", name, f.Err), "DESCRIBE", "group", name)
	}
	g.Committed = map[string]map[int32]int64{}
	for t, ps := range f.Fetched {
		for p, o := range ps {
			if o.Err != nil || o.At < 0 {
				continue
			}
			if g.Committed[t] == nil {
				g.Committed[t] = map[int32]int64{}
			}
			g.Committed[t][p] = o.At
		}
	}
	return g, nil
}

func classicGroup(d kadm.DescribedGroup) Group {
	g := Group{Name: d.Group, Type: TypeClassic, State: d.State, ProtocolType: d.ProtocolType, Protocol: d.Protocol,
		Coordinator: d.Coordinator.NodeID, Members: []Member{}}
	for _, m := range d.Members {
		mm := Member{ID: m.MemberID, ClientID: m.ClientID, Host: m.ClientHost, Assigned: map[string][]int32{}}
		if m.InstanceID != nil {
			mm.InstanceID = *m.InstanceID
		}
		if a, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range a.Topics {
				mm.Assigned[t.Topic] = append(mm.Assigned[t.Topic], t.Partitions...)
				slices.Sort(mm.Assigned[t.Topic])
			}
		}
		g.Members = append(g.Members, mm)
	}
	return g
}

// consumerDescription is a KIP-848 group as ConsumerGroupDescribe gives it.
type consumerDescription struct {
	group Group
	err   error
}

// describeConsumerGroups describes KIP-848 groups: one
// ConsumerGroupDescribe request, sharded by coordinator. It reads the
// response itself rather than through kadm, to name the topics of an
// assignment that gives only their ids: kfake leaves the names out, and
// one Metadata request then names them.
func describeConsumerGroups(ctx context.Context, cl *kgo.Client, groups []string) (map[string]consumerDescription, error) {
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = groups
	out := map[string]consumerDescription{}
	type slot struct {
		group, member int
		id            [16]byte
		parts         []int32
	}
	var pending []slot
	var order []string
	for _, sh := range cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			return nil, sh.Err
		}
		resp := sh.Resp.(*kmsg.ConsumerGroupDescribeResponse)
		for _, rg := range resp.Groups {
			d := consumerDescription{err: kerr.ErrorForCode(rg.ErrorCode)}
			d.group = Group{Name: rg.Group, Type: TypeConsumer, State: rg.State, Protocol: rg.AssignorName,
				Coordinator: sh.Meta.NodeID, Members: []Member{}}
			for mi, rm := range rg.Members {
				m := Member{ID: rm.MemberID, ClientID: rm.ClientID, Host: rm.ClientHost, Assigned: map[string][]int32{}}
				if rm.InstanceID != nil {
					m.InstanceID = *rm.InstanceID
				}
				for _, tp := range rm.Assignment.TopicPartitions {
					if tp.Topic == "" {
						pending = append(pending, slot{len(order), mi, tp.TopicID, tp.Partitions})
						continue
					}
					m.Assigned[tp.Topic] = append(m.Assigned[tp.Topic], tp.Partitions...)
				}
				d.group.Members = append(d.group.Members, m)
			}
			out[rg.Group] = d
			order = append(order, rg.Group)
		}
	}
	if len(pending) > 0 {
		md, err := kadm.NewClient(cl).Metadata(ctx)
		if err != nil {
			return nil, fmt.Errorf("name the topics of the assignments: %w", err)
		}
		names := map[[16]byte]string{}
		for _, td := range md.Topics {
			names[[16]byte(td.ID)] = td.Topic
		}
		for _, p := range pending {
			d := out[order[p.group]]
			name, ok := names[p.id]
			if !ok {
				name = kadm.TopicID(p.id).String() // deleted since
			}
			a := d.group.Members[p.member].Assigned
			a[name] = append(a[name], p.parts...)
		}
	}
	for _, d := range out {
		for _, m := range d.group.Members {
			for t := range m.Assigned {
				slices.Sort(m.Assigned[t])
			}
		}
		slices.SortFunc(d.group.Members, func(a, b Member) int { return strings.Compare(a.ID, b.ID) })
	}
	return out, nil
}

// ObserveBounds reads the log start and end offsets of every partition of
// topics: one ListOffsets request for the starts and one for the ends,
// sent at once. A topic the cluster does not have is left out.
func ObserveBounds(ctx context.Context, adm *kadm.Client, topics ...string) (Bounds, error) {
	b := Bounds{}
	if len(topics) == 0 {
		return b, nil
	}
	var (
		wg               sync.WaitGroup
		starts, ends     kadm.ListedOffsets
		errStart, errEnd error
	)
	wg.Go(func() { starts, errStart = adm.ListStartOffsets(ctx, topics...) })
	wg.Go(func() { ends, errEnd = adm.ListEndOffsets(ctx, topics...) })
	wg.Wait()
	if err := errors.Join(errStart, errEnd); err != nil {
		return nil, withNeed(fmt.Errorf("list the offsets of %s: %w", strings.Join(topics, ", "), err), "DESCRIBE", "topic", strings.Join(topics, ", "))
	}
	for t, ps := range ends {
		for p, o := range ps {
			if p < 0 || errors.Is(o.Err, kerr.UnknownTopicOrPartition) {
				continue
			}
			if b[t] == nil {
				b[t] = map[int32]Bound{}
			}
			bd := Bound{Start: -1, End: -1}
			if o.Err == nil {
				bd.End = o.Offset
			}
			if s, ok := starts.Lookup(t, p); ok && s.Err == nil {
				bd.Start = s.Offset
			}
			b[t][p] = bd
		}
	}
	return b, nil
}
