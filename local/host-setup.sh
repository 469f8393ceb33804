#!/usr/bin/env bash
# Prepares this machine for `sam local invoke` of the arm64 functions: a Docker engine, arm64
# emulation (qemu-user-static registered with binfmt_misc) and the tools that build the local base
# image. Installs with apt-get when something is missing, so it runs as root on a fresh Debian
# machine; on a machine that has it all it only checks. Idempotent.
set -euo pipefail

log() { printf 'host-setup: %s\n' "$*" >&2; }
need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "$1 needs root (run as root, or install: docker.io qemu-user-static mmdebstrap iptables)"
    exit 2
  fi
}

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
[ -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ] || [ "$(uname -m)" = aarch64 ] || missing+=(qemu-user-static)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
if [ ${#missing[@]} -gt 0 ]; then
  need_root "installing ${missing[*]}"
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# arm64 emulation: the kernel runs aarch64 binaries through qemu once binfmt_misc knows it.
# The F flag opens the interpreter now, so it also works inside containers.
if [ "$(uname -m)" != aarch64 ]; then
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    need_root "mounting binfmt_misc"
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  fi
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    need_root "registering qemu-aarch64"
    conf=/usr/lib/binfmt.d/qemu-aarch64.conf
    [ -f "$conf" ] || { log "$conf is missing (package qemu-user-static)"; exit 1; }
    grep -v '^#' "$conf" | head -n 1 > /proc/sys/fs/binfmt_misc/register
    log "registered qemu-aarch64 with binfmt_misc"
  fi
fi

# The Docker engine: started in the background when none answers, with its default bridge, and
# without the userland proxy: published ports are then forwarded by the kernel, so a connection
# to a container's port succeeds only once the container listens. sam local invoke waits for that
# connection and then gives the Lambda emulator three quick tries; under arm64 emulation the
# emulator needs longer than that to listen, and the proxy (which accepts at once) loses the race.
# Start-up is the one step retried: a dockerd that exits or does not answer within its wait is
# started again (a stale pid file from an engine that was killed is removed first), up to
# DOCKERD_ATTEMPTS times; everything else fails at once.
start_dockerd() {
  local log_file=/var/log/dockerd-local.log pid_file=/var/run/docker.pid attempt pid
  for attempt in $(seq 1 "${DOCKERD_ATTEMPTS:-3}"); do
    if [ -s "$pid_file" ] && ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      rm -f "$pid_file"
    fi
    log "starting dockerd, attempt $attempt (log: $log_file)"
    nohup dockerd --userland-proxy=false >"$log_file" 2>&1 &
    pid=$!
    for _ in $(seq 1 "${DOCKERD_WAIT_SECONDS:-60}"); do
      timeout 10 docker info >/dev/null 2>&1 && return 0
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    log "dockerd is not ready after attempt $attempt; its log ends with:"
    tail -n 10 "$log_file" >&2
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  log "dockerd did not start after ${DOCKERD_ATTEMPTS:-3} attempts; see $log_file"
  exit 1
}
if ! docker info >/dev/null 2>&1; then
  need_root "starting dockerd"
  start_dockerd
fi
log "ready: docker $(docker version --format '{{.Server.Version}}'), arm64 emulation $( [ "$(uname -m)" = aarch64 ] && echo native || echo qemu)"
