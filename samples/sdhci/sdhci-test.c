// SPDX-License-Identifier: GPL-2.0
/*
 * sdhci-test: drive the dmacmd_sdhci sample from user space inside the
 * test VM.
 *
 *   sdhci-test [-f CASE_GLOB] [-d DEVICE]
 *
 * Writes buffers of several sizes, alignments and memory kinds to QEMU's
 * SD card through one DMA engine of the host controller (SDMA or ADMA2)
 * and reads them back through the other, checks every byte, sweeps a
 * fault over every DMA step of a transfer, shows QEMU's SDMA quirk and its
 * workaround, and prints KTAP (suite dmacmd_sdhci_demo) with a table of
 * the transfers as "# |" diagnostic lines.  Built static with the host's
 * gcc; runs as root in the harness initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "sdhci_dmacmd.h"

#define SUITE		"dmacmd_sdhci_demo"
#define PARAMS		"/sys/module/dmacmd_sdhci/parameters/"
#define PAGE		4096UL
#define LIMIT_32	0x100000000ULL
#define GUARD		0xee
#define kIOReturnTimeout	((__s32)0xE00002D6)
#define kIOReturnOverrun	((__s32)0xE00002E8)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Where the card-image case leaves its pattern for the host to check. */
#define IMAGE_LBA	8192ULL
#define IMAGE_LEN	(64U << 10)
#define IMAGE_SEED	0x5d0c4a7eU

static const char *dev_path = "/dev/" SDHCI_DMACMD_DEVICE;
static const char *cur_case;
static int fd = -1;
static struct sdhci_dmacmd_info info;
static const char *skip_reason;	/* of a case that returns -1 */

static struct {
	bool translated;	/* behind an IOMMU in a DMA (translating) domain */
	bool swiotlb_force;
	bool ram_above_4g;
	char bdf[32];		/* PCI address of the controller */
} env;

static void diag(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("    # %s: %s\n", cur_case, line);
	fflush(stdout);
}

static void table(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("    # | %s\n", line);
	fflush(stdout);
}

