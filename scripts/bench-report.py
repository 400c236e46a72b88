#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the XBENCH lines of benchmark VM consoles into a report.

    scripts/bench-report.py --out DIR [--command CMD] [--kernel TEXT]
                            [--setup TEXT] [--source TEXT] CONSOLE_LOG...

Each log is one boot. Boots are grouped by their setting: the
init_on_alloc value the guest reported (XBENCH-CONFIG), and whether the
boot counted instructions (label=icount: QEMU's -icount, where ns read as
instructions) or timed under plain TCG. Each measurement is the median
over the boots of its group (the best of a boot's repetitions first), and
ratios are taken within each boot, then their median. Writes:

    DIR/results.md   the markdown tables (also printed on stdout)
    DIR/medians.csv  every median, one per line
    DIR/ratios-slub.dat, DIR/ratios-floor.dat
                     xalloc/SLUB and xalloc/floor per row, for gnuplot
    DIR/ratios.gp    the gnuplot script
    DIR/ratios.png   the chart, when gnuplot is installed

The footprint lines (one per number of CPUs) are fitted with a line,
bytes(C) = a + b * C, per allocator and size, and projected to more CPUs.

Exits 1 when no log holds a complete benchmark.
"""

import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys

TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\] ?")
ALLOCS = ("slub", "xalloc", "floor", "pfloor")

# (scenario, field, label in the table, unit, scale): the rows, in order.
# Lower is better for every one of them.
ROWS = [
    ("pair", "ns_per_op", "ns/op", "ns", 1),
    ("batch", "ns_per_op", "ns/op", "ns", 1),
    ("batch", "alloc_ns_per_op", "alloc ns/op", "ns", 1),
    ("batch", "free_ns_per_op", "free ns/op", "ns", 1),
    ("bulk/b1", "ns_per_op", "ns/op, batches of 1", "ns", 1),
    ("bulk/b16", "ns_per_op", "ns/op, batches of 16", "ns", 1),
    ("bulk/b128", "ns_per_op", "ns/op, batches of 128", "ns", 1),
    ("bulk/b1024", "ns_per_op", "ns/op, batches of 1024", "ns", 1),
    ("remote", "alloc_ns_per_op", "alloc ns/op (CPU 0)", "ns", 1),
    ("remote", "free_ns_per_op", "free ns/op (CPU 1)", "ns", 1),
    ("concurrent", "ns_per_op", "ns/op per CPU", "ns", 1),
    ("concurrent", "ratio", "per-CPU / 1-CPU time", "x", 1),
    ("mixed", "ns_per_op", "ns/op per thread", "ns", 1),
    ("latency", "p50_ns", "alloc p50 ns", "ns", 1),
    ("latency", "p99_ns", "alloc p99 ns", "ns", 1),
    ("latency", "p999_ns", "alloc p99.9 ns", "ns", 1),
    ("latency", "max_ns", "alloc max ns", "ns", 1),
    ("memory/full", "bytes", "KiB backing, all live", "KiB", 1 / 1024),
    ("memory/half", "bytes", "KiB backing, half freed", "KiB", 1 / 1024),
    ("memory/pressure", "bytes", "KiB backing, half freed, after pressure",
     "KiB", 1 / 1024),
    ("memory_mid/full", "bytes", "KiB backing, all live", "KiB", 1 / 1024),
    ("memory_mid/half", "bytes", "KiB backing, half freed", "KiB", 1 / 1024),
    ("memory_mid/pressure", "bytes",
     "KiB backing, half freed, after pressure", "KiB", 1 / 1024),
    ("memory_small/full", "bytes", "KiB backing, all live", "KiB", 1 / 1024),
    ("memory_small/half", "bytes", "KiB backing, half freed", "KiB",
     1 / 1024),
    ("memory_small/pressure", "bytes",
     "KiB backing, half freed, after pressure", "KiB", 1 / 1024),
]

# Short chart labels.
CHART_LABEL = {
    ("pair", "ns_per_op"): "pair",
    ("batch", "ns_per_op"): "batch",
    ("batch", "alloc_ns_per_op"): "batch-alloc",
    ("batch", "free_ns_per_op"): "batch-free",
    ("bulk/b1", "ns_per_op"): "bulk1",
    ("bulk/b16", "ns_per_op"): "bulk16",
    ("bulk/b128", "ns_per_op"): "bulk128",
    ("bulk/b1024", "ns_per_op"): "bulk1024",
    ("remote", "alloc_ns_per_op"): "remote-alloc",
    ("remote", "free_ns_per_op"): "remote-free",
    ("concurrent", "ns_per_op"): "concurrent",
    ("concurrent", "ratio"): "conc-scaling",
    ("mixed", "ns_per_op"): "mixed",
    ("latency", "p50_ns"): "lat-p50",
    ("latency", "p99_ns"): "lat-p99",
    ("latency", "p999_ns"): "lat-p99.9",
    ("latency", "max_ns"): "lat-max",
    ("memory/full", "bytes"): "mem-full",
    ("memory/half", "bytes"): "mem-half",
    ("memory/pressure", "bytes"): "mem-pressure",
    ("memory_mid/full", "bytes"): "mem4M-full",
    ("memory_mid/half", "bytes"): "mem4M-half",
    ("memory_mid/pressure", "bytes"): "mem4M-pressure",
    ("memory_small/full", "bytes"): "mem256K-full",
    ("memory_small/half", "bytes"): "mem256K-half",
    ("memory_small/pressure", "bytes"): "mem256K-pressure",
}

# The footprint lines, one per number of CPUs C, are keyed
# "footprint/c<C>" and fitted with bytes(C) = a + b * C, which is then
# projected to these CPU counts.
FOOTPRINT = "footprint"
FOOTPRINT_PROJECT = (64, 256)
# The scenario of a target on the projection to this many CPUs.
FOOTPRINT_TARGET_CPUS = 256
FOOTPRINT_TARGET = f"{FOOTPRINT}@{FOOTPRINT_TARGET_CPUS}"

# (description, kind, scenario, field, numerator, denominator, limit,
# sizes[, unit]): numerator / denominator <= limit in the boots of that
# kind ("tcg" or "icount"), for each init_on_alloc setting. A denominator
# of None means the numerator itself is compared with the limit, and unit
# "KiB" prints it (a number of bytes) in KiB; sizes None means every size
# measured. FOOTPRINT_TARGET compares the footprint lines' projections to
# FOOTPRINT_TARGET_CPUS; "{caches}" in a description is the number of
# caches the footprint scenario used.
TARGETS = [
    ("pair instructions <= 0.6 x SLUB", "icount", "pair", "ns_per_op",
     "xalloc", "slub", 0.6, ("64", "256")),
    ("pair time <= 0.6 x SLUB", "tcg", "pair", "ns_per_op", "xalloc",
     "slub", 0.6, ("64", "256")),
    ("batch time <= 0.5 x SLUB", "tcg", "batch", "ns_per_op", "xalloc",
     "slub", 0.5, ("64", "256")),
    ("bulk 16 time <= 0.7 x SLUB bulk", "tcg", "bulk/b16", "ns_per_op",
     "xalloc", "slub", 0.7, ("64", "256")),
    ("remote free time <= 0.5 x SLUB free", "tcg", "remote",
     "free_ns_per_op", "xalloc", "slub", 0.5, None),
    ("concurrent per-CPU time <= 1.1 x 1-CPU time", "tcg", "concurrent",
     "ratio", "xalloc", None, 1.1, ("64", "256")),
    ("pair time <= 1.5 x floor", "tcg", "pair", "ns_per_op", "xalloc",
     "floor", 1.5, ("64", "256")),
    ("remote alloc time <= SLUB alloc", "tcg", "remote", "alloc_ns_per_op",
     "xalloc", "slub", 1.0, ("64", "256")),
    ("p99 allocation latency <= SLUB", "tcg", "latency", "p99_ns",
     "xalloc", "slub", 1.0, ("64", "256")),
    ("256 KiB of live 64 B objects, everything xalloc holds included "
     "<= 1 MiB", "tcg", "memory_small/full", "bytes", "xalloc", None,
     1 << 20, ("64",), "KiB"),
    ("64 MB of live objects <= 1.02 x SLUB", "tcg", "memory/full", "bytes",
     "xalloc", "slub", 1.02, ("64", "1024")),
    ("64 MB, half of them freed, then memory pressure <= SLUB", "tcg",
     "memory/pressure", "bytes", "xalloc", "slub", 1.0, ("64", "1024")),
    ("allocation latency max <= 2 x SLUB's", "tcg", "latency", "max_ns",
     "xalloc", "slub", 2.0, None),
    ("{caches} caches, one object from each on every CPU, projected to "
     f"{FOOTPRINT_TARGET_CPUS} CPUs <= SLUB's", "tcg", FOOTPRINT_TARGET,
     "bytes", "xalloc", "slub", 1.0, None),
]
MEMORY_TARGET_SIZES = ("64", "256", "1024")


def parse_fields(text):
    fields = {}
    for word in text.split():
        key, sep, value = word.partition("=")
        if sep:
            fields[key] = value
    return fields


def parse_log(path):
    """Return (config fields, guest facts, measurements) of one boot, or
    None when the benchmark did not run to its end."""
    config, facts, rows, done = None, {}, [], False
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = TIMESTAMP.sub("", raw.replace("\r", "").rstrip("\n"))
            if line.startswith("XBENCH-CONFIG "):
                config = parse_fields(line[len("XBENCH-CONFIG "):])
            elif line.startswith("XBENCH-DONE"):
                done = True
            elif line.startswith("XBENCH "):
                rows.append(parse_fields(line[len("XBENCH "):]))
            elif line.startswith("XALLOC-VM: kernel "):
                facts["kernel"] = line.split(" ", 2)[2]
            elif line.startswith("XALLOC-VM: clocksource "):
                facts["clocksource"] = line.split(" ", 2)[2]
    if config is None or not done:
        return None
    return config, facts, rows


def row_key(fields):
    scenario = fields["scenario"]
    if "phase" in fields:
        scenario += "/" + fields["phase"]
    elif scenario == FOOTPRINT and "cpus" in fields:
        scenario += "/c" + fields["cpus"]
    return scenario, fields["size"], fields["alloc"]


def collect(logs):
    """Return {init_on_alloc: {(scenario, size, alloc, field): {boot:
    value}}}, the number of boots per setting, the guest facts and the
    ideal bytes of the memory rows."""
    data, boots, facts, ideal = {}, {}, {}, {}
    for path in logs:
        parsed = parse_log(path)
        if parsed is None:
            print(f"bench-report: {path}: no complete benchmark, skipped",
                  file=sys.stderr)
            continue
        config, guest, rows = parsed
        ioa = config.get("init_on_alloc", "?")
        if config.get("label") == "icount":
            ioa += "/icount"
            facts["icount_config"] = config
        else:
            facts["config"] = config
        boots[ioa] = boots.get(ioa, 0) + 1
        facts.update(guest)
        group = data.setdefault(ioa, {})
        for fields in rows:
            scenario, size, alloc = row_key(fields)
            for field, value in fields.items():
                try:
                    number = float(value)
                except ValueError:
                    continue
                # A boot that repeats a measurement keeps its best.
                values = group.setdefault((scenario, size, alloc, field), {})
                values[path] = min(number, values.get(path, number))
            if "ideal_bytes" in fields:
                ideal[(scenario, size)] = int(fields["ideal_bytes"])
    return data, boots, facts, ideal


def medians(data):
    return {ioa: {key: statistics.median(values.values())
                  for key, values in group.items()}
            for ioa, group in data.items()}


def boot_ratio(data, ioa, scenario, size, field, num, den):
    """The median over boots of @num / @den, each boot's ratio taken
    within that boot: allocators measured seconds apart in one boot share
    its speed, which under TCG varies from boot to boot."""
    group = data.get(ioa, {})
    a = group.get((scenario, size, num, field), {})
    b = group.get((scenario, size, den, field), {})
    ratios = [a[boot] / b[boot] for boot in a if b.get(boot)]
    return statistics.median(ratios) if ratios else None


def sizes_of(med, scenario):
    sizes = {key[1] for group in med.values() for key in group
             if key[0] == scenario}
    return sorted(sizes, key=lambda s: (not s.isdigit(), int(s)
                                        if s.isdigit() else 0))


def fmt(value, unit):
    if value is None:
        return "-"
    if unit == "KiB":
        return f"{value:,.0f}"
    if unit == "x":
        return f"{value:.2f}"
    return f"{value:.1f}"


def fmt_ratio(value):
    return "-" if value is None else f"{value:.2f}"


def table_rows(med, ioa):
    """Yield (scenario, size, label, unit, {alloc: value}) for one
    setting, in table order."""
    group = med.get(ioa, {})
    for scenario, field, label, unit, scale in ROWS:
        for size in sizes_of(med, scenario):
            values = {}
            for alloc in ALLOCS:
                v = group.get((scenario, size, alloc, field))
                values[alloc] = None if v is None else v * scale
            if any(v is not None for v in values.values()):
                yield scenario, field, size, label, unit, values


def is_icount(setting):
    return setting.endswith("/icount")


def setting_title(setting):
    ioa = setting.removesuffix("/icount")
    if ioa == "1":
        title = "init_on_alloc=1 (the kernel's default)"
    else:
        title = f"init_on_alloc={ioa} (on the kernel command line)"
    if is_icount(setting):
        title = ("Instructions per operation (QEMU -icount shift=0,"
                 f"sleep=off, 1 vCPU: ns read as instructions), {title}")
    return title


def ioa_order(med):
    return sorted(med, key=lambda k: (is_icount(k), k.split("/")[0] != "1",
                                      k))


def markdown_setting(med, data, ioa, boots, ideal):
    out = [f"## {setting_title(ioa)}, median of {boots.get(ioa, 0)} boot(s)",
           "",
           "| scenario | size | metric | SLUB | xalloc | floor | pfloor "
           "| xalloc/SLUB | xalloc/floor |",
           "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for scenario, field, size, label, unit, v in table_rows(med, ioa):
        to_slub = boot_ratio(data, ioa, scenario, size, field, "xalloc",
                             "slub")
        to_floor = boot_ratio(data, ioa, scenario, size, field, "xalloc",
                              "floor")
        if (scenario, size) in ideal:
            label += f" (ideal {ideal[(scenario, size)] / 1024:,.0f})"
        out.append(
            f"| {scenario} | {size} | {label} | {fmt(v['slub'], unit)} "
            f"| {fmt(v['xalloc'], unit)} | {fmt(v['floor'], unit)} "
            f"| {fmt(v['pfloor'], unit)} "
            f"| {fmt_ratio(to_slub)} | {fmt_ratio(to_floor)} |")
    out.append("")
    return out


def footprint_points(med, setting, size, alloc, field):
    """{C: median} of one allocator's footprint lines at one size."""
    prefix = FOOTPRINT + "/c"
    return {int(key[0][len(prefix):]): value
            for key, value in med.get(setting, {}).items()
            if key[0].startswith(prefix) and key[1:] == (size, alloc, field)}


def fit_line(points):
    """Fit bytes(C) = a + b * C to {C: bytes} by least squares; return
    (a, b, how), or None without points. One point cannot give b: the
    per-CPU increment is then taken as bytes / C, with a = 0."""
    if not points:
        return None
    if len(points) == 1:
        (cpus, value), = points.items()
        return 0.0, value / cpus, "1 point: b = bytes / C, a = 0"
    n = len(points)
    mean_c = sum(points) / n
    mean_v = sum(points.values()) / n
    b = (sum((c - mean_c) * (v - mean_v) for c, v in points.items())
         / sum((c - mean_c) ** 2 for c in points))
    return mean_v - b * mean_c, b, f"least squares, {n} points"


def footprint_fit(med, setting, size, alloc, field="bytes"):
    return fit_line(footprint_points(med, setting, size, alloc, field))


def project(fit, cpus):
    return None if fit is None else fit[0] + fit[1] * cpus


def ratio_of(num, den):
    return num / den if num is not None and den else None


def footprint_sizes(med, setting):
    return sorted({key[1] for key in med.get(setting, {})
                   if key[0].startswith(FOOTPRINT + "/c")}, key=int)


def footprint_cpus(med, setting, size):
    return sorted(set(footprint_points(med, setting, size, "slub", "bytes"))
                  | set(footprint_points(med, setting, size, "xalloc",
                                         "bytes")))


def kib(value):
    return fmt(None if value is None else value / 1024, "KiB")


def footprint_row(size, label, values):
    """One row: SLUB, xalloc and their ratio, by the allocators' figures
    then by the system's free memory. @values: (slub, xalloc, ratio) for
    bytes, then the same for sys_bytes."""
    sb, xb, rb, ss, xs, rs = values
    return (f"| {size} | {label} | {kib(sb)} | {kib(xb)} | {fmt_ratio(rb)} "
            f"| {kib(ss)} | {kib(xs)} | {fmt_ratio(rs)} |")


def footprint_measured(med, data, setting, size, cpus):
    values = []
    key = f"{FOOTPRINT}/c{cpus}"
    group = med.get(setting, {})
    for field in ("bytes", "sys_bytes"):
        values += [group.get((key, size, "slub", field)),
                   group.get((key, size, "xalloc", field)),
                   boot_ratio(data, setting, key, size, field, "xalloc",
                              "slub")]
    return values


def footprint_projected(med, setting, size, cpus):
    values = []
    for field in ("bytes", "sys_bytes"):
        slub = project(footprint_fit(med, setting, size, "slub", field),
                       cpus)
        xalloc = project(footprint_fit(med, setting, size, "xalloc", field),
                         cpus)
        values += [slub, xalloc, ratio_of(xalloc, slub)]
    return values


def footprint_model_rows(med, setting, size):
    out = []
    for alloc, name in (("slub", "SLUB"), ("xalloc", "xalloc")):
        fits = [footprint_fit(med, setting, size, alloc, field)
                for field in ("bytes", "sys_bytes")]
        if fits[0] is None:
            continue
        cells = []
        for fit in fits:
            cells += [kib(None if fit is None else fit[0]),
                      kib(None if fit is None else fit[1])]
        out.append(f"| {size} | {name} | {' | '.join(cells)} "
                   f"| {fits[0][2]} |")
    return out


def markdown_footprint(med, data, setting, config):
    """The footprint lines of one setting, measured and projected, and
    the fitted models; nothing when the scenario did not run."""
    sizes = footprint_sizes(med, setting)
    if not sizes:
        return []
    caches = config.get("footprint_caches", "?")
    out = [f"### Footprint: {caches} caches, one object from each on each "
           "of C CPUs", "",
           "Baseline before the caches are created. Each allocator and "
           "size is fitted with bytes(C) = a + b x C (least squares over "
           "the measured C; with one point, b = bytes / C and a = 0): a is "
           "what the caches cost whatever the number of CPUs using them "
           "(per-cache structures, and per-CPU ones allocated for every "
           f"possible CPU, {config.get('possible_cpus', '?')} here, at "
           "creation), b what each further CPU that allocates from every "
           "cache adds (a slab or page per cache). The projected rows are "
           "a + b x C; per-CPU structures allocated at creation grow with "
           "the possible CPUs too, which the model counts in a at this "
           "machine's number only. KiB by the allocators' own figures, "
           "then by the drop in the system's free memory.", "",
           "| size | CPUs | SLUB KiB | xalloc KiB | xalloc/SLUB "
           "| SLUB sys KiB | xalloc sys KiB | xalloc/SLUB sys |",
           "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size in sizes:
        for cpus in footprint_cpus(med, setting, size):
            out.append(footprint_row(size, str(cpus), footprint_measured(
                med, data, setting, size, cpus)))
        for cpus in FOOTPRINT_PROJECT:
            out.append(footprint_row(size, f"{cpus} (projected)",
                                     footprint_projected(med, setting, size,
                                                         cpus)))
    out += ["", "| size | allocator | a KiB | b KiB per CPU | a KiB, sys "
            "| b KiB per CPU, sys | fit |",
            "| ---: | --- | ---: | ---: | ---: | ---: | --- |"]
    for size in sizes:
        out += footprint_model_rows(med, setting, size)
    out.append("")
    return out


def verdict(value, limit):
    if value is None:
        return "not measured"
    return "**met**" if value <= limit else "not met"


def target_value(med, data, setting, scenario, field, size, num, den):
    if scenario == FOOTPRINT_TARGET:
        return ratio_of(
            project(footprint_fit(med, setting, size, num, field),
                    FOOTPRINT_TARGET_CPUS),
            project(footprint_fit(med, setting, size, den, field),
                    FOOTPRINT_TARGET_CPUS))
    if den is None:
        return med.get(setting, {}).get((scenario, size, num, field))
    return boot_ratio(data, setting, scenario, size, field, num, den)


def target_sizes(med, setting, scenario):
    if scenario == FOOTPRINT_TARGET:
        return footprint_sizes(med, setting)
    return sizes_of(med, scenario)


def fmt_target(value, unit):
    if unit == "KiB" and value is not None:
        return f"{value / 1024:,.0f} KiB"
    return fmt_ratio(value)


def markdown_targets(med, data, config):
    out = ["## Targets", "",
           "| target | init_on_alloc | size | measured | met |",
           "| --- | ---: | ---: | ---: | --- |"]
    caches = config.get("footprint_caches", "100")
    for desc, kind, scenario, field, num, den, limit, sizes, *unit in \
            TARGETS:
        desc = desc.replace("{caches}", caches)
        for ioa in ("1", "0"):
            setting = ioa + ("/icount" if kind == "icount" else "")
            for size in (sizes or target_sizes(med, setting, scenario)
                         or ("-",)):
                value = target_value(med, data, setting, scenario, field,
                                     size, num, den)
                out.append(f"| {desc} | {ioa} | {size} "
                           f"| {fmt_target(value, unit[0] if unit else '')} "
                           f"| {verdict(value, limit)} |")
    for phase in ("full", "half"):
        for size in MEMORY_TARGET_SIZES:
            key = f"memory/{phase}"
            value = boot_ratio(data, "0", key, size, "bytes", "xalloc",
                               "slub")
            what = "all live" if phase == "full" else "half freed"
            out.append(f"| memory backing ({what}) <= SLUB | 0 | {size} "
                       f"| {fmt_ratio(value)} | {verdict(value, 1.0)} |")
    out += ["", "Measured: xalloc/SLUB or xalloc/floor for the ratios "
            "to an allocator; the per-CPU / 1-CPU time ratio for "
            "concurrent; what xalloc holds, in KiB, against a limit in "
            "bytes; for the footprint, xalloc/SLUB of the two projections "
            f"to {FOOTPRINT_TARGET_CPUS} CPUs by the allocators' own "
            "figures (the footprint tables give the fits).", ""]
    return out


DISTURBED_PERCENT = 10


def host_load_lines(path):
    """Lines on how much else ran on the host during the boots."""
    if not path or not os.path.exists(path):
        return []
    loads = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 2:
                retries = int(fields[2]) if len(fields) > 2 else 0
                loads.append((fields[0].removesuffix(".log"),
                              int(fields[1]), retries))
    if not loads:
        return []
    text = ", ".join(f"{name} {pct}%" + (f" (after {r} rerun(s))" if r
                                         else "")
                     for name, pct, r in loads)
    out = [f"- host CPU used by other processes during each boot: {text}"]
    bad = [name for name, pct, _ in loads if pct > DISTURBED_PERCENT]
    if bad:
        out.append(f"- **warning**: {', '.join(bad)} shared the host with "
                   f"more than {DISTURBED_PERCENT}% of other load; TCG "
                   "timings from those boots are disturbed")
    return out


def markdown(med, data, boots, facts, ideal, args):
    config = facts.get("config", {})
    lines = ["# xalloc benchmark", ""]
    lines.append(f"- command: `{args.command}`")
    kernel = facts.get("kernel", "?")
    lines.append(f"- guest kernel: {kernel}"
                 + (f" ({args.kernel})" if args.kernel else ""))
    if args.source:
        lines.append(f"- sources: {args.source}")
    if args.setup:
        lines.append(f"- setup: {args.setup}")
    lines += host_load_lines(args.host_load)
    lines.append(f"- guest clocksource: {facts.get('clocksource', '?')}; "
                 f"online CPUs: {config.get('cpus', '?')}"
                 + (f" (possible: {config['possible_cpus']})"
                    if "possible_cpus" in config else ""))
    skip = ("label", "init_on_alloc", "init_on_free", "cpus",
            "possible_cpus")
    params = " ".join(f"{k}={v}" for k, v in config.items() if k not in skip)
    lines.append(f"- parameters: {params}")
    icount = facts.get("icount_config")
    if icount:
        params = " ".join(f"{k}={v}" for k, v in icount.items()
                          if k not in skip)
        lines.append(f"- instruction-count boots: {icount.get('cpus', '?')}"
                     f" online CPU, parameters: {params}")
    timer = {}
    for group in med.values():
        for key, value in group.items():
            if key[0] == "timer":
                timer[key[3]] = value
    if timer:
        lines.append("- timing overhead in the latency rows (two clock "
                     f"reads, no call): p50 {timer.get('p50_ns', 0):.0f} ns,"
                     f" p99 {timer.get('p99_ns', 0):.0f} ns"
                     + (f", p99.9 {timer['p999_ns']:.0f} ns"
                        if "p999_ns" in timer else ""))
    lines += ["- every value is lower-is-better; a ratio below 1 favours "
              "xalloc. Values are medians over the boots; ratios are the "
              "median over the boots of the ratio within each boot, since "
              "a TCG guest's speed varies from boot to boot more than "
              "between allocators measured seconds apart. "
              "pair and concurrent: the median of "
              f"{config.get('pair_reps', '?')} timed chunks per boot; "
              "the other rows: the mean over the whole run. "
              "Memory rows: growth of the memory the allocator holds for "
              "its caches (SLUB: slab pages; xalloc: everything its "
              "segment statistics count as held: the pages backing its "
              "segments, their page arrays, page tables and vmalloc "
              "descriptors, and its segment registry), in KiB, against "
              "the ideal objects x size; from a baseline taken after the "
              "shrinkers ran, with all objects live, with a random half "
              "freed, then with that half freed and the shrinkers run "
              "again (drop_caches=2, as memory pressure would).", ""]
    for ioa in ioa_order(med):
        lines += markdown_setting(med, data, ioa, boots, ideal)
        lines += markdown_footprint(med, data, ioa, config)
    lines += markdown_targets(med, data, config)
    return "\n".join(lines)


def write_csv(path, med):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["init_on_alloc", "scenario", "size", "alloc", "field",
                    "median"])
        for ioa in ioa_order(med):
            for key in sorted(med[ioa]):
                w.writerow([ioa, *key, f"{med[ioa][key]:.3f}"])


def chart_rows(med, data, den):
    """Rows of one chart panel: label, then xalloc/@den for each setting;
    rows where @den was not measured are left out."""
    settings = ioa_order(med)
    seen = []
    for ioa in settings:
        for scenario, field, size, *_ in table_rows(med, ioa):
            if (scenario, field, size) not in seen:
                seen.append((scenario, field, size))
    rows = []
    for scenario, field, size in seen:
        label = CHART_LABEL[(scenario, field)]
        if size != "all":
            label += f" {size}"
        values = [boot_ratio(data, ioa, scenario, size, field, "xalloc",
                             den)
                  for ioa in settings]
        if any(v is not None for v in values):
            rows.append((label, values))
    return settings, rows


GNUPLOT_HEAD = """\
set terminal pngcairo size 1900,1100 font "DejaVu Sans,11" noenhanced
set output '{png}'
set datafile missing '-'
set multiplot layout 2,1 title "{title}" font ",14"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [{ymin}:{ymax}]
set ytics (0.05, 0.1, 0.2, 0.5, 0.7, 1, 1.5, 2, 5, 10, 20, 50)
set grid ytics
set key top left
set xtics rotate by -55 font ",9" nomirror
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "black" front
"""

GNUPLOT_PANEL = """\
set xrange [-1:{nrows}]
set ylabel "xalloc / {name} (log scale)"
plot {plots}
"""

COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]


