#!/usr/bin/env bash
# Creates the Interest Stream topics on the compose cluster's broker (service `topics` of docker-compose.yml).
# Idempotent: a topic that exists is kept (--if-not-exists) and only its configuration is brought up to date.
#
# The catalogue is io.istream.schemas.Topics: ClusterFilesTest checks that this script creates exactly its names.
#
# Every topic, as io.istream.ingestion.config.TopicAdmin creates them for the local stack:
#   message.timestamp.type=LogAppendTime  event time travels in the payload; a replay of historical data stamped
#                                         with its own event time would be deleted by time retention at once
#   max.message.bytes=8 MiB               (model updates are chunked under 512 KiB anyway)
# Retention is by time, with segments well shorter than the retention so that old data actually goes.
#
# Environment: ISTREAM_BOOTSTRAP (kafka:9092), ISTREAM_PARTITIONS (4), ISTREAM_REPLICATION (1), KAFKA_HOME (/opt/kafka)
set -euo pipefail

bootstrap="${ISTREAM_BOOTSTRAP:-kafka:9092}"
partitions="${ISTREAM_PARTITIONS:-4}"
replication="${ISTREAM_REPLICATION:-1}"
bin="${KAFKA_HOME:-/opt/kafka}/bin"

hour=3600000
day=86400000

# create_topic NAME RETENTION_MS SEGMENT_MS
create_topic() {
  local name="$1" retention="$2" segment="$3"
  local configs="cleanup.policy=delete,retention.ms=${retention},segment.ms=${segment}"
  configs+=",message.timestamp.type=LogAppendTime,max.message.bytes=8388608"
  local args=() config
  IFS=',' read -ra settings <<< "$configs"
  for config in "${settings[@]}"; do
    args+=(--config "$config")
  done
  "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name" \
    --partitions "$partitions" --replication-factor "$replication" "${args[@]}"
  # an existing topic (an earlier run, other settings) converges to these settings; partitions only grow by hand
  "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics --entity-name "$name" \
    --add-config "$configs" > /dev/null
  echo "topic $name: retention $((retention / hour)) h"
}

# events from producers (keyed by user id, so a user's events stay in order within a partition): 7 days
create_topic impressions $((7 * day)) "$day"
create_topic clicks $((7 * day)) "$day"
create_topic behaviors $((7 * day)) "$day"
create_topic score-requests $((7 * day)) "$day"
# labelled samples (feature-state -> trainer and offline readers): 3 days
create_topic samples $((3 * day)) $((6 * hour))
# answers to score requests: 1 day
create_topic scored-candidates "$day" "$hour"
# model updates: every record has the key "model"; a scorer rebuilds the model from the newest FULL snapshot and the
# DELTAs after it. Compaction keeps only the newest record of a key, so it would delete the deltas (and the chunks of
# the snapshot) a consumer needs: time retention instead. 2 days is far longer than the trainer's full-snapshot
# interval (trainer.full-snapshot-interval, 10 min), so the retained log always starts before a complete FULL.
create_topic model-updates $((2 * day)) "$hour"
# what each trainer replica learnt, for the others (trainer.parallelism > 1): a replica restored from a checkpoint or
# savepoint reads on from the offsets in its state, so retention must outlast the longest stop before a restore: 7 days
create_topic trainer-deltas $((7 * day)) "$day"
# prequential metrics per window (trainer -> dashboards): 7 days
create_topic metrics $((7 * day)) "$day"
# records that could not be used, kept long enough to investigate and replay: 30 days
create_topic dead-letters $((30 * day)) "$day"

"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --list
