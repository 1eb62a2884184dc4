package spec

import "math"

// This file is the one place that knows Kafka's broker config keys, for
// BrokerConfig documents. It follows Apache Kafka 4.1: the keys
// DynamicBrokerConfig.AllDynamicConfigs lists (core/.../server/
// DynamicBrokerConfig.scala) plus the replication throttles of
// QuotaConfig.brokerQuotaConfigs, with the types a 4.1.1 broker reports
// for them (DescribeConfigs, readOnly false) and the ranges it enforces.
// Where a 4.1.1 broker and the Scala source disagree the broker wins:
// advertised.listeners is in DynamicListenerConfig but read-only in 4.1.
//
// Kafka keeps the dynamic configs at two levels: the cluster-wide
// defaults (BROKER resource "") and one broker (BROKER "<id>"). Some keys
// may only be set per broker (DynamicBrokerConfig.PerBrokerConfigs), and
// the SSL keystore and truststore keys only per listener, with the prefix
// listener.name.<listener>. (DynamicSecurityConfigs). A key a cluster has
// but this table lacks is allowed through Settings.extraBrokerConfigKeys.

// brokerScope is where a dynamic broker key may be set.
type brokerScope int

const (
	clusterOrBroker brokerScope = iota // the cluster-wide default or one broker
	perBroker                          // one broker only
	perListener                        // one broker, and only as listener.name.<listener>.<key>
)

// brokerKey is what Kafka accepts for one dynamic broker config key.
type brokerKey struct {
	// configKey is the value's type and range, as for topic keys. A
	// typeString without enum is free text (a class name, a host list); a
	// typeList without enum is a list of free items, in order.
	configKey
	// sensitive marks a PASSWORD key: its value comes from valueFrom, is
	// never printed, and Kafka never returns it.
	sensitive bool
	scope     brokerScope
	// listener says the key may also be set for one listener, as
	// listener.name.<listener>.<key>.
	listener bool
	doc      string
}

func bInt(lo, hi int64, doc string) brokerKey {
	return brokerKey{configKey: intKey(lo, hi), doc: doc}
}

func bLong(lo, hi int64, doc string) brokerKey {
	return brokerKey{configKey: longKey(lo, hi), doc: doc}
}

func bShort(doc string) brokerKey {
	return brokerKey{configKey: configKey{typ: typeInt, ints: intRange{lo: math.MinInt16, hi: math.MaxInt16, bits: 16}}, doc: doc}
}

func bDouble(lo, hi float64, doc string) brokerKey {
	return brokerKey{configKey: configKey{typ: typeDouble, lo: lo, hi: hi}, doc: doc}
}

func bBool(doc string) brokerKey { return brokerKey{configKey: boolKey, doc: doc} }

func bEnum(doc string, values ...string) brokerKey {
	return brokerKey{configKey: configKey{typ: typeString, enum: values}, doc: doc}
}

func bText(doc string) brokerKey { return brokerKey{configKey: configKey{typ: typeString}, doc: doc} }

func bList(doc string) brokerKey { return brokerKey{configKey: configKey{typ: typeList}, doc: doc} }

// security marks a key of a broker's listeners: set per broker, and also
// per listener.
func security(k brokerKey) brokerKey {
	k.scope, k.listener = perBroker, true
	return k
}

// keystore marks a key Kafka takes only per listener.
func keystore(k brokerKey) brokerKey {
	k.scope, k.listener = perListener, true
	return k
}

func password(doc string) brokerKey { return brokerKey{sensitive: true, doc: doc} }

const anyDouble = math.MaxFloat64

