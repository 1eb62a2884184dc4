package access

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// ErrNoAuthorizer says the cluster has no authorizer: it enforces no ACLs.
var ErrNoAuthorizer = reconcile.ErrNoAuthorizer

// Observe reads every ACL of the cluster with one DescribeACLs request,
// which needs DESCRIBE on the cluster, in the order Evaluate reports them.
func Observe(ctx context.Context, cl *kgo.Client) ([]ACL, error) {
	acls, err := reconcile.ReadACLs(ctx, cl)
	if err != nil {
		return nil, err
	}
	out := make([]ACL, 0, len(acls))
	for _, e := range slices.SortedFunc(maps.Keys(acls), func(a, b spec.ACLEntry) int { return strings.Compare(a.String(), b.String()) }) {
		out = append(out, ACL{Entry: e})
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
