#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the stock-kernel VMs (make check-stock): load xalloc, run the
# self-test module (its KTAP on the console is the result), drive the demo
# client's cache as make check does, and unload everything.

# shellcheck source=lib.sh
. /lib/xalloc/lib.sh

echo "XALLOC-VM: start stock $(uname -r)"
if step insmod $M/xalloc.ko; then
	step insmod $M/xalloc_selftest.ko && step rmmod xalloc_selftest
	step insmod $M/xalloc_demo.ko && check_control && step rmmod xalloc_demo
	step rmmod xalloc
fi
finish
