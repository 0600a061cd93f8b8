# SPDX-License-Identifier: GPL-2.0
# Shared helpers for dmacmd's harness scripts (sourced, not run).

DMACMD_CACHE=${DMACMD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dmacmd}
KVER_TEST=6.12

_t0=$(date +%s)

# step MSG: print a progress line with the time since the script started.
step() {
	printf '[%4ss] %s\n' "$(( $(date +%s) - _t0 ))" "$*"
}

die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# The unpacked Debian 6.12 source and the build directory for a config
# fragment.  The directory name carries the source package version and the
# fragment's hash so that a changed fragment or source builds afresh.
kernel_src_version() {
	dpkg-query -W -f='${Version}' "linux-source-$KVER_TEST" 2>/dev/null
}

kernel_src_dir() {
	echo "$DMACMD_CACHE/linux-source-$KVER_TEST-$(kernel_src_version)"
}

kernel_build_dir() {
	local frag=$1 name=$2
	local h
	h=$(cat "$frag" | sha256sum | cut -c1-12)
	echo "$DMACMD_CACHE/kernel-$name-$(kernel_src_version)-$h"
}

# Debian's stock 6.1 headers (what users of Debian 12 build against).
stock_kdir() {
	local d
	d=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] && echo "$d"
}

# arch_args ARCH: the make arguments that build for ARCH: none for x86_64
# (the host's), the cross compiler for arm64, the host's gcc for i386.
arch_args() {
	case $1 in
	x86_64) echo "" ;;
	arm64) echo "ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-" ;;
	i386)  echo "ARCH=i386" ;;
	*)     return 1 ;;
	esac
}

# The DMA configurations dmacmd_qemu knows.
DMACMD_CONFIGS="direct swiotlb iommu passthrough arm64-direct arm64-swiotlb arm64-smmu arm64-noncoherent"

# dmacmd_qemu CFG BZIMAGE INITRD LOGDIR: set QEMU (the command, an array)
# and QEMU_APPEND (the configuration's kernel arguments) for one of the DMA
# configurations every boot of the project uses.  TCG: KVM does not work
# on these machines.  DMACMD_ICOUNT=1 (make bench's instruction-count mode)
# runs the vCPUs in one thread with guest time advancing one nanosecond per
# guest instruction, so that guest clocks count instructions.
dmacmd_qemu() {
	local cfg=$1
	QEMU_CONSOLE=ttyS0
	case $cfg in
	arm64-*) dmacmd_qemu_arm64 "$@"; return ;;
	esac
	local accel=(-accel tcg,thread=multi -cpu max)
	# icount: nothing from the host either, so that two boots run the
	# same instructions: no RDRAND/RDSEED (the host's random numbers), a
	# fixed RTC that follows guest time (the boot's wall clock seeds the
	# kernel's random pool, which places slabs and hash buckets).
	[ "${DMACMD_ICOUNT:-0}" = 1 ] &&
		accel=(-accel tcg,thread=single -icount shift=0,sleep=off
		       -cpu max,-rdrand,-rdseed
		       -rtc base=2026-01-01T00:00:00,clock=vm)
	QEMU=(qemu-system-x86_64 -M q35 "${accel[@]}" -smp 2
	      -kernel "$2" -initrd "$3"
	      -nographic -no-reboot -d guest_errors -D "$4/$cfg.qemu")
	case $cfg in
	direct)  QEMU+=(-m 6G -device edu); QEMU_APPEND="" ;;
	# A quarter of swiotlb's default pool (8192 slots of 2 KiB, 16 MiB):
	# twice what the largest transfer of the suites takes, filled for
	# real by dmacmd_bounce's swiotlb_pool_full case.
	swiotlb) QEMU+=(-m 2G -device edu)
		 QEMU_APPEND="swiotlb=${DMACMD_SWIOTLB_SLABS:-8192},force" ;;
	iommu)   QEMU+=(-m 2G -device intel-iommu,intremap=off -device edu)
		 QEMU_APPEND="intel_iommu=on iommu.strict=1" ;;
	# Behind the IOMMU but untranslated (identity domain): addresses are
	# physical, so the edu device's 28 bits are double-buffered again.
	passthrough)
		 QEMU+=(-m 2G -device intel-iommu,intremap=off -device edu)
		 QEMU_APPEND="intel_iommu=on iommu.passthrough=1" ;;
	*) return 1 ;;
	esac
}

