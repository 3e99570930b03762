#!/usr/bin/env bash
# The test command: installs what the tests need, then builds and runs every test.
#   scripts/test.sh            # all tests
#   scripts/test.sh -pl core   # extra arguments go to Maven
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --numpy --torchvision --sklearn --kubectl --tensorboard --promtool
exec mvn -B install -Dgantry.py.venv="${GANTRY_PY_VENV:-$HOME/.cache/gantry/venv-tensorboard}" "$@"
