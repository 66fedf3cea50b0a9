#!/usr/bin/env bash
# Install everything the suite needs on a fresh Debian machine: system packages, a Go toolchain when
# the machine has none new enough, and the pinned Python dependencies in .venv (the global Python is
# left alone). Idempotent: a second run installs nothing. Callers source scripts/env.sh afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

DEBIAN_PACKAGES=(
  containerd runc containernetworking-plugins iptables ipset conntrack iproute2
  mmdebstrap busybox-static openssl ca-certificates curl python3-venv
  prometheus  # for promtool only (tests/unit/test_alert_rules.py): its server must not start here
  docker.io jq  # the kind cluster's docker, started only by `python -m fixtures.kind.docker start`
  debian-archive-keyring  # mmdebstrap's Debian keys, on a host that is not Debian (a GitHub runner)
)
# Needed by one marker only (`report`: headless Chromium); skipped with a note where the distribution has no such
# package (Ubuntu ships Chromium as a snap).
OPTIONAL_PACKAGES=(chromium)
# Packages that ship a daemon, with the systemd units and init script each would enable: installing one must not
# start it, nor leave it enabled for the next boot (the host's docker would change iptables and use the local
# cluster's containerd).
declare -A DAEMON_UNITS=([prometheus]="prometheus.service" [docker.io]="docker.service docker.socket")
declare -A DAEMON_INIT=([prometheus]=prometheus [docker.io]=docker)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# A docker this script did not install (a GitHub runner's: Docker's docker-ce and containerd.io) is used as it is:
# Debian's docker.io, containerd and runc would replace it (containerd.io conflicts with both), and its units are
# never disabled (only packages installed below are).
foreign_docker=""
if ! installed docker.io && { installed containerd.io || docker version >/dev/null 2>&1; }; then
  foreign_docker=1
fi
skip_for_docker() {
  [[ -n $foreign_docker ]] || return 1
  case $1 in
    docker.io) return 0 ;;
    containerd | runc) installed containerd.io ;;
    *) return 1 ;;
  esac
}

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}" "${OPTIONAL_PACKAGES[@]}"; do
  if skip_for_docker "$pkg"; then
    continue
  fi
  installed "$pkg" || missing+=("$pkg")
done
if [[ -n $foreign_docker ]]; then
  echo "setup: a docker setup.sh did not install is here: using it (not installing docker.io, nor containerd and runc over containerd.io)"
fi
if ((${#missing[@]})); then
  apt-get update -qq
  for pkg in "${OPTIONAL_PACKAGES[@]}"; do
    if [[ " ${missing[*]} " == *" $pkg "* ]] && ! apt-cache show --no-all-versions "$pkg" >/dev/null 2>&1; then
      echo "setup: no package $pkg on this distribution: skipped (only the report marker needs it)"
      mapfile -t missing < <(printf '%s\n' "${missing[@]}" | grep -vx "$pkg")
    fi
  done
fi
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  # invoke-rc.d asks /usr/sbin/policy-rc.d whether a package may start its service; 101 = no. One is put in
  # place only for this install, unless the machine has its own (a container image's, usually the same).
  own_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# scripts/setup.sh: no service starts while packages install\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ -n $own_policy ]]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  for pkg in "${!DAEMON_UNITS[@]}"; do
    if [[ " ${missing[*]} " == *" $pkg "* ]]; then
      for unit in ${DAEMON_UNITS[$pkg]}; do
        deb-systemd-helper disable "$unit" >/dev/null 2>&1 || true
        # deb-systemd-helper keeps the links when it has no state for them (measured with docker): remove them.
        rm -f /etc/systemd/system/*.wants/"$unit"
      done
      update-rc.d "${DAEMON_INIT[$pkg]}" disable >/dev/null 2>&1 || true
    fi
  done
fi

# Go: the builds run with GOTOOLCHAIN=local, so the highest `go` line of the wrapper modules is a hard minimum.
go_min=$(sed -n 's/^go \([0-9.]*\)$/\1/p' fixtures/cluster/gomod/*/go.mod fixtures/cluster/pause/go.mod | sort -V | tail -1)

version_at_least() { [[ $(printf '%s\n' "$2" "$1" | sort -V | head -1) == "$2" ]]; }

install_go() {
  local name=golang.org/toolchain@v0.0.1-go$go_version.linux-amd64
  local url=https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go$go_version.linux-amd64.zip
  local tmp=$go_dir.partial
  if [[ $(uname -m) != x86_64 ]]; then
    echo "setup: no pinned Go toolchain for $(uname -m): put Go $go_min or newer on PATH" >&2
    exit 1
  fi
  if ! version_at_least "$go_version" "$go_min"; then
    echo "setup: go_version $go_version in scripts/env.sh is older than the go.mod minimum $go_min: bump it" >&2
    exit 1
  fi
  echo "setup: installing Go $go_version from the Go module proxy into $go_dir"
  rm -rf "$tmp" && mkdir -p "$tmp"
  if ! curl -fsSL --retry 3 -o "$tmp/go.zip" "$url"; then
    echo "setup: downloading $url failed: check access to proxy.golang.org or put Go $go_min or newer on PATH" >&2
    exit 1
  fi
  # Check the zip's hash the way go.sum does (dirhash h1), then unpack it with its file modes.
  python3 - "$tmp/go.zip" "$go_zip_h1" "$tmp" <<'EOF'
import base64, hashlib, os, sys, zipfile
path, want, dest = sys.argv[1:]
with zipfile.ZipFile(path) as z:
    names = sorted(z.namelist())
    summary = "".join(f"{hashlib.sha256(z.read(n)).hexdigest()}  {n}\n" for n in names)
    got = "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()
    if got != want:
        sys.exit(f"setup: {path} hashes to {got}, not {want} (scripts/env.sh): "
                 "a bad download or a wrong pin; run setup again")
    for info in z.infolist():
        os.chmod(z.extract(info, dest), (info.external_attr >> 16) & 0o777 or 0o644)
EOF
  local got
  got=$(GOTOOLCHAIN=local "$tmp/$name/bin/go" env GOVERSION)
  if [[ $got != "go$go_version" ]]; then
    echo "setup: the downloaded toolchain reports '$got', not go$go_version: delete $tmp and retry" >&2
    exit 1
  fi
  rm -rf "$go_dir"
  mv "$tmp/$name" "$go_dir"
  rm -rf "$tmp"
}

have_go=$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null || true)
if ! version_at_least "${have_go#go}" "$go_min"; then
  install_go
  source scripts/env.sh
fi

# Python: the pinned dependencies and this project (editable) in .venv.
if [[ -d .venv ]] && ! .venv/bin/python -c "" 2>/dev/null; then
  echo "setup: .venv is broken (no working python); recreating it"
  rm -rf .venv
fi
if [[ ! -d .venv ]]; then
  echo "setup: creating .venv with $(python3 --version)"
  python3 -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [[ ! -f $stamp ]] || ! .venv/bin/python -c "import pytest_kind, kubernetes, redis, chaoslib, hypothesis, yaml" 2>/dev/null; then
  echo "setup: installing Python dependencies (pinned in pyproject.toml) into .venv"
  rm -f .venv/.installed-*
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
  touch "$stamp"
fi
