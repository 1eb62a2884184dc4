// Package spec defines kgitops' desired state: the document kinds a repo
// holds, how they are loaded from YAML, and how they are validated.
//
// Loading is pure: it reads files from an fs.FS and never talks to Kafka.
// It reads only regular files inside that fs.FS, never through a link that
// leads out of it, and within the limits of LoadOptions, so that no file in
// a repo can make it print another file, hang, or read without bound
// (read.go).
// Every problem found is reported at once, each with the file and line it
// comes from and, where possible, what to write instead. Checks that need the
// live cluster (name collisions with existing topics, shrinking partitions)
// belong to package reconcile.
//
// Each document kind is decoded by one function registered in the kinds
// table (kinds.go); Kafka's topic config keys live in one table
// (topicconfigs.go), and ConfigEqual is the one place config values are
// compared. Access control has the same shape: Kafka's ACL operations per
// resource type live in operations.go, the built-in roles in
// builtinroles.go, and State.DesiredACLs (expand.go) is the one place
// ACL, Role and RoleBinding documents become Kafka ACLs.
//
// The loader never reads a password: a User names where its password is
// (an environment variable or a file) and User.ReadPassword, called by
// whoever applies it, reads it.
package spec

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// APIVersion is the only apiVersion this version of kgitops reads.
const APIVersion = "kgitops.io/v1alpha1"

// Kinds understood by the loader.
const (
	KindTopic       = "Topic"
	KindSettings    = "Settings"
	KindACL         = "ACL"
	KindRole        = "Role"
	KindRoleBinding = "RoleBinding"
	KindQuota       = "Quota"
	KindUser        = "User"
)

// Pos is where a value was declared.
type Pos struct {
	File string // path relative to the loaded directory, slash-separated
	Line int
}

// Under returns p with its file named under root (a folder or a path
// inside a repo), as a user would open it; "" and "." leave it as it is.
func (p Pos) Under(root string) Pos {
	if root != "" && root != "." && p.File != "" {
		p.File = path.Join(filepath.ToSlash(root), p.File)
	}
	return p
}

func (p Pos) String() string {
	if p.File == "" {
		return "<unknown>"
	}
	if p.Line <= 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Topic is one declared Kafka topic.
type Topic struct {
	Name              string
	Labels            map[string]string
	Annotations       map[string]string // see AnnotationPreventDestroy and AnnotationDelete
	Partitions        int32
	ReplicationFactor int16
	// Configs holds topic-level overrides as Kafka's own strings: YAML
	// numbers and booleans are turned into the text Kafka would return.
	Configs map[string]string
	// IgnoreConfigs lists config keys (a trailing '*' matches a prefix)
	// that kgitops neither sets nor removes on this topic.
	IgnoreConfigs []string

	// Profile is the TopicProfile the topic uses (spec.profile), "" for
	// none. Partitions, ReplicationFactor and Configs hold the effective
	// values: the topic's own, and the profile's where the topic sets
	// none. FromProfile holds the paths ("partitions", "configs.KEY")
	// the profile set, and ProfileOrigin names the profile (see SetBy).
	Profile       string
	ProfileOrigin string
	FromProfile   map[string]bool

	// At holds where values were written, by path: "name", "profile",
	// "partitions", "replicationFactor", "configs", "placement" and
	// "configs.KEY" (a profile's value: the profile). See PosOf.
	At map[string]Pos
	// Schemas names the Schema documents of the topic's keys and values.
	Schemas TopicSchemas
	// Placement says where the topic's replicas go when kgitops
	// reassigns them (placement.go); nil when the topic declares none,
	// which reassigns as PlacementRackAware does.
	Placement *Placement

	Pos Pos // the document's "kind:" line
}

// Settings holds repo-wide options. A repo has at most one Settings document.
type Settings struct {
	// IgnoreConfigs lists topic config keys (a trailing '*' matches a
	// prefix) that kgitops neither sets nor removes on any topic.
	IgnoreConfigs []string
	// ExtraConfigKeys lists topic config keys that the cluster knows but
	// kgitops' table of Kafka 4.1 keys does not (a newer Kafka, a vendor
	// extension). Their values are passed through unchecked.
	ExtraConfigKeys []string
	// ExtraBrokerConfigKeys lists dynamic broker config keys that the
	// cluster knows but kgitops' table does not, for BrokerConfig
	// documents. Their values are passed through unchecked.
	ExtraBrokerConfigKeys []string
	// Reassignment bounds the partition reassignments kgitops makes
	// (reassignment.go). Its Throttle is -1 when the repo sets none, also
	// when the repo has no Settings document.
	Reassignment ReassignmentSettings

	Pos Pos // the document's "kind:" line; zero when the repo has none
}

// State is everything declared in a repo. Topics, ACLs, Roles,
// RoleBindings, Quotas and Users are each sorted by name.
type State struct {
	Topics   []Topic
	Settings Settings
	// Profiles are the repo's TopicProfiles, by name; the built-in ones
	// are BuiltinProfiles.
	Profiles []TopicProfile
	// Policies are the repo's rules for topics (see Findings).
	Policies []Policy

	ACLs         []ACL
	Roles        []Role
	RoleBindings []RoleBinding
	Quotas       []Quota
	Users        []User

	// BrokerConfigs are the dynamic broker configs, the cluster-wide
	// defaults first, then by broker id (brokerconfig.go).
	BrokerConfigs []BrokerConfig

	// Schemas are the registry subjects the repo declares, by name
	// (subject.go).
	Schemas []Schema

	// Objects holds the documents of kinds added with Register, by kind.
	Objects map[string][]Object

	// Skipped lists the files of the loaded folder that were not read, in
	// path order: hidden files, files of other extensions, backups and
	// links not followed. Files in hidden directories (.git) are left out.
	Skipped []SkippedFile
}

// Topic returns the declared topic with the given name.
func (s *State) Topic(name string) (Topic, bool) {
	for _, t := range s.Topics {
		if t.Name == name {
			return t, true
		}
	}
	return Topic{}, false
}

// sortByName sorts each kind of document by name. The sort is stable, so
// that a name declared twice (an error) keeps its declaration order.
func (s *State) sortByName() {
	slices.SortStableFunc(s.Topics, func(a, b Topic) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(s.ACLs, func(a, b ACL) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(s.Roles, func(a, b Role) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(s.RoleBindings, func(a, b RoleBinding) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(s.Quotas, func(a, b Quota) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(s.Users, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	s.sortProfiles()
	slices.SortStableFunc(s.Policies, func(a, b Policy) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(s.Schemas, func(a, b Schema) int { return strings.Compare(a.Name, b.Name) })
}

// TopicSchemas is a Topic's spec.schemas: the Schema documents, by
// metadata.name, of its keys and values, and the subject naming strategy
// ("topic", the default, "record" or "topic-record").
type TopicSchemas struct {
	Key, Value string
	Strategy   string
	At         map[string]Pos // where key and value were written
}