// brokerConfigs holds every dynamic broker config key of Kafka 4.1.
var brokerConfigs = map[string]brokerKey{
	// Defaults of topic configs (DynamicLogConfig).
	"compression.gzip.level":                    {configKey: topicConfigs["compression.gzip.level"], doc: "The gzip level of topics with compression.type gzip that set none."},
	"compression.lz4.level":                     bInt(1, 17, "The lz4 level of topics with compression.type lz4 that set none."),
	"compression.type":                          bEnum("The compression of topics that set none; producer keeps what the producer sent.", "uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
	"compression.zstd.level":                    bInt(-131072, 22, "The zstd level of topics with compression.type zstd that set none."),
	"log.cleaner.delete.retention.ms":           bLong(0, maxLong, "delete.retention.ms of topics that set none: how long tombstones stay on compacted topics."),
	"log.cleaner.max.compaction.lag.ms":         bLong(1, maxLong, "max.compaction.lag.ms of topics that set none."),
	"log.cleaner.min.cleanable.ratio":           bDouble(0, 1, "min.cleanable.dirty.ratio of topics that set none."),
	"log.cleaner.min.compaction.lag.ms":         bLong(0, maxLong, "min.compaction.lag.ms of topics that set none."),
	"log.cleanup.policy":                        {configKey: topicConfigs["cleanup.policy"], doc: "cleanup.policy of topics that set none: delete, compact, or both."},
	"log.flush.interval.messages":               bLong(1, maxLong, "flush.messages of topics that set none."),
	"log.flush.interval.ms":                     bLong(minLong, maxLong, "flush.ms of topics that set none."),
	"log.index.interval.bytes":                  bInt(0, maxInt, "index.interval.bytes of topics that set none."),
	"log.index.size.max.bytes":                  bInt(4, maxInt, "segment.index.bytes of topics that set none."),
	"log.local.retention.bytes":                 bLong(-2, maxLong, "local.retention.bytes of tiered topics that set none (-2: as log.retention.bytes)."),
	"log.local.retention.ms":                    bLong(-2, maxLong, "local.retention.ms of tiered topics that set none (-2: as log.retention.ms)."),
	"log.message.timestamp.after.max.ms":        bLong(0, maxLong, "message.timestamp.after.max.ms of topics that set none."),
	"log.message.timestamp.before.max.ms":       bLong(0, maxLong, "message.timestamp.before.max.ms of topics that set none."),
	"log.message.timestamp.type":                bEnum("message.timestamp.type of topics that set none.", "CreateTime", "LogAppendTime"),
	"log.preallocate":                           bBool("preallocate of topics that set none."),
	"log.retention.bytes":                       bLong(minLong, maxLong, "retention.bytes of topics that set none (-1: no size limit)."),
	"log.retention.ms":                          bLong(minLong, maxLong, "retention.ms of topics that set none (-1: no time limit)."),
	"log.roll.jitter.ms":                        bLong(0, maxLong, "segment.jitter.ms of topics that set none."),
	"log.roll.ms":                               bLong(1, maxLong, "segment.ms of topics that set none."),
	"log.segment.bytes":                         bInt(1048576, maxInt, "segment.bytes of topics that set none (at least 1 MiB)."),
	"log.segment.delete.delay.ms":               bLong(0, maxLong, "file.delete.delay.ms of topics that set none."),
	"message.max.bytes":                         bInt(0, maxInt, "max.message.bytes of topics that set none: the largest record batch they accept."),
	"min.insync.replicas":                       bInt(1, maxInt, "min.insync.replicas of topics that set none. Kafka 4 keeps a cluster-wide value from the start and refuses to remove it."),
	"unclean.leader.election.enable":            bBool("unclean.leader.election.enable of topics that set none: whether an out-of-sync replica may become leader, losing messages."),
	"transaction.partition.verification.enable": bBool("Whether the broker checks that a transaction added a partition before writing to it."),
	"producer.id.expiration.ms":                 bInt(1, maxInt, "How long a producer id is kept after its last write."),

	// The log cleaner (LogCleaner.ReconfigurableConfigs).
	"log.cleaner.backoff.ms":              bLong(0, maxLong, "How long the cleaner sleeps when it has nothing to clean."),
	"log.cleaner.dedupe.buffer.size":      bLong(0, maxLong, "Memory for deduplication across all cleaner threads (Kafka wants at least 1 MiB per thread)."),
	"log.cleaner.io.buffer.load.factor":   bDouble(-anyDouble, anyDouble, "How full the cleaner's dedupe buffer may get."),
	"log.cleaner.io.buffer.size":          bInt(0, maxInt, "Memory for the cleaner's I/O buffers across all threads."),
	"log.cleaner.io.max.bytes.per.second": bDouble(-anyDouble, anyDouble, "The cleaner's read and write rate limit, in bytes per second."),
	"log.cleaner.threads":                 bInt(0, maxInt, "The number of log cleaner threads."),

	// Thread pools (DynamicThreadPool): Kafka also refuses less than half
	// or more than double the current count.
	"background.threads":                bInt(1, maxInt, "Threads for background tasks."),
	"num.io.threads":                    bInt(1, maxInt, "Threads that handle requests (between half and double the current count at a time)."),
	"num.network.threads":               {configKey: intKey(1, maxInt), listener: true, doc: "Network threads per listener (between half and double the current count at a time)."},
	"num.recovery.threads.per.data.dir": bInt(1, maxInt, "Threads per log dir for recovery at startup and flushing at shutdown."),
	"num.replica.fetchers":              bInt(1, maxInt, "Fetcher threads per source broker (between half and double the current count at a time)."),

	// Connection limits (SocketServer.ReconfigurableConfigs).
	"max.connection.creation.rate":     {configKey: intKey(0, maxInt), listener: true, doc: "New connections per second the broker accepts."},
	"max.connections":                  {configKey: intKey(0, maxInt), listener: true, doc: "Connections the broker accepts at once."},
	"max.connections.per.ip":           bInt(0, maxInt, "Connections one IP address may hold."),
	"max.connections.per.ip.overrides": bText("Per-IP connection limits, as host:count,host:count."),

	// Metrics reporters.
	"metric.reporters": bList("Classes of metrics reporters."),

	// Tiered storage (DynamicRemoteLogConfig).
	"remote.fetch.max.wait.ms":                       bInt(1, maxInt, "How long a remote fetch may wait."),
	"remote.list.offsets.request.timeout.ms":         bLong(1, maxLong, "How long a remote ListOffsets may take."),
	"remote.log.index.file.cache.total.size.bytes":   bLong(1, maxLong, "The size of the remote index file cache."),
	"remote.log.manager.copier.thread.pool.size":     bInt(1, maxInt, "Threads that copy segments to remote storage."),
	"remote.log.manager.copy.max.bytes.per.second":   bLong(1, maxLong, "The rate limit of copies to remote storage, in bytes per second."),
	"remote.log.manager.expiration.thread.pool.size": bInt(1, maxInt, "Threads that expire remote segments."),
	"remote.log.manager.fetch.max.bytes.per.second":  bLong(1, maxLong, "The rate limit of fetches from remote storage, in bytes per second."),
	"remote.log.reader.threads":                      bInt(1, maxInt, "Threads that read from remote storage."),

	// Replication throttles (QuotaConfig.brokerQuotaConfigs): a
	// reassignment sets them for a while, so kgitops leaves them alone on
	// a BrokerConfig that does not declare them (see BrokerConfigIgnoredByDefault).
	"leader.replication.throttled.rate":              bLong(0, maxLong, "Bytes per second of replication traffic for throttled leader replicas."),
	"follower.replication.throttled.rate":            bLong(0, maxLong, "Bytes per second of replication traffic for throttled follower replicas."),
	"replica.alter.log.dirs.io.max.bytes.per.second": bLong(0, maxLong, "Bytes per second of disk I/O for moving replicas between log dirs."),

	// Listeners (DynamicListenerConfig), per broker.
	"listeners":                      {configKey: configKey{typ: typeString}, scope: perBroker, doc: "The broker's listeners, as NAME://host:port,..."},
	"listener.security.protocol.map": {configKey: configKey{typ: typeString}, scope: perBroker, doc: "Listener names to security protocols, as NAME:PROTOCOL,..."},
	"principal.builder.class":        security(bText("The class that builds principals from connections.")),

	// SSL, per broker or per listener.
	"ssl.cipher.suites":                     security(bList("The enabled cipher suites, in order.")),
	"ssl.client.auth":                       security(bEnum("Whether clients must present a certificate.", "required", "requested", "none")),
	"ssl.enabled.protocols":                 security(bList("The enabled TLS protocols.")),
	"ssl.endpoint.identification.algorithm": security(bText("How peers' host names are checked (https), or empty for no check.")),
	"ssl.engine.factory.class":              security(bText("The class that builds SSL engines.")),
	"ssl.keymanager.algorithm":              security(bText("The key manager algorithm.")),
	"ssl.protocol":                          security(bText("The TLS protocol of SSL contexts.")),
	"ssl.provider":                          security(bText("The security provider of SSL.")),
	"ssl.secure.random.implementation":      security(bText("The SecureRandom implementation of SSL.")),
	"ssl.trustmanager.algorithm":            security(bText("The trust manager algorithm.")),

	// Keystores and truststores (SslConfigs.RECONFIGURABLE_CONFIGS), per
	// listener only.
	"ssl.keystore.type":              keystore(bText("The keystore's format: JKS, PKCS12 or PEM.")),
	"ssl.keystore.location":          keystore(bText("The keystore's path on the broker.")),
	"ssl.keystore.password":          keystore(password("The keystore's password.")),
	"ssl.key.password":               keystore(password("The private key's password.")),
	"ssl.keystore.key":               keystore(password("The private key, as PEM.")),
	"ssl.keystore.certificate.chain": keystore(password("The certificate chain, as PEM.")),
	"ssl.truststore.type":            keystore(bText("The truststore's format: JKS, PKCS12 or PEM.")),
	"ssl.truststore.location":        keystore(bText("The truststore's path on the broker.")),
	"ssl.truststore.password":        keystore(password("The truststore's password.")),
	"ssl.truststore.certificates":    keystore(password("The trusted certificates, as PEM.")),

	// SASL, per broker or per listener.
	"sasl.enabled.mechanisms":                  security(bList("The SASL mechanisms the broker accepts.")),
	"sasl.jaas.config":                         security(password("The JAAS login configuration.")),
	"sasl.kerberos.kinit.cmd":                  security(bText("The kinit command.")),
	"sasl.kerberos.min.time.before.relogin":    security(bLong(minLong, maxLong, "Milliseconds between Kerberos refresh attempts.")),
	"sasl.kerberos.principal.to.local.rules":   security(bList("Rules that map Kerberos principals to short names, in order.")),
	"sasl.kerberos.service.name":               security(bText("The Kerberos principal name Kafka runs as.")),
	"sasl.kerberos.ticket.renew.jitter":        security(bDouble(-anyDouble, anyDouble, "Random jitter added to the Kerberos renewal time.")),
	"sasl.kerberos.ticket.renew.window.factor": security(bDouble(-anyDouble, anyDouble, "When, as a fraction of a ticket's lifetime, to renew it.")),
	"sasl.login.refresh.buffer.seconds":        security(bShort("Seconds of a credential's life to keep when refreshing it.")),
	"sasl.login.refresh.min.period.seconds":    security(bShort("The least time between two credential refreshes, in seconds.")),
	"sasl.login.refresh.window.factor":         security(bDouble(-anyDouble, anyDouble, "When, as a fraction of a credential's lifetime, to refresh it.")),
	"sasl.login.refresh.window.jitter":         security(bDouble(-anyDouble, anyDouble, "Random jitter added to the credential refresh time.")),
	"sasl.mechanism.inter.broker.protocol":     security(bText("The SASL mechanism brokers use with each other.")),
}

// listenerMechanismConfigs are keys a broker takes per listener and SASL
// mechanism, as listener.name.<listener>.<mechanism>.<key>
// (DynamicBrokerConfig.ListenerMechanismConfigs).
var listenerMechanismConfigs = map[string]brokerKey{
	"sasl.jaas.config":                   password("The JAAS login configuration of one SASL mechanism."),
	"sasl.login.callback.handler.class":  bText("The login callback handler class of one SASL mechanism."),
	"sasl.login.class":                   bText("The login class of one SASL mechanism."),
	"sasl.server.callback.handler.class": bText("The server callback handler class of one SASL mechanism."),
	"connections.max.reauth.ms":          bLong(0, maxLong, "How often clients of one SASL mechanism must authenticate again."),
}

// brokerIgnoredByDefault are the keys a BrokerConfig leaves alone unless
// it declares them: a partition reassignment (kafka-reassign-partitions)
// sets them for as long as it runs.
var brokerIgnoredByDefault = []string{
	"follower.replication.throttled.rate",
	"leader.replication.throttled.rate",
	"replica.alter.log.dirs.io.max.bytes.per.second",
}

// clusterKeptKeys are cluster-wide defaults a BrokerConfig for the
// default leaves alone unless it declares them, and never removes: a
// Kafka 4 controller writes min.insync.replicas when the cluster is
// formatted and refuses to remove it while eligible leader replicas are
// on ("Cluster-level min.insync.replicas cannot be removed while ELR is
// enabled").
var clusterKeptKeys = []string{"min.insync.replicas"}

// removedBrokerConfigs are broker keys Kafka 4.0 removed, with what to do
// instead.
var removedBrokerConfigs = map[string]string{
	"log.message.format.version":              "remove it: every topic uses message format v2",
	"log.message.timestamp.difference.max.ms": "use log.message.timestamp.before.max.ms and log.message.timestamp.after.max.ms instead",
	"log.message.downconversion.enable":       "remove it: Kafka 4 no longer converts messages for old consumers",
}

// brokerSynonyms name the broker key that holds the default of a topic
// key, for a topic key written in a BrokerConfig
// (ServerTopicConfigSynonyms).
var brokerSynonyms = map[string]string{
	"cleanup.policy":                  "log.cleanup.policy",
	"delete.retention.ms":             "log.cleaner.delete.retention.ms",
	"file.delete.delay.ms":            "log.segment.delete.delay.ms",
	"flush.messages":                  "log.flush.interval.messages",
	"flush.ms":                        "log.flush.interval.ms",
	"index.interval.bytes":            "log.index.interval.bytes",
	"local.retention.bytes":           "log.local.retention.bytes",
	"local.retention.ms":              "log.local.retention.ms",
	"max.compaction.lag.ms":           "log.cleaner.max.compaction.lag.ms",
	"max.message.bytes":               "message.max.bytes",
	"message.timestamp.after.max.ms":  "log.message.timestamp.after.max.ms",
	"message.timestamp.before.max.ms": "log.message.timestamp.before.max.ms",
	"message.timestamp.type":          "log.message.timestamp.type",
	"min.cleanable.dirty.ratio":       "log.cleaner.min.cleanable.ratio",
	"min.compaction.lag.ms":           "log.cleaner.min.compaction.lag.ms",
	"preallocate":                     "log.preallocate",
	"retention.bytes":                 "log.retention.bytes",
	"retention.ms":                    "log.retention.ms",
	"segment.bytes":                   "log.segment.bytes",
	"segment.index.bytes":             "log.index.size.max.bytes",
	"segment.jitter.ms":               "log.roll.jitter.ms",
	"segment.ms":                      "log.roll.ms",
}

// staticHints say what to write instead of a static key that has a
// dynamic twin.
var staticHints = map[string]string{
	"log.retention.hours":   "use log.retention.ms, which takes units: log.retention.ms: 7d",
	"log.retention.minutes": "use log.retention.ms, which takes units: log.retention.ms: 90m",
	"log.roll.hours":        "use log.roll.ms, which takes units: log.roll.ms: 1d",
	"log.roll.jitter.hours": "use log.roll.jitter.ms, which takes units: log.roll.jitter.ms: 1h",
}

// staticBrokerConfigs are the broker keys Kafka 4.1.1 reports as
// read-only: read from server.properties at startup, never altered while
// the broker runs ("Cannot update these configs dynamically").
var staticBrokerConfigs = []string{
	"add.partitions.to.txn.retry.backoff.max.ms", "add.partitions.to.txn.retry.backoff.ms", "advertised.listeners",
	"allow.everyone.if.no.acl.found", "alter.config.policy.class.name", "alter.log.dirs.replication.quota.window.num",
	"alter.log.dirs.replication.quota.window.size.seconds", "authorizer.class.name", "auto.create.topics.enable",
	"auto.leader.rebalance.enable", "broker.heartbeat.interval.ms", "broker.id", "broker.rack", "broker.session.timeout.ms",
	"client.quota.callback.class", "connection.failed.authentication.delay.ms", "connections.max.idle.ms",
	"connections.max.reauth.ms", "controlled.shutdown.enable", "controller.listener.names",
	"controller.quorum.append.linger.ms", "controller.quorum.bootstrap.servers", "controller.quorum.election.backoff.max.ms",
	"controller.quorum.election.timeout.ms", "controller.quorum.fetch.timeout.ms", "controller.quorum.request.timeout.ms",
	"controller.quorum.retry.backoff.ms", "controller.quorum.voters", "controller.quota.window.num",
	"controller.quota.window.size.seconds", "controller.socket.timeout.ms", "create.topic.policy.class.name",
	"default.replication.factor", "delegation.token.expiry.check.interval.ms", "delegation.token.expiry.time.ms",
	"delegation.token.max.lifetime.ms", "delegation.token.secret.key", "delete.records.purgatory.purge.interval.requests",
	"delete.topic.enable", "early.start.listeners", "fetch.max.bytes", "fetch.purgatory.purge.interval.requests",
	"group.consumer.assignors", "group.consumer.heartbeat.interval.ms", "group.consumer.max.heartbeat.interval.ms",
	"group.consumer.max.session.timeout.ms", "group.consumer.max.size", "group.consumer.migration.policy",
	"group.consumer.min.heartbeat.interval.ms", "group.consumer.min.session.timeout.ms", "group.consumer.session.timeout.ms",
	"group.coordinator.append.linger.ms", "group.coordinator.rebalance.protocols", "group.coordinator.threads",
	"group.initial.rebalance.delay.ms", "group.max.session.timeout.ms", "group.max.size", "group.min.session.timeout.ms",
	"group.share.assignors", "group.share.delivery.count.limit", "group.share.heartbeat.interval.ms",
	"group.share.max.heartbeat.interval.ms", "group.share.max.record.lock.duration.ms", "group.share.max.session.timeout.ms",
	"group.share.max.share.sessions", "group.share.max.size", "group.share.min.heartbeat.interval.ms",
	"group.share.min.record.lock.duration.ms", "group.share.min.session.timeout.ms", "group.share.partition.max.record.locks",
	"group.share.record.lock.duration.ms", "group.share.session.timeout.ms", "group.streams.heartbeat.interval.ms",
	"group.streams.max.heartbeat.interval.ms", "group.streams.max.session.timeout.ms", "group.streams.max.size",
	"group.streams.max.standby.replicas", "group.streams.min.heartbeat.interval.ms", "group.streams.min.session.timeout.ms",
	"group.streams.num.standby.replicas", "group.streams.session.timeout.ms", "initial.broker.registration.timeout.ms",
	"inter.broker.listener.name", "kafka.metrics.polling.interval.secs", "kafka.metrics.reporters",
	"leader.imbalance.check.interval.seconds", "log.cleaner.enable", "log.dir", "log.dir.failure.timeout.ms", "log.dirs",
	"log.flush.offset.checkpoint.interval.ms", "log.flush.scheduler.interval.ms", "log.flush.start.offset.checkpoint.interval.ms",
	"log.retention.check.interval.ms", "log.retention.hours", "log.retention.minutes", "log.roll.hours", "log.roll.jitter.hours",
	"max.incremental.fetch.session.cache.slots", "max.request.partition.size.limit", "metadata.log.dir",
	"metadata.log.max.record.bytes.between.snapshots", "metadata.log.max.snapshot.interval.ms", "metadata.log.segment.bytes",
	"metadata.log.segment.ms", "metadata.max.idle.interval.ms", "metadata.max.retention.bytes", "metadata.max.retention.ms",
	"metrics.num.samples", "metrics.recording.level", "metrics.sample.window.ms", "node.id", "num.partitions",
	"num.replica.alter.log.dirs.threads", "offset.metadata.max.bytes", "offsets.commit.timeout.ms", "offsets.load.buffer.size",
	"offsets.retention.check.interval.ms", "offsets.retention.minutes", "offsets.topic.compression.codec",
	"offsets.topic.num.partitions", "offsets.topic.replication.factor", "offsets.topic.segment.bytes", "process.roles",
	"producer.purgatory.purge.interval.requests", "queued.max.request.bytes", "queued.max.requests", "quota.window.num",
	"quota.window.size.seconds", "remote.log.manager.copy.quota.window.num", "remote.log.manager.copy.quota.window.size.seconds",
	"remote.log.manager.fetch.quota.window.num", "remote.log.manager.fetch.quota.window.size.seconds",
	"remote.log.manager.task.interval.ms", "remote.log.manager.thread.pool.size", "remote.log.metadata.custom.metadata.max.bytes",
	"remote.log.metadata.manager.class.name", "remote.log.metadata.manager.class.path", "remote.log.metadata.manager.impl.prefix",
	"remote.log.metadata.manager.listener.name", "remote.log.reader.max.pending.tasks", "remote.log.storage.manager.class.name",
	"remote.log.storage.manager.class.path", "remote.log.storage.manager.impl.prefix", "remote.log.storage.system.enable",
	"replica.fetch.backoff.ms", "replica.fetch.max.bytes", "replica.fetch.min.bytes", "replica.fetch.response.max.bytes",
	"replica.fetch.wait.max.ms", "replica.high.watermark.checkpoint.interval.ms", "replica.lag.time.max.ms",
	"replica.selector.class", "replica.socket.receive.buffer.bytes", "replica.socket.timeout.ms", "replication.quota.window.num",
	"replication.quota.window.size.seconds", "request.timeout.ms", "sasl.client.callback.handler.class",
	"sasl.login.callback.handler.class", "sasl.login.class", "sasl.login.connect.timeout.ms", "sasl.login.read.timeout.ms",
	"sasl.login.retry.backoff.max.ms", "sasl.login.retry.backoff.ms", "sasl.mechanism.controller.protocol",
	"sasl.oauthbearer.assertion.algorithm", "sasl.oauthbearer.assertion.claim.aud", "sasl.oauthbearer.assertion.claim.exp.seconds",
	"sasl.oauthbearer.assertion.claim.iss", "sasl.oauthbearer.assertion.claim.jti.include", "sasl.oauthbearer.assertion.claim.nbf.seconds",
	"sasl.oauthbearer.assertion.claim.sub", "sasl.oauthbearer.assertion.file", "sasl.oauthbearer.assertion.private.key.file",
	"sasl.oauthbearer.assertion.private.key.passphrase", "sasl.oauthbearer.assertion.template.file",
	"sasl.oauthbearer.client.credentials.client.id", "sasl.oauthbearer.client.credentials.client.secret",
	"sasl.oauthbearer.clock.skew.seconds", "sasl.oauthbearer.expected.audience", "sasl.oauthbearer.expected.issuer",
	"sasl.oauthbearer.jwks.endpoint.refresh.ms", "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms",
	"sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", "sasl.oauthbearer.jwks.endpoint.url", "sasl.oauthbearer.jwt.retriever.class",
	"sasl.oauthbearer.jwt.validator.class", "sasl.oauthbearer.scope", "sasl.oauthbearer.scope.claim.name",
	"sasl.oauthbearer.sub.claim.name", "sasl.oauthbearer.token.endpoint.url", "sasl.server.callback.handler.class",
	"sasl.server.max.receive.size", "security.inter.broker.protocol", "security.providers", "share.coordinator.append.linger.ms",
	"share.coordinator.load.buffer.size", "share.coordinator.snapshot.update.records.per.snapshot",
	"share.coordinator.state.topic.compression.codec", "share.coordinator.state.topic.min.isr",
	"share.coordinator.state.topic.num.partitions", "share.coordinator.state.topic.replication.factor",
	"share.coordinator.state.topic.segment.bytes", "share.coordinator.threads", "share.coordinator.write.timeout.ms",
	"share.fetch.purgatory.purge.interval.requests", "socket.connection.setup.timeout.max.ms", "socket.connection.setup.timeout.ms",
	"socket.listen.backlog.size", "socket.receive.buffer.bytes", "socket.request.max.bytes", "socket.send.buffer.bytes",
	"ssl.allow.dn.changes", "ssl.allow.san.changes", "ssl.principal.mapping.rules", "super.users", "telemetry.max.bytes",
	"transaction.abort.timed.out.transaction.cleanup.interval.ms", "transaction.max.timeout.ms",
	"transaction.remove.expired.transaction.cleanup.interval.ms", "transaction.state.log.load.buffer.size",
	"transaction.state.log.min.isr", "transaction.state.log.num.partitions", "transaction.state.log.replication.factor",
	"transaction.state.log.segment.bytes", "transaction.two.phase.commit.enable", "transactional.id.expiration.ms",
}
