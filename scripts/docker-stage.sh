#!/usr/bin/env bash
# Builds gantry and puts what the images need under build/docker: every runtime jar of the CLI
# (which holds all roles), the coordinator's own jars (no engine) and the S3Mock server jar. Then:
#   docker build -f docker/Dockerfile -t gantry:0.1.0 .
#   docker build -f docker/Dockerfile.coordinator -t gantry-coordinator:0.1.0 .
#   docker compose --profile cpu up -d --scale train-worker-cpu=2
# --with-host-libs also copies this machine's C++ runtime libraries (libstdc++, libgcc_s, libdl, ...)
# that libtorch needs, for minimal base images that lack them (the offline local/jre:17 image).
set -euo pipefail
host_libs=false; [ "${1:-}" = "--with-host-libs" ] && host_libs=true
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests
rm -rf build/docker && mkdir -p build/docker/lib build/docker/coordinator-lib build/docker/s3mock build/docker/native
mvn -B -q -pl cli dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$PWD/build/docker/lib"
cp cli/target/gantry-cli-*.jar build/docker/lib/
cp coordinator/target/image-lib/*.jar coordinator/target/gantry-coordinator-*.jar build/docker/coordinator-lib/
cp local/target/s3mock/s3mock-exec.jar build/docker/s3mock/
# Fashion-MNIST from Debian's dataset-fashion-mnist, where present, so containers need no download.
mkdir -p build/docker/datasets/fashion-mnist
if [ -d /usr/share/datasets/fashion-mnist ]; then cp -r /usr/share/datasets/fashion-mnist/. build/docker/datasets/fashion-mnist/; fi
if $host_libs; then
  for lib in libstdc++.so.6 libgcc_s.so.1 libdl.so.2 libm.so.6 libpthread.so.0 librt.so.1; do
    cp -L "/lib/x86_64-linux-gnu/$lib" build/docker/native/
  done
fi
echo "build/docker ready: $(ls build/docker/lib | wc -l) jars"
