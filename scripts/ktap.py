#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge the console logs of the harness boots.

    ktap.py [--gates FILE] BOOT=CONSOLE_LOG[:QEMU_LOG[:EXIT_STATUS]] ...

FILE lists failed harness gates (lint, DKMS), one per line; each counts as
a failure.

Counts KUnit test cases from the KTAP in each console log (parameterised
cases count one each), and fails a boot on any "not ok", on an incomplete
or missing KTAP run, on a crash or timeout, and on any kernel report
(KASAN, UBSAN, kmemleak, lockdep, DMA-API debug, DEBUG_SG, DEBUG_VIRTUAL,
WARNING:, BUG:) even when every test passed.  Prints each failure with the
log lines around it and ends with the line "N passed, N failed[, N skipped]".
Exit status 1 on any failure.

    ktap.py --kunit-py BOOT=CONSOLE_LOG::KUNIT_PY_EXIT_STATUS ...

judges the consoles of make intree's boots, where the suites are built in
and run by kunit.py: no userland, so a boot is finished when the kernel
restarts after the tests (kunit_shutdown=reboot), kmemleak reports only
what its automatic scan finds during the run, and kunit.py's exit status
counts when nothing else failed.

    ktap.py --self-test

checks that each kind of report fails a boot whose tests all passed, and
that the clean boot passes.
"""

import re
import sys

TS = re.compile(r'^\[\s*\d+\.\d+\]\s?')
SUBTEST = re.compile(r'^(\s*)# Subtest: (.*)$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*$')
RESULT = re.compile(r'^(\s*)(ok|not ok) (\d+) (.*?)\s*(?:#\s*(SKIP|TODO)\b(.*))?$')
HARNESS = 'dmacmd-harness: '

# Kernel reports that fail a boot whatever the tests said.  A line counts
# for the first kind it matches.
REPORTS = [
    ('KASAN', re.compile(r'BUG: KASAN: ')),
    # CONFIG_DEBUG_SG: the BUG_ON()s of scatterlist.h and scatterlist.c.
    ('DEBUG_SG', re.compile(r'kernel BUG at (include/linux|lib)/scatterlist')),
    # CONFIG_DEBUG_VIRTUAL: a BUG_ON() in x86's __phys_addr(), a WARN on
    # arm64 and most others.
    ('DEBUG_VIRTUAL', re.compile(r'kernel BUG at arch/x86/mm/physaddr\.c|'
                                 r'virt_to_phys used for non-linear address')),
    ('UBSAN', re.compile(r'UBSAN: ')),
    ('lockdep', re.compile(r'possible (circular|recursive) locking|'
                           r'inconsistent lock state|DEBUG_LOCKS_WARN_ON|'
                           r'suspicious RCU usage|lock held when returning|'
                           r'turning off the locking correctness validator')),
    ('kmemleak', re.compile(r'unreferenced object|suspected memory leak')),
    ('DMA-API', re.compile(r'DMA-API: .*(device driver|free|sync|unmap|'
                           r'check|leak|mapping error)')),
    ('hung task', re.compile(r'blocked for more than \d+ seconds')),
    ('dmacmd leak', re.compile(r'dmacmd: unloading with')),
    # The generic forms last.
    ('BUG', re.compile(r'\bBUG: |kernel BUG at ')),
    ('WARNING', re.compile(r'\bWARNING: ')),
    ('Oops', re.compile(r'\bOops\b|general protection fault|Kernel panic')),
]
CONTEXT = 6


class Boot:
    def __init__(self, name, lines):
        self.name = name
        self.lines = lines
        self.passed = self.failed = self.skipped = 0
        self.failures = []      # (title, [lines])

    def fail(self, title, idx_from, idx_to):
        lo = max(0, idx_from)
        self.failures.append((title, self.lines[lo:idx_to + 1][-30:]))


def clean(raw):
    line = raw.rstrip('\r\n').replace('\r', '')
    return TS.sub('', line)


def parse_ktap(boot):
    """Walk the KTAP with a stack of open subtests keyed by indentation."""
    stack = []          # [indent, name, first line idx, failed children]
    top_plan = None
    top_results = 0
    last_mark = 0       # line after the previous result: start of context
    seen_any = False
    phase = ''          # "lazy:" while scripts/vm-tests/iommu-lazy.sh reruns
    for i, line in enumerate(boot.lines):
        if line.startswith(HARNESS + 'phase '):
            name = line[len(HARNESS + 'phase '):].strip()
            phase = '' if name == 'end' else name + ':'
            continue
        m = SUBTEST.match(line)
        if m:
            name = m.group(2).strip()
            if phase and not stack:
                name = phase + name
            stack.append([len(m.group(1)), name, i, 0])
            seen_any = True
            last_mark = i + 1
            continue
        m = PLAN.match(line)
        if m and not m.group(1) and not stack:
            top_plan = (top_plan or 0) + int(m.group(2))
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent = len(m.group(1))
        ok = m.group(2) == 'ok'
        name = m.group(4).strip()
        directive = m.group(5)
        path = [f[1] for f in stack if f[0] <= indent]
        if stack and stack[-1][0] > indent:
            # Result of a suite or of a parameterised test: its cases
            # were counted already, unless it failed on its own.
            frame = stack.pop()
            if not ok and frame[3] == 0:
                boot.failed += 1
                boot.fail('%s: %s' % ('.'.join(path + [name]),
                                      'failed outside its cases'),
                          frame[2], i)
            if not ok and stack:
                stack[-1][3] += 1
            if indent == 0:
                top_results += 1
        else:
            if directive == 'SKIP':
                boot.skipped += 1
            elif ok:
                boot.passed += 1
            else:
                boot.failed += 1
                if stack:
                    stack[-1][3] += 1
                boot.fail('.'.join(path + [name]), last_mark, i)
        last_mark = i + 1
    if not seen_any:
        boot.failed += 1
        boot.fail('no KTAP output: test module did not run', len(boot.lines) - 30,
                  len(boot.lines) - 1)
    elif stack or (top_plan is not None and top_results < top_plan):
        boot.failed += 1
        boot.fail('KTAP run incomplete (%s of %s suites reported)' %
                  (top_results, top_plan), len(boot.lines) - 30, len(boot.lines) - 1)


def between(lines, begin, end):
    out, inside = [], False
    for line in lines:
        if line.startswith(HARNESS + begin):
            inside = True
        elif line.startswith(HARNESS + end):
            inside = False
        elif inside and line.strip():
            out.append(line)
    return out


# kmemleak objects that are not dmacmd's to answer for: KUnit's own
# kunit_vm_mmap() (lib/kunit/user_alloc.c) gives each test thread a new mm
# with kthread_use_mm() and leaves it to the thread's exit; on arm64 that mm
# (with its page table and counters) is never freed.  An object is let go
# only when its allocation backtrace passes through both functions.
KNOWN_LEAKS = [('kunit_vm_mmap_init', 'mm_alloc')]
IOMMU_DRIVERS = {'arm-smmu-v3'}


def kmemleak_objects(dump):
    """The lines of the kmemleak dump's objects that are not known leaks."""
    objects, out = [], []
    for line in dump:
        if 'unreferenced object' in line or not objects:
            objects.append([])
        objects[-1].append(line)
    for obj in objects:
        text = '\n'.join(obj)
        if not any(all(f in text for f in known) for known in KNOWN_LEAKS):
            out += obj
    return out


