#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the stress VM: load xalloc, run the xalloc_stress suite with the
# xalloc_stress.* parameters of the kernel command line (duration=N), and
# show what xalloc holds afterwards.

# shellcheck source=lib.sh
. /lib/xalloc/lib.sh

echo "XALLOC-VM: start stress"
if step insmod $M/xalloc.ko; then
	# shellcheck disable=SC2046 # one module parameter per word
	run_stress $(stress_params)
	echo "XALLOC-VM: /sys/kernel/debug/xalloc/segments"
	cat /sys/kernel/debug/xalloc/segments || fail "cat segments"
	step rmmod xalloc
fi
finish
