package spec

import "testing"

func TestSelector(t *testing.T) {
	sel, err := ParseSelector(" team=billing , tier=gold ")
	if err != nil || sel.String() != "team=billing,tier=gold" {
		t.Fatalf("ParseSelector: %v %v", sel, err)
	}
	for _, bad := range []string{"team", "=x", "team=a,team=b"} {
		if _, err := ParseSelector(bad); err == nil {
			t.Errorf("ParseSelector(%q) accepted", bad)
		}
	}
	st := &State{
		Topics: []Topic{{Name: "a", Labels: map[string]string{"team": "billing", "tier": "gold"}}, {Name: "b", Labels: map[string]string{"team": "billing"}}},
		Users:  []User{{Name: "u", Labels: map[string]string{"team": "billing", "tier": "gold"}}},
		Roles:  []Role{{Name: "r"}},
	}
	got := st.Select(sel)
	if len(got.Topics) != 1 || got.Topics[0].Name != "a" || len(got.Users) != 1 || len(got.Roles) != 1 {
		t.Fatalf("Select: %+v", got)
	}
	if len(st.Topics) != 2 {
		t.Fatal("Select changed its receiver")
	}
	if all, _ := ParseSelector(""); st.Select(all) != st {
		t.Error("an empty selector should pick everything")
	}
}
