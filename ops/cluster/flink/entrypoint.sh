#!/usr/bin/env bash
# Entrypoint of the Flink containers of docker-compose.yml (JobManager, TaskManagers, job submitter).
#
# The image's /docker-entrypoint.sh rewrites $FLINK_HOME/conf/config.yaml on every start (jobmanager.rpc.address
# from JOB_MANAGER_RPC_ADDRESS, blob and query ports, FLINK_PROPERTIES), so the file must be writable there. This
# script copies the read-only ops/cluster/flink/config.yaml into place, appends the files named in
# ISTREAM_FLINK_CONF_EXTRA (e.g. config-gpu.yaml), and hands over to the image's entrypoint with the same arguments.
set -euo pipefail

source_dir="${ISTREAM_FLINK_CONF_DIR:-/opt/istream/cluster/flink}"
target="${FLINK_HOME:-/opt/flink}/conf/config.yaml"

cat "$source_dir/config.yaml" > "$target"
for extra in ${ISTREAM_FLINK_CONF_EXTRA:-}; do
  printf '\n' >> "$target"
  cat "$source_dir/$extra" >> "$target"
done

# OpenBLAS kernels for this CPU, chosen as ops/istream chooses them, unless the container sets OPENBLAS_CORETYPE
source "$(dirname "$source_dir")/blas-core.sh"
if [[ -z ${OPENBLAS_CORETYPE:-} ]]; then
  core="$(istream_blas_core)"
  if [[ -n $core ]]; then
    export OPENBLAS_CORETYPE="$core"
  fi
fi

exec /docker-entrypoint.sh "$@"
