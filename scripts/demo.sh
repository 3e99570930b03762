#!/usr/bin/env bash
# The demo: on a fresh Debian machine, installs what is missing, trains a class-conditional SAGAN
# on Fashion-MNIST, and writes a sample grid with attention maps.
#   scripts/demo.sh [STEPS]     (default 1500 steps: about 15 minutes on 2 CPU cores)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
steps=${1:-1500}
out="runs/demo-$(date +%Y%m%d-%H%M%S)"
./gantry selftest
./gantry train examples/fmnist-small.yaml --steps "$steps" --out "$out"
./gantry sample "$out" --out "$out/samples.png" --per-class 8 --attention
echo "checkpoint: $out    samples: $out/samples.png"
