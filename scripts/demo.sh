#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: two drivers doing real DMA through dmacmd, in a minute or two.
#
# Installs what it needs from Debian's archive, builds dmacmd.ko, the edu
# and sdhci sample drivers (samples/edu/, samples/sdhci/) and their test
# programs against Debian's stock 6.1 headers, fetches the matching stock
# kernel image into the cache (it is unpacked there, never installed as
# the host's kernel), then boots it under QEMU (TCG) with QEMU's edu
# device, an sdhci-pci SD host controller with an SD card, and 3 GiB of
# RAM (1 GiB of it above 4 GiB) twice: with direct DMA, where the edu
# device's 28 address bits and the SD controller's 32 force bouncing, and
# behind an Intel IOMMU, where nothing is bounced.  Prints what every
# transfer did and a verdict; exits non-zero if a byte differs (in memory
# or in the SD card's image on the host), a check fails, the kernel
# reports a problem, or QEMU's edu model says it had to clamp a DMA
# address to its mask.  The stock kernel's own mmc drivers are modules,
# and the demo's initramfs holds none: nothing but samples/sdhci binds the
# SD controller.
#
#   BUILD=<dir>        build and log directory (default: ./build/demo)
#   DEMO_MEM=<size>    guest RAM (default 3G; needs 1G or more, and more
#                      than 2G for the SD sample's memory above 4 GiB)
#   BOOT_TIMEOUT=<s>   per boot (default 300)
#   DEMO_EDU_OPTS=<,prop=val...>  appended to -device edu; e.g.
#                      ",dma_mask=0xffffff" narrows the model below what the
#                      driver states, to see the demo catch clamped DMA
#   DEMO_ARCH=arm64    (make demo ARCH=arm64) the same on arm64: QEMU's virt
#                      machine, 64 KiB pages, without an IOMMU and behind
#                      SMMUv3.  Debian has no arm64 kernel image to boot here
#                      without fetching one more: this boots the project's
#                      arm64 test kernel (scripts/kernel-arm64.config, built
#                      and cached like make check's), not a stock kernel.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"

BUILD=$(realpath -m "${BUILD:-$top/build/demo}")
DEMO_MEM=${DEMO_MEM:-3G}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
DEMO_EDU_OPTS=${DEMO_EDU_OPTS:-}
DEMO_ARCH=${DEMO_ARCH:-x86_64}
# make demo ARCH=arm64: nothing below may hand the variable to a build of
# the other architecture.
unset ARCH MAKEFLAGS MFLAGS MAKELEVEL
case $DEMO_ARCH in
x86_64) margs=() ;;
arm64)  read -r -a margs <<<"$(arch_args arm64)"
	# RAM from 1 GiB on virt: 4 GiB of it puts 1 GiB above 4 GiB.
	[ "$DEMO_MEM" = 3G ] && DEMO_MEM=4G ;;
*) echo "make demo: unknown ARCH $DEMO_ARCH (x86_64, arm64)"; exit 1 ;;
esac
logs=$BUILD/logs
mkdir -p "$logs"
exec 9>"$BUILD/.lock"
flock 9

verdict_fail() {
	echo "make demo: FAIL - $*"
	exit 1
}

echo "make demo: samples/edu drives QEMU's edu DMA engine, samples/sdhci its SD host controller, through dmacmd's IOKit porting API"

if [ "$DEMO_ARCH" = arm64 ]; then
	# 1-2. make check's packages and its arm64 test kernel.
	"$here/deps.sh" || verdict_fail "installing Debian packages failed"
	kdir=$("$here/kernel.sh" "$here/kernel-arm64.config" test-arm64 arm64) ||
		verdict_fail "arm64 test kernel build failed"
	vmlinuz=$kdir/arch/arm64/boot/Image
	abi="$(cat "$kdir/include/config/kernel.release") (arm64, 64 KiB pages)"
	kname="the project's arm64 test kernel $abi"
	busybox=$(busybox_arm64) || verdict_fail "cannot fetch Debian's busybox-static:arm64"
	step "kernel: $kname, $vmlinuz"
else
# 1. Packages from Debian's archive.
pkgs=(make gcc libc6-dev kmod cpio gzip rsync python3 qemu-system-x86
      busybox-static linux-headers-amd64)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	step "deps: installing ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || verdict_fail "need root to install: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null &&
		apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		verdict_fail "apt-get install ${missing[*]} failed"
