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
#   KGITOPS_BROKER_SSL_PORT         SSL listener, server certificate only, User:ANONYMOUS (default 19096)
#   KGITOPS_BROKER_MTLS_PORT        SSL listener that requires a client certificate (default 19097)
#   KGITOPS_BROKER_SASL_SSL_PORT    SASL_SSL listener, SCRAM-SHA-256/512 over TLS (default 19098)
#   KGITOPS_BROKER_TIMEOUT          seconds to wait for readiness (default 120)
#   KGITOPS_BROKER_HEAP             java -Xmx (default 768m)
#
# TLS: every fresh start makes a new CA, a broker certificate (localhost, 127.0.0.1, ::1
# and broker.kgitops.test) and two client certificates with mkcerts/main.go, in
# $STATE/tls; `env` gives their paths. The CA's key is never written to disk. A client
# certificate's principal is User:<its CN>: client.pem is User:kgitops-test-client, a
# super user; nobody.pem is User:kgitops-test-nobody, granted nothing.
#
# Three nodes: cluster.sh, next to this script, runs a cluster of N (default 3) combined
# nodes with racks rack-a, rack-b, ... and a PLAINTEXT listener each, and stops, kills and
# restarts single nodes (`cluster.sh stop-node 3`, `cluster.sh start-node 3`). It has its
# own state dir (<repo>/.kafka-test-cluster) and ports (19100-19105 by default), so it runs
# beside this broker. `make test` does not start it: a Go test that needs it calls
# kafkatest.ThreeNodes, which starts a cluster for that test alone, on free ports, when a
# real broker is configured. The code both scripts share is in common.sh.
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STATE=$(realpath -m "${KGITOPS_BROKER_DIR:-$REPO/.kafka-test}")
PORT=${KGITOPS_BROKER_PORT:-19092}
SASL_PORT=${KGITOPS_BROKER_SASL_PORT:-19093}
CONTROLLER_PORT=${KGITOPS_BROKER_CONTROLLER_PORT:-19094}
SSL_PORT=${KGITOPS_BROKER_SSL_PORT:-19096} # 19095 is registry.sh's
MTLS_PORT=${KGITOPS_BROKER_MTLS_PORT:-19097}
SASL_SSL_PORT=${KGITOPS_BROKER_SASL_SSL_PORT:-19098}
HEAP=${KGITOPS_BROKER_HEAP:-768m}
ADMIN_USER="admin"
TLS_CLIENT=kgitops-test-client # CN of tls/client.pem, a super user
TLS_NOBODY=kgitops-test-nobody # CN of tls/nobody.pem, granted nothing

PROPS=$STATE/server.properties
PIDFILE=$STATE/broker.pid
ENVFILE=$STATE/env.sh # written at start; `env` prints it
LOGS=$STATE/logs
DATA=$STATE/data
TLS=$STATE/tls

set_java_opts "$LOGS" "$HEAP" -Xms256m -XX:+UseG1GC -XX:MaxGCPauseMillis=20

# running_pid prints the pid of the broker started from $STATE, if it still runs.
running_pid() { node_pid "$PIDFILE" "$PROPS"; }

write_properties() {
	local password=$1
	{
		echo "# Written by internal/testbroker/broker.sh; rewritten on every fresh start."
		common_properties 1 "1@$HOST:$CONTROLLER_PORT" "$DATA" 1
		cat <<PROPS

listeners=PLAINTEXT://$HOST:$PORT,SASL_PLAINTEXT://$HOST:$SASL_PORT,SSL://$HOST:$SSL_PORT,MTLS://$HOST:$MTLS_PORT,SASL_SSL://$HOST:$SASL_SSL_PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT,SASL_PLAINTEXT://$HOST:$SASL_PORT,SSL://$HOST:$SSL_PORT,MTLS://$HOST:$MTLS_PORT,SASL_SSL://$HOST:$SASL_SSL_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
super.users=User:$ADMIN_USER;User:ANONYMOUS;User:$TLS_CLIENT

# TLS on SSL, MTLS and SASL_SSL, from the PEM files mkcerts wrote (no JKS, no keytool).
# The key in broker.pem is unencrypted PKCS#8, so ssl.key.password stays unset. SSL
# without a client certificate is User:ANONYMOUS; MTLS requires one, and its principal
# is User:<CN>.
ssl.keystore.type=PEM
ssl.keystore.location=$TLS/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS/ca.pem
listener.name.mtls.ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=([a-zA-Z0-9._-]+)\$/\$1/,DEFAULT

# SCRAM on the SASL listener; the admin credentials are bootstrapped by StorageTool -S.
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_USER" password="$password";
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_USER" password="$password";
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_USER" password="$password";
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_USER" password="$password";
PROPS
	} >"$PROPS"
}

