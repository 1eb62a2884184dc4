package spec

import "testing"

func TestQuotaEntityString(t *testing.T) {
	tests := []struct {
		e    QuotaEntity
		want string
	}{
		{QuotaEntity{User: ptr("billing")}, "user=billing"},
		{QuotaEntity{User: ptr("billing"), ClientID: ptr("")}, "user=billing,client-id=<default>"},
		{QuotaEntity{User: ptr(""), ClientID: ptr("app")}, "user=<default>,client-id=app"},
		{QuotaEntity{ClientID: ptr("")}, "client-id=<default>"},
		{QuotaEntity{IP: ptr("10.0.0.1")}, "ip=10.0.0.1"},
		{QuotaEntity{IP: ptr("")}, "ip=<default>"},
		{QuotaEntity{}, ""},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
