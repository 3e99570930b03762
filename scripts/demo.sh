#!/usr/bin/env bash
# The demo: on a fresh Debian machine, installs what is missing, then runs gantry's local mode on
# Fashion-MNIST: a real KRaft Kafka broker, an S3 server (S3Mock), the coordinator, a training worker
# and an eval worker (each its own process). Prints live progress, the FID table and the report path.
#   scripts/demo.sh [SPEC] [gantry local run options]    (default: examples/fmnist-local.yaml, ~10 min)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
spec=${1:-examples/fmnist-local.yaml}
shift || true
./gantry selftest
exec ./gantry local run "$spec" "$@"