fi

# 2. The stock kernel matching the installed headers.  linux-headers-amd64
# and linux-image-amd64 each depend on the versioned package of the
# current ABI (linux-*-6.1.0-NN-amd64).
abi_of() {
	sed -n 's/.*linux-\(headers\|image\)-\(6\.1\.[0-9]*-[0-9]*-amd64\).*/\2/p' | head -n 1
}
abi=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null | abi_of)
kdir=/usr/src/linux-headers-$abi
[ -n "$abi" ] && [ -d "$kdir" ] || verdict_fail "Debian's 6.1 headers (linux-headers-amd64) are not installed"
ver=$(dpkg-query -W -f='${Version}' "linux-headers-$abi")
img_abi=$(apt-cache depends linux-image-amd64 2>/dev/null | abi_of)
if [ -n "$img_abi" ] && [ "$img_abi" != "$abi" ]; then
	step "note: linux-image-amd64 now depends on linux-image-$img_abi; using linux-image-$abi to match the installed headers (apt-get install linux-headers-amd64 to move on)"
fi
img=$DMACMD_CACHE/stock-$abi-$ver
vmlinuz=$img/boot/vmlinuz-$abi
if [ ! -f "$vmlinuz" ]; then
	step "kernel: fetching linux-image-$abi $ver from Debian's archive"
	dl=$DMACMD_CACHE/dl
	mkdir -p "$dl"
	rm -f "$dl"/linux-image-"$abi"_*.deb
	(cd "$dl" && apt-get download -q "linux-image-$abi=$ver" 2>&1 |
		grep -v '^W: Download is performed unsandboxed') ||
		true
	deb=$(ls "$dl"/linux-image-"$abi"_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || verdict_fail "apt-get download linux-image-$abi=$ver failed"
	rm -rf "$img.tmp"
	dpkg-deb -x "$deb" "$img.tmp" || verdict_fail "dpkg-deb -x $deb failed"
	# Everything the demo needs is built into the image: drop the modules.
	rm -rf "$img.tmp/lib" "$img.tmp/usr"
	rm -rf "$img"
	mv "$img.tmp" "$img"
	rm -f "$deb"
fi
[ -f "$vmlinuz" ] || verdict_fail "no $vmlinuz in linux-image-$abi"
kname="Debian's stock $abi"
busybox=/bin/busybox
step "kernel: $kname ($ver), $vmlinuz"
fi

# 3. dmacmd.ko, the sample and the user program.
kv=6.1
[ "$DEMO_ARCH" = arm64 ] && kv=arm64
kb=$BUILD/kbuild-$kv
log=$logs/build.log
step "build: dmacmd.ko, samples/edu and samples/sdhci against $kdir"
if ! "$here/build.sh" "$kdir" "$kb" "${margs[@]}" >"$log" 2>&1; then
	tail -n 30 "$log"
	verdict_fail "building dmacmd.ko failed (log: $log)"
fi
# The samples build the way an out-of-tree driver does: against dmacmd's
# Module.symvers, each in its own directory, $BUILD/<sample>-6.1.
build_sample() {
	local d=$BUILD/$1-$kv

	mkdir -p "$d"
	rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
		--exclude "$1-test" "$top/samples/$1/" "$d/"
	if ! make -C "$d" KDIR="$kdir" DMACMD="$top" W=1 "${margs[@]}" \
		${margs[0]:+USER_CC=aarch64-linux-gnu-gcc} \
		DMACMD_SYMVERS="$kb/Module.symvers" >>"$log" 2>&1; then
		tail -n 30 "$log"
		verdict_fail "building samples/$1 failed (log: $log)"
	fi
}
eb=$BUILD/edu-$kv
sb=$BUILD/sdhci-$kv
build_sample edu
build_sample sdhci
grep -E 'warning:|error:' "$log" && step "build: warnings (log: $log)"
for f in "$kb/dmacmd.ko" "$eb/dmacmd_edu.ko" "$eb/edu-test" \
	 "$sb/dmacmd_sdhci.ko" "$sb/sdhci-test"; do
	[ -f "$f" ] || verdict_fail "$f was not built (log: $log)"
done

initrd=$BUILD/initramfs.cpio.gz
BUSYBOX=$busybox "$here/initramfs.sh" "$initrd" "$kb/dmacmd.ko" -- "$here/vm-tests/edu.sh" \
	"$here/vm-tests/sdhci.sh" "$here/vm-tests/sample.inc" \
	-- "$eb/dmacmd_edu.ko" "$eb/edu-test" "$sb/dmacmd_sdhci.ko" "$sb/sdhci-test" ||
	verdict_fail "initramfs build failed"

# 4. Two boots side by side: most of a boot's time is the edu model's
# 100 ms per DMA, not CPU.
declare -A desc=(
	[direct]="no IOMMU: memory above 256 MiB is bounced within 28 bits"
	[iommu]="intel-iommu, strict: addresses are IOVAs, nothing bounced"
)
declare -A sdesc=(
	[direct]="no IOMMU: memory above 4 GiB or not 4 KiB-aligned is bounced within 32 bits"
	[iommu]="intel-iommu, strict: IOVAs below 4 GiB; only buffers not 4 KiB-aligned are bounced"
)
if [ "$DEMO_ARCH" = arm64 ]; then
	desc=(
		[direct]="no IOMMU, RAM from 1 GiB: nothing within 28 bits, so the driver must refuse to bind"
		[iommu]="SMMUv3, strict: addresses are IOVAs, nothing bounced"
	)
	sdesc[iommu]="SMMUv3, strict: IOVAs below 4 GiB; only buffers not 4 KiB-aligned are bounced"
fi
boot() {
	local cfg=$1 extra="" console=ttyS0 qemu acfg=
	sdhci_card "$BUILD/sdcard-$cfg.img" || return 1
	if [ "$DEMO_ARCH" = arm64 ]; then
		acfg=arm64-direct
		[ "$cfg" = iommu ] && acfg=arm64-smmu
		DMACMD_MEM=$DEMO_MEM dmacmd_qemu "$acfg" "$vmlinuz" "$initrd" "$logs" ||
			return 1
		qemu=("${QEMU[@]}") console=$QEMU_CONSOLE extra=$QEMU_APPEND
	else
		qemu=(qemu-system-x86_64 -M q35 -accel tcg -cpu max -smp 2
		      -m "$DEMO_MEM" -kernel "$vmlinuz" -initrd "$initrd"
		      -nographic -no-reboot -d guest_errors -D "$logs/$cfg.qemu")
		case $cfg in
		direct)	qemu+=(-device "edu${DEMO_EDU_OPTS:-}") ;;
		iommu)	qemu+=(-device intel-iommu,intremap=off -device "edu${DEMO_EDU_OPTS:-}")
			extra="intel_iommu=on iommu.strict=1" ;;
		esac
	fi
	qemu+=("${SDHCI_QEMU[@]}")
	rm -f "$logs/$cfg.qemu" "$logs/$cfg.status"
	timeout "$BOOT_TIMEOUT" "${qemu[@]}" \
		-append "console=$console panic=-1 loglevel=7 $extra" \
		</dev/null >"$logs/$cfg.console" 2>&1
	echo $? >"$logs/$cfg.status"
	# dmacmd_qemu names QEMU's own log after its configuration; the
	# verdict reads it (edu's clamping reports) under the boot's name.
	[ -z "$acfg" ] || mv -f "$logs/$acfg.qemu" "$logs/$cfg.qemu" 2>/dev/null
}

