# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the scripts that boot Debian's stock kernels (bench.sh,
# check-stock.sh).

# stock_config_ok RELEASE: the VM carries no module tree, so what it needs
# must be built into the kernel; says what is missing, and fails.
stock_config_ok() {
	local config=/boot/config-$1 opt missing=()
	for opt in SERIAL_8250_CONSOLE BLK_DEV_INITRD RD_GZIP DEVTMPFS \
		   DEBUG_FS PROC_FS SYSFS; do
		grep -qx "CONFIG_$opt=y" "$config" || missing+=("CONFIG_$opt")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "$config does not build in ${missing[*]}" >&2
		return 1
	fi
}