def parse_reports(boot, qemu_log, status, kunit_py=False):
    lines = boot.lines
    seen = set()
    dump = between(lines, 'kmemleak begin', 'kmemleak end')
    leaks = kmemleak_objects(dump)
    # After the tests, kmemleak's dump is judged object by object
    # (kmemleak_objects()), not by its count line or its lines.
    known_only = bool(dump) and not leaks and not kunit_py
    for i, line in enumerate(lines):
        if line.startswith(HARNESS):
            continue
        kind = next((k for k, rx in REPORTS if rx.search(line)), None)
        if kind == 'kmemleak' and known_only:
            continue
        if kind and kind not in seen:
            seen.add(kind)
            boot.failed += 1
            boot.fail('kernel report: %s' % kind, i - CONTEXT, i + 3 * CONTEXT)
    if kunit_py:
        done = any(line.startswith('reboot: Restarting system') for line in lines)
        if done and status != '0' and not boot.failed:
            boot.failed += 1
            boot.fail('kunit.py exit status %s' % status, len(lines) - 30,
                      len(lines) - 1)
    else:
        done = any(line.startswith(HARNESS + 'done') for line in lines)
    if not done:
        boot.failed += 1
        why = 'timeout' if status == '124' else 'crash or hang (exit %s)' % status
        boot.fail('boot did not finish: %s' % why, len(lines) - 30, len(lines) - 1)
    if leaks and 'kmemleak' not in seen:
        boot.failed += 1
        boot.failures.append(('kmemleak found leaks after unload', leaks[:40]))
    for line in lines:
        m = re.match(HARNESS + r'dma-api error_count (\d+)', line)
        if m and int(m.group(1)) != 0:
            boot.failed += 1
            boot.failures.append(('DMA-API debug counted %s errors' % m.group(1), []))
    # An IOMMU driver's own coherent memory (arm64's SMMUv3: its queues,
    # and the tables of each device that binds) lives as long as the boot.
    dump = [l for l in between(lines, 'dma-api dump begin', 'dma-api dump end')
            if l.split(' ', 1)[0] not in IOMMU_DRIVERS]
    if dump:
        boot.failed += 1
        boot.failures.append(('DMA mappings still live after unload', dump[:40]))
    # QEMU's edu model reports a DMA address outside its mask on stdout
    # (the console log) or in the guest-error log, depending on the version.
    clamp = [l for l in lines if 'EDU: clamping DMA' in l]
    if qemu_log:
        try:
            with open(qemu_log, errors='replace') as f:
                clamp += [l.rstrip() for l in f if 'EDU: clamping DMA' in l]
        except OSError:
            pass
    if clamp:
        boot.failed += 1
        boot.failures.append(('edu device was handed an address outside its mask',
                              clamp[:10]))


