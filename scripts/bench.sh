#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: benchmark xalloc against SLUB and per-CPU floors on Debian's
# stock (non-debug) 6.12 kernel, in QEMU, with the kernel's default
# init_on_alloc and with init_on_alloc=0, and report the medians.
#
# Two kinds of boots, each with both settings: TCG boots time every
# scenario on as many vCPUs as the host has cores; icount boots run the
# single-CPU scenarios on one vCPU under "-icount shift=0,sleep=off", where
# the guest clock advances one nanosecond per instruction, so that their
# ns/op read as instructions per operation (each scenario repeated, the
# allocators interleaved, the best kept: interrupts and kworkers count
# too).
#
# Environment:
#   BENCH_BOOTS=N      TCG boots per init_on_alloc setting (3)
#   BENCH_ICOUNT=0     no icount boots (one per setting by default)
#   BENCH_QUICK=1      one boot per setting and fewer iterations, to test
#                      the pipeline (under a minute once set up)
#   BENCH_PARAMS="k=v ..."  xalloc_bench module parameters, e.g.
#                      "pair_iters=200000 scenarios=pair,batch sizes=64,256"
#   BENCH_KERNEL=6.12.N+deb12-amd64  that kernel rather than the newest
#   BENCH_APT_UPDATE=0 do not refresh the package lists first
#   BENCH_VM_MEM (2G), BENCH_VM_TIMEOUT seconds per boot (900)
#   BENCH_QUIET_PERCENT (10), BENCH_QUIET_WAIT seconds (900): before each
#                      boot, wait until other processes use at most that
#                      share of the host's CPU, or that long
#   BENCH_RETRIES (2)  boot again, up to that many times, when other
#                      processes took more than that share during a boot
#
# Results go to build/bench/: results.md (also printed at the end),
# ratios.png, medians.csv and every boot's console log. The exit status is
# non-zero when a boot failed or its console shows a kernel splat.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
src=$top/build/bench-src
started=$SECONDS

progress() { echo "[$((SECONDS - started))s] $*" >&2; }

# What was run, for the report's header.
describe_command() {
	local vars=() v
	for v in BENCH_BOOTS BENCH_QUICK BENCH_PARAMS BENCH_KERNEL BENCH_VM_MEM; do
		[ -n "${!v:-}" ] && vars+=("$v=$(printf '%q' "${!v}")")
	done
	if [ -n "${MAKELEVEL:-}" ]; then
		echo "${vars[*]}${vars[*]:+ }make bench"
	else
		echo "${vars[*]}${vars[*]:+ }scripts/bench.sh"
	fi
}

install_deps() {
	progress "installing dependencies"
	"$top/scripts/install-deps.sh" >&2
	if ! dpkg-query -W -f='${Status}' gnuplot-nox 2>/dev/null |
	     grep -q "ok installed"; then
		progress "installing gnuplot-nox"
		DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq \
			--no-install-recommends -o DPkg::Lock::Timeout=300 \
			gnuplot-nox >&2
	fi
	progress "installing the stock kernel image and headers"
	release=$("$top/scripts/install-bench-kernel.sh" | tail -n 1)
	kernel_pkg=$(dpkg-query -W -f='${Version}' \
		"linux-image-$release-unsigned")
}

# shellcheck source=stock-config.sh
. "$top/scripts/stock-config.sh"

# A copy of the sources, so that this build against the stock headers and
# the debug-kernel build of the tree do not overwrite each other's objects.
build_modules() {
	local headers=/usr/src/linux-headers-$release
	progress "building xalloc.ko and xalloc_bench.ko against $headers"
	mkdir -p "$src"
	rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '*.mod' \
		--exclude '*.mod.c' --exclude '.*.cmd' --exclude '*.order' \
		--exclude '*.symvers' \
		"$top/xalloc" "$top/include" "$top/bench" "$src/"
	echo 'obj-m += xalloc/ bench/' > "$src/Kbuild"
	make -s -C "$headers" M="$src" -j"$(nproc)" modules >&2
}

# Host CPU ticks: "busy total", from /proc/stat.
host_ticks() {
	awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9
		       print busy, busy + $5 + $6 }' /proc/stat
}

# CPU ticks this shell's finished children used: QEMU, once it is reaped.
child_ticks() {
	awk '{ print $16 + $17 }' "/proc/$$/stat"
}

# Percent of the host's CPU that others used since host_ticks printed
# "$1 $2", given the ticks our own children used meanwhile ($3).
others_percent() {
	local busy total
	read -r busy total < <(host_ticks)
	echo $(( (busy - $1 - $3) * 100 / (total - $2 > 0 ? total - $2 : 1) ))
}

# A VM under TCG is slowed by whatever else runs on the host: wait, up to
# BENCH_QUIET_WAIT seconds, until the host has been nearly idle for 2 s.
wait_for_quiet_host() {
	local waited=0 b0 t0 pct
	while :; do
		read -r b0 t0 < <(host_ticks)
		sleep 2
		pct=$(others_percent "$b0" "$t0" 0)
		[ "$pct" -le "${BENCH_QUIET_PERCENT:-10}" ] && return
		if [ "$waited" -ge "${BENCH_QUIET_WAIT:-900}" ]; then
			progress "host still ${pct}% busy, going on anyway"
			return
		fi
		[ "$waited" -eq 0 ] &&
			progress "host ${pct}% busy: waiting for it to calm down"
		sleep 8
		waited=$((waited + 10))
	done
}

