#!/usr/bin/env bash
# Install everything the suite needs on a fresh Debian machine: system packages and the
# pinned Python dependencies. Idempotent: a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  containerd runc containernetworking-plugins iptables ipset conntrack iproute2
  mmdebstrap busybox-static openssl ca-certificates
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null; then
  echo "setup: no Go toolchain on PATH; install Go 1.24 or newer (Kubernetes is built from its modules)" >&2
  exit 1
fi

stamp=/var/cache/redis-runbook/pip-$(sha256sum pyproject.toml | cut -c1-16)
if [[ ! -f $stamp ]] || ! python3 -c "import pytest_kind, kubernetes, redis, chaoslib, hypothesis, yaml" 2>/dev/null; then
  echo "setup: installing Python dependencies (pinned in pyproject.toml)"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore ".[dev]"
  mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
