#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the console logs of make bench into tables and verdicts.

    report.py [--out FILE.md] [--json FILE.json] [--previous FILE.json]
              [--kernel DIR] [--arch x86_64|arm64]
              CONFIG@MODE=CONSOLE_LOG[:STATUS[:LOAD]] ...

MODE is "icount" (a boot whose guest clock counts instructions: QEMU
-icount shift=0) or "wallN" (the N-th wall-clock boot of that
configuration).  Reads the "dmacmd_bench: {json}" lines that
bench/dmacmd_bench.ko prints in each boot and compares dmacmd with the
hand-written DMA API baseline measured in the same boot.

CPU cost (cycles, fixed costs, scaling, resume, latency, allocations,
descriptors per I/O, double buffering, memory) is taken from the icount
boots when there are any: a figure is the fewest instructions per operation
over the repetitions, rounded to whole instructions, and the interval of a
ratio is the range of the per-repetition ratios.  Without icount boots the
same tables come from the wall-clock boot, with medians and the
interquartile range as interval.  Bounce bandwidth and parallel scaling are
judged on the wall-clock boots: the median of each boot, and the range of
those medians across boots as interval; fewer than three boots are never
enough for a verdict.

A verdict is "met" only when the whole interval lies on the right side of
the target, "MISSED" when it lies wholly on the wrong side, and "undecided"
when it straddles the target; the summary counts the three separately.
With --previous, the instruction figures are compared one by one with those
of an earlier run (its --json file).
"""

import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys

TS = re.compile(r'^\[\s*\d+\.\d+\]\s?')
LINE = re.compile(r'dmacmd_bench: (\{.*\})\s*$')
REPORTS = re.compile(r'\bBUG: |\bWARNING: |\bOops\b|general protection fault|'
                     r'Kernel panic|dmacmd: unloading with|UBSAN: |'
                     r'soft lockup|rcu_sched self-detected|rcu: INFO')
# swiotlb_map() warns once when its pool lies above a device's mask: what
# the 28-bit double-buffering case is there to show.
EXPECTED = re.compile(r'WARNING: .*kernel/dma/swiotlb\.c:\d+ swiotlb_map')
SLABS = re.compile(r'dmacmd-harness: bench swiotlb slabs (\d+)')

CONFIG_ORDER = ['direct', 'swiotlb', 'iommu',
                'arm64-direct', 'arm64-swiotlb', 'arm64-smmu', 'arm64-noncoherent']
# The guest: QEMU's binary and the page size the module reports otherwise.
QEMU_BIN = {'x86_64': 'qemu-system-x86_64', 'arm64': 'qemu-system-aarch64'}
MIN_BOOTS = 3


def fmt_size(n):
    for unit, div in (('MiB', 1 << 20), ('KiB', 1 << 10)):
        if n >= div and n % div == 0:
            return '%d %s' % (n // div, unit)
    return '%d B' % n


def med(xs):
    return statistics.median(xs) if xs else float('nan')


def spread(xs):
    """Half the interquartile range relative to the median (0.05 = +-5%)."""
    if not xs:
        return float('nan')
    m = med(xs)
    if len(xs) < 4:
        lo, hi = min(xs), max(xs)
    else:
        q = statistics.quantiles(xs, n=4, method='inclusive')
        lo, hi = q[0], q[2]
    return (hi - lo) / 2 / m if m else float('inf')


def pct(s):
    return '+-%.1f%%' % (100 * s) if s == s else '?'


def us(ns):
    if ns != ns:
        return '?'
    if ns >= 1e6:
        return '%.0f' % (ns / 1e3)
    if ns >= 1e4:
        return '%.1f' % (ns / 1e3)
    return '%.2f' % (ns / 1e3)


def slope(xs, ys):
    """Least-squares slope of log(y) over log(x): the growth exponent."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x > 0 and y > 0]
    if len(pts) < 2:
        return float('nan')
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    num = sum((p[0] - mx) * (p[1] - my) for p in pts)
    den = sum((p[0] - mx) ** 2 for p in pts)
    return num / den if den else float('nan')


def linfit(xs, ys):
    """y = a + b x by least squares; returns a, b."""
    n = len(xs)
    if n < 2:
        return float('nan'), float('nan')
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0
    return my - b * mx, b


def judge(lo, hi, target, higher=False):
    """met / MISSED / undecided of the interval [lo, hi] against target."""
    if lo != lo or hi != hi:
        return 'undecided'
    if higher:
        return 'met' if lo >= target else 'MISSED' if hi < target else 'undecided'
    return 'met' if hi <= target else 'MISSED' if lo > target else 'undecided'


class Verdicts:
    def __init__(self):
        self.rows = []      # (config, figure, state, text)

    def add(self, cfg, figure, state, text):
        self.rows.append((cfg, figure, state, text))
        return state

    def interval(self, cfg, figure, value, lo, hi, target, higher=False,
                 fmt='%.3f'):
        lo, hi = min(lo, value), max(hi, value)
        state = judge(lo, hi, target, higher)
        text = (fmt + ' [' + fmt + ' .. ' + fmt + '] (target %s %.2f)') % (
            value, lo, hi, '>=' if higher else '<=', target)
        return self.add(cfg, figure, state, text)


# Every instruction figure of the run, for --json and --previous.
ICOUNT = {}
# Cycle figures, for --json (make bench-hooks compares runs by them).
FIGURES = []


