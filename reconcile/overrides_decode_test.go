package reconcile

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// slimResource is what describeTopicOverrides reads of a resource.
type slimResource struct {
	ErrorCode    int16
	ErrorMessage *string
	Type         kmsg.ConfigResourceType
	Name         string
	Configs      []slimConfig
}

type slimConfig struct {
	Name, Value         string
	ReadOnly, Sensitive bool
	Source              kmsg.ConfigSource
	Type                kmsg.ConfigType
}

// slim keeps of resources what an overridesResponse keeps.
func slim(resources []kmsg.DescribeConfigsResponseResource) []slimResource {
	var out []slimResource
	for _, r := range resources {
		s := slimResource{ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage, Type: r.ResourceType, Name: r.ResourceName}
		for _, c := range r.Configs {
			if c.Source != kmsg.ConfigSourceDynamicTopicConfig || c.Value == nil {
				continue
			}
			s.Configs = append(s.Configs, slimConfig{c.Name, *c.Value, c.ReadOnly, c.IsSensitive, c.Source, c.ConfigType})
		}
		out = append(out, s)
	}
	return out
}

func randomString(r *rand.Rand) string {
	b := make([]byte, r.IntN(20))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return string(b)
}

func randomNullable(r *rand.Rand) *string {
	if r.IntN(4) == 0 {
		return nil
	}
	s := randomString(r)
	return &s
}

// randomDescribeConfigs is a response of every shape a broker may send:
// errors, null values, synonyms, documentation and unknown tags.
func randomDescribeConfigs(r *rand.Rand, version int16) *kmsg.DescribeConfigsResponse {
	resp := kmsg.NewPtrDescribeConfigsResponse()
	resp.Version = version
	resp.ThrottleMillis = r.Int32()
	tags := func(t *kmsg.Tags) {
		if r.IntN(3) == 0 {
			t.Set(uint32(r.IntN(50)+10), []byte(randomString(r)))
		}
	}
	tags(&resp.UnknownTags)
	for range r.IntN(6) {
		res := kmsg.NewDescribeConfigsResponseResource()
		res.ErrorCode = int16(r.IntN(3))
		res.ErrorMessage = randomNullable(r)
		res.ResourceType = kmsg.ConfigResourceType(r.IntN(5))
		res.ResourceName = randomString(r)
		tags(&res.UnknownTags)
		for range r.IntN(40) {
			c := kmsg.NewDescribeConfigsResponseResourceConfig()
			c.Name, c.Value = randomString(r), randomNullable(r)
			c.ReadOnly, c.IsDefault, c.IsSensitive = r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(2) == 0
			c.Source = kmsg.ConfigSource(r.IntN(9) - 1)
			c.ConfigType = kmsg.ConfigType(r.IntN(10))
			c.Documentation = randomNullable(r)
			for range r.IntN(3) {
				syn := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
				syn.Name, syn.Value, syn.Source = randomString(r), randomNullable(r), kmsg.ConfigSource(r.IntN(8))
				tags(&syn.UnknownTags)
				c.ConfigSynonyms = append(c.ConfigSynonyms, syn)
			}
			tags(&c.UnknownTags)
			res.Configs = append(res.Configs, c)
		}
		resp.Resources = append(resp.Resources, res)
	}
	return resp
}

// TestOverridesResponseDecodesAsKmsg checks the slim decoder against
// kmsg's on random responses of every version: the same resources, and of
// their configs exactly the overrides.
func TestOverridesResponseDecodesAsKmsg(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for version := int16(0); version <= 4; version++ {
		for i := range 100 {
			raw := randomDescribeConfigs(r, version).AppendTo(nil)
			want := kmsg.NewPtrDescribeConfigsResponse()
			want.Version = version
			if err := want.ReadFrom(raw); err != nil {
				t.Fatalf("v%d #%d: kmsg: %v", version, i, err)
			}
			got := overridesRequest{&kmsg.DescribeConfigsRequest{Version: version}}.ResponseKind().(*overridesResponse)
			if err := got.ReadFrom(raw); err != nil {
				t.Fatalf("v%d #%d: %v", version, i, err)
			}
			if got.ThrottleMillis != want.ThrottleMillis {
				t.Fatalf("v%d #%d: throttle %d, want %d", version, i, got.ThrottleMillis, want.ThrottleMillis)
			}
			if d := cmp.Diff(slim(want.Resources), slim(got.Resources)); d != "" {
				t.Fatalf("v%d #%d (-kmsg +slim):\n%s", version, i, d)
			}
			for _, res := range got.Resources {
				for _, c := range res.Configs {
					if c.Source != kmsg.ConfigSourceDynamicTopicConfig || c.Value == nil {
						t.Fatalf("v%d #%d: kept %+v", version, i, c)
					}
				}
			}
			for range 20 { // a truncation is an error, never a panic
				cut := r.IntN(len(raw))
				if err := got.ReadFrom(raw[:cut]); err == nil && want.ReadFrom(raw[:cut]) != nil {
					t.Fatalf("v%d #%d: %d of %d bytes decoded without error", version, i, cut, len(raw))
				}
			}
		}
	}
}

// FuzzOverridesResponse: no input makes the slim decoder panic, and what
// kmsg decodes, it decodes the same.
func FuzzOverridesResponse(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for v := int16(0); v <= 4; v++ {
		f.Add(uint8(v), randomDescribeConfigs(r, v).AppendTo(nil))
	}
	f.Fuzz(func(t *testing.T, v uint8, raw []byte) {
		version := int16(v % 5)
		got := overridesRequest{&kmsg.DescribeConfigsRequest{Version: version}}.ResponseKind().(*overridesResponse)
		err := got.ReadFrom(raw)
		want := kmsg.NewPtrDescribeConfigsResponse()
		want.Version = version
		if want.ReadFrom(raw) != nil {
			return
		}
		if err != nil {
			t.Fatalf("kmsg decodes it, the slim decoder fails: %v", err)
		}
		if d := cmp.Diff(slim(want.Resources), slim(got.Resources)); d != "" {
			t.Fatal(fmt.Sprintf("(-kmsg +slim):\n%s", d))
		}
	})
}
