// Package benchrepo writes the repos kgitops' benchmarks load and plan: many
// topics with overrides, ACL documents of many rules, quotas and SCRAM
// users, as YAML files in a folder, with the users' passwords in a secrets
// folder. It only writes files; it neither reads them back nor touches a
// cluster.
package benchrepo

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// Sizes says how many of each kind a repo holds.
type Sizes struct {
	Topics       int // each with two overrides, 1 partition, replication factor 1
	ACLDocs      int // ACL documents, one principal each
	RulesPerDoc  int // rules per ACL document, two operations each
	Quotas       int // user quotas
	Users        int // SCRAM-SHA-512 users, passwords from files
	TopicsByFile int // topics per file; 0 means 100
}

// Scale is the repo of issue 14's Scale section: 10,000 topics, 20,000 ACLs
// (500 documents of 20 rules of two operations), 500 quotas, 200 users.
var Scale = Sizes{Topics: 10000, ACLDocs: 500, RulesPerDoc: 20, Quotas: 500, Users: 200}

// ACLs is the number of ACL bindings the repo's ACL documents make.
func (s Sizes) ACLs() int { return s.ACLDocs * s.RulesPerDoc * 2 }

// Repo is a written repo.
type Repo struct {
	Dir        string   // the manifests, for --dir
	SecretsDir string   // the users' password files, for --secrets-dir
	Topics     []string // the topics' names, in order
}

// TopicName is the name of topic i of a repo with prefix.
func TopicName(prefix string, i int) string { return fmt.Sprintf("%s-%05d", prefix, i) }

// Write writes a repo of sizes under root (root/repo and root/secrets).
// Every name starts with prefix, so that repos written for one cluster
// do not collide.
func Write(root, prefix string, s Sizes) (Repo, error) {
	r := Repo{Dir: filepath.Join(root, "repo"), SecretsDir: filepath.Join(root, "secrets")}
	for _, d := range []string{r.Dir + "/topics", r.Dir + "/acls", r.SecretsDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return r, err
		}
	}
	per := s.TopicsByFile
	if per <= 0 {
		per = 100
	}
	var b bytes.Buffer
	for i := range s.Topics {
		name := TopicName(prefix, i)
		r.Topics = append(r.Topics, name)
		fmt.Fprintf(&b, "---\napiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: {name: %s}\nspec:\n  partitions: 1\n  replicationFactor: 1\n  configs:\n    retention.ms: %d\n    cleanup.policy: delete\n",
			name, 86400000+i)
		if (i+1)%per == 0 || i == s.Topics-1 {
			if err := write(filepath.Join(r.Dir, "topics", fmt.Sprintf("topics-%04d.yaml", i/per)), &b); err != nil {
				return r, err
			}
		}
	}
	resources := []struct{ typ, ops string }{
		{"topic", "[read, describe]"},
		{"group", "[read, describe]"},
		{"topic", "[write, describeConfigs]"},
		{"transactionalId", "[write, describe]"},
	}
	for d := range s.ACLDocs {
		fmt.Fprintf(&b, "apiVersion: kgitops.io/v1alpha1\nkind: ACL\nmetadata: {name: %s-app-%04d}\nspec:\n  principal: User:%s-app-%04d\n  rules:\n", prefix, d, prefix, d)
		for k := range s.RulesPerDoc {
			res := resources[k%len(resources)]
			pattern := "literal"
			if k%5 == 4 {
				pattern = "prefixed"
			}
			fmt.Fprintf(&b, "    - resource: {type: %s, name: %s-%04d-%02d, patternType: %s}\n      operations: %s\n", res.typ, prefix, d, k, pattern, res.ops)
			if k%7 == 6 {
				fmt.Fprintf(&b, "      host: 10.0.%d.%d\n", d%256, k)
			}
		}
		if err := write(filepath.Join(r.Dir, "acls", fmt.Sprintf("app-%04d.yaml", d)), &b); err != nil {
			return r, err
		}
	}
	for q := range s.Quotas {
		fmt.Fprintf(&b, "---\napiVersion: kgitops.io/v1alpha1\nkind: Quota\nmetadata: {name: %s-q-%04d}\nspec:\n  user: %s-q-%04d\n  values: {producer_byte_rate: %d, consumer_byte_rate: %d}\n",
			prefix, q, prefix, q, 1048576+q, 2097152+q)
	}
	if err := write(filepath.Join(r.Dir, "quotas.yaml"), &b); err != nil {
		return r, err
	}
	for u := range s.Users {
		name := fmt.Sprintf("%s-user-%04d", prefix, u)
		fmt.Fprintf(&b, "---\napiVersion: kgitops.io/v1alpha1\nkind: User\nmetadata: {name: %s}\nspec:\n  scram:\n    mechanism: SCRAM-SHA-512\n    iterations: 4096\n    passwordFrom: {file: %s}\n",
			name, name)
		if err := os.WriteFile(filepath.Join(r.SecretsDir, name), []byte("pw-"+name+"\n"), 0o600); err != nil {
			return r, err
		}
	}
	if err := write(filepath.Join(r.Dir, "users.yaml"), &b); err != nil {
		return r, err
	}
	return r, nil
}

// write writes b to path and empties b.
func write(path string, b *bytes.Buffer) error {
	defer b.Reset()
	return os.WriteFile(path, b.Bytes(), 0o644)
}