cfgs=(direct iommu)
step "boot: ${cfgs[*]} in QEMU (TCG), $DEMO_MEM RAM, edu device and SD host controller; logs in $logs"
pids=()
for cfg in "${cfgs[@]}"; do
	boot "$cfg" &
	pids+=($!)
done
t0=$(date +%s)
while :; do
	running=0
	for p in "${pids[@]}"; do
		kill -0 "$p" 2>/dev/null && running=$((running + 1))
	done
	[ $running -eq 0 ] && break
	sleep 1
	if [ $(( ($(date +%s) - t0) % 15 )) -eq 0 ]; then
		done_cases=$(cat "$logs"/*.console 2>/dev/null |
			     grep -cE '^ +(not )?ok [0-9]+ ')
		step "boot: $running running, $done_cases checks done"
	fi
done
wait

# 5. Judge: KTAP, kernel reports and the edu model's complaints.
args=()
for cfg in "${cfgs[@]}"; do
	args+=("$cfg=$logs/$cfg.console:$logs/$cfg.qemu:$(cat "$logs/$cfg.status")")
done
: >"$logs/image.txt"
for cfg in "${cfgs[@]}"; do
	sdhci_check_image "$BUILD/sdcard-$cfg.img" "$logs/$cfg.console" >>"$logs/image.txt"
done
python3 "$here/ktap.py" --gates "$logs/image.txt" "${args[@]}" >"$logs/verdict.txt"
ktap_status=$?
clamp=$(grep -h "EDU: clamping DMA" "$logs"/*.console "$logs"/*.qemu 2>/dev/null)

# suite_part SUITE CONSOLE: the console lines of one KTAP suite.
suite_part() {
	tr -d '\r' <"$2" | awk -v s="# Subtest: $1" '
		index($0, "# Subtest: ") { on = index($0, s) > 0 }
		on'
}

# show_suite SUITE CONSOLE: its table and its checks.
show_suite() {
	local part checks skipped
	part=$(suite_part "$1" "$2")
	echo "$part" | sed -n 's/^ *# | //p'
	checks=$(echo "$part" |
		 sed -n -e 's/^    ok [0-9]* \([a-z_0-9]*\) *# SKIP.*/skip:\1/p' \
			-e 't' \
			-e 's/^    \(not ok\|ok\) [0-9]* \([a-z_0-9]*\).*/\1:\2/p')
	skipped=$(echo "$checks" | grep -c '^skip:')
	if [ "$skipped" -gt 0 ]; then skipped=", $skipped skipped"; else skipped=; fi
	echo "   checks: $(echo "$checks" | grep -c '^ok:') of $(echo "$checks" | grep -c '^\(not \)\?ok:') passed$skipped:" \
	     "$(echo "$checks" | sed 's/^ok://; s/^not ok:/FAILED /; s/^skip:\(.*\)/(\1 skipped)/' | paste -sd ' ')"
}

