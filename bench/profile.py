#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Report of make bench-profile: where the instructions of one call go.

Reads the instruction traces bench/profile-gdb.py wrote (one address a
line), names each address by the kernel's System.map and the modules'
symbols the guest printed, and writes a Markdown report: instructions per
function for each traced call, and for dmacmd's own functions per source
line (addr2line on the module built with -g, which is the module booted).
"""
import argparse
import bisect
import collections
import re
import subprocess
import sys


def kernel_syms(path):
    out = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[1] in 'tTwW':
                out.append((int(p[0], 16), p[2], 'kernel'))
    return out


def module_syms(console):
    out = []
    pat = re.compile(r'dmacmd-profile: sym ([0-9a-f]+) (\w) (\S+)\s+\[(\w+)\]')
    with open(console, errors='replace') as f:
        for line in f:
            m = pat.search(line)
            if m and m.group(2) in 'tTwW':
                out.append((int(m.group(1), 16), m.group(3), m.group(4)))
    return out


class Symbols:
    def __init__(self, syms):
        self.syms = sorted(syms)
        self.addrs = [s[0] for s in self.syms]

    def find(self, pc):
        i = bisect.bisect_right(self.addrs, pc) - 1
        if i < 0:
            return None
        return self.syms[i]


def ko_functions(ko):
    """name -> (section, value) of the functions of a module file."""
    res = {}
    out = subprocess.run(['objdump', '-t', ko], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        p = line.split()
        if len(p) >= 6 and 'F' in p[2:-3] and p[-3].startswith('.text'):
            res[p[-1]] = (p[-3], int(p[0], 16))
    return res


def source_lines(ko, wanted):
    """{(section, offset): [innermost, ..., outermost] 'file:line (fn)'}."""
    res = {}
    by_sec = collections.defaultdict(list)
    for sec, off in wanted:
        by_sec[sec].append(off)
    for sec, offs in by_sec.items():
        offs = sorted(set(offs))
        out = subprocess.run(['addr2line', '-a', '-f', '-i', '-j', sec, '-e',
                              ko] + ['%x' % o for o in offs],
                             capture_output=True, text=True).stdout
        cur, fn = None, None
        for line in out.splitlines():
            if line.startswith('0x'):
                cur = int(line, 16)
                res[(sec, cur)] = []
                fn = None
            elif fn is None:
                fn = line
            else:
                where = line.split(' ')[0].rsplit('/', 1)[-1]
                res[(sec, cur)].append('%s (%s)' % (where, fn))
                fn = None
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--console', required=True)
    ap.add_argument('--system-map', required=True)
    ap.add_argument('--ko', required=True, help='dmacmd.ko built with -g')
    ap.add_argument('--config', required=True)
    ap.add_argument('--title', default='')
    ap.add_argument('trace', nargs='+', help='LABEL=FILE')
    a = ap.parse_args()

    syms = Symbols(kernel_syms(a.system_map) + module_syms(a.console))
    kofn = ko_functions(a.ko)
    w = sys.stdout.write
    w('### %s: %s\n\n' % (a.config, a.title))
    totals = []
    per_fn = []
    dmacmd_pcs = []
    for spec in a.trace:
        label, path = spec.split('=', 1)
        with open(path) as f:
            pcs = [int(x, 16) for x in f if x.strip()]
        cnt = collections.Counter()
        for pc in pcs:
            s = syms.find(pc)
            name, owner = (s[1], s[2]) if s else ('?', '?')
            cnt[(owner, name)] += 1
            if owner == 'dmacmd' and name in kofn:
                sec, base = kofn[name]
                dmacmd_pcs.append((sec, base + pc - s[0]))
        totals.append((label, len(pcs), cnt))
        per_fn.append((label, cnt))
    w('| call | instructions | dmacmd.ko | kernel (DMA API) | benchmark |\n')
    w('|---|---|---|---|---|\n')
    for label, n, cnt in totals:
        own = collections.Counter()
        for (owner, _), c in cnt.items():
            own[owner] += c
        w('| %s | %d | %d | %d | %d |\n' % (label, n, own['dmacmd'],
                                            own['kernel'],
                                            own['dmacmd_bench']))
    w('\n')
    for label, cnt in per_fn:
        w('%s, per function:\n\n' % label)
        w('| function | where | instructions |\n|---|---|---|\n')
        for (owner, name), c in cnt.most_common():
            w('| `%s` | %s | %d |\n' % (name, owner, c))
        w('\n')
    if dmacmd_pcs:
        lines = source_lines(a.ko, dmacmd_pcs)
        by = collections.Counter()
        by_fn = collections.Counter()
        for key in dmacmd_pcs:
            frames = lines.get(key) or ['? (?)']
            # The innermost source line, and the dmacmd function it was
            # inlined into (the outermost frame).
            where = frames[0]
            inner = frames[0].split(' (')[-1].rstrip(')')
            outer = frames[-1].split(' (')[-1].rstrip(')')
            if outer != inner:
                where += ' in ' + outer
            by[where] += 1
            by_fn[inner] += 1
        w('dmacmd.ko by the function each instruction comes from, inlined '
          'or not (every call traced above):\n\n')
        w('| function | instructions |\n|---|---|\n')
        for fn, c in by_fn.most_common():
            w('| `%s` | %d |\n' % (fn, c))
        w('\n')
        w('dmacmd.ko by source line (the innermost line, in the function it '
          'is inlined into), the 30 costliest:\n\n')
        w('| source line | instructions |\n|---|---|\n')
        for where, c in by.most_common(30):
            w('| %s | %d |\n' % (where, c))
        w('\n')


if __name__ == '__main__':
    main()
