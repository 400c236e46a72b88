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
    ("latency", "max_ns", "alloc max ns", "ns", 1),
    ("memory/full", "bytes", "KiB backing, all live", "KiB", 1 / 1024),
    ("memory/half", "bytes", "KiB backing, half freed", "KiB", 1 / 1024),
    ("memory_small/full", "bytes", "KiB backing, all live", "KiB", 1 / 1024),
    ("memory_small/half", "bytes", "KiB backing, half freed", "KiB",
     1 / 1024),
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
    ("latency", "max_ns"): "lat-max",
    ("memory/full", "bytes"): "mem-full",
    ("memory/half", "bytes"): "mem-half",
    ("memory_small/full", "bytes"): "mem256K-full",
    ("memory_small/half", "bytes"): "mem256K-half",
}

# (description, kind, scenario, field, numerator, denominator, limit,
# sizes): numerator / denominator <= limit in the boots of that kind
# ("tcg" or "icount"), for each init_on_alloc setting. A denominator of
# None means the numerator itself is compared with the limit; sizes None
# means every size measured.
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


def verdict(value, limit):
    if value is None:
        return "not measured"
    return "**met**" if value <= limit else "not met"


def target_value(med, data, setting, scenario, field, size, num, den):
    if den is None:
        return med.get(setting, {}).get((scenario, size, num, field))
    return boot_ratio(data, setting, scenario, size, field, num, den)


def markdown_targets(med, data):
    out = ["## Targets", "",
           "| target | init_on_alloc | size | measured | met |",
           "| --- | ---: | ---: | ---: | --- |"]
    for desc, kind, scenario, field, num, den, limit, sizes in TARGETS:
        for ioa in ("1", "0"):
            setting = ioa + ("/icount" if kind == "icount" else "")
            for size in sizes or sizes_of(med, scenario):
                value = target_value(med, data, setting, scenario, field,
                                     size, num, den)
                out.append(f"| {desc} | {ioa} | {size} "
                           f"| {fmt_ratio(value)} "
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
            "concurrent.", ""]
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
                 f"online CPUs: {config.get('cpus', '?')}")
    skip = ("label", "init_on_alloc", "init_on_free", "cpus")
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
                     f" p99 {timer.get('p99_ns', 0):.0f} ns")
    lines += ["- every value is lower-is-better; a ratio below 1 favours "
              "xalloc. Values are medians over the boots; ratios are the "
              "median over the boots of the ratio within each boot, since "
              "a TCG guest's speed varies from boot to boot more than "
              "between allocators measured seconds apart. "
              "pair and concurrent: the median of "
              f"{config.get('pair_reps', '?')} timed chunks per boot; "
              "the other rows: the mean over the whole run. "
              "Memory rows: growth of the memory backing the "
              "allocator's caches (SLUB: slab pages; xalloc: segments plus "
              "their page arrays, page tables and vmalloc descriptors), "
              "in KiB, against the ideal objects x size.", ""]
    for ioa in ioa_order(med):
        lines += markdown_setting(med, data, ioa, boots, ideal)
    lines += markdown_targets(med, data)
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