def write_panel_data(path, settings, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# label " + " ".join(f"init_on_alloc={ioa}"
                                      for ioa in settings) + "\n")
        for label, values in rows:
            f.write(f'"{label}" ' + " ".join(
                "-" if v is None else f"{v:.4f}" for v in values) + "\n")


def panel_plots(dat, settings):
    parts = []
    for i, ioa in enumerate(settings):
        using = f"{i + 2}:xtic(1)" if i == 0 else f"{i + 2}"
        parts.append(f"'{dat}' using {using} title 'init_on_alloc={ioa}' "
                     f"lc rgb '{COLOURS[i % len(COLOURS)]}'")
    return ", ".join(parts)


def write_chart(out_dir, med, data, args):
    panels, finite = [], []
    for den, name in (("slub", "SLUB"), ("floor", "floor")):
        settings, rows = chart_rows(med, data, den)
        dat = os.path.join(out_dir, f"ratios-{den}.dat")
        write_panel_data(dat, settings, rows)
        finite += [v for _, values in rows for v in values if v]
        panels.append(GNUPLOT_PANEL.format(
            nrows=len(rows), name=name, plots=panel_plots(dat, settings)))
    png = os.path.join(out_dir, "ratios.png")
    title = ("xalloc ratios (median over boots; below 1 favours xalloc)"
             + (f", kernel {args.kernel}" if args.kernel else ""))
    script = GNUPLOT_HEAD.format(
        png=png, title=title,
        ymin=f"{min([0.05] + [v / 1.5 for v in finite]):.3g}",
        ymax=f"{max([5.0] + [v * 1.5 for v in finite]):.3g}")
    script += "".join(panels) + "unset multiplot\n"
    gp = os.path.join(out_dir, "ratios.gp")
    with open(gp, "w", encoding="utf-8") as f:
        f.write(script)
    if not shutil.which("gnuplot"):
        print("bench-report: gnuplot not installed, no chart",
              file=sys.stderr)
        return None
    subprocess.run(["gnuplot", gp], check=True)
    return png


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--command", default="make bench")
    parser.add_argument("--kernel", default="")
    parser.add_argument("--setup", default="")
    parser.add_argument("--source", default="")
    parser.add_argument("--host-load", default="",
                        help="file of 'log name<TAB>percent' lines: the "
                        "share of the host CPU other processes used during "
                        "each boot")
    parser.add_argument("logs", nargs="+")
    args = parser.parse_args(argv)

    data, boots, facts, ideal = collect(args.logs)
    if not data:
        print("bench-report: no complete benchmark in the logs",
              file=sys.stderr)
        return 1
    med = medians(data)
    os.makedirs(args.out, exist_ok=True)
    text = markdown(med, data, boots, facts, ideal, args)
    with open(os.path.join(args.out, "results.md"), "w",
              encoding="utf-8") as f:
        f.write(text + "\n")
    write_csv(os.path.join(args.out, "medians.csv"), med)
    png = write_chart(args.out, med, data, args)
    print(text)
    if png:
        print(f"\nchart: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
