#!/usr/bin/env bash
# The real Apache Kafka broker for kgitops' tests: one KRaft node (broker+controller)
# on 127.0.0.1, run straight from the Maven Central jars (no Docker, no Kafka tarball).
#
#   broker.sh start    resolve jars, format storage, start the broker, wait until ready
#   broker.sh stop     stop the broker (TERM, then KILL) and delete its data
#   broker.sh status   say whether a broker from the state dir runs (exit 0 if so)
#   broker.sh env      print `export` lines for the tests (KGITOPS_TEST_KAFKA...)
#
# Environment:
#   KGITOPS_BROKER_DIR              state dir (default: <repo>/.kafka-test, git-ignored)
#   KGITOPS_BROKER_PORT             PLAINTEXT listener, User:ANONYMOUS (default 19092)
#   KGITOPS_BROKER_SASL_PORT        SASL_PLAINTEXT listener, SCRAM-SHA-256/512 (default 19093)
#   KGITOPS_BROKER_CONTROLLER_PORT  KRaft controller listener (default 19094)
#   KGITOPS_BROKER_TIMEOUT          seconds to wait for readiness (default 120)
#   KGITOPS_BROKER_HEAP             java -Xmx (default 768m)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LIB=$HERE/lib
STATE=$(realpath -m "${KGITOPS_BROKER_DIR:-$REPO/.kafka-test}")
PORT=${KGITOPS_BROKER_PORT:-19092}
SASL_PORT=${KGITOPS_BROKER_SASL_PORT:-19093}
CONTROLLER_PORT=${KGITOPS_BROKER_CONTROLLER_PORT:-19094}
TIMEOUT=${KGITOPS_BROKER_TIMEOUT:-120}
HEAP=${KGITOPS_BROKER_HEAP:-768m}
HOST=127.0.0.1
ADMIN_USER="admin"

PIDFILE=$STATE/broker.pid
ENVFILE=$STATE/env.sh   # written at start; `env` prints it
LOGS=$STATE/logs
DATA=$STATE/data

say() { echo "testbroker: $*" >&2; }
die() { echo "testbroker: ERROR: $*" >&2; exit 1; }

# running_pid prints the pid of the broker started from $STATE, if it still runs.
running_pid() {
	[[ -f $PIDFILE ]] || return 1
	local pid
	pid=$(<"$PIDFILE")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ -r /proc/$pid/cmdline ]] || return 1
	# Make sure the pid was not reused by some other process.
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $STATE/server.properties" || return 1
	echo "$pid"
}

# port_in_use succeeds when something accepts connections on 127.0.0.1:$1.
port_in_use() {
	timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# resolve_jars puts the broker's runtime jars into $LIB, unless the pom did not change
# since the last complete resolve.
resolve_jars() {
	local want
	want=$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)
	if [[ -f $LIB/.complete && $(<"$LIB/.complete") == "$want" ]]; then
		return
	fi
	command -v mvn >/dev/null || die "mvn not found (needed once to fetch the Kafka jars from Maven Central)"
	say "resolving Kafka jars from Maven Central into $LIB"
	rm -rf "$LIB" "$LIB.tmp"
	if ! mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" dependency:copy-dependencies \
		-DoutputDirectory="$LIB.tmp" -DincludeScope=runtime >"$STATE/mvn.log" 2>&1; then
		tail -n 40 "$STATE/mvn.log" >&2
		die "mvn could not resolve the Kafka jars (output above, full log: $STATE/mvn.log)"
	fi
	ls "$LIB.tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "mvn ran, but no kafka_2.13 jar in $LIB.tmp"
	echo "$want" >"$LIB.tmp/.complete"
	mv "$LIB.tmp" "$LIB"
}

JAVA_OPTS=(
	-Xms256m -Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
	-Djava.awt.headless=true
	-Dlog4j2.configurationFile="$HERE/log4j2.xml" # logs go to files in $LOGS only
	-Dkafka.logs.dir="$LOGS"
	-cp "$LIB/*"
)
java_cmd() { java "${JAVA_OPTS[@]}" "$@"; }

write_properties() {
	local password=$1
	cat >"$STATE/server.properties" <<EOF
# Written by internal/testbroker/broker.sh; rewritten on every fresh start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$PORT,SASL_PLAINTEXT://$HOST:$SASL_PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT,SASL_PLAINTEXT://$HOST:$SASL_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA

# SCRAM on the SASL listener; the admin credentials are bootstrapped by StorageTool -S.
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_USER" password="$password";
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_USER" password="$password";

# ACLs. PLAINTEXT clients (and the controller listener) are User:ANONYMOUS.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:$ADMIN_USER;User:ANONYMOUS
allow.everyone.if.no.acl.found=false

# One node: replication factor 1 everywhere, few partitions for internal topics.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
num.partitions=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true

# Small machine (2 cores).
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
}

