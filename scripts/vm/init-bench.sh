#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the benchmark VM: load xalloc, then xalloc_bench, which runs the
# whole benchmark at load time and prints XBENCH lines on the console.
# Module parameters come from the kernel command line as
# xalloc_bench.NAME=VALUE: the kernel leaves those to whoever loads the
# module, and insmod does not read the command line itself.

# shellcheck source=lib.sh
. /lib/xalloc/lib.sh

echo "XALLOC-VM: start bench"
echo "XALLOC-VM: kernel $(uname -r)"
echo "XALLOC-VM: cmdline $(cat /proc/cmdline)"
echo "XALLOC-VM: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
params=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^xalloc_bench\.//p')
# Let the boot's deferred work run out first: under -icount every
# instruction a kworker runs during a measurement counts against it.
sleep 3
if step insmod $M/xalloc.ko; then
	# shellcheck disable=SC2086 # one module parameter per word
	step insmod $M/xalloc_bench.ko $params && step rmmod xalloc_bench
	step rmmod xalloc
fi
finish
