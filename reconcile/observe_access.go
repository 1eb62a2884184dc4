package reconcile

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

// ErrNoAuthorizer is returned when the repo declares ACLs but the cluster
// has no authorizer configured, so it cannot hold any.
var ErrNoAuthorizer = errors.New("the cluster has no authorizer (authorizer.class.name is not set), so it cannot hold ACLs")

// observeACLs reads every ACL. An export of a cluster with no authorizer
// reads no ACLs; a plan that needs them fails.
func observeACLs(ctx context.Context, b Backends, live *Live, all bool) error {
	err := describeACLs(ctx, b.Kafka, live)
	if errors.Is(err, ErrNoAuthorizer) && all {
		live.ACLs, err = map[spec.ACLEntry]bool{}, nil // nothing to export
	}
	return err
}

// describeACLs reads every ACL in the cluster into live.
func describeACLs(ctx context.Context, cl *kgo.Client, live *Live) error {
	acls, err := ReadACLs(ctx, cl)
	if err != nil {
		return err
	}
	live.ACLs = acls
	return nil
}

// ReadACLs reads every ACL in the cluster with one match-any DescribeACLs
// request, which needs DESCRIBE on the cluster. A cluster without an
// authorizer gives ErrNoAuthorizer.
func ReadACLs(ctx context.Context, cl *kgo.Client) (map[spec.ACLEntry]bool, error) {
	return readACLs(ctx, cl)
}

// readACLs is ReadACLs through r: a client, or one broker.
func readACLs(ctx context.Context, r kmsg.Requestor) (map[spec.ACLEntry]bool, error) {
	req := kmsg.NewPtrDescribeACLsRequest()
	req.ResourceType = kmsg.ACLResourceTypeAny
	req.ResourcePatternType = kmsg.ACLResourcePatternTypeAny
	req.Operation = kmsg.ACLOperationAny
	req.PermissionType = kmsg.ACLPermissionTypeAny
	resp, err := req.RequestWith(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("describe ACLs: %w", err)
	}
	if err := kafkaErr(resp.ErrorCode, resp.ErrorMessage); err != nil {
		if errors.Is(err, kerr.SecurityDisabled) {
			return nil, ErrNoAuthorizer
		}
		return nil, fmt.Errorf("describe ACLs: %w", err)
	}
	acls := map[spec.ACLEntry]bool{}
	for _, r := range resp.Resources {
		for _, a := range r.ACLs {
			acls[spec.ACLEntry{
				Principal:    a.Principal,
				Host:         a.Host,
				ResourceType: specResourceType(r.ResourceType),
				ResourceName: r.ResourceName,
				PatternType:  strings.ToLower(r.ResourcePatternType.String()),
				Operation:    a.Operation.String(),
				Permission:   a.PermissionType.String(),
			}] = true
		}
	}
	return acls, nil
}

// specResourceType turns Kafka's resource type enum into the spec's name.
func specResourceType(t kmsg.ACLResourceType) string {
	switch t {
	case kmsg.ACLResourceTypeTopic:
		return "topic"
	case kmsg.ACLResourceTypeGroup:
		return "group"
	case kmsg.ACLResourceTypeCluster:
		return "cluster"
	case kmsg.ACLResourceTypeTransactionalId:
		return "transactionalId"
	case kmsg.ACLResourceTypeDelegationToken:
		return "delegationToken"
	case kmsg.ACLResourceTypeUser:
		return "user"
	}
	return strings.ToLower(t.String())
}

// observeQuotas reads every client quota in the cluster.
func observeQuotas(ctx context.Context, b Backends, live *Live, _ bool) error {
	qs, err := readQuotas(ctx, b.Kafka)
	if err != nil {
		return err
	}
	live.Quotas = qs
	return nil
}

// readQuotas reads every client quota from r (a client, or one broker),
// by entity.
func readQuotas(ctx context.Context, r kmsg.Requestor) (map[string]LiveQuota, error) {
	req := kmsg.NewPtrDescribeClientQuotasRequest()
	req.Strict = false // no components: match everything
	resp, err := req.RequestWith(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("describe client quotas: %w", err)
	}
	if err := kafkaErr(resp.ErrorCode, resp.ErrorMessage); err != nil {
		return nil, fmt.Errorf("describe client quotas: %w", err)
	}
	quotas := map[string]LiveQuota{}
	for _, e := range resp.Entries {
		var ent spec.QuotaEntity
		for _, c := range e.Entity {
			name := ""
			if c.Name != nil {
				name = *c.Name
			}
			switch c.Type {
			case "user":
				ent.User = &name
			case "client-id":
				ent.ClientID = &name
			case "ip":
				ent.IP = &name
			}
		}
		q := LiveQuota{Entity: ent, Values: map[string]float64{}}
		for _, v := range e.Values {
			q.Values[v.Key] = v.Value
		}
		quotas[ent.String()] = q
	}
	return quotas, nil
}

// observeUsers reads every user's SCRAM credentials (never the secrets).
func observeUsers(ctx context.Context, b Backends, live *Live, _ bool) error {
	users, err := readUsers(ctx, b.Kafka)
	if err != nil {
		return err
	}
	live.Users = users
	return nil
}

// readUsers reads every user's SCRAM credentials from r (a client, or one
// broker), by user.
func readUsers(ctx context.Context, r kmsg.Requestor) (map[string][]ScramCredential, error) {
	req := kmsg.NewPtrDescribeUserSCRAMCredentialsRequest() // no users: all of them
	resp, err := req.RequestWith(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("describe SCRAM users: %w", err)
	}
	if err := kafkaErr(resp.ErrorCode, resp.ErrorMessage); err != nil {
		return nil, fmt.Errorf("describe SCRAM users: %w", err)
	}
	users := map[string][]ScramCredential{}
	for _, u := range resp.Results {
		if err := kafkaErr(u.ErrorCode, u.ErrorMessage); err != nil {
			if errors.Is(err, kerr.ResourceNotFound) {
				continue
			}
			return nil, fmt.Errorf("describe SCRAM user %q: %w", u.User, err)
		}
		for _, c := range u.CredentialInfos {
			users[u.User] = append(users[u.User], ScramCredential{
				Mechanism:  scramMechanismName(c.Mechanism),
				Iterations: c.Iterations,
			})
		}
	}
	return users, nil
}

func scramMechanismName(m int8) string {
	switch m {
	case 1:
		return "SCRAM-SHA-256"
	case 2:
		return "SCRAM-SHA-512"
	}
	return fmt.Sprintf("SCRAM-UNKNOWN-%d", m)
}
