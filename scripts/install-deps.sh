#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages needed to build the test kernel, build the
# modules and boot them in QEMU. Idempotent: does nothing when all are there.
#
#   scripts/install-deps.sh [bench]
#
# "bench" adds what make userspace-bench needs: the allocators it measures
# xalloc against.
set -euo pipefail

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves
	cpio xz-utils rsync kmod python3
	linux-source-6.12
	qemu-system-x86 busybox-static
	sparse
	clang libclang-rt-14-dev
	python3-matplotlib
)
if [ "${1:-}" = bench ]; then
	PKGS+=(libmimalloc-dev libjemalloc-dev libgoogle-perftools-dev)
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

# shellcheck source=apt-env.sh
. "$(dirname "$0")/apt-env.sh"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
