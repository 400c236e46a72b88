#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build the debug kernel and the modules, boot them in QEMU,
# run the KUnit suites, then the stress suite for 60 seconds, and summarise
# them. The last line on stdout is "N passed, N failed"; the exit status is
# non-zero on any failure.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

prepare
# The guest takes about two minutes under TCG, the stress one of them:
# run-vm.sh's default timeout (900 s) leaves room for a busy host.
boot_vm check "$top/scripts/vm/init-check.sh" "$xalloc_ko" "$test_ko" \
	"$demo_ko" "$stress_ko"

stress_figures
rc=0
"$top/scripts/ktap-summary.py" "$console" || rc=$?
# A QEMU failure is a failure even if the log happens to look complete.
[ "$rc" -ne 0 ] || rc=$vm_rc
exit "$rc"
