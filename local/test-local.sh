#!/usr/bin/env bash
# make test-local: every function in its arm64 Lambda container (sam local invoke) with every
# sample event meant for it, against the local AWS. On a fresh machine it installs and starts what
# it needs. Four stages, each with a time limit and a message when it starts, ends or fails:
#   host        local/host-setup.sh: Docker engine (start-up retried), arm64 emulation
#   base-image  local/base-image/build.sh: the Lambda base image, built locally when missing
#   local-aws   the local AWS started anew and the functions built (local/up.sh: make local),
#               and one more local AWS for each further test worker (same identifiers, same build)
#   tests       tests/container (marker container) on TEST_LOCAL_WORKERS workers (default 2: two
#               invocations at a time, one per core of a 2-core machine), then a check that every
#               case ran: as many results as sample events plus the refusal test, none skipped
# The slow parts are cached: the base image (and its root file system), the layer (sam build
# --cached). On exit it stops the local AWS, removes the containers this run left (an interrupted
# invocation) and the images SAM replaced, and stops dockerd if this run started it
# (KEEP_DOCKERD=1 keeps it). Limits: TEST_LOCAL_<STAGE>_TIMEOUT per stage and TEST_LOCAL_BUDGET
# for all of them, in seconds. While debugging,
# TEST_LOCAL_SELECT=health runs a selection (pytest -k; the count is then not checked).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
PY313="${PY313:-python3.13}"
PLAN="${PLAN:-plans/example.yaml}"
WORKERS="${TEST_LOCAL_WORKERS:-2}"
IMAGE="${LAMBDA_BASE_IMAGE:-public.ecr.aws/lambda/python:3.13-arm64}"
export SAM_CLI_TELEMETRY=0
export PYTHONPATH="layers/failover:cli:.${PYTHONPATH:+:$PYTHONPATH}"
# under arm64 emulation the Lambda emulator takes a while to listen (SAM waits 20 s by default)
export SAM_CLI_CONTAINER_CONNECTION_TIMEOUT="${SAM_CLI_CONTAINER_CONNECTION_TIMEOUT:-300}"
work="$(mktemp -d)"

say() { printf 'test-local: %s\n' "$*"; }

# the whole target's budget (TEST_LOCAL_BUDGET, seconds): CI gives it what make test leaves of its
# 90 minutes, and a stage that would run past it stops in time, with a message, instead
BUDGET="${TEST_LOCAL_BUDGET:-4200}"

# stage NAME LIMIT COMMAND...: runs COMMAND (and what it starts) for at most LIMIT seconds, and
# never past the budget
stage() {
  local name=$1 limit=$2 began=$SECONDS rc=0 left=$((BUDGET - SECONDS + start))
  shift 2
  if [ "$left" -le 0 ]; then
    say "[$name] FAILED: the budget of $BUDGET s is spent"
    exit 124
  fi
  [ "$left" -ge "$limit" ] || limit=$left
  say "[$name] started at $((SECONDS - start)) s (limit $limit s)"
  timeout --kill-after=30 "$limit" "$@" || rc=$?
  if [ "$rc" = 0 ]; then
    say "[$name] done in $((SECONDS - began)) s"
    return 0
  fi
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    say "[$name] FAILED: timed out after $limit s"
  else
    say "[$name] FAILED (exit $rc) after $((SECONDS - began)) s"
  fi
  exit "$rc"
}

docker_up() { timeout 10 docker info >/dev/null 2>&1; }
started_dockerd=0
docker_up || started_dockerd=1
containers_before=""