# --self-test: a boot whose one test passed, and one report line of each
# kind (as the 6.12 kernel prints it) that must fail it.
SELF_TEST_BOOT = [
    '[    1.0] KTAP version 1',
    '[    1.0] 1..1',
    '[    1.0]     # Subtest: dmacmd_selftest',
    '[    1.0]     1..1',
    '[    1.1]     ok 1 dmacmd_selftest_case',
    '[    1.1] ok 1 dmacmd_selftest',
    HARNESS + 'kmemleak begin',
    HARNESS + 'kmemleak end',
    HARNESS + 'dma-api error_count 0',
    HARNESS + 'done',
]
SELF_TEST_REPORTS = [
    ('DEBUG_SG', 'kernel BUG at include/linux/scatterlist.h:187!'),
    ('DEBUG_SG', 'kernel BUG at lib/scatterlist.c:70!'),
    ('DEBUG_VIRTUAL', 'kernel BUG at arch/x86/mm/physaddr.c:28!'),
    ('DEBUG_VIRTUAL', 'virt_to_phys used for non-linear address: '
                      '00000000a1b2c3d4 (0xffffc90000123000)'),
    ('KASAN', 'BUG: KASAN: slab-out-of-bounds in dmacmd_gen+0x1a/0x40'),
    ('BUG', 'kernel BUG at mm/slub.c:435!'),
    ('WARNING', 'WARNING: CPU: 1 PID: 73 at kernel/dma/debug.c:1068 '
                'check_unmap+0x1d0/0x7b0'),
    ('Oops', 'Oops: invalid opcode: 0000 [#1] PREEMPT SMP KASAN'),
    ('lockdep', 'WARNING: possible circular locking dependency detected'),
    ('kmemleak', 'kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)'),
    ('DMA-API', 'DMA-API: edu 0000:00:03.0: device driver frees DMA memory '
                'with wrong function'),
    ('UBSAN', 'UBSAN: array-index-out-of-bounds in dmacmd_seg.c:120:9'),
    ('UBSAN', 'UBSAN: shift-out-of-bounds in dmacmd_spec.c:88:21'),
    ('hung task', 'INFO: task kworker/0:1:12 blocked for more than 120 seconds.'),
    ('dmacmd leak', 'dmacmd: unloading with 1 command alive'),
]


