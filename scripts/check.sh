#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build the debug kernel and the modules, boot them in QEMU,
# run the KUnit suites and summarise them. The last line on stdout is
# "N passed, N failed"; the exit status is non-zero on any failure.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

prepare
boot_vm check "$top/scripts/vm/init-check.sh" "$xalloc_ko" "$test_ko" "$demo_ko"

rc=0
"$top/scripts/ktap-summary.py" "$console" || rc=$?
# A QEMU failure is a failure even if the log happens to look complete.
[ "$rc" -ne 0 ] || rc=$vm_rc
exit "$rc"
