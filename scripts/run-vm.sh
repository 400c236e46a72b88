#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel with an initramfs in QEMU (TCG, no KVM needed).
#
#   scripts/run-vm.sh BZIMAGE INITRAMFS CONSOLE_LOG [KERNEL_ARG...]
#
# Environment: VM_CPUS (4), VM_MEM (2G), VM_TIMEOUT seconds (900),
# VM_ECHO=1 to also copy the serial console to stdout, VM_QEMU_ARGS: more
# QEMU arguments, split at white space (e.g. "-icount shift=0,sleep=off").
# Exits with QEMU's status; 124 when the guest did not finish in time.
set -euo pipefail

if [ $# -lt 3 ]; then
	echo "usage: $0 BZIMAGE INITRAMFS CONSOLE_LOG [KERNEL_ARG...]" >&2
	exit 2
fi
kernel=$1 initrd=$2 log=$3
shift 3

# ACPI does not come up in this guest, so poweroff hangs: the guest ends
# with "reboot -f", and -no-reboot turns that (and panic=-1 after an oops)
# into a QEMU exit.
append="console=ttyS0 panic=-1 oops=panic loglevel=7 $*"
# No LA57: with 5-level paging, an interrupt that lands while
# identify_cpu() rebuilds the boot CPU's feature bits sees
# pgtable_l5_enabled() false, and KASAN reports a "wild-memory-access" in
# the irq code of the booting kernel, before any module is loaded.
qemu=(qemu-system-x86_64 -accel tcg -cpu max,la57=off
	-smp "${VM_CPUS:-4}" -m "${VM_MEM:-2G}"
	-nographic -no-reboot -nic none
	-kernel "$kernel" -initrd "$initrd" -append "$append")
# shellcheck disable=SC2206 # one QEMU argument per word
qemu+=(${VM_QEMU_ARGS:-})

mkdir -p "$(dirname "$log")"
rc=0
# stdin from /dev/null: QEMU must not grab the terminal (or wait on CI).
if [ "${VM_ECHO:-0}" = 1 ]; then
	timeout -k 10 "${VM_TIMEOUT:-900}" "${qemu[@]}" </dev/null | tee "$log" || rc=${PIPESTATUS[0]}
else
	timeout -k 10 "${VM_TIMEOUT:-900}" "${qemu[@]}" </dev/null >"$log" || rc=$?
fi
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "run-vm: guest did not finish within ${VM_TIMEOUT:-900}s" >&2
elif [ "$rc" -ne 0 ]; then
	echo "run-vm: qemu exited with status $rc" >&2
fi
exit "$rc"
