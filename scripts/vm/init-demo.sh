#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the demo VM: load xalloc and the demo client, then print the
# debugfs view of every cache before and after a collection. Failures
# print an "XALLOC-VM: FAIL" line; the guest always ends with "reboot -f".

export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# devtmpfs is not automounted on an initramfs root.
grep -q " /dev " /proc/mounts || mount -t devtmpfs devtmpfs /dev
grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1

M=/lib/xalloc
D=/sys/kernel/debug/xalloc
fail() { echo "XALLOC-VM: FAIL: $*"; }
step() { "$@" || { fail "$*"; return 1; }; }
show() {
	echo
	echo "==== $1"
	if [ -r "$1" ]; then cat "$1" || fail "cat $1"; else fail "$1 is missing"; fi
}

echo "XALLOC-VM: start demo"
if step insmod $M/xalloc.ko && step insmod $M/xalloc_demo.ko; then
	show $D/summary
	for dir in "$D"/*/; do
		[ -d "$dir" ] || continue
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
fi
echo "XALLOC-VM: done"
# Let the UART drain before the reset cuts it off.
sleep 1
reboot -f
