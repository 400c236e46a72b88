# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by check.sh, demo.sh and stress.sh: get the dependencies, the
# test kernel and the modules ready. Set XALLOC_KO_DIR to a directory
# holding xalloc.ko, xalloc_test.ko, xalloc_demo.ko and xalloc_stress.ko to
# boot those instead of building the tree (used to test the pipeline
# itself).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
t0=$SECONDS

# Extra kernel arguments for boot_vm, e.g. xalloc_stress.duration=N.
vm_args=()

progress() { echo "[$((SECONDS - t0))s] $*" >&2; }

# Sets kdir (kernel build directory) and xalloc_ko, test_ko, demo_ko,
# stress_ko.
prepare() {
	progress "installing dependencies"
	"$top/scripts/install-deps.sh" >&2
	progress "building the test kernel (cached after the first run)"
	kdir=$("$top/scripts/build-kernel.sh" | tail -n 1)
	if [ -n "${XALLOC_KO_DIR:-}" ]; then
		xalloc_ko=$XALLOC_KO_DIR/xalloc.ko
		test_ko=$XALLOC_KO_DIR/xalloc_test.ko
		demo_ko=$XALLOC_KO_DIR/xalloc_demo.ko
		stress_ko=$XALLOC_KO_DIR/xalloc_stress.ko
	else
		progress "building the modules against $kdir"
		make -C "$kdir" M="$top" modules >&2
		xalloc_ko=$top/xalloc/xalloc.ko
		test_ko=$top/kunit/xalloc_test.ko
		demo_ko=$top/examples/xalloc_demo.ko
		stress_ko=$top/stress/xalloc_stress.ko
	fi
	for ko in "$xalloc_ko" "$test_ko" "$demo_ko" "$stress_ko"; do
		[ -f "$ko" ] || { echo "error: module $ko was not built" >&2; return 1; }
	done
}

# boot_vm NAME INIT_SCRIPT MODULE.ko...: pack an initramfs with INIT_SCRIPT
# as /init and boot it, with vm_args on the kernel command line. Sets
# console (the console log) and vm_rc (QEMU's status: 124 on timeout).
boot_vm() {
	local name=$1 init=$2 initrd
	shift 2
	initrd=$top/build/$name-initramfs.cpio.gz
	console=$top/build/$name-console.log

	progress "packing $initrd"
	"$top/scripts/mkinitramfs.sh" "$initrd" "$init" "$@"
	progress "booting the VM (TCG), console in $console"
	vm_rc=0
	"$top/scripts/run-vm.sh" "$kdir/arch/x86/boot/bzImage" "$initrd" \
		"$console" ${vm_args[@]+"${vm_args[@]}"} || vm_rc=$?
	progress "VM finished with status $vm_rc"
}

# The figures xalloc_stress printed, without printk timestamps.
stress_figures() {
	tr -d '\r' <"$console" | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' |
		grep -E '^xalloc_stress: ' || true
}
