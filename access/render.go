package access

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// verdict writes allowed or denied.
func verdict(allowed bool) string {
	if allowed {
		return "allowed"
	}
	return "denied"
}

func hostText(h string) string {
	if h == spec.Wildcard {
		return "any host"
	}
	return h
}

func sideText(s Side) string {
	switch s {
	case InRepo:
		return "the repo's ACLs"
	case InCluster:
		return "the cluster's ACLs"
	}
	return "the repo and the cluster"
}

// RenderCheckText writes c for people.
func RenderCheckText(w io.Writer, c Check) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s on %s from %s (answered from %s)\n",
		verdict(c.Allowed), c.Principal, c.Operation, c.Resource, hostText(c.Host), sideText(c.From))
	fmt.Fprintf(&b, "reason: %s\n", c.Decision.Reason())
	if c.Repo != nil && c.Repo.Allowed != c.Allowed {
		fmt.Fprintf(&b, "the repo disagrees: %s (%s); apply would change the answer\n", verdict(c.Repo.Allowed), c.Repo.Reason())
	}
	if !c.Allowed && c.Decision.Rule != RuleDeny && (c.Repo == nil || !c.Repo.Allowed) {
		fmt.Fprintf(&b, "to allow it: %s\n", whatGrants(c.Operation, c.Resource, nil))
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if len(c.Matches) > 0 {
		b.WriteString("\nmatching ACLs:\n")
		for _, m := range c.Matches {
			writeMatch(&b, m.Match, m.In, c.Operation, c.Dir, c.Repo != nil)
		}
	}
	if len(c.Decision.Hosts) > 0 {
		b.WriteString("\nfrom particular hosts the answer differs:\n")
		for _, h := range c.Decision.Hosts {
			fmt.Fprintf(&b, "  %s: %s by %s\n", h.Host, verdict(h.Allowed), h.Matches[0].Entry)
		}
	}
	if len(c.Disagreements) > 0 {
		b.WriteString("\nthe repo and the cluster disagree on these ACLs:\n")
		for _, d := range c.Disagreements {
			fmt.Fprintf(&b, "  only in the %s: %s\n", d.Only, d.Entry)
			for _, s := range d.Sources {
				fmt.Fprintf(&b, "      from %s at %s\n", SourceName(s), s.Pos.Under(c.Dir))
			}
		}
	}
	if c.Decision.Rule != RuleSuperUser {
		b.WriteString("\nnote: the brokers' super.users bypass ACLs; kgitops knows only those given with --super-user\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMatch(b *strings.Builder, m Match, in Side, op, dir string, both bool) {
	fmt.Fprintf(b, "  %s", m.Entry)
	if m.Implied {
		fmt.Fprintf(b, "  (%s implies %s)", m.Entry.Operation, op)
	}
	if both {
		fmt.Fprintf(b, "  [%s]", inText(in))
	}
	b.WriteString("\n")
	for _, s := range m.Sources {
		fmt.Fprintf(b, "      from %s at %s\n", SourceName(s), s.Pos.Under(dir))
	}
}

func inText(s Side) string {
	switch s {
	case InRepo:
		return "repo only"
	case InCluster:
		return "cluster only"
	}
	return "repo and cluster"
}

// jsonMatch is one ACL in the JSON output.
type jsonMatch struct {
	ACL     string       `json:"acl"`
	Effect  string       `json:"effect"` // allow or deny
	Implied bool         `json:"implied,omitempty"`
	In      string       `json:"in"`               // repo, cluster or both
	Source  string       `json:"source,omitempty"` // the first source, such as "RoleBinding reads (role consumer)"
	File    string       `json:"file,omitempty"`
	Line    int          `json:"line,omitempty"`
	Sources []jsonSource `json:"sources,omitempty"`
}

type jsonSource struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Role string `json:"role,omitempty"`
	File string `json:"file"`
	Line int    `json:"line"`
}

func newJSONMatch(a ACL, in Side, implied bool, dir string) jsonMatch {
	j := jsonMatch{ACL: a.Entry.String(), Effect: strings.ToLower(a.Entry.Permission), Implied: implied, In: string(in)}
	for i, s := range a.Sources {
		p := s.Pos.Under(dir)
		if i == 0 {
			j.Source, j.File, j.Line = SourceName(s), p.File, p.Line
		}
		j.Sources = append(j.Sources, jsonSource{Kind: s.Kind, Name: s.Name, Role: s.Role, File: p.File, Line: p.Line})
	}
	return j
}

type jsonDecision struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

type jsonHost struct {
	Host    string `json:"host"`
	Allowed bool   `json:"allowed"`
	ACL     string `json:"acl"`
}

// RenderCheckJSON writes c as {allowed, principal, operation, resource,
// host, reason, from, matches, hosts, repo, disagreements}.
func RenderCheckJSON(w io.Writer, c Check) error {
	out := struct {
		Allowed       bool          `json:"allowed"`
		Principal     string        `json:"principal"`
		Operation     string        `json:"operation"`
		Resource      string        `json:"resource"`
		Host          string        `json:"host"`
		Reason        string        `json:"reason"`
		Rule          Rule          `json:"rule"`
		From          Side          `json:"from"`
		Matches       []jsonMatch   `json:"matches"`
		Hosts         []jsonHost    `json:"hosts,omitempty"`
		Repo          *jsonDecision `json:"repo,omitempty"`
		Disagreements []jsonMatch   `json:"disagreements"`
		Notes         []string      `json:"notes,omitempty"`
	}{
		Allowed: c.Allowed, Principal: c.Principal, Operation: c.Operation, Resource: c.Resource.String(),
		Host: c.Host, Reason: c.Decision.Reason(), Rule: c.Decision.Rule, From: c.From,
		Matches: []jsonMatch{}, Disagreements: []jsonMatch{}, Notes: c.Notes,
	}
	for _, m := range c.Matches {
		out.Matches = append(out.Matches, newJSONMatch(m.ACL, m.In, m.Implied, c.Dir))
	}
	for _, h := range c.Decision.Hosts {
		out.Hosts = append(out.Hosts, jsonHost{Host: h.Host, Allowed: h.Allowed, ACL: h.Matches[0].Entry.String()})
	}
	if c.Repo != nil {
		out.Repo = &jsonDecision{Allowed: c.Repo.Allowed, Reason: c.Repo.Reason()}
	}
	for _, d := range c.Disagreements {
		out.Disagreements = append(out.Disagreements, newJSONMatch(d.ACL, d.Only, false, c.Dir))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WhoCanReport is the answer to `kgitops access who-can`: from the repo,
// the cluster, or both.
type WhoCanReport struct {
	Repo, Cluster *WhoCanResult // nil when not read
	Dir           string
}

// RenderWhoCanText writes r for people.
func RenderWhoCanText(w io.Writer, r WhoCanReport) error {
	var b strings.Builder
	for _, side := range []struct {
		name string
		res  *WhoCanResult
	}{{"the cluster's ACLs", r.Cluster}, {"the repo's ACLs", r.Repo}} {
		res := side.res
		if res == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "who can %s %s from %s, by %s:\n", res.Operation, res.Resource, hostText(res.Host), side.name)
		if res.Everyone {
			b.WriteString("  every principal: no ACL names the resource, and allow.everyone.if.no.acl.found is true (--allow-if-no-acl)\n")
		}
		if len(res.Grantees) == 0 && !res.Everyone {
			b.WriteString("  nobody but the brokers' super.users\n")
		}
		for _, g := range res.Grantees {
			who := g.Principal
			if who == WildcardPrincipal {
				who += " (every user not denied below)"
			}
			fmt.Fprintf(&b, "  %s: %s\n", who, g.Decision.Reason())
			if g.Decision.Rule == RuleAllow {
				for _, s := range g.Decision.Matches[0].Sources {
					fmt.Fprintf(&b, "      from %s at %s\n", SourceName(s), s.Pos.Under(r.Dir))
				}
			}
		}
		for _, d := range res.Denied {
			fmt.Fprintf(&b, "  not %s: %s\n", d.Principal, d.Reason())
		}
	}
	if r.Repo != nil && r.Cluster != nil {
		only := func(a, b *WhoCanResult) []string {
			var out []string
			for _, g := range a.Grantees {
				if !hasGrantee(b, g.Principal) {
					out = append(out, g.Principal)
				}
			}
			return out
		}
		if o := only(r.Cluster, r.Repo); len(o) > 0 {
			fmt.Fprintf(&b, "\nonly the cluster allows: %s\n", strings.Join(o, ", "))
		}
		if o := only(r.Repo, r.Cluster); len(o) > 0 {
			fmt.Fprintf(&b, "\nonly the repo allows (apply would grant): %s\n", strings.Join(o, ", "))
		}
	}
	b.WriteString("\nnote: the brokers' super.users can too; kgitops knows only those given with --super-user\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func hasGrantee(r *WhoCanResult, p string) bool {
	for _, g := range r.Grantees {
		if g.Principal == p {
			return true
		}
	}
	return false
}

type jsonGrantee struct {
	Principal string     `json:"principal"`
	Reason    string     `json:"reason"`
	Rule      Rule       `json:"rule"`
	Grant     *jsonMatch `json:"acl,omitempty"`
}

type jsonWhoCan struct {
	Grantees []jsonGrantee `json:"principals"`
	Denied   []jsonGrantee `json:"denied"`
	Everyone bool          `json:"everyone,omitempty"`
}

// RenderWhoCanJSON writes r as {operation, resource, host, repo: {principals,
// denied, everyone}, cluster: {...}}.
func RenderWhoCanJSON(w io.Writer, r WhoCanReport) error {
	conv := func(res *WhoCanResult, in Side) *jsonWhoCan {
		if res == nil {
			return nil
		}
		j := &jsonWhoCan{Grantees: []jsonGrantee{}, Denied: []jsonGrantee{}, Everyone: res.Everyone}
		for _, g := range res.Grantees {
			jg := jsonGrantee{Principal: g.Principal, Reason: g.Decision.Reason(), Rule: g.Decision.Rule}
			if g.Decision.Rule == RuleAllow {
				m := newJSONMatch(g.Decision.Matches[0].ACL, in, g.Decision.Matches[0].Implied, r.Dir)
				jg.Grant = &m
			}
			j.Grantees = append(j.Grantees, jg)
		}
		for _, d := range res.Denied {
			m := newJSONMatch(d.Matches[0].ACL, in, false, r.Dir)
			j.Denied = append(j.Denied, jsonGrantee{Principal: d.Principal, Reason: d.Reason(), Rule: d.Rule, Grant: &m})
		}
		return j
	}
	first := r.Cluster
	if first == nil {
		first = r.Repo
	}
	out := struct {
		Operation string      `json:"operation"`
		Resource  string      `json:"resource"`
		Host      string      `json:"host"`
		Repo      *jsonWhoCan `json:"repo,omitempty"`
		Cluster   *jsonWhoCan `json:"cluster,omitempty"`
	}{first.Operation, first.Resource.String(), first.Host, conv(r.Repo, InRepo), conv(r.Cluster, InCluster)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
