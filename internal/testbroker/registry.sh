#!/usr/bin/env bash
# The schema registry for kgitops' tests: Apicurio Registry 3.0.9 with in-memory storage
# (H2), run from its bundle on Maven Central (no Docker). Its Confluent-compatible API,
# which kgitops tail and produce speak, is under /apis/ccompat/v7.
#
#   registry.sh start    fetch the bundle (once), start the registry, wait until ready
#   registry.sh stop     stop the registry (its schemas live in memory and go with it)
#   registry.sh status   say whether a registry from the state dir runs (exit 0 if so)
#   registry.sh env      print the `export` line for the tests (KGITOPS_TEST_SCHEMA_REGISTRY)
#
# Environment:
#   KGITOPS_REGISTRY_DIR      state dir: bundle, pid, logs (default: <repo>/.kafka-test-registry,
#                             which ignores itself in git)
#   KGITOPS_REGISTRY_PORT     HTTP port on 127.0.0.1 (default 19095)
#   KGITOPS_REGISTRY_TIMEOUT  seconds to wait for readiness (default 120)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
HOST=127.0.0.1
VERSION=3.0.9
ARTIFACT=io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all
STATE=$(realpath -m "${KGITOPS_REGISTRY_DIR:-$REPO/.kafka-test-registry}")
PORT=${KGITOPS_REGISTRY_PORT:-19095}
TIMEOUT=${KGITOPS_REGISTRY_TIMEOUT:-120}
BUNDLE=$STATE/apicurio-registry-$VERSION
PIDFILE=$STATE/registry.pid
LOGS=$STATE/logs
URL=http://$HOST:$PORT/apis/ccompat/v7

say() { echo "testregistry: $*" >&2; }
die() {
	echo "testregistry: ERROR: $*" >&2
	exit 1
}

# running_pid prints the pid of the registry started from $STATE, if it still runs.
running_pid() {
	local pid
	[[ -f $PIDFILE ]] || return 1
	pid=$(<"$PIDFILE")
	[[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$BUNDLE/" || return 1
	echo "$pid"
}

# fetch_bundle downloads and unpacks the bundle from Maven Central, once.
fetch_bundle() {
	[[ -f $BUNDLE/.complete ]] && return
	command -v mvn >/dev/null || die "mvn not found (needed once to fetch $ARTIFACT from Maven Central)"
	say "fetching $ARTIFACT from Maven Central into $BUNDLE"
	rm -rf "$BUNDLE" "$BUNDLE.tmp"
	mkdir -p "$BUNDLE.tmp"
	if ! mvn -B -q -Dstyle.color=never dependency:copy -Dartifact="$ARTIFACT" \
		-DoutputDirectory="$BUNDLE.tmp" >"$LOGS/mvn.log" 2>&1; then
		tail -n 40 "$LOGS/mvn.log" >&2
		die "mvn could not fetch $ARTIFACT (output above, full log: $LOGS/mvn.log)"
	fi
	tar -xzf "$BUNDLE.tmp"/apicurio-registry-app-*.tar.gz -C "$BUNDLE.tmp"
	rm -f "$BUNDLE.tmp"/apicurio-registry-app-*.tar.gz
	local jar
	jar=$(find "$BUNDLE.tmp" -name "apicurio-registry-app-$VERSION-runner.jar" | head -n 1)
	[[ -n $jar ]] || die "no apicurio-registry-app-$VERSION-runner.jar in the bundle"
	touch "$BUNDLE.tmp/.complete"
	mv "$BUNDLE.tmp" "$BUNDLE"
}

# ready succeeds when GET /apis/ccompat/v7/subjects answers 200 (bash's /dev/tcp: no curl needed).
ready() {
	timeout 3 bash -c '
		exec 3<>"/dev/tcp/$0/$1" || exit 1
		printf "GET /apis/ccompat/v7/subjects HTTP/1.0\r\nHost: %s\r\nAccept: application/json\r\n\r\n" "$0" >&3
		read -r _ code _ <&3 && [[ $code == 200 ]]' "$HOST" "$PORT" 2>/dev/null
}

cmd_start() {
	mkdir -p "$STATE" "$LOGS"
	echo '*' >"$STATE/.gitignore"
	local pid
	if pid=$(running_pid); then
		say "registry already running from $STATE (pid $pid); reusing it"
	else
		command -v java >/dev/null || die "java not found (need Java 17+)"
		if timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$PORT" 2>/dev/null; then
			die "port $HOST:$PORT is already in use by another process; pick another: KGITOPS_REGISTRY_PORT"
		fi
		fetch_bundle
		local jar launcher=()
		jar=$(find "$BUNDLE" -name "apicurio-registry-app-$VERSION-runner.jar" | head -n 1)
		command -v setsid >/dev/null && launcher=(setsid)
		say "starting Apicurio Registry $VERSION on $HOST:$PORT"
		(cd "$(dirname "$jar")" && exec "${launcher[@]}" java -Xmx384m \
			-Dquarkus.http.host=$HOST -Dquarkus.http.port="$PORT" \
			-Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
			-Dapicurio.datasource.url=jdbc:h2:mem:registry \
			-jar "$jar" </dev/null >"$LOGS/registry.out" 2>&1) &
		pid=$!
		echo "$pid" >"$PIDFILE"
		say "registry pid $pid, log in $LOGS/registry.out"
	fi
	local i
	for ((i = 0; i < TIMEOUT * 5; i++)); do
		if ready; then
			say "registry ready at $URL"
			return
		fi
		[[ -e /proc/$pid ]] || break
		sleep 0.2
	done
	tail -n 40 "$LOGS/registry.out" >&2 || true
	kill "$pid" 2>/dev/null || true
	rm -f "$PIDFILE"
	die "the registry did not become ready within ${TIMEOUT}s (log above)"
}

cmd_stop() {
	local pid i
	if pid=$(running_pid); then
		say "stopping registry pid $pid"
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do
			[[ -e /proc/$pid ]] || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null || true
	else
		say "no registry running from $STATE"
	fi
	rm -f "$PIDFILE"
}

cmd_status() {
	local pid
	if pid=$(running_pid); then
		echo "running: pid $pid, $URL"
	else
		echo "not running (state dir $STATE)"
		return 1
	fi
}

cmd_env() {
	running_pid >/dev/null || die "no registry running from $STATE; run '$0 start' first"
	echo "export KGITOPS_TEST_SCHEMA_REGISTRY=$URL"
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
*)
	echo "usage: $0 start|stop|status|env" >&2
	exit 2
	;;
esac
