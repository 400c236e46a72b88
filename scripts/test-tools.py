#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of xalloctop and xalloc-plot against captured debugfs output.

    scripts/test-tools.py [-v]

The fixture, scripts/testdata/demo-console.log, is the console of a make
demo boot: the stats and pages files of every cache, and the demo cache's
again after a collection. The expected values are read from the fixture
by a parser of this file's own, not typed in, and checked against what
the tools print and draw. make userspace-check runs it.
"""
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "testdata", "demo-console.log")
XALLOCTOP = os.path.join(HERE, "xalloctop")
XALLOC_PLOT = os.path.join(HERE, "xalloc-plot")


def load(path, name):
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def fixture_blocks():
    """[(path, [lines])] of every "==== path" block of the fixture."""
    blocks = []
    with open(FIXTURE, errors="replace") as f:
        for raw in f:
            line = re.sub(r"^\[ *\d+\.\d+\] ", "", raw.rstrip("\r\n"))
            if line.startswith("XALLOC-VM:"):
                blocks.append((None, []))
            elif line.startswith("==== "):
                blocks.append((line[5:], []))
            elif blocks:
                blocks[-1][1].append(line)
    return [b for b in blocks if b[0]]


def fixture_stats():
    """{cache: {key: value}} of the last stats block of each cache."""
    stats = {}
    for path, lines in fixture_blocks():
        m = re.search(r"/([^/]+)/stats$", path)
        if m:
            stats[m.group(1)] = {
                k: int(v) for k, v in (l.split() for l in lines
                                       if len(l.split()) == 2)}
    return stats


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


class XalloctopTest(unittest.TestCase):
    def test_table_matches_the_stats_files(self):
        expected = fixture_stats()
        self.assertIn("demo", expected)
        out = run(XALLOCTOP, "--once", "--console", FIXTURE)
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = {}
        for line in out.stdout.splitlines():
            cols = line.split()
            if len(cols) == 13 and cols[0].isdigit():
                rows[cols[12]] = cols
        self.assertEqual(set(rows), set(expected))
        for name, st in expected.items():
            cols = rows[name]
            self.assertEqual(int(cols[0]), st["capacity"], name)
            self.assertEqual(int(cols[1]), st["used"], name)
            self.assertEqual(int(cols[3]), st["thread_free"], name)
            self.assertEqual(int(cols[4]), st["local_free"], name)
            self.assertEqual(int(cols[5]), st["segments"], name)
            self.assertEqual(int(cols[6]), st["pages"], name)
            self.assertEqual(cols[7:9], ["-", "-"])   # one sample
            self.assertEqual(int(cols[9]), st["alloc_fails"], name)
            self.assertEqual(int(cols[11]), st["object_size"], name)
        total = sum(st["used"] for st in expected.values())
        self.assertIn("used %d " % total, out.stdout.splitlines()[0])

    def test_sorted_by_each_key(self):
        top = load(XALLOCTOP, "xalloctop")
        table = top.rows(top.read_console(FIXTURE), None, 0)
        for key, (field, descending) in top.SORT_KEYS.items():
            if field in ("alloc_rate", "remote_rate"):
                continue    # unknown with one sample
            values = [r[field] for r in top.sort_rows(table, key)]
            self.assertEqual(values, sorted(values, reverse=descending), key)

    def test_rates_over_the_interval(self):
        top = load(XALLOCTOP, "xalloctop")
        now = top.read_console(FIXTURE)
        before = {n: dict(st, allocs=st["allocs"] - 500,
                          remote_frees=st["remote_frees"] - 100)
                  for n, st in now.items()}
        for r in top.rows(now, before, 2.0):
            self.assertEqual(r["alloc_rate"], 250.0)
            self.assertEqual(r["remote_rate"], 50.0)

    def test_reads_a_debugfs_directory(self):
        expected = fixture_stats()
        with tempfile.TemporaryDirectory() as d:
            for path, lines in fixture_blocks():
                m = re.search(r"/([^/]+)/(stats|pages)$", path)
                if not m:
                    continue
                os.makedirs(os.path.join(d, m.group(1)), exist_ok=True)
                with open(os.path.join(d, m.group(1), m.group(2)), "w") as f:
                    f.write("\n".join(lines) + "\n")
            os.makedirs(os.path.join(d, "fail_segment"))
            out = run(XALLOCTOP, "--once", "-i", "0", "-d", d, "-s", "used")
            self.assertEqual(out.returncode, 0, out.stderr)
            names = [l.split()[-1] for l in out.stdout.splitlines()[3:]]
            self.assertEqual(sorted(names), sorted(expected))
            used = [expected[n]["used"] for n in names]
            self.assertEqual(used, sorted(used, reverse=True))

    def test_no_caches_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            out = run(XALLOCTOP, "--once", "-i", "0", "-d", d)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("no xalloc cache", out.stderr)
        out = run(XALLOCTOP, "--once", "-d", "/nonexistent/xalloc")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("no such directory", out.stderr)


class XallocPlotTest(unittest.TestCase):
    def test_heat_map_of_each_pages_block(self):
        plot = load(XALLOC_PLOT, "xalloc_plot")
        stats = fixture_stats()
        for which in ("first", "last"):
            pages = plot.parse_pages(plot.console_block(FIXTURE, "demo",
                                                        which))
            self.assertTrue(pages)
            if which == "last":
                # Written after the last stats block: the same state.
                self.assertEqual(len(pages), stats["demo"]["pages"])
                self.assertEqual(sum(p["used"] for p in pages),
                                 stats["demo"]["used"])
                self.assertEqual(sum(p["thread_free"] for p in pages),
                                 stats["demo"]["thread_free"])
            with tempfile.TemporaryDirectory() as d:
                png = os.path.join(d, "map.png")
                out = run(XALLOC_PLOT, "--console", FIXTURE, "--cache",
                          "demo", "--which", which, "-o", png)
                self.assertEqual(out.returncode, 0, out.stderr)
                with open(png, "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
                self.assertGreater(os.path.getsize(png), 5000)

    def test_backlog_before_collection_is_drawn(self):
        plot = load(XALLOC_PLOT, "xalloc_plot")
        before = plot.parse_pages(plot.console_block(FIXTURE, "demo",
                                                     "first"))
        after = plot.parse_pages(plot.console_block(FIXTURE, "demo"))
        self.assertGreater(sum(p["thread_free"] for p in before), 0)
        self.assertEqual(sum(p["thread_free"] for p in after), 0)
        segments, width = plot.grid(before)
        self.assertEqual(len(segments), len({p["segment"] for p in before}))
        self.assertEqual(width, max(p["page"] for p in before) + 1)

    def test_bad_input_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "stats")
            with open(bad, "w") as f:
                f.write("used 3\n")
            out = run(XALLOC_PLOT, bad, "-o", os.path.join(d, "x.png"))
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("not a pages file", out.stderr)
            out = run(XALLOC_PLOT, "--console", FIXTURE, "--cache",
                      "no_such_cache", "-o", os.path.join(d, "x.png"))
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("no pages of cache", out.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
