#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the demo VM: load xalloc and the demo client, then print the
# debugfs view of every cache before and after a collection.

# shellcheck source=lib.sh
. /lib/xalloc/lib.sh

D=/sys/kernel/debug/xalloc
show() {
	echo
	echo "==== $1"
	if [ -r "$1" ]; then cat "$1" || fail "cat $1"; else fail "$1 is missing"; fi
}

echo "XALLOC-VM: start demo"
if step insmod $M/xalloc.ko && step insmod $M/xalloc_demo.ko; then
	show $D/summary
	# A cache's directory has a stats file; fail_segment/ and
	# fail_metadata/ are fault-injection attributes.
	for dir in "$D"/*/; do
		[ -e "${dir}stats" ] || continue
		show "${dir}stats"
		show "${dir}pages"
	done
	echo
	echo "==== echo collect > $D/demo/control"
	if [ -e $D/demo/control ]; then
		echo collect > $D/demo/control || fail "collect on demo"
	else
		fail "$D/demo/control is missing"
	fi
	show $D/demo/stats
	show $D/demo/pages
fi
finish
