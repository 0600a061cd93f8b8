// SPDX-License-Identifier: GPL-2.0
/*
 * edu-test: drive the dmacmd_edu sample from user space inside the test VM.
 *
 *   edu-test [-f CASE_GLOB] [-d DEVICE]
 *
 * Sends buffers of several sizes and alignments through QEMU's edu device
 * and back, checks every byte (and guard bytes around the destination),
 * feeds the driver bad input, and prints KTAP (suite dmacmd_edu_demo) with
 * a table of the transfers as "# |" diagnostic lines.  Built static with
 * the host's gcc; runs as root in the harness initramfs.
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
#include <sys/stat.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "edu_dmacmd.h"

#define SUITE		"dmacmd_edu_demo"
#define DRIVER		"dmacmd_edu"
#define PAGE		4096UL
#define LIMIT_28	0x10000000ULL	/* the device's 28 address bits */
#define GUARD		0xee
#define kIOReturnTimeout	((__s32)0xE00002D6)

static const char *dev_path = "/dev/" EDU_DMACMD_DEVICE;
static const char *cur_case;
static int fd = -1;

/*
 * Why no DMA can happen in this boot, or NULL.  Set by the probe case when
 * the platform makes the device's 28 bits unreachable and dmacmd refuses,
 * as it must, instead of handing out an address beyond them.
 */
static const char *no_dma;

