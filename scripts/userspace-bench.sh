#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make userspace-bench: the allocator core in user space, through its
# malloc() front end, against mimalloc, jemalloc, tcmalloc and glibc on the
# real cores of this machine (userspace/bench/bench.c). Every workload runs
# REPEATS times (3) for every allocator, the allocators side by side within
# each repetition; the table takes the median time and peak RSS of each.
# Prints the markdown table, and writes it with its chart and the command
# to Documentation/userspace-bench.md and .png.
#
# OPS, if set, is the number of operations of every run (a quick look).
#
# Run it on a quiet machine: another process on these cores changes the
# ratios, and the table records the load average before and after.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/userspace/bench
"$top/scripts/install-deps.sh" bench >&2
make -s -C "$top/userspace" OUT="$top/build/userspace" bench >&2

repeats=${REPEATS:-3}
ncpu=$(nproc)
allocators=(xalloc mimalloc jemalloc tcmalloc glibc)
declare -A expect=([xalloc]=xalloc [mimalloc]=libmimalloc
	[jemalloc]=libjemalloc [tcmalloc]=libtcmalloc [glibc]=libc.so)
workloads=()
for w in pairs batch; do
	for size in 16 32 64 128 256 512 1024; do
		workloads+=("$w $size")
	done
done
workloads+=("prodcon 64" "prodcon 256" "larson $ncpu" "xmalloc $ncpu")

results=$out/results.tsv
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$results"
for r in $(seq "$repeats"); do
	echo "userspace-bench: repetition $r of $repeats" >&2
	for w in "${workloads[@]}"; do
		for a in "${allocators[@]}"; do
			# shellcheck disable=SC2086
			line=$("$out/bench-$a" $w ${OPS:-})
			name=${line%%$'\t'*}
			# A binary that runs another allocator's malloc() is
			# a broken link, not a result.
			if [[ $name != "${expect[$a]}"* ]]; then
				echo "userspace-bench: bench-$a runs $name" >&2
				exit 1
			fi
			printf '%s\t%s\n' "$a" "${line#*$'\t'}" >> "$results"
		done
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$top/scripts/userspace-bench-report.py" "$results" \
	--markdown "$top/Documentation/userspace-bench.md" \
	--png "$top/Documentation/userspace-bench.png" \
	--command "make userspace-bench REPEATS=$repeats${OPS:+ OPS=$OPS}" \
	--load "$load_before" "$load_after"
cat "$top/Documentation/userspace-bench.md"
