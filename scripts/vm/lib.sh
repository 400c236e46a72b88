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

# inject_faults PERCENT: make PERCENT % of xalloc's segment mappings and
# metadata allocations fail, quietly (0 stops it). Fails when the kernel
# has no fault-injection debugfs.
inject_faults() {
	for attr in fail_segment fail_metadata; do
		d=/sys/kernel/debug/xalloc/$attr
		[ -d "$d" ] || return 1
		echo 0 > "$d/verbose" && echo -1 > "$d/times" &&
			echo "$1" > "$d/probability" || return 1
	done
}

# The xalloc_stress.NAME=VALUE arguments of the kernel command line, as
# NAME=VALUE (insmod, unlike modprobe, does not look there).
stress_params() {
	read -r cmdline </proc/cmdline
	for arg in $cmdline; do
		case $arg in
		xalloc_stress.*=*) echo "${arg#xalloc_stress.}" ;;
		esac
	done
}

# fair_server_runtime NS: set the runtime of every CPU's deadline server
# for fair tasks (0 switches it off); prints the old runtime of CPU 0.
# Fails quietly without the scheduler's debugfs.
fair_server_runtime() {
	old=
	for f in /sys/kernel/debug/sched/fair_server/cpu*/runtime; do
		[ -e "$f" ] || return 1
		[ -n "$old" ] || old=$(cat "$f")
		echo "$1" > "$f" || return 1
	done
	echo "$old"
}

# The irqsoff tracer, where the kernel has it (the KASAN kernel): the
# longest stretch with interrupts off anywhere in the kernel while the
# stress runs, and where it started and ended. Taking a CPU offline holds
# interrupts off in ways that are the hotplug's, not the allocator's: the
# dead CPU is traced from do_idle until it comes back, and stop_machine()
# keeps every CPU in multi_cpu_stop for milliseconds under TCG. So a
# watcher polls the tracer every second, keeps the longest other section,
# and resets the tracer's maximum when one of those took it (a section
# shorter than that, in the same second, is missed).
# irqsoff_start fails quietly without the tracer.
T=/sys/kernel/debug/tracing
irqsoff_start() {
	grep -qw irqsoff $T/available_tracers 2>/dev/null || return 1
	# Only the ends of the longest section, not every function in it
	# (the option exists only with the function tracer).
	if [ -e $T/options/function-trace ]; then
		echo 0 > $T/options/function-trace || return 1
	fi
	echo 0 > $T/tracing_max_latency && echo irqsoff > $T/current_tracer ||
		return 1
	rm -f /tmp/irqsoff-stop
	irqsoff_watch &
	irqsoff_pid=$!
}

irqsoff_ends() {
	started=$(sed -n 's/^# *=> *started at: *//p' $T/trace | head -n 1)
	ended=$(sed -n 's/^# *=> *ended at: *//p' $T/trace | head -n 1)
}

irqsoff_watch() {
	best=0 where=
	while [ ! -e /tmp/irqsoff-stop ]; do
		sleep 1
		max=$(cat $T/tracing_max_latency)
		[ "$max" -gt "$best" ] || continue
		irqsoff_ends
		case "$started $ended" in
		*do_idle*|*start_secondary*|*play_dead*|*multi_cpu_stop*)
			echo 0 > $T/tracing_max_latency ;;
		*)
			best=$max where="from ${started:-?} to ${ended:-?}" ;;
		esac
	done
	echo "XALLOC-VM: longest interrupts-off section during the stress: $best us, $where (CPU hotplug's own left out)"
}

irqsoff_report() {
	touch /tmp/irqsoff-stop
	wait "$irqsoff_pid"
	echo nop > $T/current_tracer
}

# run_stress PARAM...: load xalloc_stress (its KUnit suite runs for the
# whole insmod) and unload it. 25 % of xalloc's own allocations fail by
# injection meanwhile, when the kernel can and faults=0 is not given.
#
# The deadline server for fair tasks is off meanwhile: in 6.12 its
# bandwidth accounting can underflow when CPUs go offline under load,
# a scheduler bug that warns "dl_rq->running_bw > old" in
# inactive_task_timer() and has nothing to do with xalloc. It only guards
# fair tasks against real-time ones, which this VM does not run.
run_stress() {
	fair_runtime=$(fair_server_runtime 0) || fair_runtime=
	faults=1
	case " $* " in
	*" faults=0 "*) faults=0 ;;
	esac
	if [ "$faults" = 1 ] && ! inject_faults 25; then
		faults=0
	fi
	echo "XALLOC-VM: insmod xalloc_stress.ko faults=$faults $*"
	irqsoff=0
	irqsoff_start && irqsoff=1
	stress_rc=0
	step insmod $M/xalloc_stress.ko faults=$faults "$@" || stress_rc=1
	[ "$irqsoff" = 0 ] || irqsoff_report
	[ "$faults" = 0 ] || inject_faults 0 || fail "fault injection stays on"
	if [ -n "$fair_runtime" ]; then
		fair_server_runtime "$fair_runtime" >/dev/null ||
			fail "fair server runtime not restored"
	fi
	[ "$stress_rc" = 0 ] && step rmmod xalloc_stress
}

# The demo client's cache (xalloc_demo.ko loaded), for the check VMs.
DEMO=/sys/kernel/debug/xalloc/demo
demo_stat() { awk -v k="$1" '$1 == k { print $2 }' $DEMO/stats; }

# The control file, driven as a user would, on the demo client's cache
# (kernel_write() cannot reach debugfs files, so KUnit cannot do this).
check_control() {
	used=$(demo_stat used)
	remote=$(demo_stat thread_free)
	echo "XALLOC-VM: demo before collect: used $used thread_free $remote"
	[ "${remote:-0}" -gt 0 ] || fail "demo: no remote free pending"
	if echo bogus > $DEMO/control 2>/dev/null; then
		fail "control accepted 'bogus'"
	fi
	echo validate > $DEMO/control || fail "control: validate"
	check_files
	echo collect > $DEMO/control || fail "control: collect"
	echo "XALLOC-VM: demo after collect: used $(demo_stat used) thread_free $(demo_stat thread_free)"
	[ "$(demo_stat thread_free)" = 0 ] || fail "collect left thread_free $(demo_stat thread_free)"
	[ "$(demo_stat used)" = $((used - remote)) ] ||
		fail "collect: used $(demo_stat used), expected $((used - remote))"
	echo validate > $DEMO/control || fail "control: validate after collect"
	check_files
}

# The pages and summary files must agree with stats: per-page columns
# summed, and the demo's summary row, field by field. Run on the quiescent
# demo cache, before and after collection.
check_files() {
	sums=$(awk 'NR > 1 { n++; cap += $5; used += $7; free += $8;
		local += $9; thr += $10; if ($7 + $8 + $9 != $5) bad++ }
		END { print n + 0, cap + 0, used + 0, free + 0, local + 0,
		thr + 0, bad + 0 }' $DEMO/pages)
	want="$(demo_stat pages) $(demo_stat capacity) $(demo_stat used) $(demo_stat free) $(demo_stat local_free) $(demo_stat thread_free) 0"
	echo "XALLOC-VM: demo pages file: $sums (stats: $want)"
	[ "$sums" = "$want" ] || fail "pages file $sums, stats $want"
	row=$(awk '$1 == "demo" { print $5, $6, $7, $8 }' \
		/sys/kernel/debug/xalloc/summary)
	want="$(demo_stat pages) $(demo_stat capacity) $(demo_stat used) $(demo_stat thread_free)"
	[ "$row" = "$want" ] || fail "summary row $row, stats $want"
}
