#!/usr/bin/env bash
# side-engine: a second Docker engine beside the one ../shared/tools/docker-env runs, for the
# parts of the test matrix that need another engine or image store (Docker 26 + buildx 0.13;
# Docker 28 on the classic store). Started from the same Debian packages docker-env uses, with
# its own data root, exec root, managed containerd, pid file, socket, CLI config (so its own
# buildx plugin and builder list) and bridge, and no iptables: the engine docker-env runs, and
# whoever is using it, is never touched. (Never `--bridge=none`: dockerd then deletes docker0,
# the other engine's bridge, and that engine's RUN steps fail.) The base images and BuildKit's image are copied from
# that engine (`docker save | docker load`), so nothing is pulled.
#
#   scripts/side-engine.sh start 26|28 containerd|classic   start it (idempotent) and print the
#                                                           environment to use it: eval "$(...)"
#   scripts/side-engine.sh env   26|28 containerd|classic   only print that environment
#   scripts/side-engine.sh stop  26|28 containerd|classic   stop it (its data root is kept)
set -euo pipefail

action=${1:-}
engine=${2:-}
store=${3:-containerd}
case "$action" in start | env | stop) ;; *) echo "usage: side-engine.sh start|env|stop 26|28 containerd|classic" >&2; exit 2 ;; esac
case "$engine" in 26) dir=/opt/docker-trixie suite=trixie ;; 28) dir=/opt/docker-sid suite=sid ;; *) echo "side-engine: engine 26 or 28" >&2; exit 2 ;; esac
case "$store" in containerd) snapshotter=true bridge=ibside${engine}c ;; classic) snapshotter=false bridge=ibside${engine}k ;; *) echo "side-engine: store containerd or classic" >&2; exit 2 ;; esac

name=image-budget-side-$engine-$store
run=/run/$name
root=/var/lib/$name
sock=$run/docker.sock
log=/var/log/$name.log
bin=$run/bin

environment() {
  echo "export DOCKER_HOST=unix://$sock DOCKER_CONFIG=$run/config PATH=$bin:\$PATH"
  echo "unset BUILDX_BUILDER DOCKER_CONTEXT"
}
side() { DOCKER_HOST=unix://$sock DOCKER_CONFIG=$run/config PATH=$bin:$PATH "$@"; }

if [ "$action" = env ]; then environment; exit 0; fi

if [ "$action" = stop ]; then
  if [ -f "$run/docker.pid" ] && kill -0 "$(cat "$run/docker.pid")" 2>/dev/null; then
    pid=$(cat "$run/docker.pid")
    leftovers=$(side docker ps -aq 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$leftovers" ] || side docker rm -f $leftovers >/dev/null 2>&1 || true
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  exit 0
fi

# The engine's Debian packages, unpacked as docker-env unpacks them (same place, same layout).
mirror() {
  local m=""
  [ -f /etc/apt/sources.list.d/debian.sources ] && m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  [ -z "$m" ] && [ -f /etc/apt/sources.list ] && m=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)
  [ -n "$m" ] || { echo "side-engine: no Debian mirror in apt's sources" >&2; exit 1; }
  echo "$m"
}
if ! [ -x "$dir/usr/sbin/dockerd" ] || ! [ -x "$dir/usr/libexec/docker/cli-plugins/docker-buildx" ]; then
  pkgs="docker.io docker-cli docker-buildx"
  [ "$engine" = 28 ] && pkgs="$pkgs containerd"
  echo "side-engine: fetching $pkgs from Debian $suite" >&2
  t=$(mktemp -d)
  mkdir -p "$t/lists/partial" "$t/debs"
  echo "deb $(mirror) $suite main" >"$t/sources.list"
  A=(-o "Dir::Etc::SourceList=$t/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$t/lists" -o Debug::NoLocking=1)
  apt-get "${A[@]}" update -qq >"$t/apt.log" 2>&1
  # shellcheck disable=SC2086
  (cd "$t/debs" && apt-get "${A[@]}" download $pkgs >>"$t/apt.log" 2>&1) || { cat "$t/apt.log" >&2; exit 1; }
  mkdir -p "$dir"
  for d in "$t"/debs/*.deb; do dpkg -x "$d" "$dir"; done
  rm -rf "$t"
fi

# Its own PATH: this engine's docker CLI and dockerd; Docker 28 brings containerd 2.1, Docker 26
# uses bookworm's containerd (as docker-env runs them). runc is bookworm's for both.
mkdir -p "$bin" "$run/config/cli-plugins" "$root"
ln -sf "$dir/usr/bin/docker" "$bin/docker"
ln -sf "$dir/usr/sbin/dockerd" "$bin/dockerd"
ln -sf "$dir/usr/sbin/docker-proxy" "$bin/docker-proxy"
[ -e "$bin/docker-init" ] || ln -sf "$(command -v tini-static || command -v tini)" "$bin/docker-init"
if [ "$engine" = 28 ]; then
  for x in containerd containerd-shim-runc-v2 ctr; do ln -sf "$dir/usr/bin/$x" "$bin/$x"; done
fi
ln -sf "$dir/usr/libexec/docker/cli-plugins/docker-buildx" "$run/config/cli-plugins/docker-buildx"
[ -f "$run/config/config.json" ] || echo '{}' >"$run/config/config.json"

# Build steps need a bridge to attach to; this one is the side engine's alone (no NAT: its
# containers reach nothing but each other, which is all the tests' RUN steps need).
if ! ip link show "$bridge" >/dev/null 2>&1; then
  ip link add "$bridge" type bridge
  ip addr add "172.30.$engine.$([ "$store" = classic ] && echo 129 || echo 1)/25" dev "$bridge"
  ip link set "$bridge" up
fi

if ! side docker info >/dev/null 2>&1; then
  if [ -f "$run/docker.pid" ] && ! kill -0 "$(cat "$run/docker.pid")" 2>/dev/null; then rm -f "$run/docker.pid"; fi
  echo "{\"features\":{\"containerd-snapshotter\":$snapshotter}}" >"$run/daemon.json"
  echo "side-engine: starting dockerd $engine ($store image store) on unix://$sock" >&2
  PATH=$bin:$PATH setsid dockerd --config-file "$run/daemon.json" --data-root "$root" --exec-root "$run/exec" \
    --pidfile "$run/docker.pid" -H "unix://$sock" --bridge "$bridge" --iptables=false --ip6tables=false \
    --containerd-namespace "$name" --containerd-plugins-namespace "$name-plugins" --cgroup-parent "$name" \
    >"$log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do side docker info >/dev/null 2>&1 && break; sleep 0.5; done
  side docker info >/dev/null 2>&1 || { echo "side-engine: dockerd did not come up; see $log" >&2; tail -20 "$log" >&2; exit 1; }
fi

# The images docker-env made for its engine, under the same names.
wanted=(local/busybox:latest local/debian:bookworm moby/buildkit:buildx-stable-1)
missing=()
for image in "${wanted[@]}"; do side docker image inspect "$image" >/dev/null 2>&1 || missing+=("$image"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "side-engine: copying ${missing[*]} from the main engine" >&2
  env -u DOCKER_HOST -u DOCKER_CONFIG docker save "${missing[@]}" | side docker load -q >/dev/null
fi
busybox_version=$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null | sed -E 's/^[0-9]+://; s/^([0-9]+\.[0-9]+).*/\1/')
side docker tag local/busybox:latest busybox:latest
[ -n "$busybox_version" ] && side docker tag local/busybox:latest "busybox:$busybox_version"
side docker tag local/debian:bookworm debian:bookworm
side docker tag local/debian:bookworm debian:bookworm-slim
environment