class Boot:
    def __init__(self, name, mode, path, status, load=''):
        self.name = name
        self.mode = 'icount' if mode == 'icount' else 'wall'
        self.run = int(mode[4:] or 1) if mode.startswith('wall') else 0
        self.path = path
        self.status = status
        self.load = load
        self.recs = []
        self.reports = []
        self.expected = []
        self.harness = []
        self.tracing = False
        self.slabs = None
        try:
            with open(path, errors='replace') as f:
                raw = f.read().splitlines()
        except OSError:
            raw = []
        for line in raw:
            line = TS.sub('', line.replace('\r', ''))
            m = LINE.search(line)
            if m:
                try:
                    self.recs.append(json.loads(m.group(1)))
                except ValueError:
                    self.reports.append('unparsable: ' + line[:200])
                continue
            if EXPECTED.search(line):
                self.expected.append(line)
            elif REPORTS.search(line):
                self.reports.append(line)
            m = SLABS.search(line)
            if m:
                self.slabs = int(m.group(1))
            if line.startswith('dmacmd-harness: bench status'):
                self.harness.append(line)
            if line.startswith('dmacmd-harness: bench tracing'):
                self.tracing = True

    @property
    def icount(self):
        return self.mode == 'icount'

    @property
    def label(self):
        return self.name if self.icount else '%s (wall %d)' % (self.name, self.run)

    def of(self, t):
        return [r for r in self.recs if r.get('t') == t]

    @property
    def env(self):
        e = self.of('env')
        return e[0] if e else {}

    @property
    def done(self):
        d = self.of('done')
        return d[0] if d else None


def table(head, rows):
    out = ['| ' + ' | '.join(head) + ' |',
           '|' + '|'.join('---' for _ in head) + '|']
    for r in rows:
        out.append('| ' + ' | '.join(str(c) for c in r) + ' |')
    return out


def per_iter(rec, key):
    k = rec['k']
    return [v / k for v in rec[key]]


def ratios(a, b):
    return [y / x for x, y in zip(a, b) if x > 0]


class Fig:
    """One figure of one boot: per-operation cost and its interval."""

    def __init__(self, boot, rec, key):
        self.icount = boot.icount
        self.vals = per_iter(rec, key)
        if self.icount:
            self.value = round(min(self.vals))
        else:
            self.value = med(self.vals)
        self.spread = spread(self.vals)

    def __str__(self):
        if self.icount:
            return '%d' % self.value
        return '%s %s' % (us(self.value), pct(self.spread))


def fig_ratio(a, b):
    """Ratio b / a with its interval (per-repetition ratios)."""
    q = ratios(a.vals, b.vals)
    if a.icount:
        v = b.value / a.value if a.value else float('nan')
        return v, min(q + [v]), max(q + [v])
    v, s = med(q), spread(q)
    return v, v * (1 - s), v * (1 + s)


def unit(boots):
    return 'instructions' if any(b.icount for b in boots) else 'microseconds'


def cpu_boots(boots):
    """The boots CPU cost is judged on: the icount ones if any."""
    ic = [b for b in boots if b.icount]
    return ic if ic else [b for b in boots if b.run <= 1]


def wall_boots(boots):
    return [b for b in boots if not b.icount]


def record(boot, key, value):
    if boot.icount:
        ICOUNT['%s %s' % (boot.name, key)] = value


def cycle_target(cfg, size, baseline):
    if cfg in ('direct', 'arm64-direct') and baseline == 'map_page':
        return 1.50
    return 1.10 if size < 65536 else 1.05


def page_sizes(boots):
    """The guests' page size(s), from the env records (4 KiB before they had it)."""
    sizes = sorted({b.env.get('page_size', 4096) for b in boots if b.env})
    return ', '.join(fmt_size(n) for n in sizes) or '?'


def cycle_section(boots, V):
    out = ['## Cycle cost: dmacmd prepare + gen64 + complete vs the hand-written '
           'DMA API', '',
           'Per cycle, in %s.  Baseline: `dma_map_page()` + `dma_unmap_page()` '
           'for physically contiguous memory (one call per chunk of '
           '`dma_max_mapping_size()`, "map_page"), `dma_map_sgtable()` + walk '
           '+ `dma_unmap_sgtable()` of a kept sg_table for fragmented memory '
           '("map_sgtable").  Ratio = dmacmd / baseline, with its interval '
           '[low .. high].  Segments: DMA segments the baseline / dmacmd '
           'handed out.' % unit(boots), '']
    rows = []
    for b in cpu_boots(boots):
        for r in b.of('cycle'):
            a, c = Fig(b, r, 'base'), Fig(b, r, 'cmd')
            base = r.get('baseline', 'map_sgtable')
            rm, lo, hi = fig_ratio(a, c)
            target = cycle_target(b.name, r['size'], base)
            v = V.interval(b.label, 'cycle %s %s' % (fmt_size(r['size']), r['layout']),
                           rm, lo, hi, target)
            key = 'cycle %s %s' % (r['layout'], r['size'])
            record(b, key + ' base', a.value)
            record(b, key + ' cmd', c.value)
            FIGURES.append({'config': b.name, 'size': r['size'], 'layout': r['layout'],
                            'ratio': rm, 'spread': (hi - lo) / 2 / rm if rm else 0,
                            'base_ns': a.value, 'cmd_ns': c.value, 'target': target})
            rows.append([b.label, fmt_size(r['size']), r['layout'], base,
                         '%d / %d' % (r['nseg_base'], r['nseg_cmd']),
                         str(a), str(c), '**%.3f** [%.3f .. %.3f]' % (rm, lo, hi),
                         '<= %.2f' % target, v])
    out += table(['config', 'size', 'memory', 'baseline', 'segments', 'baseline cost',
                  'dmacmd cost', 'ratio', 'target', 'verdict'], rows)
    errs = [(b.label, e) for b in boots for e in b.of('error')]
    if errs:
        out += ['', 'Errors reported by the benchmark:', '']
        for name, e in errs:
            out.append('- %s: %s (%s, %s): %d' % (name, e.get('what'), e.get('layout'),
                                                fmt_size(e.get('size', 0)) if e.get('size') else '-',
                                                e.get('err', 0)))
    return out


def cost(b, x):
    return ('%d' % round(x)) if b.icount else us(x)


