#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-dkms: build the xalloc-dkms package (make deb), install it on
# this machine as a user would, check that DKMS built and installed the
# modules for each stock kernel (6.1, 6.12, 6.12-rt; check-stock.sh
# installs them and their headers), and boot each kernel with the modules
# DKMS built: the self-test and the demo, as make check-stock runs them.
# The package stays installed; apt-get remove xalloc-dkms removes it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=apt-env.sh
. "$(dirname "$0")/apt-env.sh"

# The stock kernels and their headers first: DKMS builds for those there.
STOCK_LOGS=/dev/null "$top/scripts/check-stock.sh" >/dev/null
deb=$("$top/scripts/make-deb.sh")
version=$(dpkg-deb -f "$deb" Version)
echo "check-dkms: installing $deb" >&2
$SUDO apt-get install -y -qq --no-install-recommends \
	--allow-downgrades -o DPkg::Lock::Timeout=300 "$deb" >&2
for rel in $(ls -d /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||'); do
	[ -d "/usr/src/linux-headers-$rel" ] || continue
	if ! dkms status -m xalloc -v "$version" -k "$rel" | grep -q installed; then
		echo "check-dkms: DKMS did not install xalloc for $rel" >&2
		dkms status -m xalloc >&2
		exit 1
	fi
done
dkms status -m xalloc -v "$version"
STOCK_MODULES=dkms exec "$top/scripts/check-stock.sh"
