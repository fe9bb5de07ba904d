#!/usr/bin/env bash
# Submits the two Interest Stream jobs to the compose cluster's Flink session (service `submit` of
# docker-compose.yml), detached. A job already running under its name is left alone, so running this again (or
# `docker compose up` again) does not start a second copy.
#
#   istream learning  io.istream.trainer.job.TrainingJob  data plane + streaming DIEN trainer -> model-updates, metrics
#   istream scorer    io.istream.scorer.job.ScorerJob     score-requests + model-updates -> scored-candidates
#
# Environment:
#   ISTREAM_FLINK_REST         JobManager REST endpoint            (jobmanager:8081)
#   ISTREAM_BOOTSTRAP          Kafka bootstrap servers for the jobs (kafka:9092)
#   ISTREAM_JOBS_JAR           the job jar (mvn -Djobjar -DskipTests package) (/opt/istream/istream-jobs.jar)
#   ISTREAM_TRAINER_JAR        jar of the learning job; the CUDA build for a GPU TaskManager (default: the job jar)
#   ISTREAM_PARALLELISM        parallelism of both jobs (default: parallelism.default of config.yaml)
#   ISTREAM_LEARNING_SAVEPOINT / ISTREAM_SCORER_SAVEPOINT
#                              start the job from this savepoint or retained checkpoint (an upgrade: stop the job
#                              with `flink stop --savepointPath file:///checkpoints/savepoints JOB_ID`, then submit
#                              the new jar from the savepoint; every operator has a stable uid)
set -euo pipefail

rest="${ISTREAM_FLINK_REST:-jobmanager:8081}"
bootstrap="${ISTREAM_BOOTSTRAP:-kafka:9092}"
jobs_jar="${ISTREAM_JOBS_JAR:-/opt/istream/istream-jobs.jar}"
trainer_jar="${ISTREAM_TRAINER_JAR:-$jobs_jar}"
parallelism="${ISTREAM_PARALLELISM:-}"

fetch() {
  curl -fsS "$1" 2> /dev/null || wget -qO- "$1" 2> /dev/null
}

# the JobManager answers, and at least one TaskManager has registered its slots
echo "waiting for the Flink JobManager at $rest and a TaskManager ..."
for attempt in $(seq 1 150); do
  if fetch "http://$rest/overview" | grep -Eq '"taskmanagers":[1-9]'; then
    break
  fi
  if (( attempt == 150 )); then
    echo "no TaskManager registered at $rest after 5 minutes" >&2
    exit 1
  fi
  sleep 2
done

running() {
  # `flink list -r` prints running and restarting jobs as "<date> : <job id> : <job name> (<state>)"
  flink list -r -m "$rest" 2> /dev/null | grep -Fq " : $1 ("
}

submit() {
  local name="$1" jar="$2" class="$3" savepoint="$4"
  if running "$name"; then
    echo "'$name' is already running; not submitted again"
    return
  fi
  local args=(run --detached -m "$rest")
  [[ -z "$parallelism" ]] || args+=(-p "$parallelism")
  [[ -z "$savepoint" ]] || args+=(--fromSavepoint "$savepoint")
  echo "submitting '$name' ($class from $jar)"
  flink "${args[@]}" -c "$class" "$jar" --bootstrap "$bootstrap"
}

submit "istream learning" "$trainer_jar" io.istream.trainer.job.TrainingJob "${ISTREAM_LEARNING_SAVEPOINT:-}"
submit "istream scorer" "$jobs_jar" io.istream.scorer.job.ScorerJob "${ISTREAM_SCORER_SAVEPOINT:-}"

flink list -r -m "$rest"
