package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"reflect"
	"sort"
	"strings"
)

// Fingerprint hashes the live state of the resources p changes, as
// "sha256:HEX": FingerprintResources, sorted and hashed together. It is
// deterministic, and it changes when any of those resources changes in the
// cluster or in the inventory, but not when a resource the plan leaves
// alone does. A saved plan keeps it, so that applying the plan later can
// refuse when what it would change is not as it was when it was made.
func Fingerprint(live *Live, p *Plan) string {
	res := FingerprintResources(live, p)
	h := sha256.New()
	for _, k := range sortedKeys(res) {
		fmt.Fprintf(h, "%s\x00%s\n", k, res[k])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// FingerprintResources is, for each resource p changes (deletions
// pending --allow-delete or held do not count), a hash of its live state,
// keyed "Kind/name", where the name is the one its inventory entry has
// (an ACL change's principal). What enters the hash is what Diff compares
// and more, never a secret:
//
//   - a topic: whether it exists, its id, partitions, replication factor,
//     internal flag and every override it has, ignored ones included;
//   - the ACLs of a principal: all of its live ACL entries;
//   - a quota entity: its live values;
//   - a user: its SCRAM mechanisms and iteration counts;
//   - any other kind: the entry its live state (Live.Parts) has for the
//     resource's name, or the whole of it;
//   - and for every resource, its inventory entry (the password and value
//     hashes enter only through this hash, never as they are) and the other inventory
//     that holds it, if any.
func FingerprintResources(live *Live, p *Plan) map[string]string {
	out := map[string]string{}
	for _, c := range p.Changes {
		if c.Pending {
			continue
		}
		owner := c.Name
		if k := kindOf(c.Kind); k != nil && k.owner != nil {
			owner = k.owner(c)
		}
		key := c.Kind + "/" + owner
		if _, done := out[key]; done {
			continue
		}
		h := sha256.New()
		liveFields(h, live, c.Kind, owner)
		rk := ResourceKey{Kind: c.Kind, Name: owner}
		e, recorded := live.Inventory.Entries[rk]
		fmt.Fprintf(h, "inventory\x00%v\x00%s\x00%s\x00%v\x00%v\x00%v\x00%v\x00%v\x00",
			recorded, e.Revision, e.TopicID, e.External, e.Pending, e.Claim, e.PreventDestroy, e.CreatedAt.UnixNano())
		h.Write([]byte(e.PasswordHash))
		if e.ValueHashes != "" {
			h.Write([]byte("\x00" + e.ValueHashes))
		}
		fmt.Fprintf(h, "\x00other\x00%s\n", live.Inventory.Others[rk])
		out[key] = "sha256:" + hex.EncodeToString(h.Sum(nil))
	}
	return out
}

// liveFields writes to h the live state of one resource of kind.
func liveFields(h hash.Hash, live *Live, kind, name string) {
	switch kind {
	case KindTopic:
		t, ok := live.Topics[name]
		fmt.Fprintf(h, "topic\x00%v\x00%s\x00%d\x00%d\x00%v\n", ok, t.ID, t.Partitions, t.ReplicationFactor, t.Internal)
		for _, k := range sortedKeys(t.Configs) {
			fmt.Fprintf(h, "%q=%q\n", k, t.Configs[k])
		}
	case KindACL:
		fmt.Fprintf(h, "acls\x00%v\n", live.ACLs != nil)
		var entries []string
		for e, ok := range live.ACLs {
			if ok && e.Principal == name {
				entries = append(entries, fmt.Sprintf("%q", []string{e.Permission, e.Principal, e.Operation, e.ResourceType, e.ResourceName, e.PatternType, e.Host}))
			}
		}
		sort.Strings(entries)
		h.Write([]byte(strings.Join(entries, "\n")))
	case KindQuota:
		q, ok := live.Quotas[name]
		fmt.Fprintf(h, "quota\x00%v\x00%v\n", live.Quotas != nil, ok)
		for _, k := range sortedKeys(q.Values) {
			fmt.Fprintf(h, "%q=%v\n", k, q.Values[k])
		}
	case KindUser:
		creds, ok := live.Users[name]
		fmt.Fprintf(h, "user\x00%v\x00%v\n", live.Users != nil, ok)
		var lines []string
		for _, c := range creds {
			lines = append(lines, fmt.Sprintf("%s:%d", c.Mechanism, c.Iterations))
		}
		sort.Strings(lines)
		h.Write([]byte(strings.Join(lines, "\n")))
	default:
		part, ok := live.Parts[kind]
		fmt.Fprintf(h, "part\x00%s\x00%v\n", kind, ok)
		v := reflect.ValueOf(part)
		if ok && v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String {
			one := v.MapIndex(reflect.ValueOf(name).Convert(v.Type().Key()))
			if !one.IsValid() {
				h.Write([]byte("absent"))
				return
			}
			part = one.Interface()
		}
		data, err := json.Marshal(part)
		if err != nil { // not JSON: its printed form, maps sorted
			data = fmt.Appendf(nil, "%#v", part)
		}
		h.Write(data)
	}
}
