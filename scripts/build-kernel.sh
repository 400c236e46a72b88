#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test kernel from Debian's linux-source-6.12 and a config fragment.
#
#   scripts/build-kernel.sh [FRAGMENT]
#
# The build lives in $XALLOC_CACHE/kernel-<version>-<fragment hash>/ and is
# reused when it is complete, so only the first run on a machine pays for
# it, whichever clone of the tree asks. XALLOC_CACHE defaults to
# /var/cache/xalloc, outside any clone (CI clones afresh each time); where
# that cannot be written, build/ of this tree is used. Prints the build
# directory on its last line of stdout.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
frag=${1:-$top/scripts/kconfig/debug.config}
tarball=/usr/src/linux-source-6.12.tar.xz
jobs=$(nproc)

[ -f "$tarball" ] || { echo "build-kernel: $tarball missing" >&2; exit 1; }

cache=${XALLOC_CACHE:-/var/cache/xalloc}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	echo "build-kernel: $cache is not writable, building in $top/build" >&2
	cache=$top/build
	mkdir -p "$cache"
fi
# Two trees building the same kernel at once would share one directory.
exec 9>"$cache/.lock"
flock 9

version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
hash=$( (cat "$frag"; echo "$version") | sha256sum | cut -c1-12)
src=$cache/linux-source-$version
out=$cache/kernel-$version-$hash

if [ -f "$out/.xalloc-complete" ]; then
	echo "$out"
	exit 0
fi

if [ ! -f "$src/.unpacked" ]; then
	echo "build-kernel: unpacking $tarball" >&2
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	touch "$src/.unpacked"
fi

echo "build-kernel: configuring $out" >&2
mkdir -p "$out"
cp "$frag" "$out/.config"
make -s -C "$src" O="$out" ARCH=x86_64 olddefconfig >&2

# olddefconfig silently drops options whose dependencies are not met:
# refuse a kernel that lacks anything the fragment asked for.
grep -E '^CONFIG_[A-Z0-9_]+=' "$frag" | while read -r line; do
	grep -qx "$line" "$out/.config" ||
		{ echo "build-kernel: $line did not survive olddefconfig" >&2; exit 1; }
done

echo "build-kernel: building bzImage and modules with -j$jobs" >&2
make -s -C "$src" O="$out" ARCH=x86_64 -j"$jobs" bzImage modules >&2
touch "$out/.xalloc-complete"
echo "$out"
