#!/bin/sh
# Installs the Debian 12 packages fate needs, only those missing.
# Idempotent and non-interactive; needs root (or sudo) only when something is missing.
set -eu
PKGS="build-essential cmake pkg-config libopenblas-dev liblapacke-dev librandom123-dev \
libcriterion-dev libjansson-dev libplplot-dev plplot-driver-cairo python3-numpy \
libopenmpi-dev openmpi-bin help2man python3-pytest"
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
echo "fate: installing missing Debian packages:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "fate: need root to install:$missing (run as root or install them yourself)" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
