# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Sourced by the guest init scripts: mount what they need, and the helpers
# that report failures. Every failure prints an "XALLOC-VM: FAIL" line
# that the host looks for; the guest ends with finish(), whose
# "reboot -f" QEMU (-no-reboot) turns into an exit.

export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# devtmpfs is not automounted on an initramfs root.
grep -q " /dev " /proc/mounts || mount -t devtmpfs devtmpfs /dev
grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1

# shellcheck disable=SC2034 # used by the init scripts that source this
M=/lib/xalloc
fail() { echo "XALLOC-VM: FAIL: $*"; }
step() { "$@" || { fail "$*"; return 1; }; }

finish() {
	echo "XALLOC-VM: done"
	# Let the UART drain before the reset cuts it off.
	sleep 1
	reboot -f
}
