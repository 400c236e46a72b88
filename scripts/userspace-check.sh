#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make userspace-check: build the allocator core as a program against the
# user-space boundary (userspace/), plain, with ASan and UBSan, and with
# TSan, run its tests under each, and write their results as KTAP to
# build/userspace/ktap.log, one case per test and build, for
# ktap-summary.py; then fuzz for FUZZ_SECONDS (30) as one more case, and
# test xalloctop and xalloc-plot as the last. A sanitizer report fails its
# case (and is a splat in the log). Prints the log's summary; make check
# adds it to its own.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/userspace
log=$out/ktap.log
"$top/scripts/install-deps.sh" >&2
mkdir -p "$out"
make -s -C "$top/userspace" OUT="$out" all >&2

variants=(plain asan tsan)
tests=(basic stress malloc)
{
	echo "KTAP version 1"
	echo "1..1"
	echo "    # Subtest: xalloc_userspace"
	echo "    KTAP version 1"
	echo "    1..$((${#variants[@]} * ${#tests[@]} + 2))"
	n=0
	for v in "${variants[@]}"; do
		for t in "${tests[@]}"; do
			n=$((n + 1))
			status=ok
			# TSan exits 66 after a report; ASan and UBSan abort.
			if ! timeout 600 "$out/$v/$t" > "$out/$v-$t.out" 2>&1; then
				status="not ok"
			fi
			sed 's/^/    # /' "$out/$v-$t.out"
			echo "    $status $n ${t}_${v}"
		done
	done
	# The fuzzer, for FUZZ_SECONDS (30 by default), from the corpus the
	# earlier runs of this clone left.
	n=$((n + 1))
	status=ok
	mkdir -p "$out/fuzz/corpus"
	if ! "$out/fuzz/fuzz" -max_total_time="${FUZZ_SECONDS:-30}" \
		-max_len=4096 -artifact_prefix="$out/fuzz/" \
		"$out/fuzz/corpus" > "$out/fuzz.out" 2>&1; then
		status="not ok"
	fi
	grep -E "^#[0-9]+[[:space:]]+DONE|^Done|ERROR|Test unit written" \
		"$out/fuzz.out" | sed 's/^/    # /' || true
	echo "    $status $n fuzz"
	# xalloctop and xalloc-plot against a captured demo console.
	n=$((n + 1))
	status=ok
	if ! "$top/scripts/test-tools.py" > "$out/tools.out" 2>&1; then
		status="not ok"
	fi
	sed 's/^/    # /' "$out/tools.out"
	echo "    $status $n tools"
	echo "ok 1 xalloc_userspace"
	echo "XALLOC-VM: done"
} > "$log"
"$top/scripts/ktap-summary.py" "userspace=$log"