def sect_section(boots):
    out = ['', '### Where the cost goes (sections, per cycle)', '',
           'Each step timed on its own (one clock read per step on both '
           'sides); prepare/map and complete/unmap are the step ratios.  '
           'With a map_page baseline the segment array is written while '
           'mapping, so "walk" is empty.', '']
    rows = []
    for b in cpu_boots(boots):
        for r in b.of('sect'):
            k = r['k']
            f = min if b.icount else med
            m = {key: f([v / k for v in r[key]])
                 for key in ('map', 'walk', 'unmap', 'prep', 'gen', 'comp')}
            rows.append([b.label, fmt_size(r['size']), r['layout']] +
                        [cost(b, m[x]) for x in ('map', 'walk', 'unmap', 'prep',
                                                 'gen', 'comp')] +
                        ['%.2f' % (m['prep'] / m['map']) if m['map'] else '?',
                         '%.2f' % (m['comp'] / m['unmap']) if m['unmap'] else '?'])
    out += table(['config', 'size', 'memory', 'map', 'walk', 'unmap',
                  'prepare', 'gen', 'complete', 'prep/map', 'comp/unmap'], rows)
    return out


def calls_section(boots):
    rows = []
    keys = ('empty', 'nested', 'gen', 'map_unmap', 'prep_comp')
    for b in cpu_boots(boots):
        for r in b.of('calls'):
            k = r['k']
            f = min if b.icount else med
            m = {key: f([v / k for v in r[key]]) for key in keys}
            for key in keys:
                record(b, 'calls %s %s %s' % (r['layout'], r['size'], key), round(m[key]))
            rows.append([b.label, fmt_size(r['size']), r['layout']] +
                        [cost(b, m[key]) for key in keys] +
                        [cost(b, m['prep_comp'] - m['map_unmap'])])
    if not rows:
        return []
    out = ['', '### Fixed costs (per call, no clock read inside the loop)', '',
           'empty: an exported call that only reads a field '
           '(dmacmd_is_prepared); nested: a prepare and complete of a '
           'prepared command (checks only); gen: dmacmd_gen64 of the whole '
           'prepared range; map/unmap: the baseline\'s map + unmap (dma_map_page '
           'for contig, dma_map_sgtable for frag); prep/comp: dmacmd_prepare '
           '+ dmacmd_complete; overhead: their difference.', '']
    out += table(['config', 'size', 'memory', 'empty', 'nested', 'gen',
                  'map/unmap', 'prep/comp', 'overhead'], rows)
    return out


def lat_section(boots):
    rows = []
    steps = ('map', 'walk', 'unmap', 'prep', 'gen', 'comp')
    for b in cpu_boots(boots):
        for r in b.of('lat'):
            for key in steps:
                # The maximum is where a timer interrupt landed: shown, but
                # not one of the figures a second run must reproduce.
                record(b, 'lat %s %s %s' % (r['layout'], r['size'], key), r[key][:2])
            rows.append([b.label, fmt_size(r['size']), r['layout'], r['baseline']] +
                        [' / '.join(cost(b, x) for x in r[key]) for key in steps])
    if not rows:
        return []
    out = ['', '### Latency of each step: p50 / p99 / max', '',
           '%s cycles of each side, each step timed on its own (%s, one clock '
           'read per step on both sides); the maximum catches the cycle a '
           'timer interrupt landed in.' % (
               rows and next(r['n'] for b in cpu_boots(boots) for r in b.of('lat')),
               unit(boots)), '']
    out += table(['config', 'size', 'memory', 'baseline', 'map', 'walk', 'unmap',
                  'prepare', 'gen', 'complete'], rows)
    return out


def alloc_section(boots, V):
    out = ['', '## Allocations per cycle, each side on its own', '',
           'Counted for the benchmark thread only, over 16 cycles after the '
           'first: calls of every slab and page allocator entry point '
           '("allocs", nested calls included), swiotlb slot allocations '
           '(`swiotlb_tbl_map_single()`, "slots") and IOVA allocations '
           '(`alloc_iova_fast()`, "IOVA").  dmacmd\'s column includes what the '
           'DMA layer allocates for it; the target is that dmacmd makes no '
           'allocation of any kind beyond the baseline\'s for the same '
           'mapping.  "first": allocator calls of the first dmacmd cycle of '
           'the shape (building its kept list).', '']
    rows = []
    sites = []
    for b in cpu_boots(boots):
        for r in b.of('alloc'):
            n = r['cycles']
            per = lambda k: r.get(k, 0) / n
            over = [k for k in ('', '_slots', '_iova')
                    if per('cmd' + k) > per('base' + k)]
            v = V.add(b.label, 'alloc %s %s' % (fmt_size(r['size']), r['layout']),
                      'MISSED' if over else 'met',
                      'dmacmd allocs/slots/IOVA per cycle %.2f/%.2f/%.2f, baseline '
                      '%.2f/%.2f/%.2f' % (per('cmd'), per('cmd_slots'), per('cmd_iova'),
                                          per('base'), per('base_slots'), per('base_iova')))
            record(b, 'alloc %s %s' % (r['layout'], r['size']),
                   [r['first'], r['base'], r['cmd'], r.get('base_slots', 0),
                    r.get('cmd_slots', 0), r.get('base_iova', 0), r.get('cmd_iova', 0)])
            rows.append([b.label, fmt_size(r['size']), r['layout'],
                         fmt_size(r['bounced']) if r.get('bounced') else '0',
                         r['first'],
                         '%.2f / %.2f / %.2f' % (per('base'), per('base_slots'), per('base_iova')),
                         '%.2f / %.2f / %.2f' % (per('cmd'), per('cmd_slots'), per('cmd_iova')),
                         v])
        for s in b.of('allocsite'):
            sites.append('- %s %s %s: %d calls: `%s`' % (
                b.label, fmt_size(s['size']), s['layout'], s['count'], s['stack']))
    probes = {b.label: b.env.get('probes', 0) for b in cpu_boots(boots)}
    out += table(['config', 'size', 'memory', 'dmacmd bounced', 'first',
                  'baseline allocs / slots / IOVA', 'dmacmd allocs / slots / IOVA',
                  'verdict'], rows)
    out += ['', 'Allocator probes armed: ' + ', '.join('%s %s' % kv for kv in probes.items())]
    if sites:
        out += ['', 'Allocation sites in dmacmd cycles (innermost first):', ''] + sites
    return out