static int read_file(const char *path, char *buf, size_t size)
{
	int f = open(path, O_RDONLY);
	ssize_t n;

	if (f < 0)
		return -1;
	n = read(f, buf, size - 1);
	close(f);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static int write_file(const char *path, const char *s)
{
	int f = open(path, O_WRONLY);
	ssize_t n;

	if (f < 0)
		return -1;
	n = write(f, s, strlen(s));
	close(f);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static void probe_env(void)
{
	char link[PATH_MAX], path[PATH_MAX + 64], buf[4096], *p;
	unsigned long long start, end;
	ssize_t n;
	FILE *f;

	if (!read_file("/proc/cmdline", buf, sizeof(buf)))
		env.swiotlb_force = !!strstr(buf, "swiotlb=force");
	n = readlink("/sys/class/misc/" SDHCI_DMACMD_DEVICE "/device", link,
		     sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		p = strrchr(link, '/');
		snprintf(env.bdf, sizeof(env.bdf), "%.31s", p ? p + 1 : link);
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/iommu_group/type",
			 p ? p + 1 : link);
		if (!read_file(path, buf, sizeof(buf)))
			env.translated = !strncmp(buf, "DMA", 3);
	}
	f = fopen("/proc/iomem", "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (buf[0] != ' ' && strstr(buf, "System RAM") &&
		    sscanf(buf, "%llx-%llx", &start, &end) == 2 &&
		    end >= LIMIT_32)
			env.ram_above_4g = true;
	if (f)
		fclose(f);
}

static const char *mode_name(__u32 m)
{
	return m == SDHCI_MODE_SDMA ? "SDMA" : m == SDHCI_MODE_ADMA2 ?
	       "ADMA2" : "?";
}

static const char *mem_name(__u32 m)
{
	static const char *const names[] = { "user", "pages", "vmalloc",
					     ">4G pages" };

	return m < SDHCI_MEM_KINDS ? names[m] : "?";
}

/* A user buffer with @off bytes before the data and guard bytes around. */
struct ubuf {
	__u8 *map;
	size_t maplen;
	__u8 *data;
};

static int ubuf_alloc(struct ubuf *b, size_t off, size_t len)
{
	b->maplen = (off + len + 3 * PAGE) & ~(PAGE - 1);
	b->map = mmap(NULL, b->maplen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->map == MAP_FAILED) {
		diag("mmap of %zu bytes: %s", b->maplen, strerror(errno));
		b->map = NULL;
		return -1;
	}
	memset(b->map, GUARD, b->maplen);
	b->data = b->map + PAGE + off;
	return 0;
}

static void ubuf_free(struct ubuf *b)
{
	if (b->map)
		munmap(b->map, b->maplen);
	b->map = NULL;
}

static int do_xfer(struct sdhci_dmacmd_xfer *x)
{
	x->ioreturn = 0;
	return ioctl(fd, SDHCI_DMACMD_IOC_XFER, x) ? -errno : 0;
}

static void print_header(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	table("%-20s %8s  %-5s %-9s %5s %5s %9s  %-23s  %s", "transfer",
	      "bytes", "mode", "memory", "segs", "desc/", "bounced",
	      "dev addr range", "verified");
	table("%-20s %8s  %-5s %-9s %5s %5s %9s  %-23s", "", "", "", "", "",
	      "bdry", "", "");
}

static void print_leg(const char *label, const struct sdhci_dmacmd_xfer *x,
		      const struct sdhci_dmacmd_leg *leg, bool write, bool ok)
{
	char name[64];

	print_header();
	snprintf(name, sizeof(name), "%s %s", label, write ? "wr" : "rd");
	table("%-20s %8llu  %-5s %-9s %5u %5u %9llu  %#010llx-%#010llx  %s",
	      name, (unsigned long long)x->len, mode_name(leg->mode),
	      mem_name(x->mem), leg->segments,
	      leg->mode == SDHCI_MODE_ADMA2 ? leg->descs : leg->boundary_irqs,
	      (unsigned long long)leg->bounced,
	      (unsigned long long)leg->min_addr,
	      (unsigned long long)leg->max_addr, ok ? "yes" : "NO");
}

/*
 * What every successful direction must show: one sub-range per started
 * chunk, nothing handed to the controller at or beyond 4 GiB, SDMA asked
 * for every segment after the first at a boundary interrupt, ADMA2 used
 * no more descriptors than segments.  Memory not 4 KiB-aligned is
 * double-buffered whole (the command's alignment), IOMMU or not; aligned
 * memory is never bounced behind a translating IOMMU, and always when it
 * lies above 4 GiB (@high) without one.
 */
static bool check_leg(const char *dir, const struct sdhci_dmacmd_leg *leg,
		      __u64 len, size_t off, bool high)
{
	unsigned int chunk;
	char buf[32];
	bool ok = true;

	chunk = read_file(PARAMS "chunk_kb", buf, sizeof(buf)) ? 256 :
		(unsigned int)atoi(buf);
	if (leg->chunks != (len + chunk * 1024ULL - 1) / (chunk * 1024ULL) ||
	    leg->segments < leg->chunks ||
	    leg->segments < (len + PAGE - 1) / PAGE) {
		diag("%s: %u segments in %u sub-ranges for %llu bytes", dir,
		     leg->segments, leg->chunks, (unsigned long long)len);
		ok = false;
	}
	if (leg->max_addr > LIMIT_32 || leg->min_addr >= leg->max_addr) {
		diag("%s: device addresses %#llx-%#llx: not within 32 bits", dir,
		     (unsigned long long)leg->min_addr,
		     (unsigned long long)leg->max_addr);
		ok = false;
	}
	if (leg->mode == SDHCI_MODE_SDMA &&
	    leg->boundary_irqs != leg->segments - leg->chunks) {
		diag("%s: %u boundary interrupts for %u segments in %u sub-ranges",
		     dir, leg->boundary_irqs, leg->segments, leg->chunks);
		ok = false;
	}
	if (leg->mode == SDHCI_MODE_ADMA2 &&
	    (leg->descs < leg->chunks || leg->descs > leg->segments ||
	     leg->max_desc > 65536)) {
		diag("%s: %u descriptors (longest %u) for %u segments", dir,
		     leg->descs, leg->max_desc, leg->segments);
		ok = false;
	}
	if (off % PAGE && leg->bounced != len) {
		diag("%s: %llu of %llu bytes at page offset %zu bounced, expected all",
		     dir, (unsigned long long)leg->bounced,
		     (unsigned long long)len, off % PAGE);
		ok = false;
	}
	if (!(off % PAGE) && env.translated && leg->bounced) {
		diag("%s: %llu aligned bytes bounced behind a translating IOMMU",
		     dir, (unsigned long long)leg->bounced);
		ok = false;
	}
	if (!env.translated && !env.swiotlb_force && high &&
	    leg->bounced != len) {
		diag("%s: %llu of %llu bytes bounced, expected all", dir,
		     (unsigned long long)leg->bounced, (unsigned long long)len);
		ok = false;
	}
	return ok;
}

static void xfer_failed(int err, const struct sdhci_dmacmd_xfer *x)
{
	diag("transfer of %llu bytes at block %llu failed: %s, IOReturn %#010x",
	     (unsigned long long)x->len, (unsigned long long)x->lba,
	     strerror(-err), (__u32)x->ioreturn);
}

/* Every byte of @b's data equals the pattern and the guards are intact. */
static bool verify(const struct ubuf *b, size_t len, __u32 seed)
{
	size_t i, bad = 0, first = SIZE_MAX, guard = 0;

	for (i = 0; i < len; i++) {
		if (b->data[i] != sdhci_pattern_byte(seed, i)) {
			if (first == SIZE_MAX)
				first = i;
			bad++;
		}
	}
	for (i = 0; i < b->maplen; i++)
		if ((b->map + i < b->data || b->map + i >= b->data + len) &&
		    b->map[i] != GUARD)
			guard++;
	if (bad)
		diag("%zu of %zu bytes differ; first at byte %zu (block %zu)",
		     bad, len, first, first / SDHCI_BLOCK);
	if (guard)
		diag("%zu bytes around the destination were overwritten", guard);
	return !bad && !guard;
}

static __u32 next_seed = 0x1234;
static __u32 last_max_desc;	/* of the last ADMA2 leg of round_trip() */
static __u64 last_bounced;

/*
 * One round trip: @len bytes at block @lba, written with @wmode and read
 * back with @rmode, from memory of kind @mem at offsets @soff and @doff
 * from a page boundary.  @high: the memory lies above 4 GiB.  Prints the
 * table rows unless @quiet.
 */
static bool round_trip(const char *label, __u32 mem, __u64 len, __u64 lba,
		       size_t soff, size_t doff, __u32 wmode, __u32 rmode,
		       bool high, bool quiet)
{
	struct sdhci_dmacmd_xfer x = {
		.len = len, .lba = lba, .mem = mem, .write_mode = wmode,
		.read_mode = rmode, .seed = next_seed++,
		.src = soff, .dst = doff,
	};
	struct ubuf s = {}, d = {};
	bool ok;
	int err;

	if (mem == SDHCI_MEM_USER) {
		if (ubuf_alloc(&s, soff, len) || ubuf_alloc(&d, doff, len)) {
			ubuf_free(&s);
			return false;
		}
		for (size_t i = 0; i < len; i++) {
			s.data[i] = sdhci_pattern_byte(x.seed, i);
			d.data[i] = ~s.data[i];
		}
		x.src = (uintptr_t)s.data;
		x.dst = (uintptr_t)d.data;
	}
	err = do_xfer(&x);
	if (err) {
		xfer_failed(err, &x);
		ok = false;
	} else {
		ok = mem == SDHCI_MEM_USER ? verify(&d, len, x.seed) :
		     !x.mismatches;
		if (!ok && mem != SDHCI_MEM_USER)
			diag("%llu bytes arrived wrong", (unsigned long long)x.mismatches);
		if (mem == SDHCI_MEM_HIGH && x.lowest_phys < LIMIT_32) {
			diag("buffer at %#llx is not above 4 GiB",
			     (unsigned long long)x.lowest_phys);
			ok = false;
		}
		last_max_desc = x.rd.mode == SDHCI_MODE_ADMA2 ? x.rd.max_desc :
				x.wr.max_desc;
		last_bounced = x.rd.mode == SDHCI_MODE_ADMA2 ? x.rd.bounced :
			       x.wr.bounced;
		ok &= check_leg("write", &x.wr, len, soff, high);
		ok &= check_leg("read", &x.rd, len, doff, high);
		if (!quiet || !ok) {
			print_leg(label, &x, &x.wr, true, ok);
			print_leg(label, &x, &x.rd, false, ok);
		}
	}
	ubuf_free(&s);
	ubuf_free(&d);
	return ok;
}

static int case_probe(void)
{
	struct utsname u;

	fd = open(dev_path, O_RDWR);
	if (fd < 0) {
		diag("cannot open %s: %s (%s)", dev_path, strerror(errno),
		     "is QEMU run with sdhci-pci and sd-card, dmacmd_sdhci loaded?");
		return 1;
	}
	if (ioctl(fd, SDHCI_DMACMD_IOC_INFO, &info)) {
		diag("SDHCI_DMACMD_IOC_INFO: %s", strerror(errno));
		return 1;
	}
	probe_env();
	uname(&u);
	diag("kernel %s, SDHCI version %u.00, capabilities %#x", u.release,
	     (info.version & 0xff) + 1, info.caps);
	diag("SD%s card of %llu blocks, %s by default, %s, %s%s",
	     info.high_capacity ? "HC" : "SC",
	     (unsigned long long)info.blocks, mode_name(info.dma_mode),
	     env.translated ? "IOMMU translating" : "no translating IOMMU",
	     env.swiotlb_force ? "swiotlb=force" : "swiotlb not forced",
	     env.ram_above_4g ? ", RAM above 4 GiB" : "");
	if (info.blocks < 2 * IMAGE_LBA) {
		diag("card of %llu blocks is too small for the cases",
		     (unsigned long long)info.blocks);
		return 1;
	}
	return 0;
}

static int case_user_1m(void)
{
	bool ok = round_trip("user 1 MiB", SDHCI_MEM_USER, 1 << 20, 0, 0, 0,
			     SDHCI_MODE_SDMA, SDHCI_MODE_ADMA2, false, false);

	/*
	 * Contiguous device addresses (IOVAs, or dmacmd's copy buffer) make
	 * descriptors of 64 KiB, the longest the 16-bit length field holds
	 * (written as 0).
	 */
	diag("longest ADMA2 descriptor: %u bytes", last_max_desc);
	if ((env.translated || last_bounced == 1 << 20) &&
	    last_max_desc != 65536) {
		diag("expected 65536-byte descriptors for contiguous device addresses");
		ok = false;
	}
	ok &= round_trip("user 1 MiB", SDHCI_MEM_USER, 1 << 20, 2048, 0, 0,
			 SDHCI_MODE_ADMA2, SDHCI_MODE_SDMA, false, false);
	return ok ? 0 : 1;
}

static int case_single_block(void)
{
	struct sdhci_dmacmd_xfer x = {
		.len = 8192, .lba = 7, .mem = SDHCI_MEM_PAGES, .seed = 77,
	};
	bool ok = round_trip("1 block", SDHCI_MEM_USER, 512, 5, 0, 0,
			     SDHCI_MODE_SDMA, SDHCI_MODE_ADMA2, false, false);
	int err;

	ok &= round_trip("1 block", SDHCI_MEM_USER, 512, 6, 0, 2048,
			 SDHCI_MODE_ADMA2, SDHCI_MODE_SDMA, false, false);
	/* A request that does not choose gets the dma_mode parameter's engine. */
	err = do_xfer(&x);
	if (err || x.mismatches || x.wr.mode != info.dma_mode ||
	    x.rd.mode != info.dma_mode) {
		diag("default engine: %s, %llu bytes wrong, %s and %s used, dma_mode is %s",
		     strerror(-err), (unsigned long long)x.mismatches,
		     mode_name(x.wr.mode), mode_name(x.rd.mode),
		     mode_name(info.dma_mode));
		ok = false;
	}
	return ok ? 0 : 1;
}

static int case_unaligned(void)
{
	bool ok = round_trip("user +3 B, 64 KiB", SDHCI_MEM_USER, 64 << 10,
			     100, 3, 5, SDHCI_MODE_SDMA, SDHCI_MODE_ADMA2,
			     false, false);

	ok &= round_trip("user +512 B, 40 KiB", SDHCI_MEM_USER, 40 << 10, 300,
			 512, 1536, SDHCI_MODE_ADMA2, SDHCI_MODE_SDMA, false,
			 false);
	return ok ? 0 : 1;
}

static int case_kernel_pages(void)
{
	bool ok = round_trip("pages 1 MiB", SDHCI_MEM_PAGES, 1 << 20, 4096, 0,
			     0, SDHCI_MODE_ADMA2, SDHCI_MODE_SDMA, false, false);

	ok &= round_trip("pages +100 B", SDHCI_MEM_PAGES, 12 << 10, 4000, 100,
			 7, SDHCI_MODE_SDMA, SDHCI_MODE_ADMA2, false, false);
	return ok ? 0 : 1;
}

static int case_vmalloc(void)
{
	bool ok = round_trip("vmalloc 300 KiB", SDHCI_MEM_VMALLOC, 300 << 10,
			     6000, 0, 0, SDHCI_MODE_SDMA, SDHCI_MODE_ADMA2,
			     false, false);

	ok &= round_trip("vmalloc +1 KiB", SDHCI_MEM_VMALLOC, 20 << 10, 7000,
			 1024, 2048, SDHCI_MODE_ADMA2, SDHCI_MODE_SDMA, false,
			 false);
	return ok ? 0 : 1;
}

static int case_high_memory(void)
{
	bool ok;

	if (!env.ram_above_4g) {
		skip_reason = "no RAM above 4 GiB in this boot";
		return -1;
	}
	/* Above 4 GiB: all bounced without an IOMMU, IOVAs with one. */
	ok = round_trip(">4G 1 MiB", SDHCI_MEM_HIGH, 1 << 20, 10000, 0, 0,
			SDHCI_MODE_SDMA, SDHCI_MODE_ADMA2, true, false);
	ok &= round_trip(">4G +64 B", SDHCI_MEM_HIGH, 36 << 10, 12000, 64, 0,
			 SDHCI_MODE_ADMA2, SDHCI_MODE_SDMA, true, false);
	return ok ? 0 : 1;
}

/* Every length from 1 to 17 blocks and some longer, at odd offsets. */
static int case_sizes(void)
{
	static const unsigned int blocks[] = { 1, 2, 3, 7, 8, 9, 15, 16, 17,
					       63, 127, 129, 255, 513, 1023 };
	unsigned int i, n = 0;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		__u32 w = i & 1 ? SDHCI_MODE_ADMA2 : SDHCI_MODE_SDMA;
		__u32 r = i & 1 ? SDHCI_MODE_SDMA : SDHCI_MODE_ADMA2;
		size_t off = (i % 3) * 512 + (i % 2) * 1;

		ok &= round_trip("sizes", SDHCI_MEM_USER,
				 blocks[i] * (__u64)SDHCI_BLOCK, 20000 + i * 1024,
				 off, (i * 7) % 64, w, r, false, true);
		n++;
	}
	diag("%u transfers of 1 to 1023 blocks, alternating engines", n);
	return ok ? 0 : 1;
}

