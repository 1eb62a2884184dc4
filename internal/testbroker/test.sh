#!/usr/bin/env bash
# Runs kgitops' Go tests against kfake and, when it can, a real Apache Kafka broker
# (broker.sh) and, for tests, a schema registry (registry.sh: Apicurio Registry from
# Maven Central). Called by `make test` and `make bench`.
#
#   test.sh [test]   go test -race -count=1 ./..., then every Fuzz target for
#                    KGITOPS_FUZZTIME each (10s; 0 skips them)
#   test.sh bench    go test -run '^$' -bench . -benchtime 1x -timeout 30m ./reconcile/ ./tail/
#   test.sh soak     go test -run '^TestSoak$' -v ./internal/soak/ for KGITOPS_SOAK (30m), on a
#                    broker of its own: state dir <repo>/.kafka-soak, ports 19110-19115 unless
#                    KGITOPS_BROKER_* say otherwise; the summary goes to KGITOPS_SOAK_REPORT
#                    (bin/soak-report.md). A real broker is required.
#
# Environment:
#   GOTESTFLAGS                   extra `go test` arguments, e.g. GOTESTFLAGS='-run TestX -v'
#   GOTESTPKGS                    packages instead of the default, e.g. GOTESTPKGS=./internal/...
#   KGITOPS_FUZZTIME              how long each fuzz target runs after the tests (10s; 0: none)
#   KGITOPS_REQUIRE_REAL_KAFKA=1  fail when the real broker or the schema registry cannot
#                                 be started (CI sets it)
#   plus broker.sh's KGITOPS_BROKER_* and registry.sh's KGITOPS_REGISTRY_* settings.
#
# A broker or registry this script starts is stopped on exit. One that already runs from
# the same state dir (`make broker-start`, `registry.sh start`) is reused and left running.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BROKER=$HERE/broker.sh
REGISTRY=$HERE/registry.sh
MODE=${1:-test}

banner() {
	echo
	echo "################################################################################"
	printf '### %s\n' "$@"
	echo "################################################################################"
	echo
}

case $MODE in
test) go_test=(go test -race -count=1) pkgs=(./...) ;;
bench) go_test=(go test -run '^$' -bench . -benchtime 1x -timeout 30m) pkgs=(./reconcile/ ./tail/) ;;
soak)
	# A fresh broker of its own, so that 5,000 topics start from an empty
	# cluster, stay apart from `make test`'s broker and go when it stops.
	export KGITOPS_BROKER_DIR=${KGITOPS_BROKER_DIR:-$REPO/.kafka-soak}
	export KGITOPS_BROKER_PORT=${KGITOPS_BROKER_PORT:-19110}
	export KGITOPS_BROKER_SASL_PORT=${KGITOPS_BROKER_SASL_PORT:-19111}
	export KGITOPS_BROKER_CONTROLLER_PORT=${KGITOPS_BROKER_CONTROLLER_PORT:-19112}
	export KGITOPS_BROKER_SSL_PORT=${KGITOPS_BROKER_SSL_PORT:-19113}
	export KGITOPS_BROKER_MTLS_PORT=${KGITOPS_BROKER_MTLS_PORT:-19114}
	export KGITOPS_BROKER_SASL_SSL_PORT=${KGITOPS_BROKER_SASL_SSL_PORT:-19115}
	export KGITOPS_SOAK=${KGITOPS_SOAK:-30m}
	export KGITOPS_SOAK_REPORT=${KGITOPS_SOAK_REPORT:-$REPO/bin/soak-report.md}
	export KGITOPS_REQUIRE_REAL_KAFKA=1 # a soak on kfake measures nothing worth publishing
	go_test=(go test -run '^TestSoak$' -count=1 -v -timeout "${KGITOPS_SOAK_TIMEOUT:-2h}") pkgs=(./internal/soak/)
	;;
*)
	echo "usage: $0 [test|bench|soak]" >&2
	exit 2
	;;
esac
extra=()
read -r -a extra <<<"${GOTESTFLAGS:-}"
[[ -z ${GOTESTPKGS:-} ]] || read -r -a pkgs <<<"$GOTESTPKGS"

# Never let a broker from an outer shell leak into a kfake-only run.
unset KGITOPS_TEST_KAFKA KGITOPS_TEST_KAFKA_SASL KGITOPS_TEST_KAFKA_ADMIN_USER KGITOPS_TEST_KAFKA_ADMIN_PASSWORD
unset KGITOPS_TEST_KAFKA_TLS KGITOPS_TEST_KAFKA_MTLS KGITOPS_TEST_KAFKA_SASL_SSL KGITOPS_TEST_KAFKA_TLS_CA
unset KGITOPS_TEST_KAFKA_TLS_CLIENT_CERT KGITOPS_TEST_KAFKA_TLS_CLIENT_KEY KGITOPS_TEST_KAFKA_TLS_NOBODY_CERT KGITOPS_TEST_KAFKA_TLS_NOBODY_KEY
unset KGITOPS_TEST_SCHEMA_REGISTRY

# The rigs started here are stopped on exit (also on Ctrl-C / TERM).
broker_here=0 registry_here=0
stop_rigs() {
	if [[ $registry_here == 1 ]]; then "$REGISTRY" stop || true; fi
	if [[ $broker_here == 1 ]]; then "$BROKER" stop || true; fi
}
trap stop_rigs EXIT
trap 'exit 130' INT TERM

