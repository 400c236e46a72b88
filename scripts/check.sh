#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build and test the core in user space (userspace-check.sh),
# build the debug kernels and the modules, boot each in QEMU, run the KUnit
# suites and a short run of the stress suite, then boot Debian's stock
# kernels with the self-test (check-stock.sh), and summarise them.
#
#   scripts/check.sh [NAME...]
#
# NAME is one of the kernels listed below; by default all of them, in that
# order. The summary has a "NAME: N passed, N failed" line per kernel, and
# its last line on stdout is their sum, "N passed, N failed"; the exit
# status is non-zero on any failure in any run.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

# NAME, seconds of stress, config fragment, and extra kernel arguments.
# KASAN and KCSAN cannot be built into one kernel: the first catches
# memory errors, lockdep (with the PREEMPT_RT nesting rules) and
# atomic-sleep bugs, the second data races between CPUs and with
# interrupts. The KCSAN kernel watches more accesses (see init-check.sh)
# and runs slower, so its stress is shorter; it boots with init_on_free
# in place of init_on_alloc, so that the suites see objects zeroed when
# they are freed, not when they are handed out. The third kernel is
# PREEMPT_RT, where xalloc's locks sleep; it boots with neither, so that
# the zeroing the suites see under __GFP_ZERO is xalloc's own. The KASAN
# kernel prints every report, not only the first (kasan_multi_shot).
kernels=(
	"kasan 60 $top/scripts/kconfig/debug.config kasan_multi_shot"
	"kcsan 30 $top/scripts/kconfig/kcsan.config init_on_alloc=0 init_on_free=1"
	"rt 30 $top/scripts/kconfig/rt.config init_on_alloc=0"
)

wanted=("$@")
logs=()
if [ "${#wanted[@]}" -eq 0 ]; then
	for k in "${kernels[@]}"; do
		wanted+=("${k%% *}")
	done
	# The core as a program under the sanitizers first: a minute, no
	# kernel. Its cases are summed with the kernels' below.
	"$top/scripts/userspace-check.sh" >&2 || true
	logs+=("userspace=$top/build/userspace/ktap.log")
fi

numa_args="-object memory-backend-ram,id=mem0,size=1G
	-object memory-backend-ram,id=mem1,size=1G
	-numa node,nodeid=0,cpus=0-1,memdev=mem0
	-numa node,nodeid=1,cpus=2-3,memdev=mem1"
rc=0
for name in "${wanted[@]}"; do
	spec=
	for k in "${kernels[@]}"; do
		[ "${k%% *}" = "$name" ] && spec=${k#* }
	done
	if [ -z "$spec" ]; then
		echo "check: unknown kernel '$name'" >&2
		exit 2
	fi
	read -r seconds fragment args <<<"$spec"
	prepare "$fragment" "$name"
	# The guest takes about two minutes under TCG, the stress one of
	# them: run-vm.sh's default timeout (900 s) leaves room for a busy
	# host.
	# shellcheck disable=SC2206 # one kernel argument per word
	vm_args=("xalloc_stress.duration=$seconds" $args)
	# Two NUMA nodes, a socket of two CPUs and 1 GiB each, for the node
	# API (a node split inside a socket would split its shared cache).
	VM_CPUS=4,sockets=2,cores=2,threads=1 VM_MEM=2G VM_QEMU_ARGS="$numa_args" \
	boot_vm "check-$name" "$top/scripts/vm/init-check.sh" \
		"$xalloc_ko" "$test_ko" "$demo_ko" "$stress_ko"
	stress_figures
	logs+=("$name=$console")
	# A QEMU failure is a failure even if the log happens to look complete.
	[ "$vm_rc" -eq 0 ] || rc=$vm_rc
done

# A whole make check ends on Debian's stock kernels (check-stock.sh): a
# few minutes, most of them the first installs.
if [ "$#" -eq 0 ]; then
	stock_logs=$top/build/stock-logs
	rm -f "$stock_logs"
	STOCK_LOGS=$stock_logs "$top/scripts/check-stock.sh" >&2 || rc=1
	if [ -f "$stock_logs" ]; then
		mapfile -t -O "${#logs[@]}" logs < "$stock_logs"
	fi
fi

summary_rc=0
"$top/scripts/ktap-summary.py" "${logs[@]}" || summary_rc=$?
[ "$summary_rc" -eq 0 ] || rc=$summary_rc
exit "$rc"
