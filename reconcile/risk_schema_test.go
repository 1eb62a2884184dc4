package reconcile

// The Schema rules' cases, in riskTests so that TestRisks runs them and
// TestRiskRulesCovered sees each rule fire.
func init() {
	riskTests = append(riskTests, []struct {
		name   string
		change Change
		want   []Risk
	}{
		{name: "subject soft-deleted", change: Change{Action: ActionDelete, Kind: KindSchema, Name: "orders-value", Payload: &SchemaChange{Subject: "orders-value"}},
			want: []Risk{{Code: RiskSchemaDelete, Message: "soft-deletes the subject: producers can no longer register or look up its schema"}}},
		{name: "subject hard-deleted", change: Change{Action: ActionDelete, Kind: KindSchema, Name: "orders-value", Payload: &SchemaChange{Subject: "orders-value", Hard: true}},
			want: []Risk{{Code: RiskSchemaHardDelete, Destructive: true, Message: "hard-deletes the subject and every version of its schema: records written with them can no longer be decoded"}}},
		{name: "compatibility weakened", change: updateOf(KindSchema, fieldOf("compatibility", "BACKWARD", "NONE")),
			want: []Risk{{Code: RiskCompatibilityChange, Message: "the compatibility level changes from BACKWARD to NONE: the registry checks new versions differently"}}},
		{name: "compatibility first set", change: updateOf(KindSchema, fieldOf("compatibility", nil, "BACKWARD"))},
	}...)
}
