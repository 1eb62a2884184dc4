package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TopicACL is one ACL on a topic pattern, as DescribeACLs returns it.
type TopicACL struct {
	Pattern    string // the resource name: a topic, a prefix or "*"
	Prefixed   bool
	Principal  string // "User:alice", "User:*"
	Host       string
	Operation  kmsg.ACLOperation
	Permission kmsg.ACLPermissionType
}

// matches says whether the ACL's resource pattern covers topic.
func (a TopicACL) matches(topic string) bool {
	switch {
	case a.Prefixed:
		return strings.HasPrefix(topic, a.Pattern)
	case a.Pattern == "*":
		return true
	}
	return a.Pattern == topic
}

// writes says whether the operation lets its principal produce.
func (a TopicACL) writes() bool {
	return a.Operation == kmsg.ACLOperationWrite || a.Operation == kmsg.ACLOperationAll
}

// InventoryWriters lists, sorted, the principals other than own that
// acls allow to write topic (WRITE or ALL, through a literal, prefixed or
// "*" pattern), leaving out those a matching DENY from every host takes
// back. own is kgitops' own principal ("User:name"), or "" when it is not
// known. Super users are not ACLs and do not show.
func InventoryWriters(acls []TopicACL, topic, own string) []string {
	denied := map[string]bool{}
	for _, a := range acls {
		if a.matches(topic) && a.writes() && a.Permission == kmsg.ACLPermissionTypeDeny && a.Host == "*" {
			denied[a.Principal] = true
		}
	}
	var out []string
	for _, a := range acls {
		if !a.matches(topic) || !a.writes() || a.Permission != kmsg.ACLPermissionTypeAllow {
			continue
		}
		if a.Principal == own || denied[a.Principal] || denied["User:*"] {
			continue
		}
		if !slices.Contains(out, a.Principal) {
			out = append(out, a.Principal)
		}
	}
	sort.Strings(out)
	return out
}

// CheckInventoryWriters asks the cluster, in one DescribeACLs request
// over every topic ACL, which principals other than own may write the
// inventory topic (see InventoryWriters). A cluster without an authorizer
// gives ErrNoAuthorizer.
func CheckInventoryWriters(ctx context.Context, cl *kgo.Client, topic, own string) ([]string, error) {
	if topic == "" {
		topic = DefaultInventoryTopic
	}
	req := kmsg.NewPtrDescribeACLsRequest()
	req.ResourceType = kmsg.ACLResourceTypeTopic
	req.ResourcePatternType = kmsg.ACLResourcePatternTypeAny
	req.Operation = kmsg.ACLOperationAny
	req.PermissionType = kmsg.ACLPermissionTypeAny
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("describe ACLs: %w", err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		if errors.Is(err, kerr.SecurityDisabled) {
			return nil, ErrNoAuthorizer
		}
		return nil, fmt.Errorf("describe ACLs: %w", err)
	}
	var acls []TopicACL
	for _, r := range resp.Resources {
		for _, a := range r.ACLs {
			acls = append(acls, TopicACL{
				Pattern: r.ResourceName, Prefixed: r.ResourcePatternType == kmsg.ACLResourcePatternTypePrefixed,
				Principal: a.Principal, Host: a.Host, Operation: a.Operation, Permission: a.PermissionType,
			})
		}
	}
	return InventoryWriters(acls, topic, own), nil
}
