# SPDX-License-Identifier: GPL-2.0
#
# gdb script of make bench-profile: attach to QEMU's gdb stub, stop at the
# (SKIP+1)th call of the function at FN (a hex address), then single-step
# it to its return and write every instruction's address to OUT, one a line.
# QEMU steps with interrupts and timers off, so the trace holds the call
# alone.
import os

import gdb

fn = int(os.environ['FN'], 16)
skip = int(os.environ.get('SKIP', '300'))
limit = int(os.environ.get('LIMIT', '1000000'))
gdb.execute('set pagination off')
gdb.execute('set confirm off')
gdb.execute('set architecture i386:x86-64')
gdb.execute('target remote ' + os.environ['GDB_PORT'])
gdb.execute('break *%#x' % fn)
gdb.execute('ignore 1 %d' % skip)
gdb.execute('continue')
gdb.execute('delete')
sp = int(gdb.parse_and_eval('$rsp'))
ret = int(gdb.parse_and_eval('*(unsigned long *)%d' % sp))
n = 0
with open(os.environ['OUT'], 'w') as out:
    while n < limit:
        pc = int(gdb.parse_and_eval('$pc'))
        if pc == ret and int(gdb.parse_and_eval('$rsp')) > sp:
            break
        out.write('%x\n' % pc)
        n += 1
        gdb.execute('stepi', to_string=True)
gdb.execute('detach')
