#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn make userspace-bench's results into a markdown table and a chart.

    scripts/userspace-bench-report.py RESULTS.tsv --markdown OUT.md
        --png OUT.png --command CMD --load BEFORE AFTER

RESULTS.tsv has one line per run: allocator, workload, parameter,
nanoseconds per operation, peak RSS in KiB. The table gives the median of
each over the repetitions, and xalloc's ratio to mimalloc, the allocator
whose design it ports, against the targets of the issue that asked for
it: time within 1.1 x mimalloc's on single-thread pairs and batches, at or
below it on producer/consumer, peak RSS within 1.2 x.

Debian's python3 runs it, for Debian's matplotlib (python3-matplotlib).
"""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys

ALLOCATORS = ["xalloc", "mimalloc", "jemalloc", "tcmalloc", "glibc"]
PACKAGES = {
    "mimalloc": "libmimalloc2.0",
    "jemalloc": "libjemalloc2",
    "tcmalloc": "libtcmalloc-minimal4",
    "glibc": "libc6",
}
TIME_TARGET = {"pairs": 1.1, "batch": 1.1, "prodcon": 1.0}
RSS_TARGET = 1.2
DESCRIPTION = {
    "pairs": "allocate and free at once",
    "batch": "allocate 1000, then free them in order",
    "prodcon": "one thread allocates, another frees",
    "larson": "larson-style, threads = parameter",
    "xmalloc": "xmalloc-test-style, threads = parameter",
}


def read_results(path):
    runs = {}
    order = []
    with open(path) as f:
        for line in f:
            alloc, workload, param, ns, rss = line.rstrip("\n").split("\t")
            key = (workload, int(param))
            if key not in order:
                order.append(key)
            runs.setdefault((key, alloc), []).append((float(ns), int(rss)))
    return order, runs


def median(runs, key, alloc, index):
    values = [r[index] for r in runs.get((key, alloc), [])]
    return statistics.median(values) if values else None


def package_version(name):
    try:
        return subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", name],
            capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def git_head():
    try:
        return subprocess.run(
            ["git", "-C", os.path.dirname(os.path.abspath(__file__)),
             "log", "-1", "--format=%h %ci"],
            capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def verdict(ratio, target):
    if target is None or ratio is None:
        return ""
    return "met" if ratio <= target else "missed"


def table(order, runs, index, fmt, target_of):
    head = "| workload | size or threads | " + " | ".join(ALLOCATORS) + \
        " | xalloc / mimalloc | target |"
    rows = [head, "| --- | ---: |" + " ---: |" * (len(ALLOCATORS) + 1) +
            " --- |"]
    for key in order:
        values = [median(runs, key, a, index) for a in ALLOCATORS]
        ratio = None
        if values[0] is not None and values[1]:
            ratio = values[0] / values[1]
        target = target_of(key[0])
        cells = [fmt(v) if v is not None else "-" for v in values]
        goal = ""
        if target is not None:
            goal = "<= %.1f: %s" % (target, verdict(ratio, target))
        rows.append("| %s | %d | %s | %s | %s |" % (
            key[0], key[1], " | ".join(cells),
            "%.2f" % ratio if ratio is not None else "-", goal))
    return "\n".join(rows)


def write_markdown(args, order, runs, repeats):
    lines = [
        "<!-- SPDX-License-Identifier: GPL-2.0 -->",
        "",
        "# xalloc's core in user space beside mimalloc: the last run",
        "",
        "- command: `%s`" % args.command,
        "- sources: %s" % git_head(),
        "- date: %s" % datetime.datetime.utcnow().strftime(
            "%Y-%m-%d %H:%M UTC"),
        "- machine: %s, %d cores, Linux %s" % (
            cpu_model(), os.cpu_count(), platform.release()),
        "- load average before and after: %s; %s" % (
            args.load[0], args.load[1]),
        "- allocators: xalloc's core through userspace/malloc.c, built by "
        "clang -O2 as its tests are; " + ", ".join(
            "%s %s" % (p, package_version(p)) for p in PACKAGES.values()) +
        " (Debian's builds, linked ahead of glibc)",
        "- every value is the median of %d runs, one process per run, the "
        "allocators side by side within each repetition. Time: wall-clock "
        "nanoseconds per operation (one allocation and its free), all "
        "threads together; lower is better. A ratio below 1 favours "
        "xalloc." % repeats,
        "",
        "Workloads (userspace/bench/bench.c):",
        "",
    ]
    for name, text in DESCRIPTION.items():
        lines.append("- `%s`: %s" % (name, text))
    lines += [
        "",
        "## Time, ns per operation",
        "",
        table(order, runs, 0, lambda v: "%.1f" % v, TIME_TARGET.get),
        "",
        "## Peak RSS, KiB (the whole process)",
        "",
        table(order, runs, 1, lambda v: "%d" % v, lambda w: RSS_TARGET),
        "",
        "![time and peak RSS, relative to mimalloc](userspace-bench.png)",
        "",
    ]
    with open(args.markdown, "w") as f:
        f.write("\n".join(lines))


def write_png(path, order, runs):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = ["%s %d" % key for key in order]
    fig, axes = plt.subplots(2, 1, figsize=(14, 9), sharex=True)
    width = 0.8 / len(ALLOCATORS)
    for ax, index, title, target in (
            (axes[0], 0, "time relative to mimalloc", 1.1),
            (axes[1], 1, "peak RSS relative to mimalloc", 1.2)):
        for i, alloc in enumerate(ALLOCATORS):
            ratios = []
            for key in order:
                value = median(runs, key, alloc, index)
                base = median(runs, key, "mimalloc", index)
                ratios.append(value / base if value and base else 0)
            xs = [x + (i - len(ALLOCATORS) / 2 + 0.5) * width
                  for x in range(len(order))]
            ax.bar(xs, ratios, width, label=alloc)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.axhline(target, color="red", linewidth=0.8, linestyle="--",
                   label="target %.1f" % target)
        ax.set_yscale("log")
        ax.set_ylabel(title)
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0].legend(ncol=len(ALLOCATORS) + 1, fontsize="small")
    axes[1].set_xticks(range(len(order)))
    axes[1].set_xticklabels(labels, rotation=45, ha="right")
    fig.suptitle("xalloc's core in user space, beside mimalloc, jemalloc, "
                 "tcmalloc and glibc (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--markdown", required=True)
    parser.add_argument("--png", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--load", nargs=2, default=["?", "?"])
    args = parser.parse_args()
    order, runs = read_results(args.results)
    if not order:
        sys.exit("userspace-bench-report: no results")
    repeats = max(len(v) for v in runs.values())
    write_markdown(args, order, runs, repeats)
    write_png(args.png, order, runs)


if __name__ == "__main__":
    main()