# dmacmd_qemu_arm64 CFG IMAGE INITRD LOGDIR: dmacmd_qemu's arm64
# configurations, on QEMU's virt machine (RAM from 1 GiB, 64 KiB pages in
# the kernel).  QEMU_CONSOLE is the kernel's console device.  -cpu max
# with pauth-impdef=on: the architected pointer authentication costs up to
# half the run time under TCG.  DMACMD_MEM=<size> overrides the RAM.
# DMACMD_ICOUNT=1 as in dmacmd_qemu, with nothing from the host either:
# QEMU 7.2 cannot take FEAT_RNG (RNDR, the host's random numbers) off -cpu
# max, so the CPU is a Neoverse N1 (Armv8.2, no RNDR, no pointer
# authentication), the device tree gets no rng-seed or kaslr-seed, and the
# RTC is fixed and follows guest time.  The generic timer counts at 1 GHz
# (virt's default is 62.5 MHz), so that a clock read resolves one
# instruction, not 16.
dmacmd_qemu_arm64() {
	local cfg=$1 machine=virt mem=2G dtb
	local accel=(-cpu max,pauth-impdef=on -accel tcg,thread=multi) icount=
	QEMU_CONSOLE=ttyAMA0
	if [ "${DMACMD_ICOUNT:-0}" = 1 ]; then
		accel=(-cpu neoverse-n1,cntfrq=1000000000 -accel tcg,thread=single
		       -icount shift=0,sleep=off
		       -rtc base=2026-01-01T00:00:00,clock=vm)
		icount=,dtb-randomness=off
	fi
	case $cfg in
	arm64-direct)	mem=6G; QEMU_APPEND="" ;;
	# The pool's size given as on x86: arm64 otherwise cuts it down to
	# what kmalloc bouncing needs (1/1024 of RAM, 2 MiB here).
	arm64-swiotlb)	QEMU_APPEND="swiotlb=${DMACMD_SWIOTLB_SLABS:-8192},force" ;;
	arm64-smmu)	machine=virt,iommu=smmuv3; QEMU_APPEND="iommu.strict=1" ;;
	# Behind SMMUv3 with the PCI devices non-coherent: the DMA API cleans
	# and invalidates caches at every map, sync and unmap.
	arm64-noncoherent)
			machine=virt,iommu=smmuv3; QEMU_APPEND="iommu.strict=1" ;;
	*) return 1 ;;
	esac
	QEMU=(qemu-system-aarch64 -M "$machine$icount" "${accel[@]}"
	      -smp 2 -m "${DMACMD_MEM:-$mem}"
	      -kernel "$2" -initrd "$3"
	      -nographic -no-reboot -d guest_errors -D "$4/$cfg.qemu"
	      -device edu)
	if [ "$cfg" = arm64-noncoherent ]; then
		dtb=$4/$cfg.dtb
		dmacmd_dtb_noncoherent "$dtb" "${QEMU[@]}" || return 1
		QEMU+=(-dtb "$dtb")
	fi
}

