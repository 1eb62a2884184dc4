package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// TestCheckAgreesWithBroker creates SCRAM users and ACLs (deny, prefixed,
// wildcard resource, User:*), then, for each case, compares the
// evaluator's answer from the cluster's ACLs with what the broker really
// does when that user logs in and makes a request that needs exactly that
// operation: AUTHORIZATION_FAILED is denied, anything else allowed.
func TestCheckAgreesWithBroker(t *testing.T) {
	kafkatest.EachSecure(t, func(t *testing.T, c *kafkatest.Cluster) {
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		admin := c.Client(t, kgo.SeedBrokers(c.SASLBootstrap...),
			kgo.SASL(scram.Auth{User: c.AdminUser, Pass: c.AdminPassword}.AsSha512Mechanism()))
		adm := kadm.NewClient(admin)

		base := kafkatest.Unique("acc")
		orders, shopX, locked, public := base+".orders", base+".shop.x", base+".shop.locked", base+".public"
		group := base + "-g1"
		alice, bob, carol, dave := "User:"+kafkatest.Unique("alice"), "User:"+kafkatest.Unique("bob"), "User:"+kafkatest.Unique("carol"), "User:"+kafkatest.Unique("dave")
		eve := "User:" + kafkatest.Unique("eve")

		topics := []string{orders, shopX, locked, public}
		if _, err := adm.CreateTopics(ctx, 1, 1, nil, topics...); err != nil {
			t.Fatalf("create topics: %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := adm.DeleteTopics(ctx, topics...); err != nil {
				t.Logf("delete topics: %v", err)
			}
		})
		kafkatest.WaitForTopics(t, adm, topics...)

		passwords := map[string]string{}
		var up kadm.UpsertSCRAM
		var ups []kadm.UpsertSCRAM
		for _, p := range []string{alice, bob, carol, dave, eve} {
			name := p[len("User:"):]
			passwords[p] = "pw-" + name
			up = kadm.UpsertSCRAM{User: name, Mechanism: kadm.ScramSha512, Iterations: 4096, Password: passwords[p]}
			ups = append(ups, up)
		}
		if res, err := adm.AlterUserSCRAMs(ctx, nil, ups); err != nil || res.Error() != nil {
			t.Fatalf("create SCRAM users: %v %v", err, res.Error())
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var dels []kadm.DeleteSCRAM
			for _, u := range ups {
				dels = append(dels, kadm.DeleteSCRAM{User: u.User, Mechanism: u.Mechanism})
			}
			if _, err := adm.AlterUserSCRAMs(ctx, dels, nil); err != nil {
				t.Logf("delete SCRAM users: %v", err)
			}
		})

		lit, pre := spec.PatternLiteral, spec.PatternPrefixed
		entry := func(perm, p, op, rt, name, pattern string) spec.ACLEntry {
			return spec.ACLEntry{Permission: perm, Principal: p, Operation: op, ResourceType: rt, ResourceName: name, PatternType: pattern, Host: "*"}
		}
		created := []spec.ACLEntry{
			entry("ALLOW", alice, "READ", "topic", orders, lit),
			entry("ALLOW", alice, "WRITE", "topic", base+".shop.", pre),
			entry("DENY", alice, "WRITE", "topic", locked, lit),
			entry("ALLOW", alice, "READ", "group", base+"-g", pre),
			entry("ALLOW", alice, "DESCRIBE", "cluster", spec.ClusterResourceName, lit),
			entry("ALLOW", bob, "ALL", "topic", base+".", pre),
			entry("DENY", bob, "READ", "topic", orders, lit),
			entry("DENY", bob, "DESCRIBE", "group", group, lit),
			entry("ALLOW", bob, "DELETE", "group", group, lit),
			entry("ALLOW", WildcardPrincipal, "DESCRIBE", "topic", public, lit),
			entry("ALLOW", carol, "DESCRIBE", "topic", spec.Wildcard, lit),
			entry("ALLOW", carol, "ALTER_CONFIGS", "topic", orders, lit),
			entry("DENY", carol, "ALL", "topic", shopX, lit),
			entry("ALLOW", carol, "WRITE", "transactionalId", base+"-tx", pre),
			entry("ALLOW", dave, "CREATE", "topic", base+".new", pre),
			entry("ALLOW", eve, "CREATE", "cluster", spec.ClusterResourceName, lit),
			// Clients here connect from 127.0.0.1: an ACL bound to another
			// address never applies, one bound to 127.0.0.1 does.
			hostEntry(entry("ALLOW", dave, "WRITE", "topic", public, lit), "10.1.2.3"),
			hostEntry(entry("DENY", carol, "ALTER_CONFIGS", "topic", orders, lit), "127.0.0.1"),
		}
		createACLs(ctx, t, admin, created)

		type tcase struct {
			principal, op string
			r             Resource
			want          bool
		}
		topic := func(n string) Resource { return Resource{"topic", n} }
		grp := Resource{"group", group}
		cluster := Resource{"cluster", spec.ClusterResourceName}
		txn := Resource{"transactionalId", base + "-tx1"}
		cases := []tcase{
			{alice, "READ", topic(orders), true},
			{alice, "DESCRIBE", topic(orders), true},      // READ implies DESCRIBE
			{alice, "WRITE", topic(orders), false},        // ACLs name it, none allows
			{alice, "WRITE", topic(shopX), true},          // prefixed
			{alice, "WRITE", topic(locked), false},        // DENY beats the prefixed ALLOW
			{alice, "DESCRIBE", topic(locked), true},      // a DENY of WRITE does not deny DESCRIBE
			{alice, "READ", topic(shopX), false},          // WRITE does not imply READ
			{alice, "CREATE", topic(base + ".n2"), false}, // no ACL names it
			{bob, "READ", topic(orders), false},           // DENY READ beats ALLOW ALL
			{bob, "DESCRIBE", topic(orders), true},        // ALL; a DENY of READ does not deny DESCRIBE
			{bob, "WRITE", topic(orders), true},           // prefixed ALL
			{bob, "DESCRIBE_CONFIGS", topic(orders), true},
			{bob, "ALTER_CONFIGS", topic(shopX), true},
			{carol, "DESCRIBE", topic(public), true}, // wildcard resource
			{dave, "DESCRIBE", topic(public), true},  // User:*
			{dave, "READ", topic(public), false},
			{carol, "DESCRIBE", topic(orders), true},         // wildcard resource
			{carol, "DESCRIBE_CONFIGS", topic(orders), true}, // ALTER_CONFIGS implies DESCRIBE_CONFIGS; its DENY from 127.0.0.1 does not deny it
			{carol, "ALTER_CONFIGS", topic(orders), false},   // DENY from 127.0.0.1
			{bob, "ALTER_CONFIGS", topic(orders), true},
			{dave, "WRITE", topic(public), false},         // allowed from 10.1.2.3 only
			{carol, "DESCRIBE", topic(shopX), false},      // DENY ALL beats the wildcard ALLOW
			{dave, "CREATE", topic(base + ".new1"), true}, // prefixed CREATE
			{dave, "READ", topic(orders), false},
			{alice, "READ", grp, true},     // prefixed group
			{alice, "DESCRIBE", grp, true}, // READ implies DESCRIBE
			{bob, "READ", grp, false},
			{bob, "DESCRIBE", grp, false}, // DENY DESCRIBE beats DELETE's implied DESCRIBE
			{bob, "DELETE", grp, true},
			{alice, "DESCRIBE", cluster, true},
			{dave, "DESCRIBE", cluster, false},
			{carol, "DESCRIBE_CONFIGS", cluster, false},
			{carol, "DESCRIBE", txn, true}, // prefixed WRITE implies DESCRIBE
			{dave, "DESCRIBE", txn, false},
		}

		// The evaluator reads the cluster's ACLs as the command does. A
		// broker lists (and enforces) ACLs from its own copy of the
		// metadata log, a moment after the controller took them: wait
		// until it shows every one.
		var live []ACL
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			var err error
			if live, err = Observe(ctx, admin); err != nil {
				t.Fatalf("observe ACLs: %v", err)
			}
			i := slices.IndexFunc(created, func(e spec.ACLEntry) bool {
				return !slices.ContainsFunc(live, func(a ACL) bool { return a.Entry == e })
			})
			if i < 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the cluster does not show the ACL %s 15 s after creating it", created[i])
			}
		}

		md, err := adm.Metadata(ctx, topics...)
		if err != nil {
			t.Fatal(err)
		}
		leader := func(topic string) int32 { return md.Topics[topic].Partitions[0].Leader }
		coordinator := func(key string, typ int8) int32 {
			req := kmsg.NewPtrFindCoordinatorRequest()
			req.CoordinatorKey, req.CoordinatorKeys, req.CoordinatorType = key, []string{key}, typ
			resp, err := req.RequestWith(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Coordinators) > 0 {
				return resp.Coordinators[0].NodeID
			}
			return resp.NodeID
		}
		groupCoord := coordinator(group, 0)

		clients := map[string]*kgo.Client{}
		login := func(p string) *kgo.Client {
			if cl, ok := clients[p]; ok {
				return cl
			}
			cl := c.Client(t, kgo.SeedBrokers(c.SASLBootstrap...),
				kgo.SASL(scram.Auth{User: p[len("User:"):], Pass: passwords[p]}.AsSha512Mechanism()),
				kgo.MaxVersions(kversion.V3_0_0()), // Fetch and Produce by topic name
				kgo.DisableIdempotentWrite(), kgo.RequestRetries(1), kgo.RetryTimeout(5*time.Second),
				kgo.ProduceRequestTimeout(5*time.Second), kgo.RecordDeliveryTimeout(10*time.Second))
			// A new SCRAM user can take a moment to reach the broker.
			deadline := time.Now().Add(20 * time.Second)
			for {
				err := cl.Ping(ctx)
				if err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s cannot log in: %v", p, err)
				}
				time.Sleep(200 * time.Millisecond)
			}
			clients[p] = cl
			return cl
		}
		probe := func(tc tcase) (bool, error) {
			cl := login(tc.principal)
			return allowedByBroker(ctx, cl, tc.op, tc.r, leader, groupCoord)
		}

		// ACLs reach the broker's authorizer through the metadata log:
		// wait until a case that needs them passes.
		waitUntil(t, 20*time.Second, func() bool { ok, _ := probe(cases[0]); return ok })

		for _, tc := range cases {
			who := tc.principal[len("User:"):strings.LastIndex(tc.principal, "-")]
			t.Run(fmt.Sprintf("%s %s %s", who, tc.op, strings.ReplaceAll(tc.r.String(), base, "B")), func(t *testing.T) {
				d := Evaluate(live, Request{Principal: tc.principal, Operation: tc.op, Resource: tc.r, Host: "127.0.0.1"}, Options{})
				if d.Allowed != tc.want {
					t.Errorf("evaluator: %v (%s), the table says %v", d.Allowed, d.Reason(), tc.want)
				}
				got, err := probe(tc)
				if err != nil {
					t.Fatalf("probe: %v", err)
				}
				if got != d.Allowed {
					t.Errorf("the broker says allowed=%v, access check says %v: %s", got, d.Allowed, d.Reason())
				}
			})
		}

		// CREATE on the cluster lets CreateTopics create any topic, though
		// the topic's ACLs deny it: check says so in a note.
		t.Run("eve CREATE topic through the cluster", func(t *testing.T) {
			tc := tcase{eve, "CREATE", topic(base + ".anything"), false}
			c := NewCheck(nil, live, Request{Principal: tc.principal, Operation: tc.op, Resource: tc.r, Host: "127.0.0.1"}, Options{}, "")
			got, err := probe(tc)
			if err != nil {
				t.Fatal(err)
			}
			if c.Allowed || len(c.Notes) != 1 || !got {
				t.Fatalf("check allowed=%v notes=%q; the broker allowed=%v", c.Allowed, c.Notes, got)
			}
		})
	})
}

