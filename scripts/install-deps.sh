#!/usr/bin/env bash
# Installs what gantry needs on a Debian machine; only what is missing.
#   scripts/install-deps.sh             JDK 17+, Maven, Fashion-MNIST (dataset-fashion-mnist)
#   scripts/install-deps.sh --numpy     + python3-numpy (the tests' independent NumPy references)
#   scripts/install-deps.sh --torch     + python3-torch (PyTorch eager side of 'gantry bench train')
#   scripts/install-deps.sh --torchvision + python3-torchvision (random-weights Inception v3 for the tests)
#   scripts/install-deps.sh --scipy     + python3-scipy (pytorch-fid's sqrtm side of 'gantry bench fid')
#   scripts/install-deps.sh --sklearn   + python3-sklearn (the tests' nearest-neighbour reference for precision/recall)
#   scripts/install-deps.sh --promtool  + promtool (Debian's prometheus package): the metrics tests lint each
#                                       process's /metrics text with `promtool check metrics`.
#   scripts/install-deps.sh --kubectl   + kubectl (deploy-tests render deploy/k8s with `kubectl kustomize`). The
#                                       package kubectl is in the Kubernetes (pkgs.k8s.io) and Google Cloud apt
#                                       repositories; Debian's own kubernetes-client (1.20) lacks kustomize 5.
#   scripts/install-deps.sh --tensorboard + a Python virtual environment with the tensorboard package (the tests read
#                                       'gantry export tensorboard' files with its event reader), in
#                                       ${GANTRY_PY_VENV:-~/.cache/gantry/venv-tensorboard}; pip's configured index
#   scripts/install-deps.sh --torch-pip + the newest PyTorch pip installs (from pip's configured index) in
#                                       ${GANTRY_TORCH_VENV:-~/.cache/gantry/venv-torch}: 'gantry bench train --python
#                                       <venv>/bin/python' compares with what people install today, not Debian's 1.13
set -euo pipefail
tensorboard_venv=""
torch_venv=""
need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
for arg in "$@"; do
  case "$arg" in
    --numpy) /usr/bin/python3 -c "import numpy" 2>/dev/null || need+=(python3-numpy) ;;
    --torch) /usr/bin/python3 -c "import torch" 2>/dev/null || need+=(python3-torch) ;;
    --torchvision) /usr/bin/python3 -c "import torchvision" 2>/dev/null || need+=(python3-torchvision) ;;
    --scipy) /usr/bin/python3 -c "import scipy" 2>/dev/null || need+=(python3-scipy) ;;
    --sklearn) /usr/bin/python3 -c "import sklearn" 2>/dev/null || need+=(python3-sklearn) ;;
    --kubectl) command -v kubectl >/dev/null || need+=(kubectl) ;;
    --tensorboard)
      tensorboard_venv="${GANTRY_PY_VENV:-$HOME/.cache/gantry/venv-tensorboard}"
      /usr/bin/python3 -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv) ;;
    --torch-pip)
      torch_venv="${GANTRY_TORCH_VENV:-$HOME/.cache/gantry/venv-torch}"
      /usr/bin/python3 -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv) ;;
    --promtool) command -v promtool >/dev/null || need+=(prometheus) ;;
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "installing: ${need[*]}" >&2
  $SUDO apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}" >&2
fi
# pip_venv DIR MODULE PACKAGE: a virtual environment in DIR where MODULE imports, PACKAGE installed when it does not.
pip_venv() {
  local venv="$1" module="$2" package="$3"
  "$venv/bin/python" -c "import $module" 2>/dev/null && return 0
  echo "installing: $package into $venv" >&2
  /usr/bin/python3 -m venv "$venv"
  # Where pip's configuration names local indexes only as extra ones (machine images without PyPI),
  # make the first the index, so pip never waits on an unreachable pypi.org.
  local index_args=() local_indexes url
  local_indexes="$("$venv/bin/pip" config get global.extra-index-url 2>/dev/null || true)"
  for url in $local_indexes; do
    if [ ${#index_args[@]} -eq 0 ]; then index_args+=(--index-url "$url"); else index_args+=(--extra-index-url "$url"); fi
  done
  "$venv/bin/pip" install -q "${index_args[@]}" "$package" >&2
}
if [ -n "$tensorboard_venv" ]; then pip_venv "$tensorboard_venv" tensorboard tensorboard; fi
if [ -n "$torch_venv" ]; then pip_venv "$torch_venv" torch torch; fi