/* 2 MiB through 8 sub-ranges of 256 KiB, one SD command each. */
static int case_two_mib(void)
{
	bool ok = round_trip("user 2 MiB", SDHCI_MEM_USER, 2 << 20, 40000, 0,
			     0, SDHCI_MODE_ADMA2, SDHCI_MODE_SDMA, false, false);

	return ok ? 0 : 1;
}

/*
 * A pattern at IMAGE_LBA, written with SDMA and left on the card: the
 * harness checks the image file on the host after the boot.
 */
static int case_card_image(void)
{
	struct sdhci_dmacmd_xfer x = {
		.len = IMAGE_LEN, .lba = IMAGE_LBA, .mem = SDHCI_MEM_VMALLOC,
		.write_mode = SDHCI_MODE_SDMA, .read_mode = SDHCI_MODE_ADMA2,
		.seed = IMAGE_SEED,
	};
	int err = do_xfer(&x);

	if (err) {
		xfer_failed(err, &x);
		return 1;
	}
	if (x.mismatches) {
		diag("%llu bytes differ", (unsigned long long)x.mismatches);
		return 1;
	}
	printf("    # sdhci-image: lba %llu len %u seed %#x\n", IMAGE_LBA,
	       IMAGE_LEN, IMAGE_SEED);
	return 0;
}

