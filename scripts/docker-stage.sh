#!/usr/bin/env bash
# Builds gantry and puts what the images need under build/docker: every runtime jar of the CLI
# (which holds all roles) and the S3Mock server jar. Then:
#   docker build -f docker/Dockerfile -t gantry:latest .
#   docker compose up -d --scale train-worker=2
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests
rm -rf build/docker && mkdir -p build/docker/lib build/docker/s3mock
mvn -B -q -pl cli dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$PWD/build/docker/lib"
cp cli/target/gantry-cli-*.jar build/docker/lib/
cp local/target/s3mock/s3mock-exec.jar build/docker/s3mock/
# Fashion-MNIST from Debian's dataset-fashion-mnist, where present, so containers need no download.
mkdir -p build/docker/datasets/fashion-mnist
if [ -d /usr/share/datasets/fashion-mnist ]; then cp -r /usr/share/datasets/fashion-mnist/. build/docker/datasets/fashion-mnist/; fi
echo "build/docker ready: $(ls build/docker/lib | wc -l) jars"
