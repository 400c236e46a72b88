#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# DKMS's POST_BUILD, in the build directory: keep this kernel's
# Module.symvers of xalloc for client modules to build against.
set -e
dest=/usr/lib/xalloc/$1
mkdir -p "$dest"
cp Module.symvers "$dest/Module.symvers"