# run_boot LOG [KERNEL_ARG...]: boot the VM once, on $vm_cpus vCPUs with
# $vm_qemu_args. Sets boot_rc, and boot_others: the share of the host CPU
# other processes used meanwhile.
run_boot() {
	local log=$1 b0 t0 c0
	shift
	read -r b0 t0 < <(host_ticks)
	c0=$(child_ticks)
	boot_rc=0
	VM_CPUS=$vm_cpus VM_MEM=${BENCH_VM_MEM:-2G} VM_QEMU_ARGS=$vm_qemu_args \
		VM_TIMEOUT=${BENCH_VM_TIMEOUT:-900} \
		"$top/scripts/run-vm.sh" "/boot/vmlinuz-$release" "$initrd" \
		"$log" "$@" || boot_rc=$?
	boot_others=$(others_percent "$b0" "$t0" $(( $(child_ticks) - c0 )))
}

# boot SETTING N [KERNEL_ARG...]: one benchmark boot, run again (up to
# BENCH_RETRIES times) when other processes took a share of the host
# while it ran. Sets last_log; boots.tsv records that share.
boot() {
	local setting=$1 n=$2 try=0
	shift 2
	last_log=$out/console-$setting-$n.log
	while :; do
		wait_for_quiet_host
		progress "boot $n of $boots, $setting (console in $last_log)"
		run_boot "$last_log" "$@"
		[ "$boot_others" -le "${BENCH_QUIET_PERCENT:-10}" ] && break
		[ "$try" -ge "${BENCH_RETRIES:-2}" ] && break
		try=$((try + 1))
		progress "other processes took ${boot_others}% of the host meanwhile: booting again"
	done
	printf '%s\t%s\t%s\n' "$(basename "$last_log")" "$boot_others" "$try" \
		>> "$out/boots.tsv"
	if ! "$top/scripts/ktap-summary.py" --splats-only "$last_log" >&2 ||
	   [ "$boot_rc" -ne 0 ]; then
		echo "bench: boot $setting-$n failed (qemu status $boot_rc)" >&2
		failed=1
	fi
}

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

boots=${BENCH_BOOTS:-3}
params=()
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	boots=${BENCH_BOOTS:-1}
	params=(pair_iters=100000 concurrent_iters=100000 batch_rounds=2
		remote_rounds=5 mixed_ops=20000 memory_bytes=8000000
		footprint_caches=20)
fi
read -ra extra <<< "${BENCH_PARAMS:-}"
params+=("${extra[@]}")
kargs=()
for p in "${params[@]}"; do
	kargs+=("xalloc_bench.$p")
done
# As many vCPUs as host cores: more would share cores and distort TCG.
cpus=$(nproc)

install_deps
stock_config_ok "$release" || exit 1
build_modules
initrd=$out/initramfs.cpio.gz
mkdir -p "$out"
rm -f "$out"/console-*.log "$out/boots.tsv"
"$top/scripts/mkinitramfs.sh" "$initrd" "$top/scripts/vm/init-bench.sh" \
	"$src/xalloc/xalloc.ko" "$src/bench/xalloc_bench.ko"

failed=0
logs=()
vm_cpus=$cpus vm_qemu_args=
for n in $(seq 1 "$boots"); do
	boot default "$n" "${kargs[@]}"
	logs+=("$last_log")
	boot init_on_alloc0 "$n" init_on_alloc=0 "${kargs[@]}"
	logs+=("$last_log")
done
# Instructions: one vCPU (-icount with two has hung), the single-CPU
# scenarios only, each repeated.
if [ "${BENCH_ICOUNT:-1}" != 0 ]; then
	vm_cpus=1 vm_qemu_args="-icount shift=0,sleep=off"
	icount_args=(xalloc_bench.label=icount xalloc_bench.repeat=3
		     xalloc_bench.scenarios=pair,batch,bulk "${kargs[@]}")
	boot icount-default 1 "${icount_args[@]}"
	logs+=("$last_log")
	boot icount-init_on_alloc0 1 init_on_alloc=0 "${icount_args[@]}"
	logs+=("$last_log")
fi

progress "writing the report"
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
tree=$(git -C "$top" describe --always --dirty 2>/dev/null || echo "not a git tree")
qemu=$(qemu-system-x86_64 --version | sed -n '1s/QEMU emulator version //p')
"$top/scripts/bench-report.py" --out "$out" \
	--command "$(describe_command)" \
	--kernel "linux-image-$release-unsigned $kernel_pkg" \
	--setup "QEMU $qemu, TCG, $cpus vCPUs (icount boots: 1), ${BENCH_VM_MEM:-2G}; host: $host_cpu, $(nproc) cores" \
	--source "$tree, $(date -u '+%Y-%m-%d %H:%M UTC')" \
	--host-load "$out/boots.tsv" \
	"${logs[@]}"
progress "done: $out/results.md, $out/ratios.png"
exit "$failed"
