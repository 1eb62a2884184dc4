// Package doctor audits a live Kafka cluster against good practice and
// against its own limits: the KRaft quorum, partitions that are offline,
// under-replicated or under their min.insync.replicas, leader and replica
// balance, the replication of Kafka's internal topics, dangerous broker
// defaults, disk use, partitions per broker, single-replica topics and
// unbounded retention.
//
// It works in two steps, as reconcile does:
//   - Observe reads the cluster into a plain Cluster value, in two rounds
//     of requests whatever the number of topics: Metadata first, then
//     DescribeCluster, DescribeConfigs (one batch for the brokers, one for
//     the topics), DescribeLogDirs and DescribeQuorum side by side.
//   - Check turns a Cluster into sorted Findings. It is pure: no context,
//     no client, no clock (the observation time is part of the Cluster).
//
// The renderers print a Report as text, JSON or markdown.
//
// The package deliberately needs no repo and changes nothing in Kafka: a
// finding says what to change, with a kgitops YAML document where kgitops
// manages the thing, and leaves the change to the user. It reads only the
// config keys its checks need and never keeps a value the broker marks
// sensitive, so no secret can reach a report.
package doctor
