#!/usr/bin/env bash
# make local: the simulated AWS as a server (failoverctl local up) and the local build of the
# functions for sam local invoke (sam build of the generated template, cached, then byte-compiled:
# under arm64 emulation, imports from source take minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
PY313="${PY313:-python3.13}"
PLAN="${PLAN:-plans/example.yaml}"
export SAM_CLI_TELEMETRY=0
export PYTHONPATH="layers/failover:cli:.${PYTHONPATH:+:$PYTHONPATH}"
.venv/bin/python -m failoverctl local up --plan "$PLAN" --port "${LOCAL_PORT:-4599}"
PATH="$(dirname "$("$PY313" -c 'import sys; print(sys.executable)')"):$PATH" PYTHON="$PY313" \
  .venv-sam/bin/sam build --template .aws-sam-local/template.yaml --build-dir .aws-sam-local/build \
  --cache-dir .aws-sam-local/cache --cached >/dev/null
"$PY313" -m compileall -q -j 2 --invalidation-mode unchecked-hash .aws-sam-local/build >/dev/null
echo "local build: .aws-sam-local/build/template.yaml"
