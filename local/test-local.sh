#!/usr/bin/env bash
# make test-local: every function in its arm64 Lambda container (sam local invoke) with every
# sample event meant for it, against the local AWS. On a fresh machine it installs and starts what
# it needs (local/host-setup.sh), builds the Lambda base image locally when it is missing
# (local/base-image/build.sh), starts the local AWS anew and builds the functions (make local),
# runs the tests of tests/container, and stops the local AWS. The slow parts are cached: the base
# image (and its root file system), the layer (sam build --cached) and SAM's image of the layers.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
PY313="${PY313:-python3.13}"
export SAM_CLI_TELEMETRY=0
# under arm64 emulation the Lambda emulator takes a while to listen (SAM waits 20 s by default)
export SAM_CLI_CONTAINER_CONNECTION_TIMEOUT="${SAM_CLI_CONTAINER_CONNECTION_TIMEOUT:-300}"

bash local/host-setup.sh
PYTHON="$PY313" bash local/base-image/build.sh
echo "test-local: machine and base image ready after $((SECONDS - start)) s"

.venv/bin/python -m failoverctl local down >/dev/null
trap '.venv/bin/python -m failoverctl local down >/dev/null || true' EXIT
PY313="$PY313" bash local/up.sh >/dev/null
echo "test-local: local AWS up and functions built after $((SECONDS - start)) s"

status=0
.venv/bin/python -m pytest -m container -p no:randomly tests/container -v || status=$?
echo "test-local: finished in $((SECONDS - start)) s"
exit "$status"
