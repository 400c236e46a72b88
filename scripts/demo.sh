#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the debug kernel with xalloc and the demo client loaded
# and print what debugfs shows, before and after a collection; then the
# xalloctop table of it, and heat maps of the demo cache's pages before and
# after the collection in build/demo-pages-{before,after}.png.
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

# What xalloctop and xalloc-plot make of the guest's debugfs files.
echo
echo "== scripts/xalloctop --once, after the collection"
"$top/scripts/xalloctop" --once --console "$console" || rc=1
for which in first last; do
	when=before
	[ "$which" = first ] || when=after
	png=$top/build/demo-pages-$when.png
	"$top/scripts/xalloc-plot" --console "$console" --cache demo \
		--which "$which" --title "demo, $when the collection" \
		-o "$png" || rc=1
	echo "== the demo cache's pages $when the collection: $png"
done
exit "$rc"