echo
echo "== part 1, samples/edu: QEMU's edu DMA engine (28 address bits, 2 KiB per DMA)"
for cfg in "${cfgs[@]}"; do
	echo
	echo "== $cfg: ${desc[$cfg]}"
	show_suite dmacmd_edu_demo "$logs/$cfg.console"
done
echo
echo "segs: DMAs the device ran (one per segment, at most 2 KiB each); bounced: bytes dmacmd"
echo "copied through memory below 256 MiB; dev addr<: end of the highest address the device"
echo "was given (the edu device reaches 28 bits = 0x10000000); throughput is the edu model's:"
echo "it completes each DMA 100 ms after it starts."
echo
echo "== part 2, samples/sdhci: QEMU's sdhci-pci SD host controller and sd-card (32 address bits)"
for cfg in "${cfgs[@]}"; do
	echo
	echo "== $cfg: ${sdesc[$cfg]}"
	show_suite dmacmd_sdhci_demo "$logs/$cfg.console"
done
echo
echo "Each transfer is written to the card with one engine (wr) and read back with the other (rd),"
echo "every byte compared; the card_image pattern is checked in the image file on the host too."
echo "segs: 4 KiB-aligned segments IODMACommand generated; desc/bdry: ADMA2 descriptors (adjacent"
echo "segments merged, up to 64 KiB each) or SDMA boundary interrupts answered with the next"
echo "segment; bounced: bytes dmacmd double-buffered; dev addr range: lowest and end of the"
echo "addresses the controller was given (it reaches 32 bits = 0x100000000).  Logs: $logs"
echo
if [ -n "$clamp" ]; then
	echo "QEMU's edu model clamped DMA addresses to its dma_mask (the device was handed addresses beyond it):"
	echo "$clamp" | head -n 5
fi
if [ $ktap_status -ne 0 ]; then
	grep -v '^boot \|^[0-9]* passed' "$logs/verdict.txt" | head -n 60
fi
tail -n 1 "$logs/verdict.txt"
if [ $ktap_status -ne 0 ] || [ -n "$clamp" ]; then
	verdict_fail "see above and the logs in $logs"
fi
echo "make demo: PASS - every byte verified in ${#cfgs[@]} boots of $kname, by edu and by the SD card through SDMA and ADMA2; no DMA address outside the edu device's 28 bits or the SD controller's 32"
