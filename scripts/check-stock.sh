#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-stock: Debian 12's stock kernels, as users run them: 6.1
# (linux-image-amd64), 6.12 (+deb12) and 6.12 PREEMPT_RT (-rt-amd64).
# For each, install the newest image and its headers from the archive,
# build xalloc.ko, the demo and the self-test module against the headers
# (no KUnit there), boot the kernel in QEMU, run the self-test (KTAP) and
# drive the demo's cache, and summarise: a "stock-RELEASE:" line per
# kernel, and last "N passed, N failed".
#
#   scripts/check-stock.sh [6.1|6.12|6.12-rt]...
#
# With STOCK_LOGS=FILE it writes the console logs, one NAME=LOG per line,
# to FILE instead of summarising them (make check sums them with its own).
# With STOCK_MODULES=dkms it boots the modules DKMS built and installed
# for each kernel (the xalloc-dkms package of make deb) instead of
# building them.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
t0=$SECONDS
progress() { echo "[$((SECONDS - t0))s] $*" >&2; }

# shellcheck source=apt-env.sh
. "$(dirname "$0")/apt-env.sh"

# The image-package pattern of each kernel, release in group 1.
declare -A pattern=(
	[6.1]='linux-image-(6\.1\.0-[0-9]+-amd64)-unsigned'
	[6.12]='linux-image-(6\.12\.[0-9]+\+deb12-amd64)-unsigned'
	[6.12-rt]='linux-image-(6\.12\.[0-9]+\+deb12-rt-amd64)-unsigned'
)

# The newest release of @1 whose image and headers are both in the archive.
newest_release() {
	apt-cache search --names-only "^${pattern[$1]}\$" |
		sed -nE "s/^${pattern[$1]} .*/\\1/p" |
		while read -r rel; do
			apt-cache show "linux-headers-$rel" >/dev/null 2>&1 &&
				echo "$rel"
		done | sort -V | tail -n 1
}

install_kernel() {
	local rel=$1 pkgs=() p
	for p in "linux-image-$rel-unsigned" "linux-headers-$rel"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "ok installed" || pkgs+=("$p")
	done
	[ "${#pkgs[@]}" -eq 0 ] && return 0
	progress "installing ${pkgs[*]}"
	$SUDO apt-get install -y -qq --no-install-recommends \
		-o DPkg::Lock::Timeout=300 "${pkgs[@]}" >&2
}

# shellcheck source=stock-config.sh
. "$top/scripts/stock-config.sh"

# A copy of the sources per kernel, built against its headers.
build_modules() {
	local rel=$1 src=$2
	progress "building xalloc.ko, the demo and the self-test for $rel"
	mkdir -p "$src"
	rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '*.mod' \
		--exclude '*.mod.c' --exclude '.*.cmd' --exclude '*.order' \
		--exclude '*.symvers' \
		"$top/xalloc" "$top/include" "$top/examples" "$top/selftest" \
		"$src/"
	echo 'obj-m += xalloc/ examples/ selftest/' > "$src/Kbuild"
	make -s -C "/usr/src/linux-headers-$rel" M="$src" -j"$(nproc)" \
		modules >&2
}

# The modules DKMS installed for @1, uncompressed into the layout
# build_modules() leaves in @2.
dkms_modules() {
	local rel=$1 src=$2 dir m f
	progress "taking the modules DKMS installed for $rel"
	for m in xalloc/xalloc selftest/xalloc_selftest examples/xalloc_demo; do
		dir=$src/${m%/*}
		mkdir -p "$dir"
		f=$(ls /lib/modules/"$rel"/updates/dkms/"${m#*/}".ko* 2>/dev/null |
		    head -n 1)
		if [ -z "$f" ]; then
			echo "check-stock: DKMS installed no ${m#*/} for $rel" >&2
			return 1
		fi
		case $f in
		*.xz) xz -dc "$f" > "$dir/${m#*/}.ko" ;;
		*.zst) zstd -qdc "$f" > "$dir/${m#*/}.ko" ;;
		*) cp "$f" "$dir/${m#*/}.ko" ;;
		esac
	done
}

"$top/scripts/install-deps.sh" >&2
kernels=("$@")
[ "${#kernels[@]}" -gt 0 ] || kernels=(6.1 6.12 6.12-rt)
if [ -z "$(newest_release "${kernels[0]}")" ]; then
	progress "refreshing the package lists"
	$SUDO apt-get update -qq
fi

logs=()
for k in "${kernels[@]}"; do
	[ -n "${pattern[$k]:-}" ] || { echo "check-stock: no kernel $k" >&2; exit 2; }
	rel=$(newest_release "$k")
	if [ -z "$rel" ]; then
		echo "check-stock: no $k image with headers in the archive" >&2
		exit 1
	fi
	install_kernel "$rel"
	stock_config_ok "$rel"
	out=$top/build/stock-$rel
	if [ "${STOCK_MODULES:-}" = dkms ]; then
		out=$top/build/stock-dkms-$rel
		dkms_modules "$rel" "$out/src"
	else
		build_modules "$rel" "$out/src"
	fi
	"$top/scripts/mkinitramfs.sh" "$out/initramfs.cpio.gz" \
		"$top/scripts/vm/init-stock.sh" "$out/src/xalloc/xalloc.ko" \
		"$out/src/selftest/xalloc_selftest.ko" \
		"$out/src/examples/xalloc_demo.ko"
	progress "booting $rel (TCG), console in $out/console.log"
	rc=0
	VM_CPUS=$(nproc) VM_TIMEOUT=${VM_TIMEOUT:-600} \
		"$top/scripts/run-vm.sh" "/boot/vmlinuz-$rel" \
		"$out/initramfs.cpio.gz" "$out/console.log" || rc=$?
	progress "VM finished with status $rc"
	logs+=("${out##*/}=$out/console.log")
done
if [ -n "${STOCK_LOGS:-}" ]; then
	printf '%s\n' "${logs[@]}" > "$STOCK_LOGS"
	exit 0
fi
exec "$top/scripts/ktap-summary.py" "${logs[@]}"