/* What the machine does to DMA addresses, from sysfs and the command line. */
static struct {
	bool translated;	/* behind an IOMMU in a DMA (translating) domain */
	bool swiotlb_force;
	bool msi;
	char bdf[32];		/* PCI address of the bound edu device */
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *ioreturn_name(__s32 r)
{
	switch ((__u32)r) {
	case 0: return "kIOReturnSuccess";
	case 0xE00002BD: return "kIOReturnNoMemory";
	case 0xE00002BE: return "kIOReturnNoResources";
	case 0xE00002C2: return "kIOReturnBadArgument";
	case 0xE00002C8: return "kIOReturnVMError";
	case 0xE00002D4: return "kIOReturnDMAError";
	case 0xE00002D5: return "kIOReturnBusy";
	case 0xE00002D6: return "kIOReturnTimeout";
	case 0xE00002D8: return "kIOReturnNotReady";
	case 0xE00002DB: return "kIOReturnNoSpace";
	case 0xE00002E1: return "kIOReturnMessageTooLarge";
	case 0xE00002ED: return "kIOReturnNotResponding";
	default: return "IOReturn";
	}
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

static int open_dev(void)
{
	int f = open(dev_path, O_RDWR);
	int err = errno;

	if (f < 0)
		diag("cannot open %s: %s (%s)", dev_path, strerror(err),
		     err == ENOENT ?
		     "no edu device bound: is QEMU run with -device edu and dmacmd_edu loaded?" :
		     "is dmacmd_edu loaded?");
	errno = err;
	return f;
}

static void probe_env(void)
{
	char link[PATH_MAX], path[PATH_MAX + 64], buf[4096], *p;
	ssize_t n;
	FILE *f;

	memset(&env, 0, sizeof(env));
	if (!read_file("/proc/cmdline", buf, sizeof(buf)))
		env.swiotlb_force = !!strstr(buf, "swiotlb=force");
	n = readlink("/sys/class/misc/" EDU_DMACMD_DEVICE "/device", link,
		     sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		p = strrchr(link, '/');
		snprintf(env.bdf, sizeof(env.bdf), "%.31s", p ? p + 1 : link);
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group/type",
		 env.bdf);
	if (env.bdf[0] && !read_file(path, buf, sizeof(buf)))
		env.translated = !strncmp(buf, "DMA", 3);
	f = fopen("/proc/interrupts", "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (strstr(buf, DRIVER) && strstr(buf, "MSI"))
			env.msi = true;
	if (f)
		fclose(f);
}

/* A user buffer with @off bytes before the data and guard pages around. */
struct ubuf {
	__u8 *map;
	size_t maplen;
	__u8 *data;
};

static int ubuf_alloc(struct ubuf *b, size_t off, size_t len, int prot)
{
	b->maplen = (off + len + 3 * PAGE) & ~(PAGE - 1);
	b->map = mmap(NULL, b->maplen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->map == MAP_FAILED) {
		diag("mmap of %zu bytes: %s", b->maplen, strerror(errno));
		return -1;
	}
	memset(b->map, GUARD, b->maplen);
	b->data = b->map + PAGE + off;
	if (prot != (PROT_READ | PROT_WRITE))
		mprotect(b->map, b->maplen, prot);
	return 0;
}

static void ubuf_free(struct ubuf *b)
{
	if (b->map && b->map != MAP_FAILED)
		munmap(b->map, b->maplen);
	b->map = NULL;
}

static void fill(__u8 *p, size_t len, __u32 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = edu_pattern_byte(seed, i);
}

/* Every byte of @d equals @s and every byte of @b around it is a guard. */
static bool verify(const struct ubuf *b, const __u8 *s, size_t len)
{
	size_t i, bad = 0, first = SIZE_MAX, guard = 0;
	const __u8 *d = b->data;

	for (i = 0; i < len; i++) {
		if (d[i] != s[i]) {
			if (first == SIZE_MAX)
				first = i;
			bad++;
		}
	}
	for (i = 0; i < b->maplen; i++)
		if ((b->map + i < d || b->map + i >= d + len) &&
		    b->map[i] != GUARD)
			guard++;
	if (bad)
		diag("%zu of %zu bytes differ; first at byte %zu: got %#04x, sent %#04x",
		     bad, len, first, d[first], s[first]);
	if (guard)
		diag("%zu bytes around the destination were overwritten", guard);
	return !bad && !guard;
}

static void print_header(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	table("%-22s %8s  %-9s %5s %9s %11s  %-10s  %s", "transfer", "bytes",
	      "direction", "segs", "bounced", "throughput", "dev addr<",
	      "verified");
}

static void print_leg(const char *label, __u64 len, const char *dir,
		      const struct edu_dmacmd_leg *leg, bool ok)
{
	double bps = leg->ns ? len * 1e9 / leg->ns : 0;
	char rate[32];

	if (bps >= 1024)
		snprintf(rate, sizeof(rate), "%.1f KiB/s", bps / 1024);
	else
		snprintf(rate, sizeof(rate), "%.0f B/s", bps);
	print_header();
	table("%-22s %8llu  %-9s %5u %9llu %11s  %#010llx  %s", label,
	      (unsigned long long)len, dir, leg->segments,
	      (unsigned long long)leg->bounced, rate,
	      (unsigned long long)leg->max_addr, ok ? "yes" : "NO");
}

/*
 * What every successful transfer must show: one or more segments per
 * chunk, nothing handed to the device beyond 28 bits, no bouncing behind
 * a translating IOMMU, and everything bounced for memory the device cannot
 * reach without one.
 */
static bool check_leg(const char *dir, const struct edu_dmacmd_leg *leg,
		      __u64 len, bool all_high)
{
	bool ok = true;

	if (leg->chunks != (len + EDU_DMACMD_CHUNK - 1) / EDU_DMACMD_CHUNK ||
	    leg->segments < leg->chunks) {
		diag("%s: %u segments in %u chunks for %llu bytes", dir,
		     leg->segments, leg->chunks, (unsigned long long)len);
		ok = false;
	}
	if (leg->max_addr > LIMIT_28) {
		diag("%s: device was handed addresses up to %#llx, beyond 28 bits",
		     dir, (unsigned long long)leg->max_addr);
		ok = false;
	}
	if (env.translated && leg->bounced) {
		diag("%s: %llu bytes bounced behind a translating IOMMU", dir,
		     (unsigned long long)leg->bounced);
		ok = false;
	}
	if (!env.translated && all_high && leg->bounced != len) {
		diag("%s: %llu of %llu bytes above 256 MiB bounced", dir,
		     (unsigned long long)leg->bounced, (unsigned long long)len);
		ok = false;
	}
	return ok;
}

static bool report_xfer(const char *label, const struct edu_dmacmd_xfer *x,
			bool verified, bool all_high)
{
	bool ok = verified;

	ok &= check_leg("to device", &x->to_dev, x->len, all_high);
	ok &= check_leg("to memory", &x->from_dev, x->len, all_high);
	print_leg(label, x->len, "to device", &x->to_dev, verified);
	print_leg(label, x->len, "to memory", &x->from_dev, verified);
	return ok;
}

static int do_xfer(struct edu_dmacmd_xfer *x)
{
	x->ioreturn = 0;
	if (ioctl(fd, EDU_DMACMD_IOC_XFER, x) == 0)
		return 0;
	return -errno;
}

static void xfer_failed(int err, const struct edu_dmacmd_xfer *x)
{
	diag("transfer of %llu bytes failed: %s, %s (%#010x)",
	     (unsigned long long)x->len, strerror(-err),
	     ioreturn_name(x->ioreturn), (__u32)x->ioreturn);
}

/* One round trip between two user buffers at the given page offsets. */
static int user_round_trip(const char *label, size_t len, size_t soff,
			   size_t doff, __u32 seed, bool quiet)
{
	struct ubuf s = {}, d = {};
	struct edu_dmacmd_xfer x = {};
	bool ok = false;
	int err;

	if (ubuf_alloc(&s, soff, len, PROT_READ | PROT_WRITE) ||
	    ubuf_alloc(&d, doff, len, PROT_READ | PROT_WRITE))
		goto out;
	fill(s.data, len, seed);
	x.src = (uintptr_t)s.data;
	x.dst = (uintptr_t)d.data;
	x.len = len;
	err = do_xfer(&x);
	if (err) {
		xfer_failed(err, &x);
		goto out;
	}
	ok = verify(&d, s.data, len);
	if (quiet)
		ok &= check_leg("to device", &x.to_dev, len, false) &
		      check_leg("to memory", &x.from_dev, len, false);
	else
		ok = report_xfer(label, &x, ok, false);
out:
	ubuf_free(&s);
	ubuf_free(&d);
	return ok ? 0 : 1;
}

static int case_single_page(void)
{
	return user_round_trip("1 page", PAGE, 0, 0, 1, false);
}

static int case_many_pages(void)
{
	return user_round_trip("8 pages", 8 * PAGE, 0, 0, 2, false);
}

static int case_unaligned(void)
{
	/* Odd pointers, different offsets, a length that is no multiple. */
	return user_round_trip("unaligned 10001 B", 10001, 1, 4093, 3, false);
}

static int case_page_crossing(void)
{
	/* Three bytes: one at the end of a page, two in the next. */
	return user_round_trip("3 B across pages", 3, 4095, 4095, 4, false);
}

static int high_round_trip(const char *label, size_t len, size_t soff,
			   size_t doff, __u32 seed)
{
	struct edu_dmacmd_xfer x = {
		.src = soff, .dst = doff, .len = len,
		.flags = EDU_XFER_KERNEL_HIGH, .seed = seed,
	};
	bool ok = true;
	int err;

	err = do_xfer(&x);
	if (err == -ENOMEM) {
		diag("no free memory above 256 MiB (give the VM 1 GiB or more)");
		return 1;
	}
	if (err) {
		xfer_failed(err, &x);
		return 1;
	}
	if (x.mismatches) {
		diag("%llu bytes wrong (data or guard bytes)",
		     (unsigned long long)x.mismatches);
		ok = false;
	}
	if (x.lowest_phys < EDU_HIGH_MEM_START) {
		diag("buffer at %#llx is not above 256 MiB",
		     (unsigned long long)x.lowest_phys);
		ok = false;
	}
	return report_xfer(label, &x, !x.mismatches, true) && ok ? 0 : 1;
}

static int case_high_pages(void)
{
	return high_round_trip("above 256M, 8 pages", 8 * PAGE, 0, 0, 5);
}

static int case_high_unaligned(void)
{
	return high_round_trip("above 256M, 10000 B", 10000, 100, 3001, 6);
}

/* write() the bytes through the device, read() them back in two parts. */
static int case_write_read(void)
{
	const size_t len = 10000, first = 3000;
	struct edu_dmacmd_xfer wx = {}, rx = {};
	struct ubuf s = {}, d = {};
	bool ok = false;
	ssize_t n;

	if (ubuf_alloc(&s, 17, len, PROT_READ | PROT_WRITE) ||
	    ubuf_alloc(&d, 333, len, PROT_READ | PROT_WRITE))
		goto out;
	fill(s.data, len, 7);
	n = write(fd, s.data, len);
	if (n != (ssize_t)len) {
		diag("write of %zu bytes returned %zd: %s", len, n,
		     n < 0 ? strerror(errno) : "short");
		goto out;
	}
	if (ioctl(fd, EDU_DMACMD_IOC_LAST, &wx)) {
		diag("EDU_DMACMD_IOC_LAST: %s", strerror(errno));
		goto out;
	}
	n = read(fd, d.data, first);
	if (n != (ssize_t)first) {
		diag("read of %zu bytes returned %zd: %s", first, n,
		     n < 0 ? strerror(errno) : "short");
		goto out;
	}
	n = read(fd, d.data + first, len);
	if (n != (ssize_t)(len - first)) {
		diag("second read returned %zd, expected %zu: %s", n,
		     len - first, n < 0 ? strerror(errno) : "short");
		goto out;
	}
	if (ioctl(fd, EDU_DMACMD_IOC_LAST, &rx)) {
		diag("EDU_DMACMD_IOC_LAST: %s", strerror(errno));
		goto out;
	}
	n = read(fd, d.data, len);
	if (n != 0) {
		diag("read at the end returned %zd, expected 0", n);
		goto out;
	}
	ok = verify(&d, s.data, len);
	ok = report_xfer("write() 10000 B", &wx, ok, false) && ok;
	ok = report_xfer("read() last 7000 B", &rx, ok, false) && ok;
out:
	ubuf_free(&s);
	ubuf_free(&d);
	return ok ? 0 : 1;
}

/* A call must fail with @want, quickly. */
static bool expect_err(const char *what, int got, int want, double t0)
{
	double dt = now() - t0;

	if (got != -want) {
		diag("%s: got %s, expected %s", what,
		     got ? strerror(-got) : "success", strerror(want));
		return false;
	}
	if (dt > 2.0) {
		diag("%s: took %.1f s to fail", what, dt);
		return false;
	}
	diag("%s: %s, as expected", what, strerror(want));
	return true;
}

/*
 * write() through syscall(): the bad-input cases pass NULL and lengths
 * beyond the buffer on purpose, which the libc prototype's attributes
 * would flag.
 */
static int wr(const void *buf, size_t len)
{
	return syscall(SYS_write, fd, buf, len) < 0 ? -errno : 0;
}

static int rd(void *buf, size_t len)
{
	return read(fd, buf, len) < 0 ? -errno : 0;
}

static int xfer_ptrs(__u64 src, __u64 dst, __u64 len)
{
	struct edu_dmacmd_xfer x = { .src = src, .dst = dst, .len = len };

	return do_xfer(&x);
}

static int case_bad_length(void)
{
	static __u8 a[PAGE], b[PAGE];
	bool ok = true;
	double t;

	t = now();
	ok &= expect_err("ioctl, length 0", xfer_ptrs((uintptr_t)a, (uintptr_t)b, 0),
			 EINVAL, t);
	t = now();
	ok &= expect_err("ioctl, 16 MiB + 1", xfer_ptrs((uintptr_t)a, (uintptr_t)b,
							EDU_DMACMD_MAX_LEN + 1ULL),
			 EMSGSIZE, t);
	t = now();
	ok &= expect_err("ioctl, 2^62 bytes", xfer_ptrs((uintptr_t)a, (uintptr_t)b,
						       1ULL << 62),
			 EMSGSIZE, t);
	t = now();
	ok &= expect_err("write(), length 0", wr(a, 0), EINVAL, t);
	t = now();
	ok &= expect_err("write(), 16 MiB + 1", wr(a, EDU_DMACMD_MAX_LEN + 1UL),
			 EMSGSIZE, t);
	return ok ? 0 : 1;
}

static int case_bad_pointer(void)
{
	static __u8 a[PAGE], b[PAGE];
	__u8 *gone, *ro;
	bool ok = true;
	double t;

	gone = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		  0);
	if (gone == MAP_FAILED || ro == MAP_FAILED) {
		diag("mmap: %s", strerror(errno));
		return 1;
	}
	munmap(gone, 2 * PAGE);

	t = now();
	ok &= expect_err("ioctl, NULL source", xfer_ptrs(0, (uintptr_t)b, 100),
			 EFAULT, t);
	t = now();
	ok &= expect_err("ioctl, unmapped source",
			 xfer_ptrs((uintptr_t)gone + 5, (uintptr_t)b, PAGE),
			 EFAULT, t);
	t = now();
	ok &= expect_err("ioctl, read-only destination",
			 xfer_ptrs((uintptr_t)a, (uintptr_t)ro + 3, PAGE),
			 EFAULT, t);
	t = now();
	ok &= expect_err("ioctl, kernel address",
			 xfer_ptrs(0xffff888000000000ULL, (uintptr_t)b, PAGE),
			 EFAULT, t);
	t = now();
	ok &= expect_err("ioctl, range wraps the address space",
			 xfer_ptrs(~0ULL - PAGE + 1, (uintptr_t)b, 2 * PAGE),
			 EFAULT, t);
	t = now();
	ok &= expect_err("write(), NULL", wr(NULL, 100), EFAULT, t);
	if (!no_dma) {
		if (wr(a, 100)) {
			diag("write() of 100 bytes failed: %s", strerror(errno));
			ok = false;
		}
		t = now();
		ok &= expect_err("read() into read-only memory",
				 rd(ro + 1, 100), EFAULT, t);
	}
	munmap(ro, 2 * PAGE);

	/* The driver is not left in a bad state. */
	if (!no_dma && user_round_trip("after bad pointers", 5000, 11, 22, 8, true)) {
		diag("a good transfer failed after the bad ones");
		ok = false;
	}
	return ok ? 0 : 1;
}

/* A DMA without its completion interrupt times out and resets the device. */
static int case_timeout(void)
{
	static __u8 a[PAGE], b[PAGE];
	struct edu_dmacmd_xfer x = {
		.src = (uintptr_t)a, .dst = (uintptr_t)b, .len = 100,
		.flags = EDU_XFER_NO_IRQ, .timeout_ms = 300,
	};
	bool ok = true;
	double t = now();
	int err;

	err = do_xfer(&x);
	ok &= expect_err("DMA without interrupt", err, ETIMEDOUT, t);
	if (x.ioreturn != kIOReturnTimeout) {
		diag("IOReturn %#010x (%s), expected kIOReturnTimeout",
		     (__u32)x.ioreturn, ioreturn_name(x.ioreturn));
		ok = false;
	}
	if (!no_dma && user_round_trip("after timeout", 6000, 0, 1, 9, true)) {
		diag("the device does not work after its reset");
		ok = false;
	}
	return ok ? 0 : 1;
}

/*
 * The device goes away under an open file (the driver is unbound, as on
 * hot unplug): calls on the open file fail with ENODEV, the node is gone,
 * and after binding again everything works.
 */
static int case_unbound(void)
{
	static __u8 a[PAGE];
	char path[128];
	bool ok = true;
	double t;
	int f;

	if (!env.bdf[0]) {
		diag("PCI address of the edu device unknown");
		return 1;
	}
	if (write_file("/sys/bus/pci/drivers/" DRIVER "/unbind", env.bdf)) {
		diag("unbind %s: %s", env.bdf, strerror(errno));
		return 1;
	}
	t = now();
	ok &= expect_err("ioctl on an open file", xfer_ptrs((uintptr_t)a,
							    (uintptr_t)a, 10),
			 ENODEV, t);
	t = now();
	ok &= expect_err("write() on an open file", wr(a, 10), ENODEV, t);
	t = now();
	f = open(dev_path, O_RDWR);
	ok &= expect_err("open() with no device", f < 0 ? -errno : 0, ENOENT, t);
	if (f >= 0)
		close(f);
	close(fd);
	fd = -1;

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind", DRIVER);
	if (write_file(path, env.bdf)) {
		diag("bind %s: %s", env.bdf, strerror(errno));
		return 1;
	}
	/* devtmpfs creates the node from the uevent: give it a moment. */
	for (t = now(); now() - t < 5 && access(dev_path, F_OK); )
		usleep(10000);
	fd = open_dev();
	if (fd < 0)
		return 1;
	if (!no_dma && user_round_trip("after rebind", 3000, 5, 6, 10, true)) {
		diag("the device does not work after binding again");
		ok = false;
	}
	return ok ? 0 : 1;
}

/*
 * A first small transfer.  Under swiotlb=force every mapping goes through
 * the platform's bounce pool; where that pool lies beyond the device's 28
 * bits dmacmd must refuse (kIOReturnNoResources) rather than hand the
 * device an address it would clamp.  That refusal is checked here and the
 * cases that need DMA are skipped; anywhere else it is a failure.
 */
static int probe_dma(void)
{
	static __u8 a[64], b[64];
	struct edu_dmacmd_xfer x = {
		.src = (uintptr_t)a, .dst = (uintptr_t)b, .len = sizeof(a),
	};
	int err;

	memset(a, 0x3c, sizeof(a));
	err = do_xfer(&x);
	if (!err)
		return memcmp(a, b, sizeof(a)) ? 1 : 0;
	if (env.swiotlb_force && err == -EADDRNOTAVAIL &&
	    (__u32)x.ioreturn == 0xE00002BE) {
		no_dma = "swiotlb=force pool beyond 28 bits: dmacmd refuses to map";
		diag("%s (%s, %s), checked", no_dma, strerror(-err),
		     ioreturn_name(x.ioreturn));
		return 0;
	}
	xfer_failed(err, &x);
	return 1;
}

/*
 * The driver's refusal to bind, in the kernel log: without an IOMMU, a
 * platform with no RAM below 256 MiB (arm64's virt machine: RAM from 1 GiB)
 * refuses the device's 28-bit mask, and a driver that cannot do DMA must
 * not bind.  True when the log has the driver's line for it.
 */
static bool mask_refused(void)
{
	static char log[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);

	if (n <= 0)
		return false;
	log[n] = 0;
	return !!strstr(log, "no usable 28-bit DMA configuration");
}

static int case_probe(void)
{
	struct utsname u;

	fd = open_dev();
	if (fd < 0 && errno == ENOENT && mask_refused()) {
		no_dma = "no RAM within 28 bits and no IOMMU: the driver refused to bind";
		diag("%s (the kernel refused the 28-bit mask), checked", no_dma);
		return 0;
	}
	if (fd < 0)
		return 1;
	probe_env();
	uname(&u);
	diag("kernel %s, edu at %s, %s interrupt, %s, %s", u.release,
	     env.bdf[0] ? env.bdf : "?", env.msi ? "MSI" : "no MSI",
	     env.translated ? "IOMMU translating" : "no translating IOMMU",
	     env.swiotlb_force ? "swiotlb=force" : "swiotlb not forced");
	if (!env.msi) {
		diag("the driver does not use MSI");
		return 1;
	}
	return probe_dma();
}

static const struct {
	const char *name;
	int (*fn)(void);
	bool needs_dma;		/* skipped where no DMA is possible */
} cases[] = {
	{ "probe", case_probe, false },
	{ "single_page", case_single_page, true },
	{ "many_pages", case_many_pages, true },
	{ "unaligned", case_unaligned, true },
	{ "page_crossing", case_page_crossing, true },
	{ "high_memory_pages", case_high_pages, true },
	{ "high_memory_unaligned", case_high_unaligned, true },
	{ "write_read", case_write_read, true },
	{ "bad_length", case_bad_length, false },
	{ "bad_pointer", case_bad_pointer, false },
	{ "timeout_reset", case_timeout, true },
	{ "device_unbound", case_unbound, false },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

int main(int argc, char **argv)
{
	const char *glob = NULL;
	unsigned int i, n = 0, k = 0, failed = 0;
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
			printf("    ok %u %s # SKIP %s\n", k, cur_case,
			       no_dma ? no_dma : "no edu device");
			continue;
		}
		if (cases[i].needs_dma && no_dma) {
			printf("    ok %u %s # SKIP %s\n", k, cur_case, no_dma);
			continue;
		}
		r = cases[i].fn();
		failed += r != 0;
		printf("    %s %u %s\n", r ? "not ok" : "ok", k, cur_case);
	}
	if (fd >= 0)
		close(fd);
	printf("%s 1 " SUITE "\n", failed ? "not ok" : "ok");
	return failed ? 1 : 0;
}