cmd_start() {
	mkdir -p "$STATE"
	local pid
	if pid=$(running_pid); then
		say "broker already running from $STATE (pid $pid); reusing it"
		[[ -f $ENVFILE ]] || die "broker runs but $ENVFILE is missing; run '$0 stop' and start again"
		# shellcheck disable=SC1090
		source "$ENVFILE"
		build_waitready "$STATE/waitready"
		wait_ready "$pid"
		return
	fi

	check_tools
	local p
	for p in "$PORT" "$SASL_PORT" "$CONTROLLER_PORT" "$SSL_PORT" "$MTLS_PORT" "$SASL_SSL_PORT"; do
		if port_in_use "$p"; then
			die "port $HOST:$p is already in use by another process (not a broker from $STATE).
  Stop it, or pick other ports: KGITOPS_BROKER_PORT, KGITOPS_BROKER_SASL_PORT, KGITOPS_BROKER_CONTROLLER_PORT,
  KGITOPS_BROKER_SSL_PORT, KGITOPS_BROKER_MTLS_PORT, KGITOPS_BROKER_SASL_SSL_PORT
  (and KGITOPS_BROKER_DIR for a second broker)."
		fi
	done

	resolve_jars "$STATE"
	build_waitready "$STATE/waitready"

	local started=$SECONDS password
	say "formatting a fresh KRaft node in $STATE"
	rm -rf "$DATA" "$LOGS" "$PIDFILE" "$ENVFILE" "$TLS"
	mkdir -p "$DATA" "$LOGS"
	make_certs
	password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	write_properties "$password"
	format_node "$(new_cluster_id)" "$PROPS" "$LOGS" \
		-S "SCRAM-SHA-256=[name=$ADMIN_USER,password=$password]" \
		-S "SCRAM-SHA-512=[name=$ADMIN_USER,password=$password]"

	cat >"$ENVFILE" <<ENV
export KGITOPS_TEST_KAFKA=$HOST:$PORT
export KGITOPS_TEST_KAFKA_SASL=$HOST:$SASL_PORT
export KGITOPS_TEST_KAFKA_ADMIN_USER=$ADMIN_USER
export KGITOPS_TEST_KAFKA_ADMIN_PASSWORD=$password
export KGITOPS_TEST_KAFKA_TLS=$HOST:$SSL_PORT
export KGITOPS_TEST_KAFKA_MTLS=$HOST:$MTLS_PORT
export KGITOPS_TEST_KAFKA_SASL_SSL=$HOST:$SASL_SSL_PORT
export KGITOPS_TEST_KAFKA_TLS_CA=$TLS/ca.pem
export KGITOPS_TEST_KAFKA_TLS_CLIENT_CERT=$TLS/client.pem
export KGITOPS_TEST_KAFKA_TLS_CLIENT_KEY=$TLS/client-key.pem
export KGITOPS_TEST_KAFKA_TLS_NOBODY_CERT=$TLS/nobody.pem
export KGITOPS_TEST_KAFKA_TLS_NOBODY_KEY=$TLS/nobody-key.pem
ENV

	say "starting kafka.Kafka (KRaft combined mode) on $HOST:$PORT (PLAINTEXT), :$SASL_PORT (SASL), :$SSL_PORT (SSL), :$MTLS_PORT (mTLS), :$SASL_SSL_PORT (SASL_SSL), :$CONTROLLER_PORT (controller)"
	launch_node "$PROPS" "$LOGS" "$PIDFILE"
	pid=$LAUNCHED_PID
	say "broker pid $pid, logs in $LOGS"

	# shellcheck disable=SC1090
	source "$ENVFILE"
	wait_ready "$pid"
	say "broker ready after $((SECONDS - started))s"
}

# make_certs writes a fresh CA, broker and client certificates to $TLS (mkcerts/main.go).
make_certs() {
	(cd "$REPO" && go run ./internal/testbroker/mkcerts -dir "$TLS" -host "$HOST" \
		-client "$TLS_CLIENT" -nobody "$TLS_NOBODY") ||
		die "could not make the test certificates (internal/testbroker/mkcerts)"
}

# wait_ready runs the Go readiness check (see waitready/main.go) against the broker.
wait_ready() {
	local pid=$1 err tls=()
	# A broker an older broker.sh started, and this one reuses, has no TLS listeners.
	if [[ -n ${KGITOPS_TEST_KAFKA_TLS:-} ]]; then
		tls=(-tls-dir "$TLS" -tls "$KGITOPS_TEST_KAFKA_TLS" -mtls "$KGITOPS_TEST_KAFKA_MTLS")
	fi
	say "waiting up to ${TIMEOUT}s for the broker to be ready"
	if ! err=$("$STATE/waitready" \
		-bootstrap "$KGITOPS_TEST_KAFKA" -sasl "$KGITOPS_TEST_KAFKA_SASL" \
		-user "$KGITOPS_TEST_KAFKA_ADMIN_USER" -pid "$pid" -timeout "${TIMEOUT}s" "${tls[@]}" 2>&1); then
		dump_logs "$LOGS"
		stop_pid "$pid"
		die "broker did not become ready: $err"
	fi
}

cmd_stop() {
	local pid
	if pid=$(running_pid); then
		say "stopping broker pid $pid"
		stop_pid "$pid"
	else
		say "no broker running from $STATE"
	fi
	rm -rf "$DATA" "$PIDFILE" "$ENVFILE" "$TLS"
	say "removed $DATA and $TLS (logs kept in $LOGS)"
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
