package spec

import (
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultEntity is how YAML names the default entity of a quota: the one
// that applies to every user (or client id, or IP) without its own quota.
const DefaultEntity = "<default>"

// QuotaEntity is what a client quota applies to: a user, a client id, both,
// or an IP address alone. A nil field is not part of the entity; a pointer
// to "" is the default entity, written "<default>".
type QuotaEntity struct {
	User, ClientID, IP *string
}

// String writes the entity as Kafka's tools do, such as "user=billing",
// "user=billing,client-id=<default>" or "ip=10.0.0.1". It is the entity's
// key in plans and in the inventory, so two entities never write the same:
// a name that holds ',', '=', '"' or '\', that is not printable, that
// starts or ends with a space, or that is "<default>" itself is quoted as
// Go quotes strings: user="CN=bob,O=corp". Ordinary names are left bare.
func (e QuotaEntity) String() string {
	var parts []string
	for _, p := range []struct {
		key string
		v   *string
	}{{"user", e.User}, {"client-id", e.ClientID}, {"ip", e.IP}} {
		if p.v != nil {
			parts = append(parts, p.key+"="+entityText(*p.v))
		}
	}
	return strings.Join(parts, ",")
}

// entityText writes one entity name for String: "" is the default entity.
func entityText(name string) string {
	switch {
	case name == "":
		return DefaultEntity
	case name == DefaultEntity, strings.ContainsAny(name, `,="\`), strings.TrimSpace(name) != name:
		return strconv.Quote(name)
	}
	for _, r := range name {
		if !strconv.IsPrint(r) {
			return strconv.Quote(name)
		}
	}
	return name
}

// Quota is a client quota on one entity.
type Quota struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string // kgitops.io/delete removes the entity's quotas
	Entity      QuotaEntity
	// Values holds the quota keys set, such as producer_byte_rate. Each is
	// more than 0; those of integer keys are whole numbers.
	Values map[string]float64

	Pos Pos // the document's "kind:" line
}

// quotaKey is what Kafka accepts for one client quota key
// (QuotaConfig.java of Apache Kafka 4.1).
type quotaKey struct {
	typ configType // typeInt, typeLong or typeDouble
	ip  bool       // for ip entities only; the others are for user and client-id
}

var quotaKeys = map[string]quotaKey{
	"producer_byte_rate":       {typ: typeLong},
	"consumer_byte_rate":       {typ: typeLong},
	"request_percentage":       {typ: typeDouble},
	"controller_mutation_rate": {typ: typeDouble},
	"connection_creation_rate": {typ: typeInt, ip: true},
}

// decodeQuota reads a Quota document.
func decodeQuota(d *decoder, doc document, st *State) {
	q := Quota{Name: doc.Name, Labels: doc.Labels, Annotations: doc.Annotations, Pos: doc.Pos}
	if doc.Spec == nil {
		d.errorf(doc.SpecAt, "add spec: {user: ..., values: {...}}", "spec is missing")
		return
	}
	fs, ok := d.fields(doc.Spec, "spec", "user", "clientId", "ip", "values")
	if !ok {
		return
	}
	named := false
	for _, e := range []struct {
		name string
		into **string
	}{{"user", &q.Entity.User}, {"clientId", &q.Entity.ClientID}, {"ip", &q.Entity.IP}} {
		if f, ok := fs[e.name]; ok {
			named = true
			*e.into = d.entityName(f)
		}
	}
	ipQuota := false
	if f, ok := fs["ip"]; ok {
		ipQuota = true
		if _, u := fs["user"]; u {
			d.errorf(f.Key, "write a separate Quota for the ip", "ip cannot be combined with user or clientId")
		} else if _, c := fs["clientId"]; c {
			d.errorf(f.Key, "write a separate Quota for the ip", "ip cannot be combined with user or clientId")
		}
	}
	if !named {
		d.errorf(doc.SpecAt, `add user: NAME and/or clientId: NAME, or ip: ADDRESS ("<default>" for the default)`, "the quota names no entity")
	}
	if f, ok := fs["values"]; !ok {
		d.errorf(doc.SpecAt, "add values: {producer_byte_rate: ...} under spec", "values is missing")
	} else {
		q.Values = d.quotaValues(f, ipQuota)
	}
	if doc.Name != "" {
		st.Quotas = append(st.Quotas, q)
	}
}

// entityName reads the name of a quota entity: "<default>" is "".
func (d *decoder) entityName(f field) *string {
	s, ok := d.text(f, `a name, or "<default>"`)
	if !ok {
		return nil
	}
	switch {
	case s == DefaultEntity:
		s = ""
	case s == "":
		d.errorf(f.Value, fmt.Sprintf("write %s: %q for the default %s", f.Name, DefaultEntity, f.Name), "%s is empty", f.Name)
		return nil
	case f.Name == "ip":
		if a, err := netip.ParseAddr(s); err != nil || a.Zone() != "" {
			d.errorf(f.Value, fmt.Sprintf("write an address such as 10.0.0.1, or %q", DefaultEntity), "ip %q is not an IP address", s)
			return nil
		}
	}
	return &s
}

// quotaValues reads a quota's values; ipQuota says which keys apply.
func (d *decoder) quotaValues(f field, ipQuota bool) map[string]float64 {
	if isNull(f.Value) || f.Value.Kind == yaml.MappingNode && len(f.Value.Content) == 0 {
		d.errorf(f.Value, "set at least one key, or remove the document", "values is empty")
		return nil
	}
	ps, ok := d.pairs(f.Value, "values")
	if !ok {
		return nil
	}
	known := slices.Sorted(maps.Keys(quotaKeys))
	out := map[string]float64{}
	for _, p := range ps {
		k, ok := quotaKeys[p.Name]
		switch {
		case !ok:
			hint := "known keys: " + strings.Join(known, ", ")
			if c, ok := closest(p.Name, known); ok {
				hint = "did you mean " + c + "? " + hint
			}
			d.errorf(p.Key, hint, "unknown quota key %q", p.Name)
			continue
		case k.ip && !ipQuota:
			d.errorf(p.Key, "move it to a Quota with ip: ADDRESS alone", "%s applies to ip quotas only", p.Name)
			continue
		case !k.ip && ipQuota:
			d.errorf(p.Key, "an ip quota takes only connection_creation_rate", "%s does not apply to an ip quota", p.Name)
			continue
		}
		if v, ok := d.quotaValue(p, k); ok {
			out[p.Name] = v
		}
	}
	return out
}

// quotaValue reads the value of one quota key.
func (d *decoder) quotaValue(p field, k quotaKey) (float64, bool) {
	s, ok := d.text(p, "a number")
	if !ok {
		return 0, false
	}
	v, ok := parseDouble(s)
	if !ok {
		d.errorf(p.Value, decimalHint(p.Value), "%s must be a number, got %q", p.Name, s)
		return 0, false
	}
	if v <= 0 {
		d.errorf(p.Value, "remove the key to have no quota", "%s must be more than 0, got %s", p.Name, s)
		return 0, false
	}
	if k.typ == typeDouble {
		return v, true
	}
	if v != math.Trunc(v) {
		d.errorf(p.Value, "", "%s must be a whole number, got %s", p.Name, s)
		return 0, false
	}
	// 1<<63 is the first float64 above MaxInt64.
	if k.typ == typeInt && v > math.MaxInt32 || v >= 1<<63 {
		limit := int64(math.MaxInt64)
		if k.typ == typeInt {
			limit = math.MaxInt32
		}
		d.errorf(p.Value, "", "%s must be at most %d, got %s", p.Name, limit, s)
		return 0, false
	}
	return v, true
}

// entityKey is what makes two quota entities the same: the IP address
// compares as an address, whatever its spelling.
func entityKey(e QuotaEntity) string {
	if e.IP != nil && *e.IP != "" {
		if a, err := netip.ParseAddr(*e.IP); err == nil {
			ip := a.Unmap().String()
			e.IP = &ip
		}
	}
	return e.String()
}

// checkQuotas reports Quota names declared twice, and entities with two
// quotas.
func checkQuotas(l *loader, st *State) {
	qs := byPos(st.Quotas, func(q Quota) Pos { return q.Pos })
	checkNames(l, "Quota", qs, func(q Quota) string { return q.Name }, func(q Quota) Pos { return q.Pos })
	first := map[string]Quota{}
	for _, q := range qs {
		if q.Entity == (QuotaEntity{}) {
			continue
		}
		key := entityKey(q.Entity)
		if f, ok := first[key]; ok {
			l.add(Error{
				Pos:  q.Pos,
				Msg:  fmt.Sprintf("%s has a quota already: Quota %q at %s", q.Entity, f.Name, f.Pos),
				Hint: "merge their values into one Quota",
			})
			continue
		}
		first[key] = q
	}
}