def scale_section(boots, V):
    out = ['', '## Scaling with the number of pages (fragmented, one page per '
           'segment)', '']
    for b in cpu_boots(boots):
        recs = b.of('scale')
        if not recs:
            continue
        rows = []
        xs, ya, yb, figs = [], [], [], []
        for r in recs:
            a, c = Fig(b, r, 'base'), Fig(b, r, 'cmd')
            n = r['pages']
            xs.append(n)
            ya.append(a.value)
            yb.append(c.value)
            figs.append((a, c))
            record(b, 'scale %d base' % n, a.value)
            record(b, 'scale %d cmd' % n, c.value)
            rm, lo, hi = fig_ratio(a, c)
            rows.append([n, '%d / %d' % (r['nseg_base'], r['nseg_cmd']), str(a), str(c),
                         '%.1f' % (a.value / n), '%.1f' % (c.value / n),
                         '%.3f [%.3f .. %.3f]' % (rm, lo, hi)])
        big = [i for i, n in enumerate(xs) if n >= 64]
        ea = slope([xs[i] for i in big], [ya[i] for i in big])
        eb = slope([xs[i] for i in big], [yb[i] for i in big])
        fa, fb = linfit(xs, yb)
        out += ['### %s' % b.label, '']
        out += table(['pages', 'segments', 'baseline', 'dmacmd',
                      'baseline per page', 'dmacmd per page', 'ratio'], rows)
        if not big:
            continue
        i0, i1 = big[0], len(xs) - 1
        v1 = V.add(b.label, 'scaling exponent',
                   'met' if eb <= max(1.10, ea + 0.05) else 'MISSED',
                   'growth exponent %.3f (baseline %.3f)' % (eb, ea))
        # Flatness: cost per page at the largest count over that at 64.
        flat = (yb[i1] / xs[i1]) / (yb[i0] / xs[i0])
        if b.icount:
            flo = fhi = flat
        else:
            s = figs[i1][1].spread + figs[i0][1].spread
            flo, fhi = flat * (1 - s), flat * (1 + s)
        v2 = V.interval(b.label, 'flatness per page %d..%d' % (xs[i0], xs[i1]),
                        flat, flo, fhi, 1.10)
        # Cost per page at the largest count against the baseline's.
        rm, lo, hi = fig_ratio(*figs[i1])
        v3 = V.interval(b.label, 'per page at %d pages vs baseline' % xs[i1],
                        rm, lo, hi, 1.00)
        out += ['', 'Fitted growth (log-log slope, %d..%d pages): dmacmd **%.3f**, '
                'baseline %.3f (1.0 = linear): %s.  Linear fit of dmacmd: %s + '
                '%.1f per page.  Cost per page at %d pages over that at %d '
                'pages: **%.3f** (target <= 1.10): %s.  Per page at %d pages, '
                'dmacmd / baseline: **%.3f** (target <= 1.00): %s.' % (
                    xs[i0], xs[i1], eb, ea, v1, cost(b, fa), fb, xs[i1], xs[i0],
                    flat, v2, xs[i1], rm, v3), '']
    return out


def resume_section(boots, V):
    out = ['## Resuming segment generation (one segment per call)', '',
           'Prepared once with max_segment_size = one page (%s); N segments '
           'generated by one gen64 call for all ("all") or N calls of one '
           '("one").' % page_sizes(boots), '']
    for b in cpu_boots(boots):
        recs = b.of('resume')
        if not recs:
            continue
        rows, xs, ys, ya = [], [], [], []
        for r in recs:
            a, c = Fig(b, r, 'all'), Fig(b, r, 'one')
            n = r['n']
            xs.append(n)
            ys.append(c.value)
            ya.append(a.value)
            record(b, 'resume %d' % n, [a.value, c.value])
            rows.append([n, str(a), str(c), '%.1f' % (a.value / n),
                         '%.1f' % (c.value / n), '%.2f' % (c.value / a.value)])
        e, ea = slope(xs, ys), slope(xs, ya)
        v = V.add(b.label, 'resume', 'met' if e - ea <= 0.15 else 'MISSED',
                  'growth exponent %.3f, one call for all %.3f' % (e, ea))
        out += ['### %s' % b.label, '']
        out += table(['N', 'all', 'one-by-one', 'all per seg',
                      'one-by-one per seg', 'one/all'], rows)
        out += ['', 'Fitted growth (log-log slope) of the one-by-one total: **%.3f**; '
                'of one call for all: %.3f (1.0 = O(N), 2.0 = O(N^2)).  Target: '
                'resuming is O(1), i.e. one-by-one grows like one call for all '
                '(difference <= 0.15): %s.' % (e, ea, v), '']
    return out


def err_text(e):
    return {-12: '-ENOMEM', -5: '-EIO', -22: '-EINVAL', -34: '-ERANGE'}.get(e, str(e))


