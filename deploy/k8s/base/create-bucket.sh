#!/bin/sh
# Creates the bucket of GANTRY_STORE (s3://bucket/prefix/) with MinIO's client, which works with
# any S3 service (AWS S3 when GANTRY_S3_ENDPOINT is unset). Idempotent.
set -eu
bucket=${GANTRY_STORE#s3://}
bucket=${bucket%%/*}
endpoint=${GANTRY_S3_ENDPOINT:-https://s3.amazonaws.com}
if [ "${GANTRY_S3_PATH_STYLE:-}" = true ]; then lookup=on; else lookup=auto; fi
# mc keeps its aliases in a config directory: a writable one, the pod's user has no home.
mc="mc --config-dir /tmp/mc"
$mc alias set store "$endpoint" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" --path "$lookup" >/dev/null
$mc mb --ignore-existing --region "${GANTRY_S3_REGION:-us-east-1}" "store/$bucket"
echo "bucket $bucket is there at $endpoint"
