#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install Debian's stock (non-debug) 6.12 kernel image and its headers, the
# kernel the benchmark runs on.
#
#   scripts/install-bench-kernel.sh
#
# Picks the newest linux-image-6.12.N+deb12-amd64-unsigned whose
# linux-headers-6.12.N+deb12-amd64 is also in the archive, so that image
# and headers are the exact same build; BENCH_KERNEL=6.12.N+deb12-amd64
# asks for one. Prints that kernel release on its last line of stdout:
# the VM boots /boot/vmlinuz-<release> and the modules build against
# /usr/src/linux-headers-<release>.
#
# The image package only drops files in /boot and /lib/modules, but it
# depends on an initramfs generator. When none is installed, tiny-initramfs
# is pulled in: initramfs-tools would bring udev and upgrade systemd with
# it, which a benchmark has no business doing to the host. The VM does not
# use that initramfs; it boots its own (scripts/mkinitramfs.sh).
set -euo pipefail

log() { echo "install-bench-kernel: $*" >&2; }

# shellcheck source=apt-env.sh
. "$(dirname "$0")/apt-env.sh"
apt_opts=(-qq -o DPkg::Lock::Timeout=300)

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

# Releases (6.12.N+deb12-amd64) that have both an unsigned image and headers.
available_releases() {
	apt-cache search --names-only \
		'^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
		sed -nE 's/^linux-image-(6\.12\.[0-9]+\+deb12-amd64)-unsigned .*/\1/p' |
		while read -r rel; do
			apt-cache show "linux-headers-$rel" >/dev/null 2>&1 &&
				echo "$rel"
		done | sort -V
}

if [ "${BENCH_APT_UPDATE:-1}" = 1 ]; then
	# The newest build at run time: the package lists may be stale.
	log "refreshing the package lists"
	$SUDO apt-get update "${apt_opts[@]}"
fi

release=${BENCH_KERNEL:-$(available_releases | tail -n 1)}
if [ -z "$release" ]; then
	log "no linux-image-6.12.*+deb12-amd64-unsigned with matching headers in the archive"
	exit 1
fi
image=linux-image-$release-unsigned
headers=linux-headers-$release

pkgs=()
installed "$image" || pkgs+=("$image")
installed "$headers" || pkgs+=("$headers")
if [ "${#pkgs[@]}" -gt 0 ]; then
	if ! installed initramfs-tools && ! installed dracut &&
	   ! installed tiny-initramfs; then
		pkgs+=(tiny-initramfs)
	fi
	log "installing ${pkgs[*]}"
	$SUDO apt-get install "${apt_opts[@]}" -y --no-install-recommends \
		"${pkgs[@]}" >&2
fi

for f in "/boot/vmlinuz-$release" "/usr/src/linux-headers-$release/Makefile"; do
	[ -f "$f" ] || { log "$f missing after the install"; exit 1; }
done
echo "$release"