def dbuf_section(boots, V):
    rows = []
    skipped = []
    warned = []
    for b in cpu_boots(boots):
        for r in b.of('skip'):
            if r.get('what') == 'dbuf':
                skipped.append('%s%s: %s' % (
                    b.label, ' %d-bit' % r['bits'] if 'bits' in r else '',
                    r.get('why')))
        if b.expected:
            warned.append(b.label)
        for r in b.of('dbuf'):
            what = '%d-bit %s %s' % (r['bits'], fmt_size(r['size']), r['dir'])
            if 'base' in r:
                a, c = Fig(b, r, 'base'), Fig(b, r, 'cmd')
                rm, lo, hi = fig_ratio(a, c)
                record(b, 'dbuf ' + what, [a.value, c.value])
                sa, sc, ra = str(a), str(c), '**%.3f** [%.3f .. %.3f]' % (rm, lo, hi)
            else:
                sa = 'fails: %s' % err_text(r['base_err']) if r['base_err'] else '-'
                sc = 'fails: %s' % err_text(r['cmd_err']) if r['cmd_err'] else 'works'
                ra = '-'
            rows.append([b.label, r['bits'], fmt_size(r['size']), r['dir'], sa, sc, ra,
                         '%d (%s)' % (r['base_slots'], fmt_size(r['base_slot_bytes']) if r['base_slot_bytes'] else '0'),
                         '%d' % r['cmd_slots'],
                         fmt_size(r['bounced']) if r['bounced'] else '0',
                         '%d / %d' % (r['base_allocs'], r['cmd_allocs'])])
    if not rows and not skipped:
        return []
    out = ['', '## Double buffering: dmacmd against swiotlb', '',
           'A platform device whose DMA mask has 32 (or 28) bits, one buffer of '
           'physically contiguous memory above 4 GiB (the direct boot, '
           'swiotlb\'s default pool).  Baseline: `dma_map_page()` per chunk '
           'of `dma_max_mapping_size()` (swiotlb bounces each chunk through its '
           'slots) + `dma_unmap_page()`; dmacmd: a command whose spec has the '
           'device\'s address width, which double buffers in its own pages '
           '(prepare + gen64 + complete with the default flags).  "out" = '
           'DMA_TO_DEVICE, "in" = DMA_FROM_DEVICE.  Cost per cycle in %s; '
           'slots: swiotlb slot allocations in one cycle of each side (with '
           'the bytes the baseline\'s took); bounced: bytes dmacmd double '
           'buffered; allocs: allocator calls in one steady cycle, baseline / '
           'dmacmd.  No target: the figure is shown as it is.' % unit(boots), '']
    out += table(['config', 'bits', 'size', 'dir', 'swiotlb (baseline)', 'dmacmd',
                  'ratio', 'baseline slots', 'dmacmd slots', 'dmacmd bounced',
                  'allocs'], rows)
    if any(r[1] == 28 for r in rows):
        out += ['', 'With a 28-bit mask swiotlb cannot serve the device: its '
                'default pool lies above 256 MiB, `swiotlb_map()` finds the '
                'bounce address beyond the mask, warns once (%s) and '
                '`dma_map_page()` returns `DMA_MAPPING_ERROR`.  dmacmd allocates '
                'its bounce pages below the spec\'s limit (ZONE_DMA32, then '
                'ZONE_DMA) and the cycle works.' % (
                    'kernel WARNING from swiotlb_map in ' + ', '.join(warned)
                    if warned else 'no warning was seen in this run')]
    for s in skipped:
        out.append('- skipped in %s' % s)
    return out


def io_section(boots, V):
    rows = []
    for b in cpu_boots(boots):
        for r in b.of('io'):
            a, c = Fig(b, r, 'base'), Fig(b, r, 'cmd')
            rm, lo, hi = fig_ratio(a, c)
            record(b, 'io %s %d' % (r['kind'], r['size']), [a.value, c.value])
            if r['kind'] in ('pages', 'kva'):
                v = V.interval(b.label, 'descriptor per I/O %s %s' % (
                    r['kind'], fmt_size(r['size'])), rm, lo, hi, 1.25)
                t = '<= 1.25'
            else:
                v, t = '(no target)', '-'
            n = r['cycles']
            rows.append([b.label, r['kind'], fmt_size(r['size']), str(a), str(c),
                         '**%.3f** [%.3f .. %.3f]' % (rm, lo, hi),
                         '%.2f / %.2f' % (r['base_allocs'] / n, r['cmd_allocs'] / n),
                         t, v])
    if not rows:
        return []
    out = ['', '## A new descriptor per I/O', '',
           'What a block or network driver pays per request, in %s.  dmacmd: '
           'a descriptor of the request\'s memory (`dmacmd_md_from_pages()`, '
           '`_from_kva()`, `_from_user()` + `dmacmd_md_prepare()`, which pins), '
           '`dmacmd_set_memory()` on a command the driver keeps, prepare + gen64 '
           '+ complete, `dmacmd_clear_memory()`, release.  Baseline: "pages" '
           '`sg_alloc_table_from_pages_segment()` + `dma_map_sgtable()` + walk + '
           'unmap + `sg_free_table()` (fragmented pages); "kva" `dma_map_single()` '
           '+ `dma_unmap_single()` of a linear-map buffer; "user" '
           '`pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM)` + the "pages" path '
           '+ `unpin_user_pages_dirty_lock()`.  allocs: allocator calls per I/O, '
           'baseline / dmacmd.' % unit(boots), '']
    out += table(['config', 'memory', 'size', 'baseline', 'dmacmd', 'ratio',
                  'allocs', 'target', 'verdict'], rows)
    return out


