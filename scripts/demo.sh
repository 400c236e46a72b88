#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the debug kernel with xalloc and the demo client loaded
# and print what debugfs shows, before and after a collection.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

prepare
boot_vm demo "$top/scripts/vm/init-demo.sh" "$xalloc_ko" "$demo_ko"

# The guest's part of the console, without CRs and printk timestamps.
sed -n '/XALLOC-VM: start demo/,/XALLOC-VM: done/p' "$console" |
	tr -d '\r' | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //'

rc=0
"$top/scripts/ktap-summary.py" --splats-only "$console" || rc=$?
[ "$rc" -ne 0 ] || rc=$vm_rc
exit "$rc"
