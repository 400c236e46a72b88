#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack a minimal busybox initramfs for the test VM.
#
#   scripts/mkinitramfs.sh OUT.cpio.gz INIT_SCRIPT MODULE.ko...
#
# The init script becomes /init; it and the modules land in /lib/xalloc/
# with scripts/vm/lib.sh, the helpers every init script sources.
set -euo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 OUT.cpio.gz INIT_SCRIPT [MODULE.ko...]" >&2
	exit 2
fi
out=$(realpath -m "$1")
init=$2
shift 2

# busybox-static: the image carries no shared libraries.
busybox=/bin/busybox

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,lib/xalloc}
cp "$busybox" "$root/bin/busybox"
# Every applet as a symlink to /bin/busybox. Skip "busybox" itself:
# a self-referencing link makes exec fail with ELOOP.
for applet in $("$busybox" --list-full); do
	[ "${applet##*/}" = busybox ] && continue
	ln -sf /bin/busybox "$root/$applet"
done

install -m 0755 "$init" "$root/init"
install -m 0644 "$(dirname "$0")/vm/lib.sh" "$root/lib/xalloc/lib.sh"
for ko in "$@"; do
	[ -f "$ko" ] || { echo "mkinitramfs: $ko missing" >&2; exit 1; }
	cp "$ko" "$root/lib/xalloc/"
done

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet --owner=0:0) | gzip -9n > "$out"