def mem_section(boots):
    objs, kept, pools = [], [], []
    for b in cpu_boots(boots):
        for r in b.of('mem'):
            record(b, 'mem %s' % r['what'], r['bytes'])
            if r['what'].startswith('bounce'):
                pools.append([b.label, 'dmacmd bounce pages, 1 MiB, 32-bit spec',
                              r['bytes'], 'allocated at the first prepare, kept '
                              'by the command'])
            else:
                objs.append([b.label, r['what'], r['bytes'], r['calls']])
        for r in b.of('memkept'):
            record(b, 'memkept %d' % r['pages'],
                   [r['sgt'], r['map'], r['md'], r['first'], r['again']])
            kept.append([b.label, r['pages'], r['sgt'], r['map'], r['md'],
                         r['first'], r['again'],
                         '%.2f' % ((r['md'] + r['first']) / r['sgt']) if r['sgt'] else '-'])
        if b.slabs:
            pools.append([b.label, 'swiotlb pool', b.slabs * 2048,
                          '%d slabs of 2 KiB, allocated at boot for all devices' % b.slabs])
    if not objs and not kept:
        return []
    out = ['', '## Memory per object', '',
           'Bytes allocated while an object is built, counted with return '
           'probes on the slab and page allocator entry points (the outermost '
           'call only; slab objects at the size of their cache or kmalloc '
           'bucket).  The first command of a boot also pays for one-time '
           'state, the later ones do not: the kept-list table gives a later '
           'command\'s size.', '']
    out += table(['config', 'object (one page)', 'bytes', 'allocations'], objs)
    out += ['', 'Kept lists of fragmented memory, one page per segment: the '
            'sg_table a driver keeps (`sg_alloc_table_from_pages_segment()`) and '
            'what mapping it allocates, against dmacmd\'s descriptor of the pages '
            'and what its first prepare + gen64 + complete allocates and keeps for '
            'later cycles ("again": a second cycle).  dmacmd / sg_table = '
            '(descriptor + kept list) / sg_table.', '']
    out += table(['config', 'pages', 'sg_table', 'dma_map_sgtable', 'dmacmd descriptor',
                  'dmacmd first cycle', 'again', 'dmacmd / sg_table'], kept)
    if pools:
        out += ['', 'Bounce pools:', '']
        out += table(['config', 'pool', 'bytes', 'note'], pools)
    return out


def across(vals):
    """Median of the per-boot values and their range."""
    return med(vals), min(vals), max(vals)


def wall_verdict(V, cfg, figure, vals, target, higher, fmt='%.3f'):
    m, lo, hi = across(vals)
    if len(vals) < MIN_BOOTS:
        state = 'undecided'
        text = (fmt + ' over %d boot(s), fewer than %d') % (m, len(vals), MIN_BOOTS)
        return V.add(cfg, figure, state, text)
    state = judge(lo, hi, target, higher)
    return V.add(cfg, figure, state, (fmt + ' [' + fmt + ' .. ' + fmt + '] over %d boots '
                                      '(target %s %.2f)') % (m, lo, hi, len(vals),
                                                             '>=' if higher else '<=', target))


def bounce_section(boots, V):
    out = ['', '## Bounce throughput (wall clock): dmacmd double buffering vs memcpy', '',
           'A prepared command switched to a full copy buffer '
           '(DMACMD_FORCE_DOUBLE_BUFFER); "out" = dmacmd_synchronize(SYNC_OUT) '
           '(memory -> bounce), "in" = SYNC_IN (bounce -> memory), against a '
           'memcpy() of the same bytes, one page at a time, between the buffer\'s '
           'linear mapping and single pages of the page allocator (the kind of '
           'memory dmacmd\'s bounce buffer is).  Ratio = dmacmd throughput / memcpy throughput: the median of '
           'each boot, then the range of those medians across boots, which is '
           'the interval judged.  "swiotlb copies": bytes swiotlb copied in '
           'the same call per byte synchronized.', '']
    groups = {}
    for b in wall_boots(boots):
        for r in b.of('bounce'):
            a, c = per_iter(r, 'memcpy'), per_iter(r, 'cmd')
            q = [x / y for x, y in zip(a, c) if y > 0]
            g = groups.setdefault((b.name, r['size'], r['dir']), [])
            g.append((med(q), r['size'] / med(a), r['size'] / med(c),
                      (r.get('swiotlb_dev_bytes', 0) + r.get('swiotlb_cpu_bytes', 0)) / r['size']))
    rows = []
    for (cfg, size, d), g in sorted(groups.items(), key=lambda kv: (
            CONFIG_ORDER.index(kv[0][0]) if kv[0][0] in CONFIG_ORDER else 9, kv[0][1], kv[0][2])):
        vals = [x[0] for x in g]
        v = wall_verdict(V, cfg, 'bounce %s %s' % (fmt_size(size), d), vals, 0.9, True)
        m, lo, hi = across(vals)
        rows.append([cfg, fmt_size(size), d, len(g), '%.2f' % med([x[1] for x in g]),
                     '%.2f' % med([x[2] for x in g]), '%.2f' % med([x[3] for x in g]),
                     '**%.3f** [%.3f .. %.3f]' % (m, lo, hi), '>= 0.90', v])
    out += table(['config', 'size', 'dir', 'boots', 'memcpy GB/s', 'dmacmd GB/s',
                  'swiotlb copies', 'ratio across boots', 'target', 'verdict'], rows)
    return out


def par_section(boots, V):
    out = ['', '## Parallel scaling (wall clock): independent commands on 1 and 2 CPUs', '',
           'Each CPU runs its own command on its own 64 KiB of fragmented '
           'memory for the run time; ops/s summed over CPUs.  "cpu only" '
           '(private arithmetic, nothing shared) shows what the host and QEMU '
           'allow; "baseline" what the DMA layer allows on top.  Scaling = '
           '2-CPU rate / 1-CPU rate: the median of each boot, then the range '
           'across boots.  Where the host or the DMA layer itself gives less '
           'than 1.8x in some boot, dmacmd is judged against that ceiling '
           '(its share of it must reach 95%) and the verdict cannot be '
           '"met" against 1.8.', '']
    groups = {}
    for b in wall_boots(boots):
        for r in b.of('par'):
            g = groups.setdefault(b.name, {})
            for impl, k1, k2 in (('cpu only', 'cpu1', 'cpu2'), ('baseline', 'base1', 'base2'),
                                 ('dmacmd', 'cmd1', 'cmd2')):
                if k1 in r:
                    g.setdefault(impl, []).append(med(ratios(r[k1], r[k2])))
    rows = []
    for cfg in sorted(groups, key=lambda c: CONFIG_ORDER.index(c) if c in CONFIG_ORDER else 9):
        g = groups[cfg]
        cmd = g.get('dmacmd', [])
        ceil = [min(x) for x in zip(g.get('cpu only', []), g.get('baseline', []))]
        for impl in ('cpu only', 'baseline', 'dmacmd'):
            vals = g.get(impl, [])
            if not vals:
                continue
            m, lo, hi = across(vals)
            v = '(reference)'
            if impl == 'dmacmd':
                if ceil and min(ceil) < 1.8 and len(cmd) == len(ceil):
                    share = [c / e for c, e in zip(cmd, ceil)]
                    v = wall_verdict(V, cfg, 'parallel (share of ceiling)', share, 0.95,
                                     True, fmt='%.2f')
                    if v == 'met':
                        # Against 1.8 itself nothing is shown: undecided.
                        V.rows[-1] = V.rows[-1][:2] + ('undecided',) + V.rows[-1][3:]
                        v = 'undecided'
                    v += ': ceiling %.2f..%.2f, dmacmd at %.0f%%..%.0f%% of it' % (
                        min(ceil), max(ceil), 100 * min(share), 100 * max(share))
                else:
                    v = wall_verdict(V, cfg, 'parallel', vals, 1.8, True, fmt='%.2f')
            rows.append([cfg, impl, len(vals), '**%.2f** [%.2f .. %.2f]' % (m, lo, hi),
                         '>= 1.80', v])
    out += table(['config', 'impl', 'boots', 'scaling across boots', 'target',
                  'verdict'], rows)
    return out


