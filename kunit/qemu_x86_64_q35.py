# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for dmacmd: the machine of make check's boots
# (scripts/lib.sh, dmacmd_qemu()): q35, which can host an intel-iommu
# device, TCG with one thread per vCPU, two CPUs.  Memory and devices
# come per boot from --qemu_args (make intree: scripts/intree.sh); a later
# -m replaces kunit.py's own -m 1024.
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0 panic=-1',
			   extra_qemu_params=['-M', 'q35', '-accel', 'tcg,thread=multi',
					      '-cpu', 'max', '-smp', '2'])
