#!/usr/bin/env bash
# What the kind path needs on top of scripts/setup.sh: Debian's docker.io (dockerd 20.10, started only by
# `python -m fixtures.kind.docker start`, never by the package) and jq (the runc wrapper's JSON edits).
# Idempotent: a second run installs nothing. Not part of scripts/test.sh's default path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

KIND_PACKAGES=(docker.io jq)
missing=()
for pkg in "${KIND_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup-kind: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  # As in setup.sh: 101 from policy-rc.d keeps invoke-rc.d from starting docker while it installs.
  own_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# scripts/setup-kind.sh: no service starts while packages install\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ -n $own_policy ]]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  if [[ " ${missing[*]} " == *" docker.io "* ]]; then
    # The host's docker (its iptables rules, its bridge, the local cluster's containerd) must never start.
    for unit in docker.service docker.socket; do deb-systemd-helper disable "$unit" >/dev/null 2>&1 || true; done
    # deb-systemd-helper keeps the links when it has no state for them (measured): remove them.
    rm -f /etc/systemd/system/sockets.target.wants/docker.socket /etc/systemd/system/multi-user.target.wants/docker.service
    update-rc.d docker disable >/dev/null 2>&1 || true
  fi
fi
