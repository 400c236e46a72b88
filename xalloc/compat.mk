# SPDX-License-Identifier: GPL-2.0
# Feature probes for compat.h, against the headers being built with: what
# a kernel has, rather than the version it claims (Debian backports).
# Included by the Kbuild of each module that includes compat.h.

# shrinker_alloc() and shrinker_register(), since 6.7
ifneq ($(shell grep -qs '\*shrinker_alloc' $(srctree)/include/linux/shrinker.h && echo y),)
ccflags-y += -DXALLOC_HAVE_SHRINKER_ALLOC
endif