worker_dir() { echo ".aws-sam-local/workers/gw$1"; }
local_down() {
  .venv/bin/python -m failoverctl local down >/dev/null 2>&1 || true
  for dir in .aws-sam-local/workers/gw*; do
    [ -d "$dir" ] && .venv/bin/python -m failoverctl local down --state-dir "$dir" >/dev/null 2>&1 || true
  done
}
# the local AWS of each further test worker, on the next ports; the plan it serves must be the one
# the build holds
workers_up() {
  local i dir
  for i in $(seq 1 $((WORKERS - 1))); do
    dir="$(worker_dir "$i")"
    .venv/bin/python -m failoverctl local up --plan "$PLAN" --port $((${LOCAL_PORT:-4599} + i)) --state-dir "$dir" >/dev/null
    cmp -s "$dir/plan-layer/plans/local.yaml" .aws-sam-local/plan-layer/plans/local.yaml ||
      { echo "the local AWS of worker gw$i serves other identifiers than the build" >&2; return 1; }
  done
}

cleanup() {
  local_down
  if docker_up; then
    local id left=()
    # containers this run started (new since the start, running this checkout's build) and left
    for id in $(comm -13 <(echo "$containers_before" | sort) <(docker ps -aq --filter "ancestor=$IMAGE" | sort)); do
      docker inspect --format '{{range .Mounts}}{{.Source}} {{end}}' "$id" 2>/dev/null | grep -q "$PWD/.aws-sam-local/" &&
        left+=("$id")
    done
    [ ${#left[@]} = 0 ] || { say "removing containers this run left: ${left[*]}"; docker rm -f "${left[@]}" >/dev/null || true; }
    # sam local invoke builds its image anew for each invocation (the template's layers are local),
    # and the one it replaces is left untagged: remove those (they carry the base image's label)
    docker image prune -f --filter label=failover.local.recipe >/dev/null 2>&1 || true
    if [ "$started_dockerd" = 1 ] && [ -z "${KEEP_DOCKERD:-}" ] && [ -s /var/run/docker.pid ]; then
      say "stopping the dockerd this run started (KEEP_DOCKERD=1 keeps it)"
      kill "$(cat /var/run/docker.pid)" 2>/dev/null || true
      for _ in $(seq 1 30); do docker_up || break; sleep 1; done
    fi
  fi
  rm -rf "$work"
  say "finished in $((SECONDS - start)) s"
}
trap cleanup EXIT

stage host "${TEST_LOCAL_HOST_TIMEOUT:-900}" bash local/host-setup.sh
containers_before="$(docker ps -aq --filter "ancestor=$IMAGE" 2>/dev/null || true)"
stage base-image "${TEST_LOCAL_BASE_IMAGE_TIMEOUT:-1500}" env PYTHON="$PY313" bash local/base-image/build.sh
local_down
stage local-aws "${TEST_LOCAL_LOCAL_AWS_TIMEOUT:-1200}" env PY313="$PY313" PLAN="$PLAN" bash local/up.sh
if [ "$WORKERS" -gt 1 ]; then
  export -f workers_up worker_dir
  export WORKERS PLAN
  stage local-aws-workers 300 bash -c workers_up
fi

report="$work/report.xml"
stage tests "${TEST_LOCAL_TESTS_TIMEOUT:-3300}" .venv/bin/python -m pytest -m container -p no:randomly \
  -n "$WORKERS" --dist load tests/container -v --junitxml "$report" ${TEST_LOCAL_SELECT:+-k "$TEST_LOCAL_SELECT"}
if [ -n "${TEST_LOCAL_SELECT:-}" ]; then
  say "[check] a selection (-k $TEST_LOCAL_SELECT): not checking that every case ran"
  exit 0
fi
# a case that was deselected, skipped or not collected must not pass unseen
expected=$(($(find events -maxdepth 1 -name '*.json' | wc -l) + 1))
.venv/bin/python - "$report" "$expected" <<'PY' || { say "[check] FAILED: not every case ran and passed"; exit 1; }
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suite = root if root.tag == "testsuite" else root.find("testsuite")
ran, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
expected = int(sys.argv[2])
print(f"test-local: [check] {ran} case(s) ran (expected at least {expected}), {skipped} skipped, {bad} failed")
sys.exit(0 if ran >= expected and skipped == 0 and bad == 0 else 1)
PY
