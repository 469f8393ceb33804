#!/usr/bin/env bash
# Builds, on this machine, the Lambda base image that `sam local invoke --skip-pull-image` runs the
# arm64 Python 3.13 functions on, under the public image's name, for machines that reach no
# container registry: a Debian arm64 root file system (Python 3.13 from Debian), the runtime
# interface client and the AWS SDK from the package index (requirements.txt), and the runtime
# bootstrap of the public image (bootstrap, bootstrap.py, lambda-entrypoint.sh). Everything is
# byte-compiled: under arm64 emulation, imports from source take minutes.
#
# Cached twice: the image carries a label with the hash of this recipe (a second run with the same
# recipe returns at once), and the root file system is kept as a tarball in $CACHE so a new Docker
# engine only re-imports it. DEBIAN_MIRROR overrides the Debian mirror (default: the host's apt one).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE="${LAMBDA_BASE_IMAGE:-public.ecr.aws/lambda/python:3.13-arm64}"
SUITE=trixie  # Debian 13: Python 3.13
CACHE="${FAILOVER_LOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/failover-local}"
PYTHON="${PYTHON:-python3.13}"
log() { printf 'base-image: %s\n' "$*" >&2; }

# bump ROOTFS_VERSION when the root file system steps below change (the tarball's cache key)
ROOTFS_VERSION=2
rootfs_recipe="$( (echo "$ROOTFS_VERSION $SUITE"; cd "$HERE" && cat bootstrap bootstrap.py lambda-entrypoint.sh requirements.txt) | sha256sum | cut -c1-16)"
recipe="$( (echo "$rootfs_recipe"; cat "$HERE/build.sh") | sha256sum | cut -c1-16)"
have="$(docker image inspect --format '{{index .Config.Labels "failover.local.recipe"}}' "$IMAGE" 2>/dev/null || true)"
if [ "$have" = "$recipe" ]; then
  log "$IMAGE is up to date (recipe $recipe)"
  exit 0
fi

mkdir -p "$CACHE"
tarball="$CACHE/lambda-python3.13-arm64-$rootfs_recipe.tar"
if [ ! -s "$tarball" ]; then
  "$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 13)' || { log "$PYTHON is not Python 3.13"; exit 1; }
  mirror="${DEBIAN_MIRROR:-$({ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null || true; } \
    | grep -oE '^(URIs:|deb) +[a-z]+://[^ ]+' | awk '{print $2}' | grep '/debian/*$' | head -n 1)}"
  [ -n "$mirror" ] || { log "no Debian mirror found in the apt sources; set DEBIAN_MIRROR"; exit 1; }
  work="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  # an interrupted mmdebstrap can leave file systems mounted in the root file system: unmount
  # them before removing it, and never cross into another file system while removing
  cleanup() {
    awk -v w="$work/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n 1 umount -l || true
    rm -rf --one-file-system "$work"
  }
  trap cleanup EXIT
  rootfs="$work/rootfs"
  start=$SECONDS
  # extracted, not configured: no maintainer script runs under emulation (the Python package's
  # own byte-compilation alone takes most of an hour there); what configuring would create is
  # created below
  log "debian $SUITE arm64 root file system (mmdebstrap, packages extracted)"
  mmdebstrap --quiet --mode=root --variant=extract --architectures=arm64 \
    --include=python3.13,libstdc++6,bash,dash,coreutils,base-passwd \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$SUITE" "$rootfs" "deb $mirror $SUITE main" </dev/null
  cp "$rootfs/usr/share/base-passwd/passwd.master" "$rootfs/etc/passwd"
  cp "$rootfs/usr/share/base-passwd/group.master" "$rootfs/etc/group"
  log "runtime: $(wc -l <"$HERE/requirements.txt") lines of requirements as linux aarch64 wheels"
  mkdir -p "$rootfs/var/runtime" "$rootfs/var/task" "$rootfs/var/lang/bin" "$rootfs/opt" "$rootfs/usr/local/bin"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-compile --no-deps --only-binary=:all: \
    --platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64 --implementation cp --python-version 3.13 \
    --target "$rootfs/var/runtime" -r "$HERE/requirements.txt"
  install -m 0755 "$HERE/bootstrap" "$rootfs/var/runtime/bootstrap"
  install -m 0644 "$HERE/bootstrap.py" "$rootfs/var/runtime/bootstrap.py"
  install -m 0755 "$HERE/lambda-entrypoint.sh" "$rootfs/lambda-entrypoint.sh"
  ln -sf /usr/bin/python3.13 "$rootfs/var/lang/bin/python3.13"
  ln -sf python3.13 "$rootfs/var/lang/bin/python3"
  ln -sf python3.13 "$rootfs/var/lang/bin/python"
  # bytecode is the same on every architecture: compile on the host, not under emulation
  log "byte-compiling the standard library and the runtime"
  for dir in usr/lib/python3.13 var/runtime; do
    "$PYTHON" -m compileall -q -j 2 --invalidation-mode unchecked-hash -s "$rootfs" -p / \
      -x '(/test/|/idlelib/|/lib2to3/tests/|bad_coding|badsyntax)' "$rootfs/$dir" >/dev/null || true
  done
  rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
  tar -C "$rootfs" --numeric-owner -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
  cleanup
  trap - EXIT
  find "$CACHE" -maxdepth 1 -name 'lambda-python3.13-arm64-*.tar' ! -name "$(basename "$tarball")" -delete
  log "root file system built in $((SECONDS - start)) s"
fi

log "building $IMAGE from the root file system"
# a build FROM scratch (not docker import, which leaves the image marked for this machine's
# architecture) so the image says linux/arm64; no step runs a program
context="$(mktemp -d "$CACHE/context.XXXXXX")"
trap 'rm -rf --one-file-system "$context"' EXIT
ln "$tarball" "$context/rootfs.tar" 2>/dev/null || cp "$tarball" "$context/rootfs.tar"
cat >"$context/Dockerfile" <<DOCKERFILE
FROM scratch
ADD rootfs.tar /
ENV LANG=C.UTF-8 \\
    TZ=:/etc/localtime \\
    PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin:/opt/bin \\
    LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib \\
    LAMBDA_TASK_ROOT=/var/task \\
    LAMBDA_RUNTIME_DIR=/var/runtime
WORKDIR /var/task
ENTRYPOINT ["/lambda-entrypoint.sh"]
LABEL failover.local.recipe=$recipe
DOCKERFILE
DOCKER_BUILDKIT=0 docker build --quiet --platform linux/arm64 -t "$IMAGE" "$context" >/dev/null 2> >(grep -v -i -e deprecated -e buildx -e buildkit -e environment-variable -e '^ *$' >&2)
log "$IMAGE ready (recipe $recipe)"
