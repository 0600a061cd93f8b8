#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the console logs of make bench into tables and verdicts.

    report.py [--out FILE.md] [--kernel DIR] CONFIG=CONSOLE_LOG[:STATUS] ...

Reads the "dmacmd_bench: {json}" lines that bench/dmacmd_bench.ko prints in
each boot, computes per figure the median over the repetitions and the
spread, and compares dmacmd with the hand-written DMA API baseline measured
in the same boot.

Spread is half the interquartile range of the repetitions, relative to
their median, printed as +-N%.  Ratios are computed per repetition from the
adjacent A/B runs (the module interleaves them), then their median and
spread are taken.  A ratio is marked "unreliable" when its spread is larger
than the margin its target allows (10% for 1.10, 5% for 1.05, 10% for the
0.9x and 1.8x targets).  The verdict of an unreliable ratio is still firm
when the whole interval ratio +- spread lies on one side of the target
("MISSED, noisy"); otherwise it reads "undecided" with the side the median
falls on.
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

CONFIG_ORDER = ['direct', 'swiotlb', 'iommu']


def fmt_size(n):
    for unit, div in (('MiB', 1 << 20), ('KiB', 1 << 10)):
        if n >= div and n % div == 0:
            return '%d %s' % (n // div, unit)
    return '%d B' % n


def med(xs):
    return statistics.median(xs) if xs else float('nan')


def spread(xs):
    """Half the interquartile range relative to the median (0.05 = +-5%).

    Quartiles rather than min and max: one run that QEMU or the host
    disturbed should show, not decide every verdict of the boot.
    """
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


class Verdicts:
    def __init__(self):
        self.rows = []      # (config, figure, met, unreliable, verdict, text)

    def add(self, cfg, figure, met, unreliable, text, firm=True):
        v = verdict_text(met, unreliable, firm)
        self.rows.append((cfg, figure, met, unreliable, v, text))
        return v

    def ratio(self, cfg, figure, value, spr, target, margin, higher=False):
        """Judge value +- spread against target; returns (verdict, mark)."""
        lo, hi = value * (1 - spr), value * (1 + spr)
        if higher:
            met, firm = value >= target, lo >= target or hi < target
            what = '%.3f %s (target >= %.2f)' % (value, pct(spr), target)
        else:
            met, firm = value <= target, hi <= target or lo > target
            what = '%.3f %s (target <= %.2f)' % (value, pct(spr), target)
        unrel = spr > margin
        return (self.add(cfg, figure, met, unrel, what, firm),
                ' (unreliable)' if unrel else '')


def verdict_text(met, unreliable, firm=True):
    v = 'met' if met else 'MISSED'
    if not unreliable:
        return v
    return v + ', noisy' if firm else 'undecided (%s?)' % v


class Boot:
    def __init__(self, name, path, status, load=''):
        self.name = name
        self.path = path
        self.status = status
        self.load = load
        self.recs = []
        self.reports = []
        self.harness = []
        self.tracing = False
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
            if REPORTS.search(line):
                self.reports.append(line)
            if line.startswith('dmacmd-harness: bench status'):
                self.harness.append(line)
            if line.startswith('dmacmd-harness: bench tracing'):
                self.tracing = True

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


# Cycle figures, for --json (make bench-hooks compares runs by them).
FIGURES = []


def cycle_section(boots, V):
    out = ['## Cycle cost: dmacmd prepare + gen64 + complete vs '
           'dma_map_sgtable + walk + dma_unmap_sgtable', '',
           'Per cycle, in microseconds (median of the repetitions, spread as '
           '+-%).  Ratio = dmacmd / baseline.  Segments: DMA segments the '
           'baseline / dmacmd handed out.', '']
    rows = []
    for b in boots:
        for r in b.of('cycle'):
            a, c = per_iter(r, 'base'), per_iter(r, 'cmd')
            q = ratios(a, c)
            target = 1.10 if r['size'] < 65536 else 1.05
            rm, rs = med(q), spread(q)
            v, mark = V.ratio(b.name, 'cycle %s %s' % (fmt_size(r['size']), r['layout']),
                              rm, rs, target, target - 1)
            FIGURES.append({'config': b.name, 'size': r['size'], 'layout': r['layout'],
                            'ratio': rm, 'spread': rs, 'base_ns': med(a),
                            'cmd_ns': med(c), 'target': target})
            rows.append([b.name, fmt_size(r['size']), r['layout'],
                         '%d / %d' % (r['nseg_base'], r['nseg_cmd']),
                         '%s %s' % (us(med(a)), pct(spread(a))),
                         '%s %s' % (us(med(c)), pct(spread(c))),
                         '**%.3f** %s%s' % (rm, pct(rs), mark), '<= %.2f' % target, v])
    out += table(['config', 'size', 'memory', 'segments', 'baseline us',
                  'dmacmd us', 'ratio', 'target', 'verdict'], rows)
    errs = [(b.name, e) for b in boots for e in b.of('error')]
    if errs:
        out += ['', 'Errors reported by the benchmark:', '']
        for name, e in errs:
            out.append('- %s: %s (%s, %s): %d' % (name, e.get('what'), e.get('layout'),
                                                fmt_size(e.get('size', 0)) if e.get('size') else '-',
                                                e.get('err', 0)))
    return out


def sect_section(boots):
    out = ['', '### Where the time goes (ktime sections, us per cycle)', '',
           'Each step timed on its own (adds a clock read per step); '
           'prepare/map and complete/unmap are the step ratios.', '']
    rows = []
    for b in boots:
        for r in b.of('sect'):
            k = r['k']
            m = {key: med([v / k for v in r[key]])
                 for key in ('map', 'walk', 'unmap', 'prep', 'gen', 'comp')}
            rows.append([b.name, fmt_size(r['size']), r['layout'],
                         us(m['map']), us(m['walk']), us(m['unmap']),
                         us(m['prep']), us(m['gen']), us(m['comp']),
                         '%.2f' % (m['prep'] / m['map']) if m['map'] else '?',
                         '%.2f' % (m['comp'] / m['unmap']) if m['unmap'] else '?'])
    out += table(['config', 'size', 'memory', 'map', 'walk', 'unmap',
                  'prepare', 'gen', 'complete', 'prep/map', 'comp/unmap'], rows)
    return out


def calls_section(boots):
    rows = []
    for b in boots:
        for r in b.of('calls'):
            k = r['k']
            m = {key: med([v / k for v in r[key]])
                 for key in ('empty', 'nested', 'gen', 'map_unmap', 'prep_comp')}
            rows.append([b.name, fmt_size(r['size']), r['layout']] +
                        [us(m[key]) for key in ('empty', 'nested', 'gen',
                                                'map_unmap', 'prep_comp')] +
                        [us(m['prep_comp'] - m['map_unmap'])])
    if not rows:
        return []
    out = ['', '### Fixed costs (us per call, no clock read inside the loop)', '',
           'empty: an exported call that only reads a field '
           '(dmacmd_is_prepared); nested: a prepare and complete of a '
           'prepared command (checks only); gen: dmacmd_gen64 of the whole '
           'prepared range; map/unmap: dma_map_sgtable + dma_unmap_sgtable; '
           'prep/comp: dmacmd_prepare + dmacmd_complete; overhead: their '
           'difference.', '']
    out += table(['config', 'size', 'memory', 'empty', 'nested', 'gen',
                  'map/unmap', 'prep/comp', 'overhead'], rows)
    return out


def alloc_section(boots, V):
    out = ['', '## Allocations per cycle', '',
           'Counted with kprobes on every slab and page allocator entry point, '
           'for the benchmark thread only, over %s cycles after the first.  '
           '"first" is the first prepare+gen+complete of the shape; '
           '"extra" is dmacmd minus the baseline (the DMA layer itself may '
           'allocate, e.g. IOVA and page-table pages).' % 16, '']
    rows = []
    sites = []
    for b in boots:
        for r in b.of('alloc'):
            n = r['cycles']
            extra = (r['cmd'] - r['base']) / n
            v = V.add(b.name, 'alloc %s %s' % (fmt_size(r['size']), r['layout']),
                      extra <= 0, False, 'extra %.2f per cycle' % extra)
            rows.append([b.name, fmt_size(r['size']), r['layout'],
                         fmt_size(r['bounced']) if r.get('bounced') else '0',
                         r['first'], '%.2f' % (r['base'] / n), '%.2f' % (r['cmd'] / n),
                         '%.2f' % extra, v])
        for s in b.of('allocsite'):
            sites.append('- %s %s %s: %d calls: `%s`' % (
                b.name, fmt_size(s['size']), s['layout'], s['count'], s['stack']))
    probes = {b.name: b.env.get('probes', 0) for b in boots}
    out += table(['config', 'size', 'memory', 'bounced', 'first', 'baseline/cycle',
                  'dmacmd/cycle', 'extra/cycle', 'verdict'], rows)
    out += ['', 'Probes armed: ' + ', '.join('%s %s' % kv for kv in probes.items())]
    if sites:
        out += ['', 'Allocation sites in dmacmd cycles (innermost first):', ''] + sites
    return out


def scale_section(boots, V):
    out = ['', '## Scaling with the number of pages (fragmented, one page per '
           'segment)', '']
    for b in boots:
        recs = b.of('scale')
        if not recs:
            continue
        rows = []
        xs, ya, yb = [], [], []
        for r in recs:
            a, c = per_iter(r, 'base'), per_iter(r, 'cmd')
            n = r['pages']
            xs.append(n)
            ya.append(med(a))
            yb.append(med(c))
            rows.append([n, '%d / %d' % (r['nseg_base'], r['nseg_cmd']),
                         '%s %s' % (us(med(a)), pct(spread(a))),
                         '%s %s' % (us(med(c)), pct(spread(c))),
                         '%.0f' % (med(a) / n), '%.0f' % (med(c) / n),
                         '%.3f %s' % (med(ratios(a, c)), pct(spread(ratios(a, c))))])
        big = [i for i, n in enumerate(xs) if n >= 64]
        ea = slope([xs[i] for i in big], [ya[i] for i in big])
        eb = slope([xs[i] for i in big], [yb[i] for i in big])
        fa, fb = linfit(xs, yb)
        flat = (yb[-1] / xs[-1]) / (yb[big[0]] / xs[big[0]]) if big else float('nan')
        # Linear, or no worse than the DMA API itself on this platform.
        v = V.add(b.name, 'scaling', eb <= max(1.10, ea + 0.05), False,
                  'growth exponent %.3f (baseline %.3f)' % (eb, ea))
        out += ['### %s' % b.name, '']
        out += table(['pages', 'segments', 'baseline us', 'dmacmd us',
                      'baseline ns/page', 'dmacmd ns/page', 'ratio'], rows)
        out += ['', 'Fitted growth (log-log slope, %d..%d pages): dmacmd **%.3f**, '
                'baseline %.3f (1.0 = linear).  Linear fit of dmacmd: %.1f us + '
                '%.0f ns/page.  ns/page at %d pages / at %d pages: %.2f.  '
                'Target: linear, not worse (exponent <= 1.10, or no more than '
                'the baseline\'s + 0.05): %s.' % (
                    xs[big[0]] if big else 0, xs[-1], eb, ea, fa / 1e3, fb,
                    xs[-1], xs[big[0]] if big else 0, flat, v), '']
    return out


def resume_section(boots, V):
    out = ['## Resuming segment generation (one segment per call)', '',
           'Prepared once with max_segment_size = 4 KiB; N segments generated '
           'by one gen64 call for all ("all") or N calls of one ("one").', '']
    for b in boots:
        recs = b.of('resume')
        if not recs:
            continue
        rows, xs, ys, ya = [], [], [], []
        for r in recs:
            a, c = per_iter(r, 'all'), per_iter(r, 'one')
            n = r['n']
            xs.append(n)
            ys.append(med(c))
            ya.append(med(a))
            rows.append([n, '%s %s' % (us(med(a)), pct(spread(a))),
                         '%s %s' % (us(med(c)), pct(spread(c))),
                         '%.0f' % (med(a) / n), '%.0f' % (med(c) / n),
                         '%.2f' % (med(c) / med(a))])
        e, ea = slope(xs, ys), slope(xs, ya)
        # Judged against the one-call walk of the same segments, which is
        # O(N) by construction: cache effects of a large N hit both alike.
        v = V.add(b.name, 'resume', e - ea <= 0.15, False,
                  'growth exponent %.3f, one call for all %.3f' % (e, ea))
        out += ['### %s' % b.name, '']
        out += table(['N', 'all us', 'one-by-one us', 'all ns/seg',
                      'one-by-one ns/seg', 'one/all'], rows)
        out += ['', 'Fitted growth (log-log slope) of the one-by-one total: **%.3f**; '
                'of one call for all: %.3f (1.0 = O(N), 2.0 = O(N^2)).  Target: '
                'resuming is O(1), i.e. one-by-one grows like one call for all '
                '(difference <= 0.15): %s.' % (e, ea, v), '']
    return out


def bounce_section(boots, V):
    out = ['## Bounce throughput: dmacmd double buffering vs memcpy', '',
           'A prepared command switched to a full copy buffer '
           '(DMACMD_FORCE_DOUBLE_BUFFER); "out" = dmacmd_synchronize(SYNC_OUT) '
           '(memory -> bounce), "in" = SYNC_IN (bounce -> memory), against a '
           'memcpy of the same bytes.  Ratio = dmacmd throughput / memcpy '
           'throughput.  "swiotlb copies": bytes swiotlb copied in the same '
           'call, per byte synchronized (counted with kprobes on '
           '__swiotlb_sync_single_for_{device,cpu}).', '']
    rows = []
    for b in boots:
        for r in b.of('bounce'):
            a, c = per_iter(r, 'memcpy'), per_iter(r, 'cmd')
            q = [x / y for x, y in zip(a, c) if y > 0]
            rm, rs = med(q), spread(q)
            v, mark = V.ratio(b.name, 'bounce %s %s' % (fmt_size(r['size']), r['dir']),
                              rm, rs, 0.9, 0.1, higher=True)
            gbs = lambda ns: r['size'] / ns if ns else float('nan')
            extra = (r.get('swiotlb_dev_bytes', 0) + r.get('swiotlb_cpu_bytes', 0)) / r['size']
            rows.append([b.name, fmt_size(r['size']), r['dir'],
                         '%.2f %s' % (gbs(med(a)), pct(spread(a))),
                         '%.2f %s' % (gbs(med(c)), pct(spread(c))),
                         '%.2f' % extra,
                         '**%.3f** %s%s' % (rm, pct(rs), mark), '>= 0.90', v])
    out += table(['config', 'size', 'dir', 'memcpy GB/s', 'dmacmd GB/s',
                  'swiotlb copies', 'ratio', 'target', 'verdict'], rows)
    return out


def par_section(boots, V):
    out = ['', '## Parallel scaling: independent commands on 1 and 2 CPUs', '',
           'Each CPU runs its own command on its own 64 KiB of fragmented '
           'memory for the run time; ops/s summed over CPUs.  "cpu only" '
           '(private arithmetic, nothing shared) shows what the host and QEMU '
           'allow; "baseline" what the DMA layer allows on top.', '']
    rows = []
    for b in boots:
        for r in b.of('par'):
            ceiling, who = float('inf'), ''
            for impl, k1, k2 in (('cpu only', 'cpu1', 'cpu2'), ('baseline', 'base1', 'base2'),
                                 ('dmacmd', 'cmd1', 'cmd2')):
                if k1 not in r:
                    continue
                q = ratios(r[k1], r[k2])
                rm, rs = med(q), spread(q)
                mark = ''
                if impl != 'dmacmd':
                    v = '(reference)'
                    if impl == 'cpu only':
                        ceiling, who = rm, 'the host gave plain CPU work'
                    elif rm < ceiling:
                        ceiling, who = rm, 'the DMA API itself scaled'
                elif rm < 1.8 and ceiling < 1.8:
                    # The host or the DMA layer cannot give two CPUs' worth:
                    # judge against what they give.
                    rel = rm / ceiling
                    V.add(b.name, 'parallel', False, True,
                          '%.2f %s; %s %.2f (dmacmd %.0f%% of it)' % (
                              rm, pct(rs), who, ceiling, 100 * rel), firm=False)
                    v = 'undecided: ceiling %.2f (dmacmd at %.0f%% of it)' % (
                        ceiling, 100 * rel)
                    V.rows[-1] = V.rows[-1][:4] + (v,) + V.rows[-1][5:]
                    mark = ' (unreliable)'
                else:
                    v, mark = V.ratio(b.name, 'parallel', rm, rs, 1.8, 0.1, higher=True)
                rows.append([b.name, impl, '%.0f %s' % (med(r[k1]), pct(spread(r[k1]))),
                             '%.0f %s' % (med(r[k2]), pct(spread(r[k2]))),
                             '**%.2f** %s%s' % (rm, pct(rs), mark), '>= 1.80', v])
    out += table(['config', 'impl', '1 CPU ops/s', '2 CPUs ops/s', 'scaling',
                  'target', 'verdict'], rows)
    return out


def env_section(boots, kernel):
    out = ['# dmacmd benchmark results', '',
           'Written by `make bench` on %s (host %s, %d CPUs, load average %s).' % (
               datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), platform.node(),
               os.cpu_count(), ' '.join('%.2f' % x for x in os.getloadavg())), '']
    try:
        qv = subprocess.run(['qemu-system-x86_64', '--version'], capture_output=True,
                            text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        qv = 'unknown'
    out.append('Guest: lean 6.12 kernel (%s), QEMU TCG (%s), -smp 2.  '
               'All figures of a configuration come from one boot.' % (
                   os.path.basename(kernel) if kernel else '?', qv))
    out.append('')
    rows = []
    for b in boots:
        e = b.env
        d = b.done
        rows.append([b.name, e.get('dev', '?'), e.get('iommu', '?'),
                     e.get('swiotlb_force', '?'), e.get('reps', '?'),
                     e.get('run_ms', '?'), e.get('flush', '?'), e.get('sync', '?'),
                     e.get('contiguous', '?'),
                     '%.0f' % (d['ms'] / 1e3) if d else 'no (exit %s)' % b.status,
                     b.load or '?'])
    out += table(['config', 'device', 'IOMMU domain', 'swiotlb force', 'reps',
                  'ms/run', 'flush', 'sync', '16 MiB contiguous', 'bench s',
                  'other CPU load'], rows)
    busy = [b.name for b in boots if b.load and float(b.load) > 0.25]
    out += ['', '"other CPU load": CPUs that processes other than this QEMU kept '
            'busy on the %d-CPU host during the boot, on average.' % os.cpu_count()]
    if busy:
        out += ['', '**The host was busy during %s**: other processes competed '
                'with QEMU; expect wide spreads and a low parallel ceiling.' % (
                    ', '.join(busy))]
    out += ['', 'Spread: half the interquartile range of the repetitions relative '
            'to the median.  A ratio is "unreliable" when its spread exceeds the '
            'margin of its target; its verdict still stands ("noisy") when '
            'ratio +- spread lies wholly on one side of the target, and reads '
            '"undecided" otherwise.', '']
    for b in boots:
        for line in b.reports:
            out.append('- **kernel report in %s**: `%s`' % (b.name, line.strip()[:200]))
        if not b.done:
            out.append('- **%s: the benchmark did not finish** (exit %s, log %s)' % (
                b.name, b.status, b.path))
    return out


def summary(V):
    out = ['', '## Targets', '']
    rows = []
    for cfg, fig, met, unrel, v, text in V.rows:
        if met and not unrel:
            continue
        rows.append([cfg, fig, v, text])
    nmet = sum(1 for r in V.rows if r[2])
    out.append('%d of %d figures meet their target; %d unreliable.' % (
        nmet, len(V.rows), sum(1 for r in V.rows if r[3])))
    if rows:
        out += [''] + table(['config', 'figure', 'verdict', 'value'], rows)
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
    out_path = kernel = json_path = None
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
    while i < len(argv):
        if argv[i] == '--out':
            out_path = argv[i + 1]
            i += 2
        elif argv[i] == '--json':
            json_path = argv[i + 1]
            i += 2
        elif argv[i] == '--variant':
            variant = argv[i + 1]
            i += 2
        elif argv[i] == '--kernel':
            kernel = argv[i + 1]
            i += 2
        else:
            specs.append(argv[i])
            i += 1
    boots = []
    for s in specs:
        name, _, rest = s.partition('=')
        path, _, rest = rest.partition(':')
        status, _, load = rest.partition(':')
        boots.append(Boot(name, path, status or '0', load))
    boots.sort(key=lambda b: CONFIG_ORDER.index(b.name) if b.name in CONFIG_ORDER else 9)
    V = Verdicts()
    traced = [b.name for b in boots if b.tracing]
    if 'tracing on' in variant and len(traced) != len(boots):
        print('tracing was asked for but not enabled in every boot', file=sys.stderr)
        return 1
    lines = env_section(boots, kernel)
    lines[1:1] = ['', 'Variant: %s.' % variant]
    lines += cycle_section(boots, V)
    lines += sect_section(boots)
    lines += calls_section(boots)
    lines += alloc_section(boots, V)
    lines += [''] + scale_section(boots, V)
    lines += resume_section(boots, V)
    lines += bounce_section(boots, V)
    lines += par_section(boots, V)
    lines += summary(V)
    emit(lines, out_path)
    if json_path:
        with open(json_path, 'w') as f:
            json.dump({'variant': variant, 'figures': FIGURES}, f, indent=1)
    ok = all(b.done and not b.reports for b in boots) and boots
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