// allowedByBroker makes, as cl's user, a request that needs exactly op on
// r, and reports whether the broker authorized it.
func allowedByBroker(ctx context.Context, cl *kgo.Client, op string, r Resource, leader func(string) int32, groupCoord int32) (bool, error) {
	var code int16
	switch r.Type + " " + op {
	case "topic READ":
		req := kmsg.NewPtrFetchRequest()
		req.MaxWaitMillis, req.MaxBytes, req.SessionEpoch = 10, 1024, -1
		ft := kmsg.NewFetchRequestTopic()
		ft.Topic = r.Name
		fp := kmsg.NewFetchRequestTopicPartition()
		fp.PartitionMaxBytes, fp.LogStartOffset, fp.CurrentLeaderEpoch = 1024, -1, -1
		ft.Partitions = append(ft.Partitions, fp)
		req.Topics = append(req.Topics, ft)
		resp, err := req.RequestWith(ctx, cl.Broker(int(leader(r.Name))))
		if err != nil {
			return false, err
		}
		code = resp.ErrorCode
		if code == 0 && len(resp.Topics) > 0 && len(resp.Topics[0].Partitions) > 0 {
			code = resp.Topics[0].Partitions[0].ErrorCode
		}
	case "topic WRITE":
		// Every WRITE case may DESCRIBE the topic, so the producer's
		// metadata request passes and Produce itself decides.
		err := cl.ProduceSync(ctx, &kgo.Record{Topic: r.Name, Value: []byte("x")}).FirstErr()
		if err != nil && !isAuth(err) {
			return false, err // not an answer: a timeout says nothing
		}
		return err == nil, nil
	case "topic DESCRIBE":
		req := kmsg.NewPtrMetadataRequest()
		mt := kmsg.NewMetadataRequestTopic()
		mt.Topic = kmsg.StringPtr(r.Name)
		req.Topics = append(req.Topics, mt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			return false, err
		}
		code = resp.Topics[0].ErrorCode
	case "topic CREATE":
		req := kmsg.NewPtrCreateTopicsRequest()
		req.ValidateOnly, req.TimeoutMillis = true, 5000
		ct := kmsg.NewCreateTopicsRequestTopic()
		ct.Topic, ct.NumPartitions, ct.ReplicationFactor = r.Name, 1, 1
		req.Topics = append(req.Topics, ct)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			return false, err
		}
		code = resp.Topics[0].ErrorCode
	case "topic DESCRIBE_CONFIGS", "cluster DESCRIBE_CONFIGS":
		req := kmsg.NewPtrDescribeConfigsRequest()
		dr := kmsg.NewDescribeConfigsRequestResource()
		dr.ResourceType, dr.ResourceName = kmsg.ConfigResourceTypeTopic, r.Name
		if r.Type == "cluster" {
			dr.ResourceType, dr.ResourceName = kmsg.ConfigResourceTypeBroker, "" // the cluster-wide default
		}
		req.Resources = append(req.Resources, dr)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			return false, err
		}
		code = resp.Resources[0].ErrorCode
	case "topic ALTER_CONFIGS":
		req := kmsg.NewPtrIncrementalAlterConfigsRequest()
		req.ValidateOnly = true
		ar := kmsg.NewIncrementalAlterConfigsRequestResource()
		ar.ResourceType, ar.ResourceName = kmsg.ConfigResourceTypeTopic, r.Name
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Value, c.Op = "retention.ms", kmsg.StringPtr("86400000"), kmsg.IncrementalAlterConfigOpSet
		ar.Configs = append(ar.Configs, c)
		req.Resources = append(req.Resources, ar)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			return false, err
		}
		code = resp.Resources[0].ErrorCode
	case "group READ":
		req := kmsg.NewPtrJoinGroupRequest()
		req.Group, req.SessionTimeoutMillis, req.RebalanceTimeoutMillis, req.ProtocolType = r.Name, 10000, 10000, "consumer"
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = "range", []byte{0, 0, 0, 0, 0, 0, 0, 0}
		req.Protocols = append(req.Protocols, p)
		resp, err := req.RequestWith(ctx, cl.Broker(int(groupCoord)))
		if err != nil {
			return false, err
		}
		code = resp.ErrorCode
	case "group DESCRIBE":
		req := kmsg.NewPtrDescribeGroupsRequest()
		req.Groups = []string{r.Name}
		resp, err := req.RequestWith(ctx, cl.Broker(int(groupCoord)))
		if err != nil {
			return false, err
		}
		code = resp.Groups[0].ErrorCode
	case "group DELETE":
		req := kmsg.NewPtrDeleteGroupsRequest()
		req.Groups = []string{r.Name}
		resp, err := req.RequestWith(ctx, cl.Broker(int(groupCoord)))
		if err != nil {
			return false, err
		}
		code = resp.Groups[0].ErrorCode
	case "cluster DESCRIBE":
		req := kmsg.NewPtrDescribeACLsRequest()
		req.ResourceType, req.ResourcePatternType = kmsg.ACLResourceTypeAny, kmsg.ACLResourcePatternTypeAny
		req.Operation, req.PermissionType = kmsg.ACLOperationAny, kmsg.ACLPermissionTypeAny
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			return false, err
		}
		code = resp.ErrorCode
	case "transactionalId DESCRIBE":
		req := kmsg.NewPtrFindCoordinatorRequest()
		req.CoordinatorKey, req.CoordinatorKeys, req.CoordinatorType = r.Name, []string{r.Name}, 1
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			return false, err
		}
		code = resp.ErrorCode
		if len(resp.Coordinators) > 0 {
			code = resp.Coordinators[0].ErrorCode
		}
	default:
		return false, fmt.Errorf("no probe for %s on %s", op, r.Type)
	}
	return !isAuth(kerr.ErrorForCode(code)), nil
}

