#!/usr/bin/env bash
# What these machines can do instead of building the image: the Dockerfile's steps in a fresh
# Debian bookworm root filesystem (debootstrap, then chroot), ending with the README's demo.
# Needs root and a Debian mirror; pip uses this machine's package index (its config and local
# folders are bind-mounted read-only). Usage: sudo scripts/check-in-chroot.sh [folder]
set -euo pipefail
cd "$(dirname "$0")/.."
root="${1:-/tmp/foundry-relay-chroot}"
export DEBIAN_FRONTEND=noninteractive

command -v debootstrap >/dev/null || apt-get install -y -q debootstrap
if ! [ -x "$root/usr/bin/apt-get" ]; then
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
fi

mounts=()
cleanup() {
  for ((i=${#mounts[@]}-1; i>=0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() {  # bind [-r] SRC: the same path inside the root
  local ro=""
  if [ "$1" = "-r" ]; then ro=1; shift; fi
  [ -e "$1" ] || return 0
  if [ -d "$1" ]; then mkdir -p "$root$1"; else mkdir -p "$(dirname "$root$1")"; touch "$root$1"; fi
  mount --bind "$1" "$root$1"
  [ -n "$ro" ] && mount -o remount,bind,ro "$root$1"
  mounts+=("$root$1")
}
bind /proc
bind /dev
bind /dev/shm
for path in /etc/pip.conf /etc/xdg/pip /opt/pypi /opt/pypi-more /opt/wheels; do bind -r "$path"; done
cp /etc/resolv.conf "$root/etc/resolv.conf"
# This machine's trusted certificates (a proxy in front of the package indexes may need them).
mkdir -p "$root/usr/local/share/ca-certificates"
cp /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/ca-certificates/host-bundle.crt"

# The source as a clean checkout would have it.
rm -rf "$root/app" && mkdir -p "$root/app"
git archive HEAD | tar -x -C "$root/app"

chroot "$root" /bin/bash -euo pipefail -c '
  export DEBIAN_FRONTEND=noninteractive HOME=/root
  # The Dockerfile:
  apt-get update -q
  apt-get install -y -q --no-install-recommends \
    python3 python3-venv ca-certificates chromium-headless-shell chromium fonts-liberation libatomic1 git
  update-ca-certificates >/dev/null
  id relay >/dev/null 2>&1 || useradd --system --create-home --home-dir /home/relay --uid 10001 relay
  chown -R relay:relay /app
  cd /app
  runuser -u relay -- bash scripts/setup.sh postgres
  # What the image runs, end to end: the relay, the simulator and a real headless session.
  runuser -u relay -- env HOME=/home/relay .venv/bin/foundry-relay demo
'
echo "chroot check passed: the Dockerfile's steps and the demo work on a fresh Debian bookworm"
