package access

import "slices"

// Side says where an ACL is: in the repo, in the cluster, or both.
type Side string

// The sides.
const (
	InRepo    Side = "repo"
	InCluster Side = "cluster"
	InBoth    Side = "both"
)

// Disagreement is an ACL that matters for a decision and is in only one of
// the repo and the cluster.
type Disagreement struct {
	ACL
	Only Side // InRepo or InCluster
}

// Comparison is a request answered from the repo's ACLs and from the
// cluster's.
type Comparison struct {
	Repo, Cluster Decision
	// Disagreements are the ACLs that apply to the request (for any host)
	// in one and not the other, sorted.
	Disagreements []Disagreement
}

// Differ reports whether the repo and the cluster answer differently.
func (c Comparison) Differ() bool { return c.Repo.Allowed != c.Cluster.Allowed }

// Compare answers req from the repo's ACLs and from the cluster's.
func Compare(repo, cluster []ACL, req Request, opts Options) Comparison {
	c := Comparison{Repo: Evaluate(repo, req, opts), Cluster: Evaluate(cluster, req, opts)}
	relevant := func(d Decision) []ACL {
		var out []ACL
		for _, m := range d.Matches {
			out = append(out, m.ACL)
		}
		for _, h := range d.Hosts {
			for _, m := range h.Matches {
				out = append(out, m.ACL)
			}
		}
		return out
	}
	has := func(acls []ACL, a ACL) bool {
		return slices.ContainsFunc(acls, func(b ACL) bool { return b.Entry == a.Entry })
	}
	for _, a := range relevant(c.Repo) {
		if !has(cluster, a) {
			c.Disagreements = append(c.Disagreements, Disagreement{ACL: a, Only: InRepo})
		}
	}
	for _, a := range relevant(c.Cluster) {
		if !has(repo, a) {
			c.Disagreements = append(c.Disagreements, Disagreement{ACL: a, Only: InCluster})
		}
	}
	slices.SortFunc(c.Disagreements, func(a, b Disagreement) int { return compareEntries(a.Entry, b.Entry) })
	c.Disagreements = slices.CompactFunc(c.Disagreements, func(a, b Disagreement) bool { return a.Entry == b.Entry })
	return c
}

// Merge returns d, a decision from the cluster's ACLs, with the sources of
// the repo's ACLs added to the matches the repo also declares.
func Merge(d Decision, repo []ACL) Decision {
	for i, m := range d.Matches {
		if j := slices.IndexFunc(repo, func(a ACL) bool { return a.Entry == m.Entry }); j >= 0 && len(m.Sources) == 0 {
			d.Matches[i].Sources = repo[j].Sources
		}
	}
	return d
}
