#!/usr/bin/env bash
# A real Apache Kafka cluster of N KRaft nodes (each broker+controller) on 127.0.0.1 for
# kgitops' tests that need replication, racks or a broker going down. Like broker.sh, it
# runs the Maven Central jars; the code both share is in common.sh.
#
#   cluster.sh start            format fresh nodes, start them all, wait until ready
#   cluster.sh stop             KILL every node and delete the data (logs kept)
#   cluster.sh stop-node ID     TERM node ID (controlled shutdown); return when its JVM is gone
#   cluster.sh kill-node ID     KILL node ID's JVM
#   cluster.sh start-node ID    start node ID again on its data (no formatting), wait until
#                               every running node is registered and unfenced
#   cluster.sh pause-node ID    SIGSTOP node ID's JVM: a hung broker (connections open, no answers)
#   cluster.sh resume-node ID   SIGCONT it
#   cluster.sh status           list the nodes and their pids (exit 0 if all run)
#   cluster.sh env              print `export` lines: KGITOPS_CLUSTER_BOOTSTRAP, _NODE_<id>
#
# Ready means: every node is registered and unfenced (DescribeCluster), Metadata lists
# them all, a topic with replication factor N can be created, and the group coordinator
# answers. On 2 cores, 3 nodes take 6-9 s from `start` to ready, a restarted node 2 s.
#
# Node i (1..N) has node.id i, broker.rack rack-a, rack-b, ..., a PLAINTEXT listener on
# BASE+2(i-1) and its controller listener on BASE+2(i-1)+1. All N nodes are KRaft voters
# (controller.quorum.voters), so a cluster of 3 keeps its quorum with any one node down.
# A stopped node stays registered in KRaft, fenced: DescribeCluster v2 with
# IncludeFencedBrokers lists it with IsFenced, Metadata leaves it out. Brokers heartbeat
# every second and are fenced 3 s after their last one (Kafka's defaults: 2 s and 9 s).
# PLAINTEXT only, with the StandardAuthorizer: clients are User:ANONYMOUS, a super user.
# Internal topics have replication factor min(3, N).
#
# Environment:
#   KGITOPS_CLUSTER_DIR        state dir (default: <repo>/.kafka-test-cluster, git-ignored)
#   KGITOPS_CLUSTER_NODES      number of nodes, 1-26 (default 3)
#   KGITOPS_CLUSTER_BASE_PORT  first of the 2N ports (default 19100, so 19100-19105)
#   KGITOPS_CLUSTER_HEAP       java -Xmx per node (default 512m)
#   KGITOPS_CLUSTER_RACKS      each node's broker.rack, comma-separated (default rack-a,rack-b,...)
#   KGITOPS_CLUSTER_OWNER_PID  a process whose exit stops the cluster (kafkatest.ThreeNodes
#                              passes its test binary, so a killed test leaves no JVMs)
#   KGITOPS_BROKER_TIMEOUT     seconds to wait for readiness (default 120)
# `start` records the number of nodes and the base port in the state dir; the other
# commands read them from there.
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CSTATE=$(realpath -m "${KGITOPS_CLUSTER_DIR:-$REPO/.kafka-test-cluster}")
CONF=$CSTATE/cluster.conf # NODES and BASE_PORT of the cluster formatted here
NODES=${KGITOPS_CLUSTER_NODES:-3}
BASE_PORT=${KGITOPS_CLUSTER_BASE_PORT:-19100}
HEAP=${KGITOPS_CLUSTER_HEAP:-512m}
OWNER_PID=${KGITOPS_CLUSTER_OWNER_PID:-}
RACKS=abcdefghijklmnopqrstuvwxyz
IFS=', ' read -r -a RACK_LIST <<<"${KGITOPS_CLUSTER_RACKS:-}"

