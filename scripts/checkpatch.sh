#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make checkpatch: run the kernel's checkpatch.pl --strict on every source
# file. Fails when an ERROR or a WARNING is reported (CHECKs are shown but
# do not fail).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh >&2

version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
checkpatch=${XALLOC_CACHE:-/var/cache/xalloc}/linux-source-$version/scripts/checkpatch.pl
[ -f "$checkpatch" ] ||
	checkpatch=$top/build/linux-source-$version/scripts/checkpatch.pl
if [ ! -f "$checkpatch" ]; then
	# No kernel unpacked by build-kernel.sh yet: extract just checkpatch
	# and the data files it reads.
	dir=$top/build/checkpatch-$version
	checkpatch=$dir/scripts/checkpatch.pl
	if [ ! -f "$checkpatch" ]; then
		echo "checkpatch: extracting checkpatch.pl into $dir" >&2
		mkdir -p "$dir"
		tar -xf /usr/src/linux-source-6.12.tar.xz -C "$dir" \
			--strip-components=1 --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch'
	fi
fi

# Generated *.mod.c files are not ours. userspace/xalloc_os_user.h defines
# the kernel's own primitives (READ_ONCE, list_head, GFP flags, ...) for a
# program, as the kernel's tools/include does: checkpatch's rules for their
# users (no new typedefs, unused macro arguments, ...) do not fit it.
mapfile -t files < <(find xalloc include kunit examples bench stress selftest userspace \
	\( -name '*.c' -o -name '*.h' \) ! -name '*.mod.c' \
	! -name xalloc_os_user.h 2>/dev/null | sort)
if [ "${#files[@]}" -eq 0 ]; then
	echo "checkpatch: no sources found"
	exit 0
fi

errors=0 warnings=0 checks=0
for f in "${files[@]}"; do
	# libFuzzer's entry points, glibc's Dl_info and C11's _Alignas are
	# CamelCase.
	ignore=()
	case $f in
	userspace/tests/fuzz.c | userspace/bench/*.c)
		ignore=(--ignore CAMELCASE) ;;
	esac
	# Its exit status also counts CHECKs: read its totals instead.
	out=$(perl "$checkpatch" --strict --no-tree --color=never \
		--show-types "${ignore[@]}" -f "$f" || true)
	echo "$out"
	read -r e w c < <(sed -nE \
		's/^total: ([0-9]+) errors, ([0-9]+) warnings, ([0-9]+) checks.*/\1 \2 \3/p' \
		<<<"$out")
	if [ -z "${e:-}" ]; then
		echo "checkpatch: no summary for $f" >&2
		exit 1
	fi
	errors=$((errors + e)) warnings=$((warnings + w)) checks=$((checks + c))
done

echo "checkpatch: ${#files[@]} files, $errors errors, $warnings warnings, $checks checks"
[ "$errors" -eq 0 ] && [ "$warnings" -eq 0 ]