# dmacmd_dtb_noncoherent OUT QEMU-COMMAND...: the device tree QEMU's virt
# machine makes for that command, with dma-coherent taken off the PCIe host
# node (so that of_dma_is_coherent() is false for every PCI device: arm64's
# default).  virt marks nothing non-coherent itself.
dmacmd_dtb_noncoherent() {
	local out=$1
	shift
	"$@" -machine dumpdtb="$out.orig" >/dev/null 2>&1 </dev/null &&
		dtc -q -I dtb -O dts -o "$out.dts" "$out.orig" || return 1
	awk '/^\tpcie@/ { pcie = 1 } pcie && /^\t};/ { pcie = 0 }
	     pcie && /^\t\tdma-coherent;/ { cut++; next } { print }
	     END { exit cut == 1 ? 0 : 1 }' "$out.dts" >"$out.nc.dts" &&
		dtc -q -I dts -O dtb -o "$out" "$out.nc.dts"
}

# sdhci_card IMG: a fresh, zeroed SD card image for samples/sdhci (QEMU
# wants a power-of-two size; 64 MiB makes a standard-capacity card, which
# takes byte addresses) and SDHCI_QEMU, the QEMU arguments that attach
# it to an sdhci-pci controller.
sdhci_card() {
	rm -f "$1"
	truncate -s 64M "$1" || return 1
	SDHCI_QEMU=(-drive "if=none,id=sdcard,file=$1,format=raw"
		    -device sdhci-pci -device sd-card,drive=sdcard)
}

# sdhci_check_image IMG CONSOLE: the pattern sdhci-test's card_image case
# wrote (its "# sdhci-image:" line in CONSOLE) is in IMG, byte for byte.
# Prints a line for the verdict and fails if it is not.
sdhci_check_image() {
	python3 - "$1" "$2" <<'PYEOF'
import re, sys
img, console = sys.argv[1], sys.argv[2]
m = None
for line in open(console, errors="replace"):
    m = re.search(r"# sdhci-image: lba (\d+) len (\d+) seed (0x[0-9a-f]+)", line) or m
if not m:
    sys.exit(0)
lba, n, seed = int(m.group(1)), int(m.group(2)), int(m.group(3), 16)
def byte(i):
    v = ((i >> 2) * 0x9e3779b1 + seed) & 0xffffffff
    v ^= v >> 15
    v = (v * 0x85ebca6b) & 0xffffffff
    v ^= v >> 13
    return (v >> ((i & 3) * 8)) & 0xff
with open(img, "rb") as f:
    f.seek(lba * 512)
    data = f.read(n)
bad = sum(1 for i in range(n) if i >= len(data) or data[i] != byte(i))
if bad:
    print(f"sdhci card image {img}: {bad} of {n} bytes at block {lba} differ from what the guest wrote")
    sys.exit(1)
PYEOF
}

# busybox_arm64: print the path of a static arm64 busybox for the arm64
# boots' initramfs: Debian's busybox-static:arm64, downloaded once (the
# arm64 architecture is added to dpkg for apt-get download; nothing of it
# is installed) and unpacked into $DMACMD_CACHE.
busybox_arm64() {
	local dir=$DMACMD_CACHE/busybox-arm64 deb
	if [ ! -x "$dir/bin/busybox" ]; then
		rm -rf "$dir" "$dir.dl"
		mkdir -p "$dir.dl"
		if ! dpkg --print-foreign-architectures | grep -qx arm64; then
			dpkg --add-architecture arm64 &&
				apt-get update -q >/dev/null || return 1
		fi
		(cd "$dir.dl" && apt-get download -q busybox-static:arm64 >/dev/null 2>&1) ||
			{ apt-get update -q >/dev/null &&
			  (cd "$dir.dl" && apt-get download -q busybox-static:arm64 >/dev/null); } ||
			return 1
		deb=$(ls "$dir.dl"/busybox-static_*_arm64.deb 2>/dev/null | head -n 1)
		[ -n "$deb" ] && dpkg-deb -x "$deb" "$dir.dl/x" || return 1
		mkdir -p "$dir/bin"
		cp "$dir.dl/x/bin/busybox" "$dir/bin/busybox" || return 1
		rm -rf "$dir.dl"
	fi
	echo "$dir/bin/busybox"
}