cmd_start() {
	mkdir -p "$STATE"
	local pid
	if pid=$(running_pid); then
		say "broker already running from $STATE (pid $pid); reusing it"
		[[ -f $ENVFILE ]] || die "broker runs but $ENVFILE is missing; run '$0 stop' and start again"
		# shellcheck disable=SC1090
		source "$ENVFILE"
		build_waitready
		wait_ready "$pid"
		return
	fi

	command -v java >/dev/null || die "java not found (need Java 17+)"
	command -v go >/dev/null || die "go not found (needed for the readiness check)"
	local p
	for p in "$PORT" "$SASL_PORT" "$CONTROLLER_PORT"; do
		if port_in_use "$p"; then
			die "port $HOST:$p is already in use by another process (not a broker from $STATE).
  Stop it, or pick other ports: KGITOPS_BROKER_PORT, KGITOPS_BROKER_SASL_PORT, KGITOPS_BROKER_CONTROLLER_PORT
  (and KGITOPS_BROKER_DIR for a second broker)."
		fi
	done

	resolve_jars
	build_waitready

	local started=$SECONDS password cluster_id
	say "formatting a fresh KRaft node in $STATE"
	rm -rf "$DATA" "$LOGS" "$PIDFILE" "$ENVFILE"
	mkdir -p "$DATA" "$LOGS"
	password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	write_properties "$password"
	if ! cluster_id=$(java_cmd kafka.tools.StorageTool random-uuid 2>>"$LOGS/storage-tool.log"); then
		echo "$cluster_id" >>"$LOGS/storage-tool.log"
		tail -n 40 "$LOGS/storage-tool.log" >&2
		die "kafka.tools.StorageTool random-uuid failed (output above)"
	fi
	if ! java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$STATE/server.properties" \
		-S "SCRAM-SHA-256=[name=$ADMIN_USER,password=$password]" \
		-S "SCRAM-SHA-512=[name=$ADMIN_USER,password=$password]" \
		>>"$LOGS/storage-tool.log" 2>&1; then
		tail -n 40 "$LOGS/storage-tool.log" >&2
		die "kafka.tools.StorageTool format failed (output above, full log: $LOGS/storage-tool.log)"
	fi

	cat >"$ENVFILE" <<EOF
export KGITOPS_TEST_KAFKA=$HOST:$PORT
export KGITOPS_TEST_KAFKA_SASL=$HOST:$SASL_PORT
export KGITOPS_TEST_KAFKA_ADMIN_USER=$ADMIN_USER
export KGITOPS_TEST_KAFKA_ADMIN_PASSWORD=$password
EOF

	say "starting kafka.Kafka (KRaft combined mode) on $HOST:$PORT (PLAINTEXT), :$SASL_PORT (SASL), :$CONTROLLER_PORT (controller)"
	# setsid: the broker gets its own session, so a Ctrl-C in the terminal reaches the
	# test run (whose trap stops the broker) rather than killing the broker mid-test.
	local launcher=()
	command -v setsid >/dev/null && launcher=(setsid)
	"${launcher[@]}" java "${JAVA_OPTS[@]}" kafka.Kafka "$STATE/server.properties" \
		</dev/null >"$LOGS/broker.out" 2>&1 &
	pid=$!
	echo "$pid" >"$PIDFILE"
	say "broker pid $pid, logs in $LOGS"

	# shellcheck disable=SC1090
	source "$ENVFILE"
	wait_ready "$pid"
	say "broker ready after $((SECONDS - started))s"
}

build_waitready() {
	(cd "$REPO" && go build -o "$STATE/waitready" ./internal/testbroker/waitready) ||
		die "could not build the readiness check internal/testbroker/waitready"
}

# wait_ready runs the Go readiness check (see waitready/main.go) against the broker.
wait_ready() {
	local pid=$1 err
	say "waiting up to ${TIMEOUT}s for the broker to be ready"
	if ! err=$("$STATE/waitready" \
		-bootstrap "$KGITOPS_TEST_KAFKA" -sasl "$KGITOPS_TEST_KAFKA_SASL" \
		-user "$KGITOPS_TEST_KAFKA_ADMIN_USER" -pid "$pid" -timeout "${TIMEOUT}s" 2>&1); then
		echo "----- last 40 lines of $LOGS/server.log -----" >&2
		tail -n 40 "$LOGS/server.log" 2>/dev/null >&2 || echo "(no server.log)" >&2
		if [[ -s $LOGS/broker.out ]]; then
			echo "----- last 40 lines of $LOGS/broker.out (JVM stdout/stderr) -----" >&2
			tail -n 40 "$LOGS/broker.out" >&2
		fi
		echo "-----" >&2
		stop_pid "$pid"
		die "broker did not become ready: $err"
	fi
}

# stop_pid sends TERM, waits up to 30 s for a clean shutdown, then KILLs.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 300; i++)); do
		[[ -e /proc/$pid ]] || return 0
		# A zombie child of this shell has exited; reap it.
		if [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]]; then
			wait "$pid" 2>/dev/null || true
			return 0
		fi
		sleep 0.1
	done
	say "broker pid $pid ignored TERM for 30s; sending KILL"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cmd_stop() {
	local pid
	if pid=$(running_pid); then
		say "stopping broker pid $pid"
		stop_pid "$pid"
	else
		say "no broker running from $STATE"
	fi
	rm -rf "$DATA" "$PIDFILE" "$ENVFILE"
	say "removed $DATA (logs kept in $LOGS)"
}

cmd_status() {
	local pid
	if pid=$(running_pid); then
		echo "running: pid $pid, state dir $STATE"
		sed -n 's/^export /  /p' "$ENVFILE" 2>/dev/null | grep -v PASSWORD || true
	else
		echo "not running (state dir $STATE)"
		return 1
	fi
}

cmd_env() {
	running_pid >/dev/null || die "no broker running from $STATE; run '$0 start' first"
	cat "$ENVFILE"
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