def env_section(boots, kernel, arch):
    out = ['# dmacmd benchmark results', '',
           'Written by `make bench` on %s (host %s, %d CPUs, load average %s).' % (
               datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), platform.node(),
               os.cpu_count(), ' '.join('%.2f' % x for x in os.getloadavg())), '']
    try:
        qv = subprocess.run([QEMU_BIN[arch], '--version'], capture_output=True,
                            text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        qv = 'unknown'
    out.append('Guest: %s lean 6.12 kernel (%s, %s pages), QEMU TCG (%s), -smp 2.  Every '
               'comparison is made within one boot.  "icount" boots run QEMU '
               'with `-icount shift=0,sleep=off` (one vCPU thread): the guest '
               'clock advances one nanosecond per guest instruction, so their '
               'figures are instruction counts and do not depend on the host.  '
               '"wall" boots run QEMU as `make check` does and measure time.' % (
                   arch, os.path.basename(kernel) if kernel else '?',
                   page_sizes(boots), qv))
    if arch == 'arm64':
        out.append('On arm64 (QEMU virt) the icount boots emulate a Neoverse N1 '
                   '(`-cpu neoverse-n1`: QEMU 7.2 cannot take the random-number '
                   'instructions off `-cpu max`) and give the device tree no '
                   'random seeds; the DMA device is QEMU\'s edu (PCI, '
                   'DMA-coherent), as a platform device of the module\'s own '
                   'would not be coherent.')
    out.append('')
    rows = []
    for b in boots:
        e = b.env
        d = b.done
        rows.append([b.label, b.mode, e.get('dev', '?'), e.get('iommu', '?'),
                     e.get('swiotlb_force', '?'), e.get('reps', '?'),
                     e.get('run_ms', '?'), e.get('flush', '?'), e.get('sync', '?'),
                     e.get('contiguous', '?'),
                     '%.0f' % (d['ms'] / 1e3) if d else 'no (exit %s)' % b.status,
                     b.load or '?'])
    out += table(['config', 'mode', 'device', 'IOMMU domain', 'swiotlb force', 'reps',
                  'run (ms or M instr.)', 'flush', 'sync', '16 MiB contiguous',
                  'bench s (guest)', 'other CPU load'], rows)
    busy = [b.label for b in wall_boots(boots) if b.load and float(b.load) > 0.25]
    out += ['', '"other CPU load": CPUs that processes other than this QEMU kept '
            'busy on the %d-CPU host during the boot, on average; it matters to '
            'wall boots only.' % os.cpu_count()]
    if busy:
        out += ['', '**The host was busy during %s**: other processes competed '
                'with QEMU; expect a wide range across boots and a low parallel '
                'ceiling.' % ', '.join(busy)]
    out += ['', 'Intervals: an icount figure is the instruction count of the '
            'typical operation: every operation is timed on its own on the CPU\'s '
            'counter, the samples in which the CPU took an interrupt are left out '
            '(unless all took one), the smallest sample within 2 instructions of '
            'the median of the rest is taken, the cost of the '
            'clock read is taken off, and the fewest over the repetitions is '
            'reported; a ratio\'s interval is the range of its per-repetition '
            'ratios.  A wall-clock figure is judged '
            'on the range of its per-boot medians over at least %d boots.  '
            '"met" needs the whole interval on the right side of the target, '
            '"MISSED" the whole interval on the wrong side; anything else is '
            '"undecided".' % MIN_BOOTS, '']
    for b in boots:
        for line in b.reports:
            out.append('- **kernel report in %s**: `%s`' % (b.label, line.strip()[:200]))
        if not b.done:
            out.append('- **%s: the benchmark did not finish** (exit %s, log %s)' % (
                b.label, b.status, b.path))
    return out + ['']


def repro_section(previous):
    """Instruction figures of this run against those of an earlier one."""
    if not previous:
        return []
    try:
        with open(previous) as f:
            old = json.load(f).get('icount', {})
    except (OSError, ValueError):
        return ['', '## Reproducibility', '', 'No earlier run to compare with '
                '(%s unreadable).' % previous, '']
    common = sorted(set(old) & set(ICOUNT))
    diff = [k for k in common if old[k] != ICOUNT[k]]

    def rel(a, b):
        a, b = (a, b) if isinstance(a, list) else ([a], [b])
        return max(abs(y - x) / x if x else float(y != 0) for x, y in zip(a, b))
    out = ['', '## Reproducibility', '',
           'Instruction figures of this run against the previous run\'s (%s): '
           '**%d of %d identical**.' % (os.path.basename(previous),
                                         len(common) - len(diff), len(common))]
    if diff:
        out += ['', 'Differing (largest relative difference %.3f%%):' % (
            100 * max(rel(old[k], ICOUNT[k]) for k in diff)), '']
        out += table(['figure', 'previous', 'this run', 'difference'],
                     [[k, old[k], ICOUNT[k], '%.4f%%' % (100 * rel(old[k], ICOUNT[k]))]
                      for k in diff[:60]])
    return out + ['']


def summary(V):
    out = ['', '## Targets', '']
    n = {s: sum(1 for r in V.rows if r[2] == s) for s in ('met', 'MISSED', 'undecided')}
    out.append('%d figures judged: **%d met, %d missed, %d undecided**.' % (
        len(V.rows), n['met'], n['MISSED'], n['undecided']))
    rows = [[cfg, fig, v, text] for cfg, fig, v, text in V.rows if v != 'met']
    if rows:
        out += ['', 'Not met:', ''] + table(['config', 'figure', 'verdict', 'value'], rows)
    return out


def emit(lines, out_path):
    """Print the report and write it to out_path, if given."""
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    if out_path:
        with open(out_path, 'w') as f:
            f.write(text)
        print('\nwritten to %s' % out_path)


def compare(paths, out_path):
    """Cycle ratios of several runs (--json files) side by side."""
    runs = []
    for p in paths:
        with open(p) as f:
            runs.append(json.load(f))
    base = runs[0]
    key = lambda f: (f['config'], f['size'], f['layout'])
    others = [{key(f): f for f in r['figures']} for r in runs]
    out = ['# What the observability hooks cost', '',
           'Written by `make bench-hooks` on %s: the cycle benchmark of `make bench`, '
           'once per variant, each in its own boots.  Ratio = dmacmd / '
           'hand-written DMA API in the same boot; "change" = ratio of a variant '
           'over the first one, as a percentage, with the larger of the two '
           'spreads.' % datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), '']
    head = ['config', 'size', 'memory']
    for r in runs:
        head.append('ratio: %s' % r['variant'])
    for r in runs[1:]:
        head.append('change: %s' % r['variant'])
    rows, worst = [], {}
    for f in base['figures']:
        row = [f['config'], fmt_size(f['size']), f['layout']]
        got = [o.get(key(f)) for o in others]
        row += ['%.3f %s' % (g['ratio'], pct(g['spread'])) if g else '-' for g in got]
        for i, g in enumerate(got[1:], 1):
            if not g:
                row.append('-')
                continue
            ch = g['ratio'] / f['ratio'] - 1
            spr = max(g['spread'], f['spread'])
            row.append('%+.1f%% (+-%.1f%%)' % (100 * ch, 100 * spr))
            w = worst.get(i)
            if w is None or abs(ch) > abs(w[0]):
                worst[i] = (ch, spr, row[0], row[1], row[2])
        rows.append(row)
    out += table(head, rows)
    out.append('')
    for i, (ch, spr, cfg, size, lay) in sorted(worst.items()):
        out.append('- %s: largest change %+.1f%% (spread +-%.1f%%) at %s %s %s; '
                   'within the spread: %s.' % (
                       runs[i]['variant'], 100 * ch, 100 * spr, cfg, size, lay,
                       'yes' if abs(ch) <= spr else 'no'))
    emit(out, out_path)
    return 0


