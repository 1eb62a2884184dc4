package spec

// wantAccess is the State testdata/good/access loads to: every kind of
// access control, in the spellings the loader accepts. What it expands to
// is in testdata/good/access/desired-acls.golden (expand_test.go).
var wantAccess = &State{
	ACLs: []ACL{
		{
			Name: "alice", Labels: map[string]string{"team": "shop"}, Principal: "User:alice",
			Rules: []ACLRule{
				{
					Resource:   ResourcePattern{Type: "topic", Name: "orders", PatternType: "literal"},
					Operations: []string{"READ", "DESCRIBE", "DESCRIBE_CONFIGS"},
					Permission: "ALLOW", Host: "*", Pos: Pos{File: "acls/alice.yaml", Line: 10},
				},
				{
					Resource:   ResourcePattern{Type: "group", Name: "shop-", PatternType: "prefixed"},
					Operations: []string{"READ", "DESCRIBE_CONFIGS"},
					Permission: "ALLOW", Host: "10.0.0.1", Pos: Pos{File: "acls/alice.yaml", Line: 12},
				},
				{
					Resource:   ResourcePattern{Type: "cluster", Name: "kafka-cluster", PatternType: "literal"},
					Operations: []string{"IDEMPOTENT_WRITE", "DESCRIBE"},
					Permission: "ALLOW", Host: "*", Pos: Pos{File: "acls/alice.yaml", Line: 15},
				},
				{
					Resource:   ResourcePattern{Type: "transactionalId", Name: "*", PatternType: "literal"},
					Operations: []string{"WRITE"},
					Permission: "ALLOW", Host: "*", Pos: Pos{File: "acls/alice.yaml", Line: 17},
				},
				{
					Resource:   ResourcePattern{Type: "topic", Name: "orders", PatternType: "literal"},
					Operations: []string{"DELETE", "ALTER_CONFIGS"},
					Permission: "DENY", Host: "0:0:0:0:0:0:0:1", Pos: Pos{File: "acls/alice.yaml", Line: 20},
				},
			},
			Pos: Pos{File: "acls/alice.yaml", Line: 3},
		},
		{
			Name: "alice-tokens", Principal: "User:alice",
			Rules: []ACLRule{
				{
					Resource:   ResourcePattern{Type: "user", Name: "User:alice", PatternType: "literal"},
					Operations: []string{"CREATE_TOKENS", "DESCRIBE_TOKENS"},
					Permission: "ALLOW", Host: "*", Pos: Pos{File: "acls/alice-more.yaml", Line: 8},
				},
				{
					Resource:   ResourcePattern{Type: "delegationToken", Name: "*", PatternType: "literal"},
					Operations: []string{"DESCRIBE"},
					Permission: "ALLOW", Host: "*", Pos: Pos{File: "acls/alice-more.yaml", Line: 10},
				},
				{
					Resource:   ResourcePattern{Type: "topic", Name: "orders", PatternType: "literal"},
					Operations: []string{"READ"},
					Permission: "ALLOW", Host: "*", Pos: Pos{File: "acls/alice-more.yaml", Line: 12},
				},
			},
			Pos: Pos{File: "acls/alice-more.yaml", Line: 3},
		},
		{
			Name: "everyone", Principal: "User:*",
			Rules: []ACLRule{{
				Resource:   ResourcePattern{Type: "topic", Name: "public.", PatternType: "prefixed"},
				Operations: []string{"ALL"},
				Permission: "ALLOW", Host: "*", Pos: Pos{File: "acls/alice-more.yaml", Line: 21},
			}},
			Pos: Pos{File: "acls/alice-more.yaml", Line: 16},
		},
	},
	Roles: []Role{
		{
			Name: "auditor", Description: "reads configs of what it is bound to",
			Rules: []RoleRule{
				{ResourceType: "topic", Operations: []string{"DESCRIBE", "DESCRIBE_CONFIGS"}},
				{ResourceType: "group", Operations: []string{"DESCRIBE"}},
				{ResourceType: "cluster", Operations: []string{"DESCRIBE"}},
			},
			Pos: Pos{File: "roles.yaml", Line: 2},
		},
		{
			Name:  "cluster-watcher",
			Rules: []RoleRule{{ResourceType: "cluster", Operations: []string{"DESCRIBE", "DESCRIBE_CONFIGS"}}},
			Pos:   Pos{File: "roles.yaml", Line: 15},
		},
	},
	RoleBindings: []RoleBinding{
		{
			Name: "audit", Role: "auditor", Principals: []string{"User:audit"},
			Topics: []ResourceRef{{"*", "literal"}}, Groups: []ResourceRef{{"*", "literal"}},
			Host: "*", Permission: "ALLOW", Pos: Pos{File: "bindings.yaml", Line: 65},
		},
		{
			Name: "billing-consumes-orders", Role: "consumer", Principals: []string{"User:billing"},
			Topics: []ResourceRef{{"orders", "literal"}}, Groups: []ResourceRef{{"billing-", "prefixed"}},
			Host: "*", Permission: "ALLOW", Pos: Pos{File: "bindings.yaml", Line: 2},
		},
		{
			Name: "connect", Role: "connect-worker", Principals: []string{"User:connect"},
			Topics: []ResourceRef{{"connect-configs", "literal"}, {"connect-offsets", "literal"}, {"connect-status", "literal"}},
			Groups: []ResourceRef{{"connect-cluster", "literal"}},
			Host:   "*", Permission: "ALLOW", Pos: Pos{File: "bindings.yaml", Line: 40},
		},
		{
			Name: "enricher", Role: "streams-app", Principals: []string{"User:enricher"},
			ApplicationID: "enricher",
			InputTopics:   []ResourceRef{{"orders", "literal"}},
			OutputTopics:  []ResourceRef{{"orders-enriched", "literal"}},
			ExactlyOnce:   true,
			Host:          "*", Permission: "ALLOW", Pos: Pos{File: "bindings.yaml", Line: 29},
		},
		{
			Name: "no-intern-writes", Role: "producer", Principals: []string{"User:intern"},
			Topics: []ResourceRef{{"*", "literal"}},
			Host:   "*", Permission: "DENY", Pos: Pos{File: "bindings.yaml", Line: 74},
		},
		{
			Name: "ops-admin", Role: "admin", Principals: []string{"User:ops"},
			Host: "*", Permission: "ALLOW", Pos: Pos{File: "bindings.yaml", Line: 49},
		},
		{
			Name: "payments-tx", Role: "transactional-producer", Principals: []string{"User:payments"},
			Topics:           []ResourceRef{{"payments", "literal"}},
			Groups:           []ResourceRef{{"payments", "literal"}},
			TransactionalIDs: []ResourceRef{{"payments-", "prefixed"}},
			Host:             "*", Permission: "ALLOW", Pos: Pos{File: "bindings.yaml", Line: 19},
		},
		{
			Name: "shop-admin", Role: "admin", Principals: []string{"User:shop-lead"},
			Topics: []ResourceRef{{"shop.", "prefixed"}},
			Host:   "192.168.1.7", Permission: "ALLOW", Pos: Pos{File: "bindings.yaml", Line: 56},
		},
		{
			Name: "shop-produces", Role: "producer", Principals: []string{"User:shop", "User:alice"},
			Topics: []ResourceRef{{"orders", "literal"}, {"shop.", "prefixed"}},
			Host:   "*", Permission: "ALLOW", Pos: Pos{File: "bindings.yaml", Line: 11},
		},
		{
			Name: "watch", Role: "cluster-watcher", Principals: []string{"Group:sre"},
			Host: "*", Permission: "ALLOW", Pos: Pos{File: "bindings.yaml", Line: 83},
		},
	},
	Quotas: []Quota{
		{
			Name: "any-ip", Entity: QuotaEntity{IP: ptr("")},
			Values: map[string]float64{"connection_creation_rate": 100},
			Pos:    Pos{File: "quotas.yaml", Line: 31},
		},
		{
			Name: "billing", Entity: QuotaEntity{User: ptr("billing")},
			Values: map[string]float64{"producer_byte_rate": 1048576, "consumer_byte_rate": 2097152},
			Pos:    Pos{File: "quotas.yaml", Line: 2},
		},
		{
			Name: "billing-any-client", Entity: QuotaEntity{User: ptr("billing"), ClientID: ptr("")},
			Values: map[string]float64{"request_percentage": 12.5, "controller_mutation_rate": 10},
			Pos:    Pos{File: "quotas.yaml", Line: 9},
		},
		{
			Name: "default-client", Entity: QuotaEntity{ClientID: ptr("")},
			Values: map[string]float64{"consumer_byte_rate": 1e6},
			Pos:    Pos{File: "quotas.yaml", Line: 17},
		},
		{
			Name: "office", Entity: QuotaEntity{IP: ptr("10.0.0.1")},
			Values: map[string]float64{"connection_creation_rate": 50},
			Pos:    Pos{File: "quotas.yaml", Line: 24},
		},
	},
	Users: []User{
		{
			Name: "CN=shop, O=Example", Mechanism: "SCRAM-SHA-256", Iterations: 8192,
			PasswordFrom: PasswordSource{File: "/run/secrets/shop"},
			Pos:          Pos{File: "users.yaml", Line: 11},
		},
		{
			Name: "billing", Mechanism: "SCRAM-SHA-512", Iterations: 8192,
			PasswordFrom: PasswordSource{Env: "BILLING_PASSWORD"},
			Pos:          Pos{File: "users.yaml", Line: 2},
		},
	},
	Skipped: []SkippedFile{{Path: "desired-acls.golden", Reason: "not .yaml/.yml"}},
}

func ptr(s string) *string { return &s }
