#!/usr/bin/env bash
# Installs every Debian package that mmclaw's build, tests, benchmarks and demo use (prometheus:
# its promtool checks the gateway's /metrics in the end-to-end tests).
# Idempotent: when everything is present it does nothing (and needs no root).
# Nothing is fetched from anywhere but Debian's archive.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build ccache pkg-config make git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 ca-certificates
  prometheus
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "setup: need root to install: ${missing[*]}" >&2; exit 1
  fi
else
  sudo_cmd=()
fi

export DEBIAN_FRONTEND=noninteractive
# Update the package lists when they are missing or older than a day.
lists=/var/lib/apt/lists
if [[ -z $(find "$lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -n 1) ]]; then
  "${sudo_cmd[@]}" apt-get update -q
fi
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