def main(argv):
    out_path = kernel = json_path = previous = None
    variant = 'hooks on, tracing off'
    specs = []
    if argv and argv[0] == '--compare':
        rest = argv[1:]
        if '--out' in rest:
            i = rest.index('--out')
            out_path = rest[i + 1]
            rest = rest[:i] + rest[i + 2:]
        return compare(rest, out_path)
    i = 0
    opts = {'--out': 'out', '--json': 'json', '--variant': 'variant',
            '--kernel': 'kernel', '--previous': 'previous', '--arch': 'arch'}
    got = {}
    while i < len(argv):
        if argv[i] in opts:
            got[opts[argv[i]]] = argv[i + 1]
            i += 2
        else:
            specs.append(argv[i])
            i += 1
    out_path, json_path = got.get('out'), got.get('json')
    kernel, previous = got.get('kernel'), got.get('previous')
    variant = got.get('variant', variant)
    arch = got.get('arch', 'x86_64')
    if arch not in QEMU_BIN:
        print('--arch %s: x86_64 or arm64' % arch, file=sys.stderr)
        return 1
    boots = []
    for s in specs:
        name, _, rest = s.partition('=')
        name, _, mode = name.partition('@')
        path, _, rest = rest.partition(':')
        status, _, load = rest.partition(':')
        boots.append(Boot(name, mode or 'wall1', path, status or '0', load))
    boots.sort(key=lambda b: (not b.icount,
                              CONFIG_ORDER.index(b.name) if b.name in CONFIG_ORDER else 9,
                              b.run))
    V = Verdicts()
    traced = [b.name for b in boots if b.tracing]
    if 'tracing on' in variant and len(traced) != len(boots):
        print('tracing was asked for but not enabled in every boot', file=sys.stderr)
        return 1
    lines = env_section(boots, kernel, arch)
    lines[1:1] = ['', 'Variant: %s.' % variant]
    body = cycle_section(boots, V)
    body += sect_section(boots)
    body += calls_section(boots)
    body += lat_section(boots)
    body += alloc_section(boots, V)
    body += [''] + scale_section(boots, V)
    body += resume_section(boots, V)
    body += dbuf_section(boots, V)
    body += io_section(boots, V)
    body += mem_section(boots)
    body += bounce_section(boots, V)
    body += par_section(boots, V)
    lines += repro_section(previous)
    lines += body
    lines += summary(V)
    emit(lines, out_path)
    if json_path:
        with open(json_path, 'w') as f:
            json.dump({'variant': variant, 'figures': FIGURES, 'icount': ICOUNT},
                      f, indent=1, sort_keys=True)
    ok = all(b.done and not b.reports for b in boots) and boots
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