def self_test():
    def judge(lines):
        boot = Boot('self-test', [clean(l) for l in lines])
        parse_ktap(boot)
        parse_reports(boot, '', '0')
        return boot
    bad = 0
    boot = judge(SELF_TEST_BOOT)
    if boot.failed or boot.passed != 1:
        print('ktap self-test: the clean boot did not pass: %s' % boot.failures)
        bad += 1
    for kind, report in SELF_TEST_REPORTS:
        lines = list(SELF_TEST_BOOT)
        lines.insert(5, '[    1.05] ' + report)
        boot = judge(lines)
        titles = [t for t, _ in boot.failures]
        if titles != ['kernel report: ' + kind]:
            print('ktap self-test: %r: want a %s report, got %s' % (report, kind, titles))
            bad += 1
    # kmemleak: KUnit's own kunit_vm_mmap() mm is let go, nothing else.
    known = ['unreferenced object 0xfff00000245d6180 (size 1736):',
             '  backtrace (crc 8f108173):', '    kmemleak_alloc+0x30/0x38',
             '    mm_alloc+0x1c/0x4c', '    kunit_vm_mmap_init+0x188/0x2cc']
    other = ['unreferenced object 0xfff0000024000000 (size 64):',
             '  backtrace (crc 1234abcd):', '    kmemleak_alloc+0x30/0x38',
             '    dmacmd_md_alloc+0x1c/0x4c']
    for dump, want in ((known, []), (known + other, ['kernel report: kmemleak'])):
        lines = list(SELF_TEST_BOOT)
        at = lines.index(HARNESS + 'kmemleak begin')
        lines[at:at] = ['kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)']
        lines[at + 2:at + 2] = dump
        titles = [t for t, _ in judge(lines).failures]
        if titles != want:
            print('ktap self-test: kmemleak dump of %d lines: want %s, got %s'
                  % (len(dump), want, titles))
            bad += 1
    # dma-debug's live mappings: the IOMMU driver's own are let go.
    smmu = 'arm-smmu-v3 9050000.smmuv3 coherent idx 1312 P=0x68a40000 D=68a40000 L=40'
    edu = 'dmacmd_edu 0000:00:02.0 single idx 7 P=0x68a40000 D=fff00000 L=1000'
    for dump, want in (([smmu], []), ([smmu, edu], ['DMA mappings still live after unload'])):
        lines = list(SELF_TEST_BOOT)
        at = lines.index(HARNESS + 'done')
        lines[at:at] = [HARNESS + 'dma-api dump begin'] + dump + [HARNESS + 'dma-api dump end']
        titles = [t for t, _ in judge(lines).failures]
        if titles != want:
            print('ktap self-test: dma-api dump %s: want %s, got %s' % (dump, want, titles))
            bad += 1
    # A suite run again after "phase lazy" is named lazy:SUITE.
    lines = list(SELF_TEST_BOOT)
    lines[6:6] = [HARNESS + 'phase lazy', '    # Subtest: dmacmd_selftest',
                  '    1..1', '    not ok 1 dmacmd_selftest_case',
                  'not ok 1 dmacmd_selftest', HARNESS + 'phase end']
    boot = judge(lines)
    titles = [t for t, _ in boot.failures]
    if titles != ['lazy:dmacmd_selftest.dmacmd_selftest_case'] or boot.passed != 1:
        print('ktap self-test: a failure after "phase lazy": got %s, %d passed'
              % (titles, boot.passed))
        bad += 1
    # make intree's boots: finished when the kernel restarts.
    intree = [l for l in SELF_TEST_BOOT if not l.startswith(HARNESS)]
    for lines, status, want in ((intree + ['reboot: Restarting system'], '0', 0),
                                (intree, '0', 1),
                                (intree + ['reboot: Restarting system'], '1', 1)):
        boot = Boot('self-test', [clean(l) for l in lines])
        parse_ktap(boot)
        parse_reports(boot, '', status, kunit_py=True)
        if boot.failed != want:
            print('ktap self-test: --kunit-py, exit %s, %d lines: want %d failures, got %s'
                  % (status, len(lines), want, [t for t, _ in boot.failures]))
            bad += 1
    print('ktap self-test: %d of %d cases failed' % (bad, len(SELF_TEST_REPORTS) + 9))
    return 1 if bad else 0


def main(argv):
    if argv == ['--self-test']:
        return self_test()
    boots = []
    gates = []
    kunit_py = bool(argv) and argv[0] == '--kunit-py'
    if kunit_py:
        argv = argv[1:]
    if len(argv) >= 2 and argv[0] == '--gates':
        try:
            with open(argv[1]) as f:
                gates = [l.strip() for l in f if l.strip()]
        except OSError:
            pass
        argv = argv[2:]
    for arg in argv:
        name, _, rest = arg.partition('=')
        parts = rest.split(':')
        console = parts[0]
        qemu_log = parts[1] if len(parts) > 1 else ''
        status = parts[2] if len(parts) > 2 else '0'
        try:
            with open(console, errors='replace') as f:
                lines = [clean(l) for l in f]
        except OSError:
            lines = []
        boot = Boot(name, lines)
        parse_ktap(boot)
        parse_reports(boot, qemu_log, status, kunit_py)
        boots.append(boot)

    for boot in boots:
        for title, ctx in boot.failures:
            print('FAIL [%s] %s' % (boot.name, title))
            for line in ctx:
                print('    | ' + line)
    for gate in gates:
        print('FAIL [harness] %s' % gate)
    for boot in boots:
        print('boot %-8s %d passed, %d failed, %d skipped' %
              (boot.name, boot.passed, boot.failed, boot.skipped))
    passed = sum(b.passed for b in boots)
    failed = sum(b.failed for b in boots) + len(gates)
    skipped = sum(b.skipped for b in boots)
    tail = ', %d skipped' % skipped if skipped else ''
    print('%d passed, %d failed%s' % (passed, failed, tail))
    return 1 if failed or not boots else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
