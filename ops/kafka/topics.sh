#!/usr/bin/env bash
# Creates Liquida's four event topics on a real Kafka cluster with kafka-topics.sh (Apache
# Kafka's distribution). Idempotent (--if-not-exists). Usage:
#
#   ops/kafka/topics.sh BOOTSTRAP [--partitions N] [--replication R] [--min-insync M]
#                     [--command-config FILE] [--dry-run]
#
#   BOOTSTRAP         host:port[,host:port...] of the cluster
#   --partitions N    partitions per topic (default 8, as `liquida serve --partitions`). Must
#                     equal the --partitions Liquida runs with: Liquida refuses to start on
#                     topics with another count (log.config_mismatch). Choose it once: adding
#                     partitions later moves providers to other partitions (docs/OPERATIONS.md).
#   --replication R   replication factor (default 3)
#   --min-insync M    min.insync.replicas (default 2). With Liquida's acks=all an append is
#                     acknowledged once M replicas have it; R=3, M=2 keeps appends going
#                     with one broker down. A single-node cluster needs --replication 1 --min-insync 1.
#   --command-config  Java client properties for the admin client (security.protocol, SASL,
#                     TLS): see ops/kafka/admin-client.properties. Not the librdkafka file
#                     Liquida's --kafka-config reads (ops/kafka/client.properties).
#   --dry-run         print the commands instead of running them
#
# KAFKA_BIN: folder of kafka-topics.sh (default: found on PATH, else /opt/kafka/bin).
set -euo pipefail

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 1 ] || usage
bootstrap=$1
shift
partitions=8
replication=3
min_insync=2
command_config=""
dry_run=0
while [ $# -gt 0 ]; do
  case $1 in
    --partitions) partitions=${2:?--partitions needs a value}; shift 2 ;;
    --replication) replication=${2:?--replication needs a value}; shift 2 ;;
    --min-insync) min_insync=${2:?--min-insync needs a value}; shift 2 ;;
    --command-config) command_config=${2:?--command-config needs a file}; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    *) echo "topics.sh: unknown argument '$1'" >&2; usage ;;
  esac
done

if command -v kafka-topics.sh >/dev/null 2>&1; then
  kafka_topics=kafka-topics.sh
else
  kafka_topics=${KAFKA_BIN:-/opt/kafka/bin}/kafka-topics.sh
fi

# The topics of events/topics.h, one per aggregate family.
topics=(liquida.padron liquida.orders liquida.authorizations liquida.billing)

# Per-topic configuration. Event topics are the system of record:
# - retention.ms=-1, retention.bytes=-1: never delete by age or size.
# - cleanup.policy=delete (never compact): records are keyed by provider, and compaction
#   would keep only each provider's last event.
# - min.insync.replicas=M with Liquida's acks=all: an acknowledged append is on M brokers.
# - unclean.leader.election.enable=false: an out-of-sync replica never becomes leader
#   (it would drop acknowledged events).
# - compression.type=lz4: what Liquida's producer sends (compression.type=lz4), stored as is.
# - message.timestamp.type=CreateTime: the record timestamp is the event's recorded_at.
configs=(
  retention.ms=-1
  retention.bytes=-1
  cleanup.policy=delete
  min.insync.replicas=$min_insync
  unclean.leader.election.enable=false
  compression.type=lz4
  message.timestamp.type=CreateTime
)

for topic in "${topics[@]}"; do
  cmd=("$kafka_topics" --bootstrap-server "$bootstrap" --create --if-not-exists
       --topic "$topic" --partitions "$partitions" --replication-factor "$replication")
  [ -n "$command_config" ] && cmd+=(--command-config "$command_config")
  for c in "${configs[@]}"; do cmd+=(--config "$c"); done
  if [ "$dry_run" -eq 1 ]; then
    printf '%q ' "${cmd[@]}"
    printf '\n'
  else
    "${cmd[@]}"
  fi
done

if [ "$dry_run" -eq 0 ]; then
  for topic in "${topics[@]}"; do
    args=("$kafka_topics" --bootstrap-server "$bootstrap" --describe --topic "$topic")
    [ -n "$command_config" ] && args+=(--command-config "$command_config")
    "${args[@]}"
  done
fi
