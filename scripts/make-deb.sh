#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: build build/xalloc-dkms_VERSION_all.deb, a Debian package of
# xalloc's sources that DKMS builds for every installed kernel with
# headers, and again for each new one. It installs:
#
#   /usr/src/xalloc-VERSION/   the sources DKMS builds (dkms/dkms.conf.in):
#                              xalloc.ko, xalloc_demo.ko, xalloc_selftest.ko
#   /usr/src/xalloc/include/   the public header, xalloc.h, for clients
#   /usr/lib/xalloc/KERNEL/Module.symvers   written by each DKMS build, for
#                              a client's KBUILD_EXTRA_SYMBOLS
#
# VERSION is 0.1.0+gitTIME.COMMIT of the checkout, TIME its commit's, so
# that later commits sort later; .dirtyTIME follows when the packaged
# files have uncommitted changes. Prints the path.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if git rev-parse --git-dir >/dev/null 2>&1; then
	version=0.1.0+git$(git log -1 --format=%cd --date=format:%Y%m%d%H%M%S).$(git rev-parse --short HEAD)
	# Uncommitted changes make another package, not the commit's.
	if [ -n "$(git status --porcelain -- xalloc include examples \
		   selftest dkms)" ]; then
		version=$version.dirty$(date -u +%Y%m%d%H%M%S)
	fi
	maintainer=$(git log -1 --format='%an <%ae>')
else
	version=0.1.0
	maintainer="xalloc maintainers <xalloc@localhost>"
fi

stage=$top/build/deb/xalloc-dkms
src=$stage/usr/src/xalloc-$version
rm -rf "$stage"
mkdir -p "$src" "$stage/DEBIAN" "$stage/usr/src/xalloc"
rsync -a --exclude '*.o' --exclude '*.ko' --exclude '*.mod' \
	--exclude '*.mod.c' --exclude '.*.cmd' --exclude '*.order' \
	--exclude '*.symvers' --exclude '.*.d' \
	xalloc include examples selftest "$src/"
cp dkms/Kbuild "$src/Kbuild"
install -m 755 dkms/post-build.sh "$src/post-build.sh"
sed "s/@VERSION@/$version/" dkms/dkms.conf.in > "$src/dkms.conf"
ln -s "../xalloc-$version/include" "$stage/usr/src/xalloc/include"

cat > "$stage/DEBIAN/control" <<EOF
Package: xalloc-dkms
Version: $version
Architecture: all
Maintainer: $maintainer
Depends: dkms (>= 3.0)
Recommends: linux-headers-amd64
Section: kernel
Priority: optional
Description: xalloc, a slab-style allocator for kernel modules (DKMS)
 xalloc ports mimalloc's free-list sharding to the kernel: per-CPU heaps
 of pages carved from vmalloc'd segments, with a kmem_cache-like API for
 other modules. DKMS builds xalloc.ko, its demo client and its self-test
 for every installed kernel with headers (Linux 6.1 and later).
EOF
cat > "$stage/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e
if [ "\$1" = configure ]; then
	/usr/lib/dkms/common.postinst xalloc $version "" "" "\$2"
fi
EOF
cat > "$stage/DEBIAN/prerm" <<EOF
#!/bin/sh
set -e
case "\$1" in
remove|upgrade|deconfigure)
	if [ -n "\$(dkms status -m xalloc -v $version)" ]; then
		dkms remove -m xalloc -v $version --all
	fi
	;;
esac
EOF
cat > "$stage/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] || [ "$1" = purge ]; then
	rm -rf /usr/lib/xalloc
fi
EOF
chmod 755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" \
	"$stage/DEBIAN/postrm"

deb=$top/build/xalloc-dkms_${version}_all.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >&2
echo "$deb"
