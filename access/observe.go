package access

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/spec"
)

// ErrNoAuthorizer says the cluster has no authorizer: it enforces no ACLs.
var ErrNoAuthorizer = errors.New("the cluster has no authorizer (authorizer.class.name is not set): it enforces no ACLs, and every request is allowed")

// Observe reads every ACL of the cluster with one DescribeACLs request,
// which needs DESCRIBE on the cluster.
func Observe(ctx context.Context, cl *kgo.Client) ([]ACL, error) {
	req := kmsg.NewPtrDescribeACLsRequest()
	req.ResourceType = kmsg.ACLResourceTypeAny
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
		if resp.ErrorMessage != nil && *resp.ErrorMessage != "" {
			err = fmt.Errorf("%w: %s", err, *resp.ErrorMessage)
		}
		return nil, fmt.Errorf("describe ACLs: %w", err)
	}
	var out []ACL
	for _, r := range resp.Resources {
		rt, ok := resourceTypeName(r.ResourceType)
		if !ok {
			continue
		}
		for _, a := range r.ACLs {
			out = append(out, ACL{Entry: spec.ACLEntry{
				Principal:    a.Principal,
				Host:         a.Host,
				ResourceType: rt,
				ResourceName: r.ResourceName,
				PatternType:  strings.ToLower(r.ResourcePatternType.String()),
				Operation:    a.Operation.String(),
				Permission:   a.PermissionType.String(),
			}})
		}
	}
	return out, nil
}

// FromState returns the ACLs the repo asks for, with their sources.
func FromState(st *spec.State) []ACL {
	if st == nil {
		return nil
	}
	var out []ACL
	for _, d := range st.DesiredACLs() {
		out = append(out, ACL{Entry: d.Entry, Sources: d.Sources})
	}
	return out
}

// resourceTypeName turns Kafka's resource type into spec's name.
func resourceTypeName(t kmsg.ACLResourceType) (string, bool) {
	switch t {
	case kmsg.ACLResourceTypeTopic:
		return spec.ResourceTopic, true
	case kmsg.ACLResourceTypeGroup:
		return spec.ResourceGroup, true
	case kmsg.ACLResourceTypeCluster:
		return spec.ResourceCluster, true
	case kmsg.ACLResourceTypeTransactionalId:
		return spec.ResourceTransactionalID, true
	case kmsg.ACLResourceTypeDelegationToken:
		return spec.ResourceDelegationToken, true
	case kmsg.ACLResourceTypeUser:
		return spec.ResourceUser, true
	}
	return "", false
}