func isAuth(err error) bool {
	return IsAuthorization(err) || errors.Is(err, kerr.SaslAuthenticationFailed)
}

func createACLs(ctx context.Context, t *testing.T, cl *kgo.Client, entries []spec.ACLEntry) {
	t.Helper()
	req := kmsg.NewPtrCreateACLsRequest()
	del := kmsg.NewPtrDeleteACLsRequest()
	for _, e := range entries {
		rt, pt, op, perm := kmsgEntry(t, e)
		c := kmsg.NewCreateACLsRequestCreation()
		c.ResourceType, c.ResourceName, c.ResourcePatternType = rt, e.ResourceName, pt
		c.Principal, c.Host, c.Operation, c.PermissionType = e.Principal, e.Host, op, perm
		req.Creations = append(req.Creations, c)
		f := kmsg.NewDeleteACLsRequestFilter()
		f.ResourceType, f.ResourceName, f.ResourcePatternType = rt, kmsg.StringPtr(e.ResourceName), pt
		f.Principal, f.Host, f.Operation, f.PermissionType = kmsg.StringPtr(e.Principal), kmsg.StringPtr(e.Host), op, perm
		del.Filters = append(del.Filters, f)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := del.RequestWith(ctx, cl); err != nil {
			t.Logf("delete ACLs: %v", err)
		}
	})
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("create ACLs: %v", err)
	}
	for i, r := range resp.Results {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			t.Fatalf("create ACL %s: %v", entries[i], err)
		}
	}
}

func kmsgEntry(t *testing.T, e spec.ACLEntry) (kmsg.ACLResourceType, kmsg.ACLResourcePatternType, kmsg.ACLOperation, kmsg.ACLPermissionType) {
	t.Helper()
	rt := map[string]kmsg.ACLResourceType{
		spec.ResourceTopic: kmsg.ACLResourceTypeTopic, spec.ResourceGroup: kmsg.ACLResourceTypeGroup,
		spec.ResourceCluster: kmsg.ACLResourceTypeCluster, spec.ResourceTransactionalID: kmsg.ACLResourceTypeTransactionalId,
	}[e.ResourceType]
	pt, err := kmsg.ParseACLResourcePatternType(e.PatternType)
	if err != nil {
		t.Fatal(err)
	}
	op, err := kmsg.ParseACLOperation(e.Operation)
	if err != nil {
		t.Fatal(err)
	}
	perm, err := kmsg.ParseACLPermissionType(e.Permission)
	if err != nil {
		t.Fatal(err)
	}
	return rt, pt, op, perm
}

func hostEntry(e spec.ACLEntry, host string) spec.ACLEntry {
	e.Host = host
	return e
}

func waitUntil(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not true after %s", d)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