clusters="kfake only"
no_broker() { # $1: why
	if [[ ${KGITOPS_REQUIRE_REAL_KAFKA:-} == 1 ]]; then
		banner "FAIL: KGITOPS_REQUIRE_REAL_KAFKA=1 but no real Kafka broker:" "$1"
		exit 1
	fi
	banner "WARNING: NO REAL KAFKA BROKER: $1" \
		"Only the kfake suite runs; tests against Apache Kafka are SKIPPED." \
		"Set KGITOPS_REQUIRE_REAL_KAFKA=1 to make this an error."
	clusters="kfake only (no real broker: $(head -n 1 <<<"$1"))"
}

if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
	missing=()
	command -v java >/dev/null || missing+=(java)
	command -v mvn >/dev/null || missing+=(mvn)
	no_broker "$(IFS=/; echo "${missing[*]}") not installed (apt-get install openjdk-17-jre-headless maven)"
else
	started_here=0
	"$BROKER" status >/dev/null 2>&1 || started_here=1
	broker_here=$started_here
	banner "Starting the real Apache Kafka broker (internal/testbroker/broker.sh start)"
	start_begin=$SECONDS
	start_log=$(mktemp)
	if "$BROKER" start 2>&1 | tee "$start_log"; then
		eval "$("$BROKER" env)"
		clusters="kfake + Apache Kafka at $KGITOPS_TEST_KAFKA (SASL $KGITOPS_TEST_KAFKA_SASL)"
		if [[ $started_here == 1 ]]; then
			clusters+=", started in $((SECONDS - start_begin))s"
		else
			clusters+=", reused a running broker (left running)"
		fi
	else
		# The exact error: broker.sh's ERROR line(s) and whatever follows them.
		start_err=$(sed -n '/testbroker: ERROR:/,$p' "$start_log")
		no_broker "broker.sh start failed: ${start_err:-$(tail -n 1 "$start_log")}"
	fi
	rm -f "$start_log"
fi

no_registry() { # $1: why
	if [[ ${KGITOPS_REQUIRE_REAL_KAFKA:-} == 1 ]]; then
		banner "FAIL: KGITOPS_REQUIRE_REAL_KAFKA=1 but no schema registry:" "$1"
		exit 1
	fi
	banner "WARNING: NO SCHEMA REGISTRY: $1" "Tests against a schema registry are SKIPPED."
	clusters+="; no schema registry"
}

# The schema registry, for tail's and produce's tests (not for benchmarks).
if [[ $MODE == test ]]; then
	if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
		no_registry "java or mvn not installed"
	else
		"$REGISTRY" status >/dev/null 2>&1 || registry_here=1
		banner "Starting the schema registry (internal/testbroker/registry.sh start)"
		if "$REGISTRY" start; then
			eval "$("$REGISTRY" env)"
			clusters+="; schema registry at $KGITOPS_TEST_SCHEMA_REGISTRY"
			[[ $registry_here == 1 ]] || clusters+=" (reused, left running)"
		else
			no_registry "registry.sh start failed (its error is above)"
		fi
	fi
fi

if [[ $MODE == soak ]]; then
	clusters=${clusters#kfake + } # the soak runs on the real broker only
	# A broker started here goes with its data at exit: the soak need not
	# spend minutes deleting its 5,000 topics first.
	[[ $broker_here == 0 ]] || export KGITOPS_SOAK_KEEP_TOPICS=1
fi
cmd=("${go_test[@]}" "${extra[@]}" "${pkgs[@]}")
banner "Running: ${cmd[*]}" "Clusters: $clusters"
rc=0
(cd "$REPO" && "${cmd[@]}") || rc=$?

# Every fuzz target of the packages, each for a bounded time: a failing input
# fails the run, and go test leaves it in testdata/fuzz/<FuzzName>/ to commit
# as a seed. The targets are listed by `go test -list`, so a new one runs
# without an edit here.
fuzz_failed=()
fuzztime=${KGITOPS_FUZZTIME:-10s}
if [[ $MODE == test && $fuzztime != 0 ]]; then
	banner "Fuzzing: each target for $fuzztime"
	fuzz_begin=$SECONDS
	fuzz_list=$(mktemp)
	if ! (cd "$REPO" && go test -list '^Fuzz' "${pkgs[@]}") >"$fuzz_list"; then
		fuzz_failed+=("go test -list")
	fi
	targets=()
	names=()
	while read -r first second _; do
		case $first in
		Fuzz*) names+=("$first") ;;
		ok)
			for n in "${names[@]}"; do targets+=("$second $n"); done
			names=()
			;;
		esac
	done <"$fuzz_list"
	rm -f "$fuzz_list"
	for target in "${targets[@]}"; do
		read -r pkg name <<<"$target"
		echo "--- $name ($pkg)"
		if ! (cd "$REPO" && go test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" "$pkg"); then
			fuzz_failed+=("$name ($pkg)")
		fi
	done
	banner "Fuzzing: ${#targets[@]} targets in $((SECONDS - fuzz_begin))s, ${#fuzz_failed[@]} failed" "${fuzz_failed[@]}"
	if [[ ${#fuzz_failed[@]} -gt 0 && $rc == 0 ]]; then
		rc=1
	fi
fi

if [[ $rc == 0 ]]; then
	banner "PASS ($MODE) against: $clusters"
else
	banner "FAIL ($MODE, go test exit $rc) against: $clusters"
fi
exit "$rc"
