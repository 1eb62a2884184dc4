# Shared by broker.sh (one node) and cluster.sh (several nodes): sourced, not run.
# It finds the jars, builds java command lines, formats, launches and stops KRaft nodes.
# shellcheck shell=bash

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LIB=$HERE/lib
HOST=127.0.0.1
# shellcheck disable=SC2034 # used by the scripts that source this file
TIMEOUT=${KGITOPS_BROKER_TIMEOUT:-120}

say() { echo "testbroker: $*" >&2; }
die() {
	echo "testbroker: ERROR: $*" >&2
	exit 1
}

# node_pid PIDFILE PROPS prints the pid in PIDFILE if that process still runs
# `kafka.Kafka PROPS` (so a reused pid is never taken for a broker).
node_pid() {
	local pidfile=$1 props=$2 pid
	[[ -f $pidfile ]] || return 1
	pid=$(<"$pidfile")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ -r /proc/$pid/cmdline ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $props " || return 1
	echo "$pid"
}

# port_in_use succeeds when something accepts connections on 127.0.0.1:$1.
port_in_use() {
	timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# check_tools fails unless java and go are installed.
check_tools() {
	command -v java >/dev/null || die "java not found (need Java 17+)"
	command -v go >/dev/null || die "go not found (needed for the readiness check)"
}

# resolve_jars LOGDIR puts the broker's runtime jars into $LIB, unless the pom did not
# change since the last complete resolve. mvn's output goes to LOGDIR/mvn.log. A lock on
# pom.xml keeps two rigs (broker.sh and cluster.sh, say) from resolving at once.
resolve_jars() {
	local logdir=$1 want lock
	want=$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)
	exec {lock}<"$HERE/pom.xml"
	command -v flock >/dev/null && flock "$lock"
	if [[ -f $LIB/.complete && $(<"$LIB/.complete") == "$want" ]]; then
		exec {lock}<&-
		return
	fi
	command -v mvn >/dev/null || die "mvn not found (needed once to fetch the Kafka jars from Maven Central)"
	say "resolving Kafka jars from Maven Central into $LIB"
	rm -rf "$LIB" "$LIB.tmp"
	if ! mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" dependency:copy-dependencies \
		-DoutputDirectory="$LIB.tmp" -DincludeScope=runtime >"$logdir/mvn.log" 2>&1; then
		tail -n 40 "$logdir/mvn.log" >&2
		die "mvn could not resolve the Kafka jars (output above, full log: $logdir/mvn.log)"
	fi
	ls "$LIB.tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "mvn ran, but no kafka_2.13 jar in $LIB.tmp"
	echo "$want" >"$LIB.tmp/.complete"
	mv "$LIB.tmp" "$LIB"
	exec {lock}<&-
}

# build_waitready OUT builds the readiness check (waitready/main.go) into OUT.
build_waitready() {
	(cd "$REPO" && go build -o "$1" ./internal/testbroker/waitready) ||
		die "could not build the readiness check internal/testbroker/waitready"
}

# set_java_opts LOGS HEAP [JVM OPTION...] sets JAVA_OPTS: heap, the given options (GC),
# logging to files in LOGS only (log4j2.xml), and the jars in $LIB.
set_java_opts() {
	local logs=$1 heap=$2
	shift 2
	JAVA_OPTS=(
		-Xmx"$heap" "$@"
		-Djava.awt.headless=true
		-Dlog4j2.configurationFile="$HERE/log4j2.xml"
		-Dkafka.logs.dir="$logs"
		-cp "$LIB/*"
	)
}

# new_cluster_id prints a random KRaft cluster id, as `StorageTool random-uuid` would
# (16 random bytes, URL-safe base64 without padding, not starting with '-'), without
# paying for a JVM start.
new_cluster_id() {
	local id
	while :; do
		id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
		[[ $id == -* ]] || break
	done
	echo "$id"
}

# format_node CLUSTER_ID PROPS LOGS [StorageTool option...] formats the log dirs of the
# node configured by PROPS (JAVA_OPTS must be set). Its output goes to LOGS/storage-tool.log.
format_node() {
	local id=$1 props=$2 logs=$3
	shift 3
	if ! java "${JAVA_OPTS[@]}" kafka.tools.StorageTool format -t "$id" -c "$props" "$@" \
		>>"$logs/storage-tool.log" 2>&1; then
		tail -n 40 "$logs/storage-tool.log" >&2
		die "kafka.tools.StorageTool format -c $props failed (output above, full log: $logs/storage-tool.log)"
	fi
}

# launch_node PROPS LOGS PIDFILE starts `kafka.Kafka PROPS` in the background (JAVA_OPTS
# must be set), writes its pid to PIDFILE and sets LAUNCHED_PID. setsid gives the JVM its
# own session, so a Ctrl-C in the terminal reaches the test run (whose cleanup stops the
# broker) rather than killing the broker mid-test.
launch_node() {
	local props=$1 logs=$2 pidfile=$3 launcher=()
	command -v setsid >/dev/null && launcher=(setsid)
	"${launcher[@]}" java "${JAVA_OPTS[@]}" kafka.Kafka "$props" </dev/null >>"$logs/broker.out" 2>&1 &
	LAUNCHED_PID=$!
	echo "$LAUNCHED_PID" >"$pidfile"
}

# dump_logs LOGS prints the end of a node's logs, for a failed start.
dump_logs() {
	local logs=$1
	echo "----- last 40 lines of $logs/server.log -----" >&2
	tail -n 40 "$logs/server.log" 2>/dev/null >&2 || echo "(no server.log)" >&2
	if [[ -s $logs/broker.out ]]; then
		echo "----- last 40 lines of $logs/broker.out (JVM stdout/stderr) -----" >&2
		tail -n 40 "$logs/broker.out" >&2
	fi
	echo "-----" >&2
}

# stop_pid PID [KILL] ends a node: by default TERM (a controlled shutdown), then KILL
# after 30 s; with KILL, at once. It returns when the process is gone.
stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	kill -"$sig" "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 300; i++)); do
		[[ -e /proc/$pid ]] || return 0
		# A zombie child of this shell has exited; reap it.
		if [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]]; then
			wait "$pid" 2>/dev/null || true
			return 0
		fi
		sleep 0.1
	done
	say "broker pid $pid ignored $sig for 30s; sending KILL"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# common_properties NODE_ID VOTERS DATA_DIR RF prints the server.properties lines that
# every node of either rig has: KRaft combined mode, the StandardAuthorizer, internal
# topics with replication factor RF (and min ISR 2 when RF > 1, as Kafka's defaults), no
# auto-created topics, and few threads for a small machine. The caller adds listeners,
# super.users and whatever else its rig needs.
common_properties() {
	local id=$1 voters=$2 data=$3 rf=$4 min_isr=1
	((rf > 1)) && min_isr=2
	cat <<PROPS
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$data

# ACLs. PLAINTEXT clients (and the controller listener) are User:ANONYMOUS, which must
# be a super user (see super.users below).
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false

# Internal topics and defaults: replication factor $rf, few partitions.
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
default.replication.factor=$rf
min.insync.replicas=1
num.partitions=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true

# Small machine (2 cores).
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
PROPS
}
