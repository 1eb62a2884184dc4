package reconcile

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Inventory records are authenticated with an HMAC-SHA256 over the record's
// key and value, keyed by InventoryRef.Key and carried in the record header
// MACHeader, so that the JSON value stays as it was. When a key is given,
// a record of this inventory without a valid MAC is ignored when the
// inventory is read (an entry kgitops did not write cannot make it delete
// anything) and counted in Inventory.Unauthenticated. Records of other
// inventory names are read as before: another repo signs with its own key,
// and those records can only hold kgitops back (conflicts, adopt), never
// make it delete.
//
// A MAC does not stop someone who can write the topic from writing again a
// record kgitops itself wrote earlier; a topic's entry still names its
// topic id, and a deletion needs the live id to match.

// MACHeader is the record header that holds a record's MAC (hex).
const MACHeader = "kgitops-mac"

// macDomain separates inventory MACs from any other use of the same key.
const macDomain = "kgitops-inventory-v1"

// mac is the MAC of a record: HMAC-SHA256(key, domain, len(k), k, v).
// The length prefix keeps (k, v) pairs apart that concatenate alike.
func mac(key []byte, k, v []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(macDomain))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(k)))
	h.Write(n[:])
	h.Write(k)
	h.Write(v)
	return h.Sum(nil)
}

// sign sets rec's MAC header when ref has a key.
func (r InventoryRef) sign(rec *kgo.Record) {
	if r.Key.IsZero() {
		return
	}
	sum := hex.EncodeToString(mac([]byte(r.Key.Reveal()), rec.Key, rec.Value))
	for i, h := range rec.Headers {
		if h.Key == MACHeader {
			rec.Headers[i].Value = []byte(sum)
			return
		}
	}
	rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: MACHeader, Value: []byte(sum)})
}

// authentic says whether rec carries a valid MAC under ref's key; true
// when ref has no key.
func (r InventoryRef) authentic(rec *kgo.Record) bool {
	if r.Key.IsZero() {
		return true
	}
	want := mac([]byte(r.Key.Reveal()), rec.Key, rec.Value)
	for _, h := range rec.Headers {
		if h.Key != MACHeader {
			continue
		}
		got, err := hex.DecodeString(string(h.Value))
		if err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// ownRecord says whether key is a record of ref's inventory: an entry,
// its source or its accepted revision.
func (r InventoryRef) ownRecord(key string) bool {
	return strings.HasPrefix(key, r.Name+"/")
}

// unauthenticated tracks, per record key of this inventory, whether its
// newest record lacked a valid MAC: an old unsigned record followed by a
// signed one is not reported.
type unauthenticated map[string]bool

func (u unauthenticated) note(key string, ok bool) {
	if ok {
		delete(u, key)
	} else {
		u[key] = true
	}
}

func (u unauthenticated) keys() []string {
	out := make([]string, 0, len(u))
	for k := range u {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SignInventory writes again, with a MAC under ref.Key, every record of
// ref's inventory whose newest version has none (or a wrong one): the
// one-time migration of an inventory written before a key was set. It
// trusts what it signs, so look at the inventory first (a plan with
// TrustUnsigned lists the keys). It returns the record keys it signed,
// sorted; no key, no topic or nothing unsigned signs nothing.
func SignInventory(ctx context.Context, cl *kgo.Client, ref InventoryRef) ([]string, error) {
	ref = ref.withDefaults()
	if ref.Key.IsZero() {
		return nil, nil
	}
	newest := map[string]*kgo.Record{}
	err := scanInventory(ctx, cl, ref, func(r *kgo.Record) {
		if ref.ownRecord(string(r.Key)) {
			newest[string(r.Key)] = r
		}
	})
	if err != nil {
		return nil, err
	}
	var recs []*kgo.Record
	var keys []string
	for k, r := range newest {
		if ref.authentic(r) {
			continue
		}
		rec := &kgo.Record{Topic: ref.Topic, Partition: 0, Key: r.Key, Value: r.Value}
		ref.sign(rec)
		recs = append(recs, rec)
		keys = append(keys, k)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	sort.Strings(keys)
	if err := produce(ctx, cl, recs); err != nil {
		return nil, fmt.Errorf("sign inventory %q: %w", ref.Topic, err)
	}
	return keys, nil
}
