# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by check.sh, demo.sh and stress.sh: get the dependencies, a test
# kernel and the modules ready. Set XALLOC_KO_DIR to a directory holding
# xalloc.ko, xalloc_test.ko, xalloc_demo.ko and xalloc_stress.ko to boot
# those instead of building the tree (used to test the pipeline itself);
# modules only load into the kernel they were built for, so
# XALLOC_KO_DIR/NAME, when it exists, is used for the kernel NAME (see
# prepare).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
t0=$SECONDS

# Extra kernel arguments for boot_vm, e.g. xalloc_stress.duration=N.
vm_args=()

progress() { echo "[$((SECONDS - t0))s] $*" >&2; }

# prepare [FRAGMENT [NAME]]: the kernel built from the config fragment
# FRAGMENT (scripts/kconfig/debug.config by default), named NAME in the
# log, and the modules built against it. Sets kdir (kernel build
# directory) and xalloc_ko, test_ko, demo_ko, stress_ko.
prepare() {
	local frag=${1:-$top/scripts/kconfig/debug.config} name=${2:-kasan}
	local src

	progress "installing dependencies"
	"$top/scripts/install-deps.sh" >&2
	progress "building the $name kernel (cached after the first run)"
	kdir=$("$top/scripts/build-kernel.sh" "$frag" | tail -n 1)
	if [ -n "${XALLOC_KO_DIR:-}" ]; then
		src=$XALLOC_KO_DIR
		[ -d "$src/$name" ] && src=$src/$name
		xalloc_ko=$src/xalloc.ko
		test_ko=$src/xalloc_test.ko
		demo_ko=$src/xalloc_demo.ko
		stress_ko=$src/xalloc_stress.ko
	else
		# One copy of the sources per kernel, beside its build: "make
		# M=" writes the objects next to the sources, so building the
		# tree in place against two kernels would have each build
		# overwrite the other's objects. Copied by content (-c, no -t):
		# a file whose content changed gets a fresh mtime and is
		# rebuilt, the others keep their objects; objects are excluded
		# from the copy and from --delete.
		src=$top/build/modules-${kdir##*/kernel-}
		progress "building the modules against $kdir in $src"
		mkdir -p "$src"
		rsync -rlc --delete --exclude '*.o' --exclude '*.ko' \
			--exclude '*.mod' --exclude '*.mod.c' --exclude '.*.cmd' \
			--exclude '*.order' --exclude '*.symvers' \
			--exclude '*.a' --exclude '.tmp_versions' \
			"$top/Kbuild" "$top/include" "$top/xalloc" "$top/kunit" \
			"$top/examples" "$top/bench" "$top/stress" \
			"$top/selftest" "$src/"
		make -C "$kdir" M="$src" modules >&2
		xalloc_ko=$src/xalloc/xalloc.ko
		test_ko=$src/kunit/xalloc_test.ko
		demo_ko=$src/examples/xalloc_demo.ko
		stress_ko=$src/stress/xalloc_stress.ko
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
		grep -E '^(xalloc_stress|XALLOC-VM: longest interrupts-off)' ||
		true
}
