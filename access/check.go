package access

import (
	"fmt"
	"slices"

	"github.com/kgitops/kgitops/spec"
)

// Check is the answer to `kgitops access check`: from the repo's ACLs, the
// cluster's, or both.
type Check struct {
	Request
	// Allowed is the answer: the cluster's when it was read, else the
	// repo's.
	Allowed bool
	// From is what Allowed was answered from: InRepo or InCluster.
	From Side
	// Decision is the decision Allowed comes from.
	Decision Decision
	// Repo is the repo's decision when the cluster's was read too.
	Repo *Decision
	// Matches are the ACLs that apply, from either side, each once, with
	// where it is: DENY ones first.
	Matches []SidedMatch
	// Disagreements are the ACLs that apply in one side only, when both
	// were read.
	Disagreements []Disagreement
	// Notes say what else decides the request Kafka serves, such as
	// CREATE on the cluster, which lets CreateTopics create any topic.
	Notes []string
	// Dir is the repo's folder, to name files under it.
	Dir string
}

// SidedMatch is a Match with where its ACL is.
type SidedMatch struct {
	Match
	In Side
}

// NewCheck answers req. repo is nil when the repo was not read, cluster
// nil when the cluster was not read (an empty, non-nil slice is a cluster
// without ACLs).
func NewCheck(repo, cluster []ACL, req Request, opts Options, dir string) Check {
	c := Check{Request: req, Dir: dir}
	if c.Host == "" {
		c.Host = "*"
	}
	switch {
	case cluster == nil:
		c.Decision, c.From = Evaluate(repo, c.Request, opts), InRepo
		c.Matches = sided(c.Decision.Matches, InRepo)
	case repo == nil:
		c.Decision, c.From = Evaluate(cluster, c.Request, opts), InCluster
		c.Matches = sided(c.Decision.Matches, InCluster)
	default:
		cmp := Compare(repo, cluster, c.Request, opts)
		c.Decision, c.From = Merge(cmp.Cluster, repo), InCluster
		r := cmp.Repo
		c.Repo = &r
		c.Disagreements = cmp.Disagreements
		c.Matches = sided(c.Decision.Matches, InCluster)
		for i, m := range c.Matches {
			if slices.ContainsFunc(r.Matches, func(n Match) bool { return n.Entry == m.Entry }) {
				c.Matches[i].In = InBoth
			}
		}
		for _, m := range r.Matches {
			if !slices.ContainsFunc(c.Matches, func(n SidedMatch) bool { return n.Entry == m.Entry }) {
				c.Matches = append(c.Matches, SidedMatch{Match: m, In: InRepo})
			}
		}
	}
	sortMatches(c.Matches)
	c.Allowed = c.Decision.Allowed
	if !c.Allowed && c.Operation == "CREATE" && c.Resource.Type == spec.ResourceTopic {
		acls := cluster
		if acls == nil {
			acls = repo
		}
		cr := c.Request
		cr.Resource = Resource{Type: spec.ResourceCluster, Name: spec.ClusterResourceName}
		if d := Evaluate(acls, cr, opts); d.Allowed {
			c.Notes = append(c.Notes, fmt.Sprintf("CreateTopics still succeeds: %s has CREATE on the cluster (%s), which lets it create any topic", c.Principal, d.Reason()))
		}
	}
	return c
}

func sided(ms []Match, in Side) []SidedMatch {
	out := make([]SidedMatch, 0, len(ms))
	for _, m := range ms {
		out = append(out, SidedMatch{Match: m, In: in})
	}
	return out
}
