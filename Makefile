# SPDX-License-Identifier: GPL-2.0
#
# make            build the modules against KDIR (the running kernel by default)
# make check      build the test kernels, boot each in QEMU, run the KUnit
#                 suites and a short stress run: the KASAN kernel, the
#                 KCSAN kernel, then the PREEMPT_RT kernel
# make check-kasan, make check-kcsan, make check-rt   the same on one of them
# make check-stock  Debian 12's stock 6.1, 6.12 and 6.12-rt kernels in QEMU:
#                 xalloc, its self-test module and the demo, no KUnit
# make userspace-check  the core built as a program, plain, with ASan and
#                 UBSan, and with TSan, its tests, and 30 s of fuzzing
#                 (make check runs it)
# make fuzz       the libFuzzer harness for FUZZ_SECONDS (600)
# make userspace-bench  the core in user space against mimalloc, jemalloc,
#                 tcmalloc and glibc on this machine's cores; writes
#                 Documentation/userspace-bench.md
# make stress     the stress suite alone, DURATION seconds (600)
# make demo       boot the test kernel, load xalloc and the demo client, show debugfs
# make deb        a Debian package of the sources that builds through DKMS
# make check-dkms install that package here, and boot the stock kernels
#                 with the modules DKMS built for them
# make checkpatch run checkpatch.pl --strict on the sources
# make sparse     run sparse on the sources (against KDIR)
# make bench      benchmark xalloc against SLUB and a per-CPU floor on Debian's
#                 stock kernel in QEMU

KDIR ?= /lib/modules/$(shell uname -r)/build
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: all modules clean check check-kasan check-kcsan check-rt check-stock \
	check-dkms stress demo deb \
	userspace-check userspace-bench fuzz \
	checkpatch sparse bench

all: modules

# Stock kernels have no CONFIG_KUNIT: the Kbuild leaves kunit/ and stress/
# out, and this says so.
modules:
	@grep -qs '^CONFIG_KUNIT=[ym]' $(KDIR)/include/config/auto.conf || \
		echo "xalloc: $(KDIR) has no CONFIG_KUNIT: building xalloc.ko," \
		     "the demo and the benchmark; skipping the KUnit suites" \
		     "(kunit/) and the stress test (stress/), which need it"
	$(MAKE) -C $(KDIR) M=$(TOP) modules

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean

check:
	@$(TOP)/scripts/check.sh

userspace-check:
	@$(TOP)/scripts/userspace-check.sh

userspace-bench:
	@$(TOP)/scripts/userspace-bench.sh

fuzz:
	@$(TOP)/scripts/install-deps.sh
	@$(MAKE) -s -C $(TOP)/userspace OUT=$(TOP)/build/userspace fuzz

check-kasan:
	@$(TOP)/scripts/check.sh kasan

check-kcsan:
	@$(TOP)/scripts/check.sh kcsan

check-rt:
	@$(TOP)/scripts/check.sh rt

check-stock:
	@$(TOP)/scripts/check-stock.sh

stress:
	@DURATION=$(or $(DURATION),600) $(TOP)/scripts/stress.sh

demo:
	@$(TOP)/scripts/demo.sh

deb:
	@$(TOP)/scripts/make-deb.sh

check-dkms:
	@$(TOP)/scripts/check-dkms.sh

checkpatch:
	@$(TOP)/scripts/checkpatch.sh

sparse:
	$(MAKE) -C $(KDIR) M=$(TOP) C=2 modules

bench:
	@$(TOP)/scripts/bench.sh
