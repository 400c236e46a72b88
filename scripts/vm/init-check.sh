#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the check VM: load xalloc and its KUnit module (the suites run at
# load time and print KTAP on the console), show the debugfs summary, run
# the stress suite (xalloc_stress.duration on the kernel command line, set
# by check.sh), drive the control file on the demo client's cache, unload.

# shellcheck source=lib.sh
. /lib/xalloc/lib.sh

D=/sys/kernel/debug/xalloc/demo
demo_stat() { awk -v k="$1" '$1 == k { print $2 }' $D/stats; }

# The control file, driven as a user would, on the demo client's cache
# (kernel_write() cannot reach debugfs files, so KUnit cannot do this).
check_control() {
	used=$(demo_stat used)
	remote=$(demo_stat thread_free)
	echo "XALLOC-VM: demo before collect: used $used thread_free $remote"
	[ "${remote:-0}" -gt 0 ] || fail "demo: no remote free pending"
	if echo bogus > $D/control 2>/dev/null; then
		fail "control accepted 'bogus'"
	fi
	echo validate > $D/control || fail "control: validate"
	check_files
	echo collect > $D/control || fail "control: collect"
	echo "XALLOC-VM: demo after collect: used $(demo_stat used) thread_free $(demo_stat thread_free)"
	[ "$(demo_stat thread_free)" = 0 ] || fail "collect left thread_free $(demo_stat thread_free)"
	[ "$(demo_stat used)" = $((used - remote)) ] ||
		fail "collect: used $(demo_stat used), expected $((used - remote))"
	echo validate > $D/control || fail "control: validate after collect"
	check_files
}

# The pages and summary files must agree with stats: per-page columns
# summed, and the demo's summary row, field by field. Run on the quiescent
# demo cache, before and after collection.
check_files() {
	sums=$(awk 'NR > 1 { n++; cap += $5; used += $7; free += $8;
		local += $9; thr += $10; if ($7 + $8 + $9 != $5) bad++ }
		END { print n + 0, cap + 0, used + 0, free + 0, local + 0,
		thr + 0, bad + 0 }' $D/pages)
	want="$(demo_stat pages) $(demo_stat capacity) $(demo_stat used) $(demo_stat free) $(demo_stat local_free) $(demo_stat thread_free) 0"
	echo "XALLOC-VM: demo pages file: $sums (stats: $want)"
	[ "$sums" = "$want" ] || fail "pages file $sums, stats $want"
	row=$(awk '$1 == "demo" { print $5, $6, $7, $8 }' \
		/sys/kernel/debug/xalloc/summary)
	want="$(demo_stat pages) $(demo_stat capacity) $(demo_stat used) $(demo_stat thread_free)"
	[ "$row" = "$want" ] || fail "summary row $row, stats $want"
}

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