# rack_of I: node I's broker.rack: the I-th of KGITOPS_CLUSTER_RACKS, else rack-a, rack-b, ...
rack_of() {
	if ((${#RACK_LIST[@]} > 0)); then
		echo "${RACK_LIST[$1 - 1]:?KGITOPS_CLUSTER_RACKS names fewer racks than there are nodes}"
	else
		echo "rack-${RACKS:$1-1:1}"
	fi
}

load_conf() {
	# shellcheck disable=SC1090
	[[ -f $CONF ]] && source "$CONF"
	if ! [[ $NODES =~ ^[0-9]+$ ]] || ((NODES < 1 || NODES > 26)); then
		die "KGITOPS_CLUSTER_NODES=$NODES: want 1 to 26"
	fi
	if ! [[ $BASE_PORT =~ ^[0-9]+$ ]] || ((BASE_PORT < 1024 || BASE_PORT + 2 * NODES > 65536)); then
		die "KGITOPS_CLUSTER_BASE_PORT=$BASE_PORT: want a port from 1024 with room for $((2 * NODES)) ports"
	fi
}

node_dir() { echo "$CSTATE/node-$1"; }
plain_port() { echo $((BASE_PORT + 2 * ($1 - 1))); }
controller_port() { echo $((BASE_PORT + 2 * ($1 - 1) + 1)); }
ids() { seq 1 "$NODES"; }

# pid_of ID prints the pid of node ID, if it runs.
pid_of() {
	local d
	d=$(node_dir "$1")
	node_pid "$d/pid" "$d/server.properties"
}

# running_ids prints the ids of the nodes that run.
running_ids() {
	local i
	for i in $(ids); do
		pid_of "$i" >/dev/null && echo "$i"
	done
	return 0
}

check_id() {
	if ! [[ $1 =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > NODES)); then
		die "node id '$1': want 1 to $NODES"
	fi
}

# node_java_opts ID sets JAVA_OPTS for node ID: small heap and serial GC, so that three
# nodes fit on a small machine.
node_java_opts() {
	set_java_opts "$(node_dir "$1")/logs" "$HEAP" -Xms64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
}

write_node_properties() {
	local i=$1 d voters="" j rf=$((NODES < 3 ? NODES : 3))
	d=$(node_dir "$i")
	for j in $(ids); do
		voters+="${voters:+,}$j@$HOST:$(controller_port "$j")"
	done
	{
		echo "# Written by internal/testbroker/cluster.sh; rewritten on every fresh start."
		common_properties "$i" "$voters" "$d/data" "$rf"
		cat <<PROPS

listeners=PLAINTEXT://$HOST:$(plain_port "$i"),CONTROLLER://$HOST:$(controller_port "$i")
advertised.listeners=PLAINTEXT://$HOST:$(plain_port "$i")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
super.users=User:ANONYMOUS
broker.rack=$(rack_of "$i")

# Notice a dead broker quickly: fence it 3 s after its last heartbeat (defaults 9 s, 2 s).
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=1000
PROPS
	} >"$d/server.properties"
}

# bootstrap [ID...] prints the PLAINTEXT addresses of the given nodes (default: all).
bootstrap() {
	local i out="" nodes=("$@")
	((${#nodes[@]} > 0)) || mapfile -t nodes < <(ids)
	for i in "${nodes[@]}"; do
		out+="${out:+,}$HOST:$(plain_port "$i")"
	done
	echo "$out"
}

launch() {
	local i=$1 d
	d=$(node_dir "$i")
	node_java_opts "$i"
	launch_node "$d/server.properties" "$d/logs" "$d/pid"
	say "node $i: pid $LAUNCHED_PID, PLAINTEXT $HOST:$(plain_port "$i"), controller :$(controller_port "$i"), logs in $d/logs"
}

check_ports_free() {
	local i p
	for i in "$@"; do
		for p in "$(plain_port "$i")" "$(controller_port "$i")"; do
			if port_in_use "$p"; then
				die "port $HOST:$p (node $i) is already in use by another process.
  Stop it, or pick another KGITOPS_CLUSTER_BASE_PORT (and KGITOPS_CLUSTER_DIR for a second cluster)."
			fi
		done
	done
}

# wait_ready waits until every running node is registered and unfenced, or fails with
# the logs of every node.
wait_ready() {
	local running pids=() i err
	mapfile -t running < <(running_ids)
	((${#running[@]} > 0)) || die "no node of $CSTATE runs"
	for i in "${running[@]}"; do
		pids+=("$(pid_of "$i")")
	done
	say "waiting up to ${TIMEOUT}s for nodes ${running[*]} to be ready"
	if ! err=$("$CSTATE/waitready" -bootstrap "$(bootstrap "${running[@]}")" -sasl "" \
		-nodes "$(IFS=,; echo "${running[*]}")" -pid "$(IFS=,; echo "${pids[*]}")" \
		-timeout "${TIMEOUT}s" 2>&1); then
		for i in $(ids); do
			echo "===== node $i =====" >&2
			dump_logs "$(node_dir "$i")/logs"
		done
		die "cluster in $CSTATE did not become ready: $err"
	fi
}

# start_watchdog stops the cluster once $OWNER_PID exits, unless the cluster is stopped
# first (then cluster.conf is gone and the watchdog ends too).
start_watchdog() {
	[[ -n $OWNER_PID ]] || return 0
	[[ $OWNER_PID =~ ^[0-9]+$ ]] || die "KGITOPS_CLUSTER_OWNER_PID=$OWNER_PID is not a pid"
	local launcher=()
	command -v setsid >/dev/null && launcher=(setsid)
	KGITOPS_CLUSTER_DIR=$CSTATE "${launcher[@]}" bash "${BASH_SOURCE[0]}" _watch "$OWNER_PID" \
		</dev/null >>"$CSTATE/watchdog.log" 2>&1 &
	say "watchdog pid $!: stops the cluster when process $OWNER_PID exits"
}

cmd_watch() {
	local owner=$1
	while [[ -f $CONF && -e /proc/$owner && $(awk '{print $3}' "/proc/$owner/stat" 2>/dev/null) != Z ]]; do
		sleep 1
	done
	if [[ -f $CONF ]]; then
		say "$(date -Is): owner process $owner exited; stopping the cluster"
		cmd_stop
	fi
}

cmd_start() {
	mkdir -p "$CSTATE"
	local running i started=$SECONDS
	load_conf
	mapfile -t running < <(running_ids)
	if ((${#running[@]} > 0)); then
		say "nodes ${running[*]} already run from $CSTATE; starting the others on their data"
		build_waitready "$CSTATE/waitready"
		for i in $(ids); do
			pid_of "$i" >/dev/null || launch "$i"
		done
		wait_ready
		say "cluster of $NODES nodes ready after $((SECONDS - started))s: $(bootstrap)"
		return
	fi

	# A fresh cluster: the size and ports come from the environment, not an old conf.
	NODES=${KGITOPS_CLUSTER_NODES:-3} BASE_PORT=${KGITOPS_CLUSTER_BASE_PORT:-19100}
	rm -f "$CONF"
	load_conf
	check_tools
	# shellcheck disable=SC2046
	check_ports_free $(ids)
	resolve_jars "$CSTATE"
	build_waitready "$CSTATE/waitready"

	local cluster_id formats=()
	cluster_id=$(new_cluster_id)
	say "formatting $NODES fresh KRaft nodes in $CSTATE (cluster id $cluster_id)"
	for i in $(ids); do
		rm -rf "$(node_dir "$i")"
		mkdir -p "$(node_dir "$i")"/{data,logs}
		write_node_properties "$i"
		node_java_opts "$i"
		format_node "$cluster_id" "$(node_dir "$i")/server.properties" "$(node_dir "$i")/logs" &
		formats+=($!)
	done
	local failed=0
	for i in "${formats[@]}"; do
		wait "$i" || failed=1
	done
	((failed == 0)) || die "formatting failed (output above)"
	printf 'NODES=%s\nBASE_PORT=%s\n' "$NODES" "$BASE_PORT" >"$CONF"

	for i in $(ids); do
		launch "$i"
	done
	start_watchdog
	if ! (wait_ready); then
		cmd_stop
		exit 1
	fi
	say "cluster of $NODES nodes ready after $((SECONDS - started))s: $(bootstrap)"
}

cmd_stop() {
	load_conf
	local i pid pids=()
	for i in $(ids); do
		if pid=$(pid_of "$i"); then
			kill -KILL "$pid" 2>/dev/null || true
			pids+=("$pid")
		fi
	done
	for pid in "${pids[@]}"; do
		stop_pid "$pid" KILL
	done
	((${#pids[@]} == 0)) || say "killed nodes (pids ${pids[*]})"
	for i in $(ids); do
		rm -rf "$(node_dir "$i")/data" "$(node_dir "$i")/pid"
	done
	rm -f "$CONF"
	say "removed the data in $CSTATE (logs kept in $CSTATE/node-*/logs)"
}

# cmd_stop_node ID SIGNAL stops one node's JVM and nothing else.
cmd_stop_node() {
	load_conf
	check_id "$1"
	local pid t=$SECONDS
	pid=$(pid_of "$1") || die "node $1 of $CSTATE does not run"
	stop_pid "$pid" "$2"
	rm -f "$(node_dir "$1")/pid"
	say "node $1 (pid $pid) stopped with $2 in $((SECONDS - t))s"
}

# cmd_signal_node ID SIGNAL: pause-node (STOP) freezes node ID's JVM as a hung broker
# would: its connections stay open and nothing answers; resume-node (CONT) thaws it.
cmd_signal_node() {
	load_conf
	check_id "$1"
	local pid
	pid=$(pid_of "$1") || die "node $1 of $CSTATE does not run"
	kill -"$2" "$pid"
	say "node $1 (pid $pid): sent SIG$2"
}

cmd_start_node() {
	load_conf
	check_id "$1"
	[[ -f $CONF && -f $(node_dir "$1")/data/meta.properties ]] ||
		die "node $1 was never formatted in $CSTATE; run '$0 start' first"
	! pid_of "$1" >/dev/null || die "node $1 already runs (pid $(pid_of "$1"))"
	check_ports_free "$1"
	local t=$SECONDS
	[[ -x $CSTATE/waitready ]] || build_waitready "$CSTATE/waitready"
	launch "$1"
	wait_ready
	say "node $1 ready after $((SECONDS - t))s"
}

cmd_status() {
	load_conf
	local i pid rc=0
	echo "state dir $CSTATE, $NODES nodes"
	for i in $(ids); do
		if pid=$(pid_of "$i"); then
			echo "  node $i: running, pid $pid, $HOST:$(plain_port "$i")"
		else
			echo "  node $i: not running"
			rc=1
		fi
	done
	return "$rc"
}

cmd_env() {
	load_conf
	[[ -f $CONF ]] || die "no cluster formatted in $CSTATE; run '$0 start' first"
	local i
	echo "export KGITOPS_CLUSTER_BOOTSTRAP=$(bootstrap)"
	for i in $(ids); do
		echo "export KGITOPS_CLUSTER_NODE_$i=$(bootstrap "$i")"
	done
}

usage() {
	echo "usage: $0 start|stop|status|env|stop-node ID|kill-node ID|start-node ID|pause-node ID|resume-node ID" >&2
	exit 2
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
stop-node | kill-node | start-node | pause-node | resume-node | _watch)
	[[ $# == 2 ]] || usage
	case $1 in
	stop-node) cmd_stop_node "$2" TERM ;;
	kill-node) cmd_stop_node "$2" KILL ;;
	pause-node) cmd_signal_node "$2" STOP ;;
	resume-node) cmd_signal_node "$2" CONT ;;
	start-node) cmd_start_node "$2" ;;
	_watch) cmd_watch "$2" ;;
	esac
	;;
*) usage ;;
esac
