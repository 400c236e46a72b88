#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make stress: boot the debug kernel with xalloc and run the xalloc_stress
# suite for DURATION seconds (600 by default): every CPU allocates and frees
# from process, softirq and hardirq context and hands objects to the others
# while CPUs go offline and back, memory runs short in bursts and 25 % of
# xalloc's own allocations fail by injection (STRESS_FAULTS=0: none).
# Prints the figures of the run; the last line on stdout is "N passed,
# N failed"; the exit status is non-zero on any failure or kernel splat.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

duration=${DURATION:-600}
if ! [[ $duration =~ ^[1-9][0-9]*$ ]]; then
	echo "stress: DURATION must be a number of seconds, not '$duration'" >&2
	exit 2
fi
# Booting, and freeing and checking everything at the end, take a few
# minutes under TCG on a busy host, on top of the run itself.
export VM_TIMEOUT=${VM_TIMEOUT:-$((duration + 600))}
vm_args=("xalloc_stress.duration=$duration")
if [ "${STRESS_FAULTS:-1}" = 0 ]; then
	vm_args+=("xalloc_stress.faults=0")
fi

prepare
boot_vm stress "$top/scripts/vm/init-stress.sh" "$xalloc_ko" "$stress_ko"

stress_figures
rc=0
"$top/scripts/ktap-summary.py" "$console" || rc=$?
[ "$rc" -ne 0 ] || rc=$vm_rc
exit "$rc"
