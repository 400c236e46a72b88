#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the check VM: load xalloc and its KUnit module (the suites run at
# load time and print KTAP on the console), show the debugfs summary, run
# the stress suite (xalloc_stress.duration on the kernel command line, set
# by check.sh), drive the control file on the demo client's cache, unload.

# shellcheck source=lib.sh
. /lib/xalloc/lib.sh

# On the KCSAN kernel (make check boots the KASAN kernel too; this does
# nothing there): watch one memory access in up to 100 instead of the
# default 4000 while the suites run. They run for seconds only, and this
# sets some 50 times as many watchpoints for a few seconds more.
K=/sys/module/kcsan/parameters
if [ -w $K/skip_watch ]; then
	echo 100 > $K/skip_watch
	# Benign races outside xalloc that the interrupt watchers see: the
	# workqueue's CPU-intensive heuristic, in process_one_work(),
	# wq_worker_running() and wq_worker_tick(), reads a worker's
	# current_at and its task's sum_exec_runtime, which the scheduler
	# tick and the worker update on the same CPU. And the sleep of a
	# nanosleep(), whose loop in do_nanosleep() reads t->task without
	# READ_ONCE() while hrtimer_wakeup() clears it from the timer
	# interrupt (seen at the guest's reboot). And the timekeeper's latch:
	# ktime_get_mono_fast_ns() reads a copy that timekeeping_update()
	# may be writing, and retries when the latch's sequence moved, which
	# 6.12 does not tell KCSAN (seen once, from a timer of the stress).
	# Reports with them in a top frame are dropped.
	for f in process_one_work wq_worker_running wq_worker_tick \
		do_nanosleep hrtimer_wakeup ktime_get_mono_fast_ns \
		timekeeping_update; do
		echo "!$f" > /sys/kernel/debug/kcsan ||
			fail "kcsan report filter $f"
	done
	# vmstat's shepherd scans every CPU's counter deltas with
	# memchr_inv() while those CPUs update them (need_update(), racy by
	# design); a filter on memchr_inv() would hide xalloc's own uses, so
	# the shepherd runs once an hour here instead of every second.
	echo 3600 > /proc/sys/vm/stat_interval ||
		fail "vm.stat_interval"
fi

echo "XALLOC-VM: start check"
if step insmod $M/xalloc.ko; then
	if step insmod $M/xalloc_test.ko; then
		echo "XALLOC-VM: /sys/kernel/debug/xalloc/summary"
		cat /sys/kernel/debug/xalloc/summary || fail "cat summary"
		step rmmod xalloc_test
	fi
	# shellcheck disable=SC2046 # one module parameter per word
	run_stress $(stress_params)
	step insmod $M/xalloc_demo.ko && check_control && step rmmod xalloc_demo
	step rmmod xalloc
fi
if [ -w $K/skip_watch ]; then
	# Evidence that KCSAN watched: its counters (a race counted in
	# data_races with no value change observed is not reported).
	echo "XALLOC-VM: kcsan counters"
	cat /sys/kernel/debug/kcsan
fi
finish