static int set_param(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	if (write_file(path, val)) {
		diag("cannot set %s=%s: %s", name, val, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A fault at every DMA step of a transfer (prepare or segment generation,
 * in the SDMA interrupt handler too): the transfer ends with dmacmd's
 * error, the controller is reset, and the next transfer is right.
 */
static bool sweep(__u32 wmode, __u32 rmode)
{
	struct sdhci_dmacmd_xfer x = {
		.len = 20 << 10, .lba = 30000, .mem = SDHCI_MEM_USER,
		.write_mode = wmode, .read_mode = rmode,
	};
	struct ubuf s = {}, d = {};
	unsigned int k, steps;
	bool ok = true;
	int err;

	if (ubuf_alloc(&s, 0, x.len) || ubuf_alloc(&d, 0, x.len)) {
		ubuf_free(&s);
		return false;
	}
	x.src = (uintptr_t)s.data;
	x.dst = (uintptr_t)d.data;
	err = do_xfer(&x);
	if (err) {
		xfer_failed(err, &x);
		ok = false;
		goto out;
	}
	steps = x.dma_steps;
	for (k = 1; k <= steps + 1 && ok; k++) {
		x.fault_at = k;
		err = do_xfer(&x);
		if (k > steps) {
			if (err || x.resets) {
				diag("fault after the last step: %s, %u resets",
				     strerror(-err), x.resets);
				ok = false;
			}
			break;
		}
		if (err != -ERANGE || x.ioreturn != kIOReturnOverrun ||
		    x.resets != 1 || x.dma_steps != k) {
			diag("fault at step %u of %u: %s, IOReturn %#010x, %u resets, %u steps",
			     k, steps, strerror(-err), (__u32)x.ioreturn,
			     x.resets, x.dma_steps);
			ok = false;
		}
		if (!round_trip("after fault", SDHCI_MEM_USER, 4096, 30100,
				k % 8, 0, rmode, wmode, false, true)) {
			diag("a transfer after the fault at step %u failed", k);
			ok = false;
		}
	}
	diag("%s write, %s read: %u DMA steps, each failed once", mode_name(wmode),
	     mode_name(rmode), steps);
out:
	ubuf_free(&s);
	ubuf_free(&d);
	return ok;
}

/* This module's line of dmacmd's owners file (live objects), or "". */
static void owners_line(char *line, size_t size)
{
	char buf[256];
	FILE *f = fopen("/sys/kernel/debug/dmacmd/owners", "r");

	line[0] = 0;
	while (f && fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "dmacmd_sdhci ", 13))
			snprintf(line, size, "%s", buf);
	if (f)
		fclose(f);
}

static int case_fault_sweep(void)
{
	struct sdhci_dmacmd_info before, after;
	char own0[256], own1[256];
	bool ok = true;

	/* 8 KiB sub-ranges: a fault lands in the middle of a request. */
	if (set_param("chunk_kb", "8"))
		return 1;
	ioctl(fd, SDHCI_DMACMD_IOC_INFO, &before);
	owners_line(own0, sizeof(own0));
	ok &= sweep(SDHCI_MODE_SDMA, SDHCI_MODE_ADMA2);
	ok &= sweep(SDHCI_MODE_ADMA2, SDHCI_MODE_SDMA);
	ioctl(fd, SDHCI_DMACMD_IOC_INFO, &after);
	owners_line(own1, sizeof(own1));
	diag("controller resets: %u", after.resets - before.resets);
	if (after.resets == before.resets)
		ok = false;
	/* The live commands and descriptors after the sweep are those before. */
	if (strcmp(own0, own1)) {
		diag("dmacmd owners before: %.100s", own0);
		diag("dmacmd owners after:  %.100s", own1);
		ok = false;
	}
	if (set_param("chunk_kb", "256"))
		ok = false;
	return ok ? 0 : 1;
}

#define FAULT_DIR	"/sys/kernel/debug/dmacmd/"
#define SLAB_FILTER	"/sys/kernel/debug/failslab/cache-filter"

static int set_knob(const char *site, const char *knob, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FAULT_DIR "%s/%s", site, knob);
	if (write_file(path, val)) {
		diag("cannot set %s/%s=%s: %s", site, knob, val, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * One site of dmacmd's own fault injection (fail_alloc, fail_pin, fail_map,
 * fail_bounce; this task's calls only) made to fail at its 1st, 2nd, ...
 * 12th call of a transfer ("space" skips the calls before): a transfer
 * that fails reports the error and leaves the controller working, one
 * that succeeds (dmacmd found another way, or the site was called fewer
 * times) moved every byte right.  Returns the faults that fired.
 */
static unsigned int knob_sweep(const char *site, bool *ok)
{
	unsigned int k, fired = 0, failed = 0;
	char buf[32], path[128];
	int err;

	if (set_knob(site, "probability", "100") ||
	    set_knob(site, "verbose", "0") ||
	    set_knob(site, "interval", "1") ||
	    set_knob(site, "task-filter", "Y")) {
		*ok = false;
		return 0;
	}
	for (k = 1; k <= 12; k++) {
		struct sdhci_dmacmd_xfer x = {
			.len = 24 << 10, .lba = 33000, .mem = SDHCI_MEM_USER,
			.write_mode = k & 1 ? SDHCI_MODE_SDMA : SDHCI_MODE_ADMA2,
			.read_mode = k & 1 ? SDHCI_MODE_ADMA2 : SDHCI_MODE_SDMA,
			.seed = 7000 + k,
		};
		struct ubuf s = {}, d = {};

		if (ubuf_alloc(&s, k, x.len) || ubuf_alloc(&d, 0, x.len)) {
			ubuf_free(&s);
			*ok = false;
			break;
		}
		for (size_t i = 0; i < x.len; i++)
			s.data[i] = sdhci_pattern_byte(x.seed, i);
		x.src = (uintptr_t)s.data;
		x.dst = (uintptr_t)d.data;
		snprintf(buf, sizeof(buf), "%u", k);
		set_knob(site, "space", buf);
		set_knob(site, "times", "1");
		write_file(FAULT_DIR "fault_enable", "1");
		err = do_xfer(&x);
		write_file(FAULT_DIR "fault_enable", "0");
		set_knob(site, "space", "0");
		snprintf(path, sizeof(path), FAULT_DIR "%s/times", site);
		if (!read_file(path, buf, sizeof(buf)) && !strcmp(buf, "0"))
			fired++;
		if (err) {
			failed++;
		} else if (!verify(&d, x.len, x.seed)) {
			diag("%s, interval %u: the transfer succeeded with wrong bytes",
			     site, k);
			*ok = false;
		}
		ubuf_free(&s);
		ubuf_free(&d);
		if (!round_trip("after fault", SDHCI_MEM_USER, 8192, 33100, 0,
				k, SDHCI_MODE_SDMA, SDHCI_MODE_ADMA2, false,
				true)) {
			diag("%s, interval %u: the next transfer failed", site, k);
			*ok = false;
		}
	}
	set_knob(site, "times", "0");
	set_knob(site, "probability", "0");
	diag("%s: 1st to 12th call failed in turn: %u faults, %u transfers failed cleanly",
	     site, fired, failed);
	return fired;
}

/*
 * Every failure point along one transfer, in order: the Nth
 * fault-injection check this task makes fails (/proc/thread-self/fail-nth,
 * counted over all of dmacmd's sites), for N = 1, 2, ... until a
 * transfer passes its last check without the fault firing.  No DMA
 * mapping of the controller may outlive a transfer.
 */
/* The controller's live DMA mappings dma-debug knows of, or -1. */
static int live_mappings(void)
{
	char line[512], pat[48];
	FILE *f = fopen("/sys/kernel/debug/dma-api/dump", "r");
	int n = 0;

	if (!f || !env.bdf[0]) {
		if (f)
			fclose(f);
		return -1;
	}
	snprintf(pat, sizeof(pat), " %s ", env.bdf);
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, pat);
	fclose(f);
	return n;
}

static bool nth_sweep(void)
{
	unsigned int n, failed = 0, recovered = 0;
	int err, live0 = live_mappings(), live;
	char buf[32];
	bool ok = true;

	for (n = 1; n <= 400; n++) {
		struct sdhci_dmacmd_xfer x = {
			.len = 24 << 10, .lba = 34000, .mem = SDHCI_MEM_USER,
			.write_mode = SDHCI_MODE_SDMA,
			.read_mode = SDHCI_MODE_ADMA2, .seed = 9000 + n,
		};
		struct ubuf s = {}, d = {};
		bool fired;

		if (ubuf_alloc(&s, 3, x.len) || ubuf_alloc(&d, 0, x.len)) {
			ubuf_free(&s);
			return false;
		}
		for (size_t i = 0; i < x.len; i++)
			s.data[i] = sdhci_pattern_byte(x.seed, i);
		x.src = (uintptr_t)s.data;
		x.dst = (uintptr_t)d.data;
		snprintf(buf, sizeof(buf), "%u", n);
		if (write_file("/proc/thread-self/fail-nth", buf)) {
			diag("cannot write fail-nth: %s", strerror(errno));
			ok = false;
			break;
		}
		err = do_xfer(&x);
		fired = !read_file("/proc/thread-self/fail-nth", buf,
				   sizeof(buf)) && !strcmp(buf, "0");
		write_file("/proc/thread-self/fail-nth", "0");
		if (err)
			failed++;
		else if (fired)
			recovered++;
		if (!err && !verify(&d, x.len, x.seed)) {
			diag("fault at check %u: the transfer succeeded with wrong bytes",
			     n);
			ok = false;
		}
		if (err && !fired) {
			diag("no fault at check %u, yet the transfer failed: %s",
			     n, strerror(-err));
			ok = false;
		}
		ubuf_free(&s);
		ubuf_free(&d);
		if (!round_trip("after fault", SDHCI_MEM_USER, 8192, 34100, 0,
				n % 4096, SDHCI_MODE_ADMA2, SDHCI_MODE_SDMA,
				false, true)) {
			diag("fault at check %u: the next transfer failed", n);
			ok = false;
		}
		live = live_mappings();
		if (live != live0) {
			diag("fault at check %u: %d DMA mappings of the controller live, %d before",
			     n, live, live0);
			ok = false;
		}
		if (!fired)
			break;
	}
	diag("fail-nth: %u fault-injection checks along a transfer, each failed once",
	     n - 1);
	diag("fail-nth: %u transfers failed cleanly, %u recovered", failed,
	     recovered);
	if (n < 10 || n > 400) {
		diag("expected 10 to 400 failure points");
		ok = false;
	}
	return ok;
}

static int case_fault_injection(void)
{
	static const char *const sites[] = { "fail_alloc", "fail_pin",
					     "fail_map", "fail_bounce" };
	char own0[256], own1[256];
	unsigned int i, fired;
	bool ok = true;

	if (access(FAULT_DIR "fail_map", F_OK)) {
		skip_reason = "dmacmd built without fault-injection knobs";
		return -1;
	}
	if (set_param("chunk_kb", "8") ||
	    write_file("/proc/self/make-it-fail", "1")) {
		diag("cannot arm fault injection: %s", strerror(errno));
		return 1;
	}
	owners_line(own0, sizeof(own0));
	for (i = 0; i < ARRAY_SIZE(sites); i++)
		set_knob(sites[i], "verbose", "0");
	/*
	 * fail-nth counts the checks of every fault_attr: only dmacmd's, not
	 * the slab's (a failed atomic allocation in dma-debug disables it).
	 */
	if (!access("/proc/thread-self/fail-nth", F_OK) &&
	    (access(SLAB_FILTER, F_OK) || !write_file(SLAB_FILTER, "Y"))) {
		write_file(FAULT_DIR "fault_enable", "1");
		ok &= nth_sweep();
		write_file(FAULT_DIR "fault_enable", "0");
		write_file(SLAB_FILTER, "N");
	}
	for (i = 0; i < ARRAY_SIZE(sites); i++) {
		fired = knob_sweep(sites[i], &ok);
		/* Every transfer allocates, pins user memory and maps it. */
		if (!fired && strcmp(sites[i], "fail_bounce")) {
			diag("%s: no fault fired", sites[i]);
			ok = false;
		}
	}
	write_file("/proc/self/make-it-fail", "0");
	owners_line(own1, sizeof(own1));
	if (strcmp(own0, own1)) {
		diag("dmacmd owners before: %.100s", own0);
		diag("dmacmd owners after:  %.100s", own1);
		ok = false;
	}
	if (set_param("chunk_kb", "256"))
		ok = false;
	return ok ? 0 : 1;
}

/*
 * QEMU 7.2 ignores the SDMA address written at a boundary: without the
 * driver's workaround an SDMA transfer of more than one boundary stalls,
 * times out and resets the controller; with it, it completes.
 */
static int case_sdma_quirk(void)
{
	struct sdhci_dmacmd_xfer x = {
		.len = 16 << 10, .lba = 31000, .mem = SDHCI_MEM_PAGES,
		.write_mode = SDHCI_MODE_SDMA, .read_mode = SDHCI_MODE_SDMA,
		.seed = 99,
	};
	bool ok = true;
	int err;

	if (!(info.quirks & SDHCI_QUIRK_SDMA_RESTART_BY_DATA_RESET)) {
		skip_reason = "not QEMU's controller";
		return -1;
	}
	if (set_param("timeout_ms", "300") ||
	    set_param("sdma_restart_quirk", "0"))
		return 1;
	err = do_xfer(&x);
	if (err != -ETIMEDOUT || x.ioreturn != kIOReturnTimeout ||
	    x.resets != 1 || x.wr.boundary_irqs != 1) {
		diag("without the workaround: %s, IOReturn %#010x, %u resets, %u boundary irqs",
		     strerror(-err), (__u32)x.ioreturn, x.resets,
		     x.wr.boundary_irqs);
		diag("expected a stall at the first boundary");
		ok = false;
	} else {
		diag("without the workaround: %s",
		     "stalled at the first boundary, timed out, controller reset");
	}
	if (set_param("sdma_restart_quirk", "-1") ||
	    set_param("timeout_ms", "2000"))
		return 1;
	ok &= round_trip("SDMA both ways", SDHCI_MEM_PAGES, 16 << 10, 31000,
			 0, 0, SDHCI_MODE_SDMA, SDHCI_MODE_SDMA, false, false);
	return ok ? 0 : 1;
}

static int expect_err(const char *what, struct sdhci_dmacmd_xfer *x,
		      int want)
{
	int err = do_xfer(x);

	if (err != -want) {
		diag("%s: %s, expected %s", what, strerror(-err),
		     strerror(want));
		return 1;
	}
	return 0;
}

/* A valid one-block request to change one field of. */
static struct sdhci_dmacmd_xfer *good(void)
{
	static __u8 a[4096], b[4096];
	static struct sdhci_dmacmd_xfer x;

	memset(&x, 0, sizeof(x));
	x.src = (uintptr_t)a;
	x.dst = (uintptr_t)b;
	x.len = 512;
	return &x;
}

static int case_bad_args(void)
{
	struct sdhci_dmacmd_xfer *x;
	int bad = 0;

	x = good();
	x->len = 0;
	bad += expect_err("length 0", x, EINVAL);
	x = good();
	x->len = 100;
	bad += expect_err("length 100", x, EINVAL);
	x = good();
	x->len = SDHCI_DMACMD_MAX_LEN + 512;
	bad += expect_err("too long", x, EMSGSIZE);
	x = good();
	x->lba = info.blocks;
	bad += expect_err("past the card", x, ERANGE);
	x = good();
	x->lba = info.blocks - 1;
	x->len = 1024;
	bad += expect_err("last block + 1", x, ERANGE);
	x = good();
	x->write_mode = 3;
	bad += expect_err("mode 3", x, EINVAL);
	x = good();
	x->mem = 9;
	bad += expect_err("memory kind 9", x, EINVAL);
	x = good();
	x->mem = SDHCI_MEM_PAGES;
	x->src = PAGE;
	bad += expect_err("kernel offset", x, EINVAL);
	x = good();
	x->src = 0;
	bad += expect_err("NULL source", x, EFAULT);
	x = good();
	x->src = 0xffff888000000000ULL;
	bad += expect_err("kernel address", x, EFAULT);
	return bad ? 1 : 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} cases[] = {
	{ "probe", case_probe },
	{ "single_block", case_single_block },
	{ "user_1m_both_ways", case_user_1m },
	{ "unaligned_user", case_unaligned },
	{ "kernel_pages", case_kernel_pages },
	{ "vmalloc", case_vmalloc },
	{ "high_memory", case_high_memory },
	{ "sizes", case_sizes },
	{ "two_mib", case_two_mib },
	{ "card_image", case_card_image },
	{ "fault_sweep", case_fault_sweep },
	{ "fault_injection", case_fault_injection },
	{ "sdma_quirk", case_sdma_quirk },
	{ "bad_args", case_bad_args },
};

int main(int argc, char **argv)
{
	const char *glob = NULL;
	unsigned int i, n = 0, k = 0, failed = 0;
	struct timespec t0, t1;
	int opt;

	while ((opt = getopt(argc, argv, "f:d:")) != -1) {
		switch (opt) {
		case 'f':
			glob = optarg;
			break;
		case 'd':
			dev_path = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-f CASE_GLOB] [-d DEVICE]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		n += !glob || !fnmatch(glob, cases[i].name, 0) || !i;

	printf("KTAP version 1\n1..1\n");
	printf("    KTAP version 1\n    # Subtest: " SUITE "\n    1..%u\n", n);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int r;

		if (i && glob && fnmatch(glob, cases[i].name, 0))
			continue;
		cur_case = cases[i].name;
		k++;
		if (i && fd < 0) {
			printf("    ok %u %s # SKIP no SD host controller\n", k,
			       cur_case);
			continue;
		}
		r = cases[i].fn();
		if (r < 0) {
			printf("    ok %u %s # SKIP %s\n", k, cur_case,
			       skip_reason);
			continue;
		}
		failed += r != 0;
		printf("    %s %u %s\n", r ? "not ok" : "ok", k, cur_case);
	}
	if (fd >= 0)
		close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("    # " SUITE ": %u cases in %.1f s\n", k,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	printf("%s 1 " SUITE "\n", failed ? "not ok" : "ok");
	return failed ? 1 : 0;
}
