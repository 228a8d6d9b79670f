// SPDX-License-Identifier: GPL-2.0-only
/*
 * kernel/vmm/vmm.c - a tiny static VMM that proves KVM/arm64's stage 2 maps
 * guest memory correctly (Documentation/vmm.rst).
 *
 *   vmm [--seed=N] [--stride=BYTES] [--plant=DEFECT] [--strict] [--verbose]
 *
 * Runs in an arm64 Linux with /dev/kvm (booted under QEMU by the project's
 * harness, in VHE, nVHE or protected mode: the VMM does not care which),
 * and prints one line per check, "vmm: ok NAME: what it showed" or
 * "vmm: FAIL NAME: what was expected and what was read", then a summary;
 * exits 0 if and only if every check passed.  Every random choice comes
 * from one seed, printed first; --seed=N repeats a run.
 *
 * The guest (guest.S) is a command loop at EL1 with its MMU off that fills,
 * checks, loads and stores where the host tells it to.  It talks to the
 * VMM through a "port", eight-byte registers at an IPA outside every
 * memslot: each access is a KVM_EXIT_MMIO, and the vCPU stops at the read
 * of the next command, so each command is one synchronous call here.  The
 * pattern puts the address into every word it writes (guest.h), so a
 * misplaced page names the IPA it was written for.
 *
 * The memslots are placed where a stage-2 table is most likely to be
 * wrong (slots[] below): IPA 0, a 4K-page slot straddling two
 * 2 MiB boundaries at unaligned ends, a THP-backed slot crossing the 512 GiB
 * line between the two concatenated level-1 tables of the default 40-bit
 * IPA space and ending half-way through a block, the last 2 MiB of the IPA
 * space, a read-only slot, and one 1 GiB hugetlbfs page (a level-1 block)
 * when the kernel has one free.  The checks, in order:
 *
 *   kvm-api, create-vm, vcpu-init, memslots, boot: the ioctls, the default
 *	IPA size, PC and x0 set through KVM_SET_ONE_REG and read back, the
 *	guest reaching its command loop from IPA 0.
 *   guest-fill SLOT, host-fill SLOT: the guest writes the pattern into every
 *	word (every --stride bytes, default 8) and the host reads it through its own
 *	mapping, then the other way round with another seed.
 *   thp SLOT: the THP slots really are backed by huge pages (smaps), so
 *	stage 2 had blocks to map.
 *   readonly: a KVM_MEM_READONLY slot reads as the host wrote it, and each
 *	store to it exits as MMIO and leaves memory unchanged.
 *   mmio-store, mmio-load, mmio-load-signed: stores and loads of every
 *	size to IPAs with no memslot (a hole, and the words just outside each
 *	slot's ends, including the tail of a 2 MiB block that a slot covers
 *	only in part) exit with the right address, length, direction and
 *	data; loads get the host's data, zero- or sign-extended as the
 *	instruction says (a skip when the CPU's syndrome lacks SSE, as under
 *	QEMU 7.2's TCG, unless --strict).
 *   slot-edges: the first and last words of every slot are memory.
 *   dirty-log 1..3, dirty-log-off: logging on the THP slot (block mapped
 *	until then, so KVM must write-protect and split the blocks) and the
 *	4K slot; the guest writes an irregular page set; KVM_GET_DIRTY_LOG
 *	must report exactly that set, then exactly the second round's set
 *	(reads in between dirty nothing), then nothing; after logging is off
 *	the memory holds exactly what was written, and a guest rewrite of
 *	the whole slot (blocks coalescing again) reads back on the host.
 *   exec SLOT: code the host writes into a data page (in a block, for huge)
 *	runs when the guest calls it: the instruction fault grants execute.
 *   host-unmap SLOT: the host drops one page (MADV_DONTNEED, inside a block)
 *	and writes a new one in its place: the guest must see the new page,
 *	so KVM's MMU notifier really unmapped the old one from stage 2.
 *   host-remap huge: the host maps new memory over the whole slot: the
 *	guest must see only the new memory.
 *   zero-cow: the guest reads fresh THP memory first (the host's huge zero
 *	page, mapped read-only), then writes it: the copy must replace the
 *	zero page in stage 2.
 *   slot-move, slot-delete, slot-recreate SLOT: a moved slot's data is at
 *	the new IPA and the old one exits as MMIO; a deleted slot exits as
 *	MMIO; recreated elsewhere it has its data and takes new writes.
 *   smp-boot, smp-pages, smp-words, smp-dirty: four vCPUs on their own
 *	threads fault a fresh THP slot concurrently, on disjoint pages and on
 *	shared pages (each owning every fourth word), check it concurrently,
 *	and dirty disjoint page sets that one KVM_GET_DIRTY_LOG must report.
 *
 * Exactness of the dirty log (Linux 6.1, arm64, without
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2): enabling logging write-protects the
 * slot and starts from an empty bitmap; a page becomes dirty only in a
 * successful stage-2 write fault (user_mem_abort maps read faults read-only
 * while logging); KVM_GET_DIRTY_LOG returns and clears the bitmap and
 * write-protects the pages it returned.  Nothing else writes guest memory
 * here (no steal time, no vGIC tables), so the set is exactly the pages the
 * guest wrote since the previous get, and the VMM requires equality.
 *
 * --plant=DEFECT makes the host expect something false, to show that the
 * checks can fail: "pattern" (guest-fill huge expects another seed),
 * "dirty" (the first dirty round expects one unwritten page), "mmio"
 * (mmio-store expects the address 8 bytes on), "move" (slot-move small
 * looks for the data at the wrong offset).
 *
 * The guest's MMU is off, so its accesses are non-cacheable unless stage 2
 * forces write-back (FEAT_S2FWB) while the host's are cacheable: the host
 * cleans and invalidates to the point of coherency around each hand-over
 * (DC CIVAC, allowed at EL0 by Linux), which makes the checks valid on
 * hardware as well as under TCG, where it costs nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "guest.h"

typedef __u64 u64;

#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB	(30 << MAP_HUGE_SHIFT)
#endif

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define SZ_4K		0x1000ULL
#define SZ_64K		0x10000ULL
#define SZ_1M		0x100000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define SZ_512G		0x8000000000ULL
#define PAGE		SZ_4K

#define NR_VCPUS	4
#define WATCHDOG_SECONDS 60
/* One command costs a dozen exits; a runaway guest would cost millions. */
#define MAX_EXITS_PER_CMD 100000
#define MAX_ACCESSES	16
#define DEFAULT_IPA_BITS 40

/* ------------------------------------------------------------------ output */

static unsigned int checks_passed, checks_failed, checks_skipped;
static unsigned long total_exits;
static bool verbose, strict;
static const char *plant = "";
static char watchdog_line[160];

struct check {
	char name[64];
	char why[640];
	unsigned long problems;
	struct timespec start;
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static bool planted(const char *defect)
{
	return !strcmp(plant, defect);
}

static void on_watchdog(int sig)
{
	ssize_t ignored;

	(void)sig;
	ignored = write(STDOUT_FILENO, watchdog_line, strlen(watchdog_line));
	(void)ignored;
	_exit(2);
}

static void __printf(2, 3)
check_begin(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
	c->why[0] = '\0';
	c->problems = 0;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	/* A vCPU stuck in KVM_RUN (a fault KVM retries forever) ends the run. */
	snprintf(watchdog_line, sizeof(watchdog_line),
		 "vmm: FAIL %s: no result after %d s (a vCPU stuck in KVM_RUN?)\n",
		 c->name, WATCHDOG_SECONDS);
	alarm(WATCHDOG_SECONDS);
}

/* Records a problem; the first few are kept for the FAIL line. */
static void __printf(2, 3)
check_fail(struct check *c, const char *fmt, ...)
{
	size_t used = strlen(c->why);
	va_list ap;

	if (c->problems++ >= 4 || used + 8 >= sizeof(c->why))
		return;
	if (used)
		used += snprintf(c->why + used, sizeof(c->why) - used, "; ");
	va_start(ap, fmt);
	vsnprintf(c->why + used, sizeof(c->why) - used, fmt, ap);
	va_end(ap);
}

static bool check_failed(const struct check *c)
{
	return c->problems != 0;
}

/* Prints the check's line: fmt says what a pass showed. */
static bool __printf(2, 3)
check_end(struct check *c, const char *fmt, ...)
{
	va_list ap;

	alarm(0);
	if (check_failed(c)) {
		checks_failed++;
		printf("vmm: FAIL %s: %s", c->name, c->why);
		if (c->problems > 4)
			printf("; and %lu more", c->problems - 4);
		printf(" [%.2f s]\n", seconds_since(&c->start));
	} else {
		checks_passed++;
		printf("vmm: ok %s: ", c->name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(" [%.2f s]\n", seconds_since(&c->start));
	}
	fflush(stdout);
	return !check_failed(c);
}

static void check_skip(const char *name, const char *why)
{
	checks_skipped++;
	printf("vmm: skip %s: %s\n", name, why);
	fflush(stdout);
}

/* ------------------------------------------------------- randomness, pattern */

static u64 splitmix64(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 rng_state;

static u64 random_below(u64 bound)
{
	return splitmix64(&rng_state) % bound;
}

/* What the word at IPA a holds, written for pattern address a + delta. */
static u64 pattern(u64 a, u64 seed, u64 delta)
{
	return (a + delta) ^ seed;
}

/* ---------------------------------------------------------------- memory */

/*
 * Where the guest's memory is (IPA), and why there.  A memslot is a struct
 * slot; ipa changes when the slot moves.
 */
struct slot {
	const char *name;
	__u32 id;
	u64 ipa;
	u64 size;
	bool huge;		/* 2 MiB-aligned THP: stage 2 may use blocks */
	__u32 flags;		/* KVM_MEM_READONLY */
	unsigned char *hva;	/* NULL: the slot could not be mapped */
	bool hugetlb;		/* 1 GiB hugetlbfs pages: stage 2 may use level-1 blocks */
};

enum {
	SLOT_CODE, SLOT_SMALL, SLOT_HUGE, SLOT_TOP, SLOT_RO, SLOT_SMP, SLOT_ZERO, SLOT_GIANT,
	NR_SLOTS
};

static struct slot slots[NR_SLOTS] = {
	/* The guest's code at IPA 0: the first entry of every level. */
	[SLOT_CODE] = { "code", SLOT_CODE, 0, SZ_64K, false, 0, NULL },
	/*
	 * 4K pages from 0x401f0000 to 0x40410000: level-3 tables on both
	 * sides of two 2 MiB boundaries, neither end block-aligned.
	 */
	[SLOT_SMALL] = { "small", SLOT_SMALL, 0x401f0000, 2 * SZ_1M + 2 * SZ_64K,
			 false, 0, NULL },
	/*
	 * 7 MiB of THP from 4 MiB below to 3 MiB above 512 GiB, where the
	 * 40-bit IPA space moves to its second concatenated level-1 table;
	 * the last 1 MiB is half a block, so it must be mapped with pages.
	 */
	[SLOT_HUGE] = { "huge", SLOT_HUGE, SZ_512G - 4 * SZ_1M, 7 * SZ_1M, true, 0,
			NULL },
	/* The last 2 MiB of the IPA space (ipa set from the IPA size). */
	[SLOT_TOP] = { "top", SLOT_TOP, 0, SZ_2M, true, 0, NULL },
	[SLOT_RO] = { "ro", SLOT_RO, 0x50000000, SZ_64K, false, KVM_MEM_READONLY, NULL },
	/* Fresh memory for the concurrent faults of smp-*. */
	[SLOT_SMP] = { "smp", SLOT_SMP, 4 * SZ_1G, 8 * SZ_1M, true, 0, NULL },
	/* Never touched before zero-cow: the guest's first access is a read. */
	[SLOT_ZERO] = { "zero", SLOT_ZERO, 14 * SZ_1G, 4 * SZ_1M, true, 0, NULL },
	/* One 1 GiB hugetlbfs page, if the kernel has one (hugepagesz=1G). */
	[SLOT_GIANT] = { "giant", SLOT_GIANT, 256 * SZ_1G, SZ_1G, false, 0, NULL, true },
};

/* A 1 GiB slot is checked one word a page: 256K words, not 128M. */
static u64 slot_stride(const struct slot *s);

/* The ports, and a hole that no slot ever covers. */
#define PORT_IPA	0x10000000ULL	/* vCPU i's at + i * PORT_SIZE */
#define HOLE_IPA	0x20000000ULL

/* Where slot-move and slot-recreate put the small and the huge slot. */
static const u64 move_ipa[NR_SLOTS] = {
	[SLOT_SMALL] = 0x60003000, [SLOT_HUGE] = 3 * SZ_1G,
};
static const u64 recreate_ipa[NR_SLOTS] = {
	[SLOT_SMALL] = 9 * SZ_1G + 0x5000, [SLOT_HUGE] = 768 * SZ_1G,
};

static u64 stride = 8;
static unsigned int dcache_line;
static bool cpu_has_dic;	/* CTR_EL0.DIC: no icache maintenance for coherence */

static void dcache_init(void)
{
	u64 ctr;

	asm volatile("mrs %0, ctr_el0" : "=r"(ctr));
	dcache_line = 4U << ((ctr >> 16) & 0xf);
	cpu_has_dic = ctr >> 29 & 1;
}

/*
 * Clean and invalidate [p, p + len) to the point of coherency: before the
 * guest reads what the host wrote, and before the host reads what the guest
 * wrote (dropping lines the host's mapping may have fetched meanwhile).
 */
static void dcache_sync(const void *p, u64 len)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(dcache_line - 1);
	uintptr_t end = (uintptr_t)p + len;

	for (; a < end; a += dcache_line)
		asm volatile("dc civac, %0" : : "r"(a) : "memory");
	asm volatile("dsb ish" : : : "memory");
}

/* The same for the words at step in [off, off + len) of a slot: sparse words, sparse lines. */
static void dcache_sync_words(const struct slot *s, u64 off, u64 len, u64 step)
{
	u64 o;

	if (step < dcache_line) {
		dcache_sync(s->hva + off, len);
		return;
	}
	for (o = off; o < off + len; o += step)
		asm volatile("dc civac, %0" : : "r"(s->hva + o) : "memory");
	asm volatile("dsb ish" : : : "memory");
}

static u64 slot_stride(const struct slot *s)
{
	return s->hugetlb ? PAGE : stride;
}

static u64 *slot_word(const struct slot *s, u64 off)
{
	return (u64 *)(s->hva + off);
}

/* The slot's own VMA, 2 MiB-aligned when huge, with the THP advice. */
static int slot_map(struct slot *s)
{
	u64 span = s->size + PAGE + (s->huge ? SZ_2M : 0);
	unsigned char *p, *start, *guard;

	if (s->hugetlb) {
		p = mmap(NULL, s->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		s->hva = p;
		return 0;
	}

	p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	start = p;
	if (s->huge)
		start = (unsigned char *)(((uintptr_t)p + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1));
	if (start > p)
		munmap(p, start - p);
	/* A PROT_NONE page after the slot keeps its VMA (smaps) its own. */
	guard = start + s->size;
	if (mprotect(guard, PAGE, PROT_NONE))
		return -errno;
	if (p + span > guard + PAGE)
		munmap(guard + PAGE, p + span - (guard + PAGE));
	if (madvise(start, s->size, s->huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		return -errno;
	s->hva = start;
	return 0;
}

/* ------------------------------------------------------------------- KVM */

struct vcpu;

struct vm {
	int kvm;
	int fd;
	unsigned int ipa_bits;
	unsigned int nr_vcpus;
	size_t run_size;
	struct vcpu *vcpu;
};

/* A guest access to an IPA with no memslot (other than the port). */
struct access {
	u64 addr;
	__u32 len;
	bool write;
	u64 data;
};

struct vcpu {
	unsigned int id;
	int fd;
	struct kvm_run *run;
	u64 port;
	bool at_cmd;		/* stopped at its read of PORT_CMD */
	bool dead;
	u64 arg[5];
	u64 answer;		/* the data of reads from non-port IPAs */
	/* what the last command reported */
	u64 value;
	unsigned int nvalues;
	u64 bad_addr[CHECK_MAX_REPORTS];
	u64 bad_value[CHECK_MAX_REPORTS];
	unsigned int nbad;
	u64 count;
	bool counted;
	struct access acc[MAX_ACCESSES];
	unsigned int nacc;
	char error[256];
};

static struct vm vm;

static int slot_set(const struct slot *s, u64 ipa, u64 size, __u32 flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = s->id,
		.flags = flags,
		.guest_phys_addr = ipa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)s->hva,
	};

	return ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

static u64 core_reg(size_t offset)
{
	return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offset / sizeof(__u32));
}

static int reg_set(struct vcpu *v, u64 id, u64 val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&val };

	return ioctl(v->fd, KVM_SET_ONE_REG, &r) ? -errno : 0;
}

static int reg_get(struct vcpu *v, u64 id, u64 *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return ioctl(v->fd, KVM_GET_ONE_REG, &r) ? -errno : 0;
}

static const char *exit_name(__u32 reason)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN: return "UNKNOWN";
	case KVM_EXIT_EXCEPTION: return "EXCEPTION";
	case KVM_EXIT_HYPERCALL: return "HYPERCALL";
	case KVM_EXIT_DEBUG: return "DEBUG";
	case KVM_EXIT_MMIO: return "MMIO";
	case KVM_EXIT_SHUTDOWN: return "SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case KVM_EXIT_INTR: return "INTR";
	case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	case KVM_EXIT_SYSTEM_EVENT: return "SYSTEM_EVENT";
	case KVM_EXIT_ARM_NISV: return "ARM_NISV";
	default: return "?";
	}
}

static bool __printf(2, 3)
vcpu_die(struct vcpu *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->error, sizeof(v->error), fmt, ap);
	va_end(ap);
	v->dead = true;
	return false;
}

static void mmio_put(struct kvm_run *r, u64 data)
{
	memcpy(r->mmio.data, &data, sizeof(r->mmio.data));
}

enum mmio_next { MMIO_GO_ON, MMIO_AT_CMD, MMIO_STOP };

static enum mmio_next port_write(struct vcpu *v, u64 reg, u64 data)
{
	switch (reg) {
	case PORT_VALUE:
		v->value = data;
		v->nvalues++;
		return MMIO_GO_ON;
	case PORT_BAD_ADDR:
		if (v->nbad < CHECK_MAX_REPORTS)
			v->bad_addr[v->nbad] = data;
		return MMIO_GO_ON;
	case PORT_BAD_VALUE:
		if (v->nbad < CHECK_MAX_REPORTS)
			v->bad_value[v->nbad++] = data;
		return MMIO_GO_ON;
	case PORT_COUNT:
		v->count = data;
		v->counted = true;
		return MMIO_GO_ON;
	case PORT_UNKNOWN:
		vcpu_die(v, "the guest rejected command or argument 0x%llx", data);
		return MMIO_STOP;
	case PORT_EXC_ESR:
		v->arg[0] = data;
		return MMIO_GO_ON;
	case PORT_EXC_ELR:
		v->arg[1] = data;
		return MMIO_GO_ON;
	case PORT_EXC_FAR:
		vcpu_die(v, "guest exception: ESR_EL1 0x%llx at ELR_EL1 0x%llx, FAR_EL1 0x%llx",
			 v->arg[0], v->arg[1], data);
		return MMIO_STOP;
	}
	vcpu_die(v, "guest write of 0x%llx to port register +0x%llx", data, reg);
	return MMIO_STOP;
}

static enum mmio_next mmio_exit(struct vcpu *v)
{
	struct kvm_run *r = v->run;
	u64 addr = r->mmio.phys_addr, reg = addr - v->port, data = 0;

	if (addr < v->port || reg >= PORT_SIZE) {
		struct access a = { addr, r->mmio.len, r->mmio.is_write, 0 };

		if (a.len <= 8)
			memcpy(&a.data, r->mmio.data, a.len);
		if (verbose)
			printf("vmm:   vcpu %u: MMIO %s of %u bytes at 0x%llx: 0x%llx\n", v->id,
			       a.write ? "write" : "read", a.len, addr,
			       a.write ? a.data : v->answer);
		if (v->nacc < MAX_ACCESSES)
			v->acc[v->nacc] = a;
		v->nacc++;
		if (!a.write)
			mmio_put(r, v->answer);
		return MMIO_GO_ON;
	}
	if (r->mmio.len != 8 || (reg & 7)) {
		vcpu_die(v, "port access of %u bytes at +0x%llx", r->mmio.len, reg);
		return MMIO_STOP;
	}
	memcpy(&data, r->mmio.data, 8);
	if (r->mmio.is_write)
		return port_write(v, reg, data);
	if (reg == PORT_CMD)
		return MMIO_AT_CMD;
	if (reg >= PORT_ARG0 && reg <= PORT_ARG4) {
		mmio_put(r, v->arg[(reg - PORT_ARG0) / 8]);
		return MMIO_GO_ON;
	}
	vcpu_die(v, "guest read of port register +0x%llx", reg);
	return MMIO_STOP;
}

/* Runs the vCPU until it asks for its next command. */
static bool vcpu_run(struct vcpu *v)
{
	struct kvm_run *r = v->run;
	unsigned long exits;

	for (exits = 0; exits < MAX_EXITS_PER_CMD; exits++) {
		__atomic_add_fetch(&total_exits, 1, __ATOMIC_RELAXED);
		if (ioctl(v->fd, KVM_RUN, 0)) {
			if (errno == EINTR)
				continue;
			return vcpu_die(v, "KVM_RUN: %s", strerror(errno));
		}
		if (r->exit_reason == KVM_EXIT_FAIL_ENTRY)
			return vcpu_die(v, "exit FAIL_ENTRY, reason 0x%llx",
					r->fail_entry.hardware_entry_failure_reason);
		if (r->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			return vcpu_die(v, "exit INTERNAL_ERROR, suberror %u",
					r->internal.suberror);
		if (r->exit_reason != KVM_EXIT_MMIO)
			return vcpu_die(v, "exit %u (%s) where only MMIO exits are expected",
					r->exit_reason, exit_name(r->exit_reason));
		switch (mmio_exit(v)) {
		case MMIO_GO_ON:
			break;
		case MMIO_AT_CMD:
			v->at_cmd = true;
			return true;
		case MMIO_STOP:
			return false;
		}
	}
	return vcpu_die(v, "more than %d exits in one command", MAX_EXITS_PER_CMD);
}

static const char *cmd_name(u64 cmd)
{
	static const char *const names[] = {
		[CMD_FILL] = "fill", [CMD_CHECK] = "check", [CMD_STORE] = "store",
		[CMD_LOAD] = "load", [CMD_CALL] = "call",
	};

	return cmd < ARRAY_SIZE(names) && names[cmd] ? names[cmd] : "?";
}

/* One guest command, synchronously: answers its reads, collects its reports. */
static bool vcpu_cmd(struct vcpu *v, u64 cmd, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
	if (v->dead)
		return false;
	if (!v->at_cmd)
		return vcpu_die(v, "not at its command loop");
	v->nvalues = v->nbad = v->nacc = 0;
	v->counted = false;
	v->arg[0] = a0;
	v->arg[1] = a1;
	v->arg[2] = a2;
	v->arg[3] = a3;
	v->arg[4] = a4;
	if (verbose)
		printf("vmm:   vcpu %u: %s 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx\n", v->id,
		       cmd_name(cmd), a0, a1, a2, a3, a4);
	mmio_put(v->run, cmd);
	v->at_cmd = false;
	return vcpu_run(v);
}

static void report_vcpu_error(struct check *c, struct vcpu *v)
{
	check_fail(c, "vCPU %u: %s", v->id, v->error[0] ? v->error : "stopped earlier");
}

/* Where an IPA is: "IPA 0x... (slot huge +0x...)". */
static const char *ipa_desc(char *buf, size_t len, u64 ipa)
{
	unsigned int i;

	for (i = 0; i < NR_SLOTS; i++) {
		if (slots[i].hva && ipa >= slots[i].ipa && ipa - slots[i].ipa < slots[i].size) {
			snprintf(buf, len, "IPA 0x%llx (%s+0x%llx)", ipa, slots[i].name,
				 ipa - slots[i].ipa);
			return buf;
		}
	}
	snprintf(buf, len, "IPA 0x%llx", ipa);
	return buf;
}

/* What a wrong word was: whose pattern it is, if it is one. */
static const char *word_desc(char *buf, size_t len, u64 got, u64 seed, u64 delta)
{
	u64 a = (got ^ seed) - delta;

	if (!got)
		snprintf(buf, len, "zero");
	else if (a < (1ULL << vm.ipa_bits) && !(a & 7))
		snprintf(buf, len, "the word for IPA 0x%llx", a);
	else
		snprintf(buf, len, "not this pattern");
	return buf;
}

/* Any access outside the port during a FILL or a CHECK is a bug. */
static void fail_accesses(struct check *c, struct vcpu *v, const char *during)
{
	char b[96];
	unsigned int i;

	for (i = 0; i < v->nacc && i < MAX_ACCESSES; i++)
		check_fail(c, "vCPU %u: %s of %s exited as MMIO (%s of %u bytes)", v->id, during,
			   ipa_desc(b, sizeof(b), v->acc[i].addr),
			   v->acc[i].write ? "write" : "read", v->acc[i].len);
}

static bool guest_fill(struct check *c, struct vcpu *v, u64 ipa, u64 len, u64 step,
		       u64 seed, u64 delta)
{
	if (!vcpu_cmd(v, CMD_FILL, ipa, len, step, seed, delta)) {
		report_vcpu_error(c, v);
		return false;
	}
	fail_accesses(c, v, "a fill");
	return v->nacc == 0;
}

/* The guest's view: every word at step in [ipa, ipa + len) holds the pattern. */
static bool guest_check(struct check *c, struct vcpu *v, u64 ipa, u64 len, u64 step,
			u64 seed, u64 delta)
{
	char b1[96], b2[64];
	unsigned int i;

	if (!vcpu_cmd(v, CMD_CHECK, ipa, len, step, seed, delta)) {
		report_vcpu_error(c, v);
		return false;
	}
	fail_accesses(c, v, "a check");
	for (i = 0; i < v->nbad; i++)
		check_fail(c, "guest read 0x%016llx (%s) at %s, expected 0x%016llx",
			   v->bad_value[i], word_desc(b2, sizeof(b2), v->bad_value[i], seed, delta),
			   ipa_desc(b1, sizeof(b1), v->bad_addr[i]),
			   pattern(v->bad_addr[i], seed, delta));
	if (!v->counted)
		check_fail(c, "the guest's check reported no count");
	else if (v->count > v->nbad)
		check_fail(c, "the guest found %llu wrong words in all", v->count);
	return v->counted && !v->count && !v->nacc;
}

/* The host's view of the same, through its own mapping of the slot. */
static unsigned long host_check(struct check *c, const struct slot *s, u64 off, u64 len,
				u64 step, u64 seed, u64 delta)
{
	unsigned long bad = 0;
	char b1[96], b2[64];
	u64 o;

	dcache_sync_words(s, off, len, step);
	for (o = off; o < off + len; o += step) {
		u64 got = *slot_word(s, o), want = pattern(s->ipa + o, seed, delta);

		if (got == want)
			continue;
		bad++;
		check_fail(c, "host read 0x%016llx (%s) at %s, expected 0x%016llx", got,
			   word_desc(b2, sizeof(b2), got, seed, delta),
			   ipa_desc(b1, sizeof(b1), s->ipa + o), want);
	}
	return bad;
}

static void host_fill(const struct slot *s, u64 off, u64 len, u64 step, u64 seed)
{
	u64 o;

	for (o = off; o < off + len; o += step)
		*slot_word(s, o) = pattern(s->ipa + o, seed, 0);
	dcache_sync_words(s, off, len, step);
}

/* "IPA 0x401f0000-0x4040ffff (2 MiB + 128 KiB, 544 pages, 2 block boundaries)" */
static const char *range_desc(char *buf, size_t len, u64 ipa, u64 size)
{
	u64 end = ipa + size, blocks = (end - 1) / SZ_2M - ipa / SZ_2M;
	u64 gigs = (end - 1) / SZ_1G - ipa / SZ_1G;
	u64 kib = size / 1024;

	snprintf(buf, len, "IPA 0x%llx-0x%llx (%llu KiB, %llu pages, %llu block and %llu 1 GiB boundaries%s)",
		 ipa, end - 1, kib, size / PAGE, blocks, gigs,
		 (end - 1) / SZ_512G != ipa / SZ_512G ? ", the 512 GiB boundary" : "");
	return buf;
}

/* --------------------------------------------------------------- checks */

static u64 seed;
static u64 fill_seed[NR_SLOTS];	/* the pattern each slot holds now */

static u64 derive_seed(unsigned int n)
{
	u64 s = seed + n * 0x1000193ULL;

	/* Nonzero in the high bits, so a pattern word is never an address. */
	return splitmix64(&s) | (1ULL << 63);
}

static bool check_kvm_api(void)
{
	struct check c;
	int api, ipa_max, slots_max, vcpus_max;

	check_begin(&c, "kvm-api");
	vm.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm.kvm < 0) {
		check_fail(&c, "open /dev/kvm: %s", strerror(errno));
		return check_end(&c, "-");
	}
	api = ioctl(vm.kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION)
		check_fail(&c, "KVM_GET_API_VERSION %d, expected %d", api, KVM_API_VERSION);
	if (ioctl(vm.kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0)
		check_fail(&c, "no KVM_CAP_USER_MEMORY");
	if (ioctl(vm.kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) <= 0)
		check_fail(&c, "no KVM_CAP_READONLY_MEM");
	ipa_max = ioctl(vm.kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
	slots_max = ioctl(vm.kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	vcpus_max = ioctl(vm.kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (slots_max < NR_SLOTS)
		check_fail(&c, "KVM_CAP_NR_MEMSLOTS %d, fewer than %d", slots_max, NR_SLOTS);
	vm.nr_vcpus = vcpus_max >= NR_VCPUS ? NR_VCPUS :
		      vcpus_max > 0 ? (unsigned int)vcpus_max : 1;
	api = ioctl(vm.kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (api < (int)sizeof(struct kvm_run))
		check_fail(&c, "KVM_GET_VCPU_MMAP_SIZE %d", api);
	vm.run_size = api > 0 ? (size_t)api : 0;
	api = ioctl(vm.kvm, KVM_GET_API_VERSION, 0);
	return check_end(&c, "API %d, IPA size up to %d bits, %d memslots, %d vCPUs", api, ipa_max,
			 slots_max, vcpus_max);
}

static bool check_create_vm(void)
{
	struct check c;

	check_begin(&c, "create-vm");
	/* Type 0: the default IPA size, which 6.1 fixes at 40 bits. */
	vm.fd = ioctl(vm.kvm, KVM_CREATE_VM, 0);
	if (vm.fd < 0) {
		check_fail(&c, "KVM_CREATE_VM(0): %s", strerror(errno));
		return check_end(&c, "-");
	}
	vm.ipa_bits = DEFAULT_IPA_BITS;
	slots[SLOT_TOP].ipa = (1ULL << vm.ipa_bits) - slots[SLOT_TOP].size;
	return check_end(&c, "KVM_CREATE_VM type 0: a %u-bit IPA space (2 concatenated level-1 tables)",
			 vm.ipa_bits);
}

static bool vcpu_create(struct check *c, struct kvm_vcpu_init *init, struct vcpu *v)
{
	u64 pc = ~0ULL, x0 = ~0ULL, pstate = 0;
	int err;

	v->fd = ioctl(vm.fd, KVM_CREATE_VCPU, v->id);
	if (v->fd < 0) {
		check_fail(c, "KVM_CREATE_VCPU %u: %s", v->id, strerror(errno));
		return false;
	}
	v->run = mmap(NULL, vm.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		check_fail(c, "mmap of vCPU %u's kvm_run: %s", v->id, strerror(errno));
		return false;
	}
	if (ioctl(v->fd, KVM_ARM_VCPU_INIT, init)) {
		check_fail(c, "KVM_ARM_VCPU_INIT %u: %s", v->id, strerror(errno));
		return false;
	}
	v->port = PORT_IPA + v->id * PORT_SIZE;
	err = reg_set(v, core_reg(offsetof(struct kvm_regs, regs.pc)), slots[SLOT_CODE].ipa);
	if (!err)
		err = reg_set(v, core_reg(offsetof(struct kvm_regs, regs.regs[0])), v->port);
	if (!err)
		err = reg_get(v, core_reg(offsetof(struct kvm_regs, regs.pc)), &pc);
	if (!err)
		err = reg_get(v, core_reg(offsetof(struct kvm_regs, regs.regs[0])), &x0);
	if (!err)
		err = reg_get(v, core_reg(offsetof(struct kvm_regs, regs.pstate)), &pstate);
	if (err) {
		check_fail(c, "vCPU %u: KVM_SET/GET_ONE_REG: %s", v->id, strerror(-err));
		return false;
	}
	if (pc != slots[SLOT_CODE].ipa || x0 != v->port)
		check_fail(c, "vCPU %u: read back PC 0x%llx, x0 0x%llx", v->id, pc, x0);
	/* Reset state: EL1h (M[3:0] = 0b0101), MMU off. */
	if ((pstate & 0xf) != 0x5)
		check_fail(c, "vCPU %u: PSTATE 0x%llx is not EL1h", v->id, pstate);
	return !check_failed(c);
}

static bool check_vcpu_init(void)
{
	struct kvm_vcpu_init init;
	struct check c;
	unsigned int i;

	check_begin(&c, "vcpu-init");
	if (ioctl(vm.fd, KVM_ARM_PREFERRED_TARGET, &init)) {
		check_fail(&c, "KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
		return check_end(&c, "-");
	}
	vm.vcpu = calloc(vm.nr_vcpus, sizeof(*vm.vcpu));
	for (i = 0; i < vm.nr_vcpus; i++) {
		vm.vcpu[i].id = i;
		if (!vcpu_create(&c, &init, &vm.vcpu[i]))
			break;
	}
	return check_end(&c, "%u vCPUs of target %u, PC 0x%llx and x0 = port set and read back, EL1h",
			 vm.nr_vcpus, init.target, slots[SLOT_CODE].ipa);
}

static bool check_memslots(void)
{
	unsigned int i, created = 0;
	char b[160];
	struct check c;
	int err;

	check_begin(&c, "memslots");
	for (i = 0; i < NR_SLOTS; i++) {
		struct slot *s = &slots[i];

		err = slot_map(s);
		if (err && s->hugetlb) {
			snprintf(b, sizeof(b), "no 1 GiB hugetlbfs page (mmap: %s): boot with hugepagesz=1G hugepages=1 to check level-1 blocks",
				 strerror(-err));
			check_skip("giant", b);
			continue;
		}
		if (err) {
			check_fail(&c, "mmap of slot %s: %s", s->name, strerror(-err));
			continue;
		}
		created++;
		if (i == SLOT_CODE) {
			memcpy(s->hva, guest_code, guest_code_end - guest_code);
			dcache_sync(s->hva, s->size);
		}
		if (i == SLOT_RO) {
			fill_seed[i] = derive_seed(100);
			host_fill(s, 0, s->size, 8, fill_seed[i]);
		}
		err = slot_set(s, s->ipa, s->size, s->flags);
		if (err)
			check_fail(&c, "KVM_SET_USER_MEMORY_REGION %s %s: %s", s->name,
				   range_desc(b, sizeof(b), s->ipa, s->size), strerror(-err));
		else
			printf("vmm:   slot %u %-5s %s%s%s\n", s->id, s->name,
			       range_desc(b, sizeof(b), s->ipa, s->size),
			       s->hugetlb ? ", a 1 GiB hugetlbfs page" : s->huge ? ", THP" :
			       ", 4K pages",
			       s->flags & KVM_MEM_READONLY ? ", read-only" : "");
	}
	return check_end(&c, "%u slots; guest code %ld bytes at IPA 0", created,
			 (long)(guest_code_end - guest_code));
}

static bool check_boot(struct vcpu *v)
{
	struct check c;

	check_begin(&c, v->id ? "smp-boot %u" : "boot", v->id);
	if (!vcpu_run(v))
		report_vcpu_error(&c, v);
	else if (v->nacc || v->nvalues)
		check_fail(&c, "vCPU %u: accesses before its first command", v->id);
	return check_end(&c, "vCPU %u ran from IPA 0 to its first read of port 0x%llx",
			 v->id, v->port);
}

static void check_guest_fill(struct slot *s)
{
	u64 sd = derive_seed(1 + s->id), want = planted("pattern") && s->id == SLOT_HUGE ? sd ^ 8 : sd;
	struct vcpu *v = &vm.vcpu[0];
	char b[160];
	struct check c;

	u64 step = slot_stride(s);

	check_begin(&c, "guest-fill %s", s->name);
	if (guest_fill(&c, v, s->ipa, s->size, step, sd, 0))
		host_check(&c, s, 0, s->size, step, want, 0);
	fill_seed[s->id] = sd;
	check_end(&c, "the host reads the guest's pattern in all %llu words (one every %llu bytes) of %s",
		  s->size / step, step, range_desc(b, sizeof(b), s->ipa, s->size));
}

static void check_host_fill(struct slot *s)
{
	u64 sd = derive_seed(11 + s->id), step = slot_stride(s);
	struct check c;

	check_begin(&c, "host-fill %s", s->name);
	host_fill(s, 0, s->size, step, sd);
	guest_check(&c, &vm.vcpu[0], s->ipa, s->size, step, sd, 0);
	fill_seed[s->id] = sd;
	check_end(&c, "the guest reads the host's pattern in all %llu words", s->size / step);
}

/* The VMA's AnonHugePages, from /proc/self/smaps. */
static long anon_huge_kib(const void *hva)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	bool in = false;
	long kib = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)hva >= lo && (uintptr_t)hva < hi;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

static void check_thp(struct slot *s)
{
	char mode[128] = "", name[32];
	long want = (long)(s->size / SZ_2M * SZ_2M / 1024), kib;
	struct check c;
	FILE *f;

	snprintf(name, sizeof(name), "thp %s", s->name);
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = '\0';
		fclose(f);
	}
	if (!strstr(mode, "[always]") && !strstr(mode, "[madvise]")) {
		check_skip(name, "no transparent huge pages: stage 2 has no blocks to map");
		return;
	}
	check_begin(&c, "%s", name);
	kib = anon_huge_kib(s->hva);
	if (kib != want)
		check_fail(&c, "AnonHugePages %ld kB, expected %ld kB (every whole 2 MiB of the slot)",
			   kib, want);
	check_end(&c, "%ld kB of the slot's %llu kB are huge pages, so stage 2 can map blocks",
		  kib, s->size / 1024);
}

static void check_readonly(void)
{
	static const u64 sizes[] = { 1, 2, 4, 8 };
	struct slot *s = &slots[SLOT_RO];
	struct vcpu *v = &vm.vcpu[0];
	u64 sd = fill_seed[SLOT_RO];
	unsigned int i, stores = 0;
	struct check c;

	check_begin(&c, "readonly");
	guest_check(&c, v, s->ipa, s->size, 8, sd, 0);
	for (i = 0; i < 4 * 4 && !v->dead; i++) {
		u64 off = (i * 0x1230 + 0x40) & (s->size - 1) & ~7ULL, size = sizes[i % 4];
		u64 ipa = s->ipa + off, val = 0x0102030405060708ULL * (i + 1);
		u64 mask = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;

		if (!vcpu_cmd(v, CMD_STORE, ipa, val, size, 0, 0)) {
			report_vcpu_error(&c, v);
			break;
		}
		stores++;
		if (v->nacc != 1 || v->acc[0].addr != ipa || !v->acc[0].write ||
		    v->acc[0].len != size || v->acc[0].data != (val & mask))
			check_fail(&c, "a %llu-byte store of 0x%llx to 0x%llx: %u MMIO exits, the first %s %u bytes at 0x%llx: 0x%llx",
				   size, val, ipa, v->nacc, v->nacc && v->acc[0].write ? "write" : "read",
				   v->nacc ? v->acc[0].len : 0, v->nacc ? v->acc[0].addr : 0,
				   v->nacc ? v->acc[0].data : 0);
		dcache_sync(s->hva + off, 8);
		if (*slot_word(s, off) != pattern(ipa, sd, 0))
			check_fail(&c, "the store to 0x%llx changed memory to 0x%llx", ipa,
				   *slot_word(s, off));
		if (!vcpu_cmd(v, CMD_LOAD, ipa, LOAD_U64, 0, 0, 0)) {
			report_vcpu_error(&c, v);
			break;
		}
		if (v->nacc || v->nvalues != 1 || v->value != pattern(ipa, sd, 0))
			check_fail(&c, "reading 0x%llx back: %u MMIO exits, value 0x%llx, expected 0x%llx",
				   ipa, v->nacc, v->value, pattern(ipa, sd, 0));
	}
	check_end(&c, "the guest reads all %llu words as the host wrote them; %u stores of 1, 2, 4 and 8 bytes exit as MMIO writes with their data and leave memory as it was",
		  s->size / 8, stores);
}

/* IPAs no memslot covers, next to those that slots do. */
struct probe {
	const char *where;
	u64 ipa;
	bool below;	/* accesses end at ipa + 8, else they start at ipa */
};

static u64 probe_at(const struct probe *p, u64 size)
{
	return p->ipa + (p->below ? 8 - size : 0);
}

static unsigned int mmio_probes(struct probe *p)
{
	const struct slot *sm = &slots[SLOT_SMALL], *hu = &slots[SLOT_HUGE];
	const struct slot *ro = &slots[SLOT_RO], *top = &slots[SLOT_TOP];
	unsigned int n = 0;

	p[n++] = (struct probe){ "a hole", HOLE_IPA + 0x128, false };
	p[n++] = (struct probe){ "just past code", slots[SLOT_CODE].size, false };
	p[n++] = (struct probe){ "just below small", sm->ipa - 8, true };
	p[n++] = (struct probe){ "just past small", sm->ipa + sm->size, false };
	p[n++] = (struct probe){ "just below huge", hu->ipa - 8, true };
	/* The slot ends 1 MiB into a 2 MiB block: no block may cover this. */
	p[n++] = (struct probe){ "just past huge, in its last block", hu->ipa + hu->size, false };
	p[n++] = (struct probe){ "at the end of huge's last block",
				 ((hu->ipa + hu->size) | (SZ_2M - 1)) - 7, true };
	p[n++] = (struct probe){ "just past ro", ro->ipa + ro->size, false };
	p[n++] = (struct probe){ "just below top", top->ipa - 8, true };
	if (slots[SLOT_GIANT].hva) {
		const struct slot *gi = &slots[SLOT_GIANT];

		p[n++] = (struct probe){ "just below giant", gi->ipa - 8, true };
		p[n++] = (struct probe){ "just past giant", gi->ipa + gi->size, false };
	}
	return n;
}

static void check_mmio_store(void)
{
	static const u64 sizes[] = { 1, 2, 4, 8 };
	struct vcpu *v = &vm.vcpu[0];
	struct probe probes[16];
	unsigned int n = mmio_probes(probes), i, k, done = 0;
	struct check c;

	check_begin(&c, "mmio-store");
	for (i = 0; i < n && !v->dead; i++) {
		for (k = 0; k < 4; k++) {
			u64 size = sizes[k], ipa = probe_at(&probes[i], size);
			u64 val = 0xf1e2d3c4b5a69788ULL ^ (i << 8 | k);
			u64 mask = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
			u64 want = planted("mmio") ? ipa + 8 : ipa;

			if (!vcpu_cmd(v, CMD_STORE, ipa, val, size, 0, 0)) {
				report_vcpu_error(&c, v);
				break;
			}
			done++;
			if (v->nacc == 1 && v->acc[0].addr == want && v->acc[0].write &&
			    v->acc[0].len == size && v->acc[0].data == (val & mask))
				continue;
			check_fail(&c, "%s: a %llu-byte store of 0x%llx to 0x%llx: %u exits, the first %s of %u bytes at 0x%llx with 0x%llx",
				   probes[i].where, size, val & mask, want, v->nacc,
				   v->nacc && v->acc[0].write ? "a write" : "a read",
				   v->nacc ? v->acc[0].len : 0, v->nacc ? v->acc[0].addr : 0,
				   v->nacc ? v->acc[0].data : 0);
		}
	}
	check_end(&c, "%u stores of 1, 2, 4 and 8 bytes at %u IPAs without a memslot (a hole and next to every slot's ends) exit with their address, length, direction and data",
		  done, n);
}

/* CMD_LOAD's instructions, and what each makes of the host's answer below. */
#define MMIO_ANSWER 0x8182838485868788ULL

static const struct {
	const char *insn;
	__u32 len;
	u64 value;
} mmio_loads[LOAD_KINDS] = {
	[LOAD_U8] = { "ldrb", 1, 0x88 },
	[LOAD_U16] = { "ldrh", 2, 0x8788 },
	[LOAD_U32] = { "ldr w", 4, 0x85868788 },
	[LOAD_U64] = { "ldr x", 8, MMIO_ANSWER },
	[LOAD_S8] = { "ldrsb x", 1, 0xffffffffffffff88ULL },
	[LOAD_S16] = { "ldrsh x", 2, 0xffffffffffff8788ULL },
	[LOAD_S32] = { "ldrsw x", 4, 0xffffffff85868788ULL },
	[LOAD_S8W] = { "ldrsb w", 1, 0xffffff88ULL },
};

/*
 * Loads of kinds [first, last] at every probe: each must exit as a read of
 * its address and length and put the right value in the register.  Returns
 * how many loads got the zero-extended answer where a sign-extended one was
 * due (and were right in every other way).
 */
static unsigned int mmio_load_kinds(struct check *c, unsigned int first, unsigned int last,
				    unsigned int *done)
{
	struct vcpu *v = &vm.vcpu[0];
	struct probe probes[16];
	unsigned int n = mmio_probes(probes), i, k, zext = 0;

	v->answer = MMIO_ANSWER;
	for (i = 0; i < n && !v->dead; i++) {
		for (k = first; k <= last; k++) {
			u64 ipa = probe_at(&probes[i], mmio_loads[k].len);
			u64 zero_ext = MMIO_ANSWER & ((1ULL << (mmio_loads[k].len * 8)) - 1);
			bool exit_ok;

			if (!vcpu_cmd(v, CMD_LOAD, ipa, k, 0, 0, 0)) {
				report_vcpu_error(c, v);
				break;
			}
			(*done)++;
			exit_ok = v->nacc == 1 && v->acc[0].addr == ipa && !v->acc[0].write &&
				  v->acc[0].len == mmio_loads[k].len && v->nvalues == 1;
			if (exit_ok && v->value == mmio_loads[k].value)
				continue;
			if (exit_ok && mmio_loads[k].len < 8 && v->value == zero_ext &&
			    mmio_loads[k].value != zero_ext) {
				zext++;
				continue;
			}
			check_fail(c, "%s: %s from 0x%llx: %u exits, the first %s of %u bytes at 0x%llx; the register got 0x%llx, expected 0x%llx",
				   probes[i].where, mmio_loads[k].insn, ipa, v->nacc,
				   v->nacc && v->acc[0].write ? "a write" : "a read",
				   v->nacc ? v->acc[0].len : 0, v->nacc ? v->acc[0].addr : 0,
				   v->value, mmio_loads[k].value);
		}
	}
	v->answer = 0;
	return zext;
}

static void check_mmio_load(void)
{
	unsigned int done = 0, zext;
	struct check c;

	check_begin(&c, "mmio-load");
	mmio_load_kinds(&c, LOAD_U8, LOAD_U64, &done);
	check_end(&c, "%u loads (ldrb, ldrh, ldr w, ldr x) at the same IPAs exit as reads of their address and length and get the host's data, zero-extended",
		  done);

	/*
	 * KVM sign-extends what userspace answers when the abort's ESR_EL2 has
	 * SSE set.  Under QEMU 7.2's TCG it arrives clear: every signed load
	 * then reads the zero-extended answer.  That is the CPU's syndrome and
	 * KVM's MMIO emulation, not stage 2, so it is a skip unless --strict;
	 * anything else wrong is a failure.
	 */
	done = 0;
	check_begin(&c, "mmio-load-signed");
	zext = mmio_load_kinds(&c, LOAD_S8, LOAD_S8W, &done);
	if (zext && (strict || zext != done))
		check_fail(&c, "%u of %u sign-extending loads read the zero-extended answer (ESR_EL2.SSE clear?)",
			   zext, done);
	if (zext && !check_failed(&c)) {
		char why[200];

		alarm(0);
		snprintf(why, sizeof(why), "all %u sign-extending loads (ldrsb x/w, ldrsh, ldrsw) exit right but read the zero-extended answer: the CPU reports ESR_EL2.SSE clear (QEMU TCG); --strict makes this a failure",
			 done);
		check_skip(c.name, why);
		return;
	}
	check_end(&c, "%u loads (ldrsb x, ldrsh, ldrsw, ldrsb w) exit as reads and get the host's data sign-extended to 64 or 32 bits",
		  done);
}

static void check_slot_edges(void)
{
	struct vcpu *v = &vm.vcpu[0];
	unsigned int i, e, done = 0;
	char b[96];
	struct check c;

	check_begin(&c, "slot-edges");
	/* Not smp's and zero's: their checks want them untouched. */
	for (i = 0; i < NR_SLOTS && !v->dead; i++) {
		const struct slot *s = &slots[i];

		if (i == SLOT_SMP || i == SLOT_ZERO || !s->hva)
			continue;
		for (e = 0; e < 2; e++) {
			u64 off = e ? s->size - 8 : 0, want;

			dcache_sync(s->hva + off, 8);
			want = *slot_word(s, off);
			if (!vcpu_cmd(v, CMD_LOAD, s->ipa + off, LOAD_U64, 0, 0, 0)) {
				report_vcpu_error(&c, v);
				break;
			}
			done++;
			if (v->nacc || v->nvalues != 1 || v->value != want)
				check_fail(&c, "%s: %u MMIO exits, read 0x%llx, the host sees 0x%llx",
					   ipa_desc(b, sizeof(b), s->ipa + off), v->nacc, v->value,
					   want);
		}
	}
	check_end(&c, "the first and last words of %u slots are memory and read as the host sees them",
		  done / 2);
}

/* ---------------------------------------------------------- dirty logging */

/* The pages written since the last KVM_GET_DIRTY_LOG, and where, per slot. */
struct dirty {
	struct slot *s;
	u64 npages;
	bool *written;		/* this round */
	bool *stored;		/* in any round: */
	u64 *word;		/* the offset of the page's last store */
	u64 *value;		/* ... and what it stored */
};

static void dirty_init(struct dirty *d, struct slot *s)
{
	d->s = s;
	d->npages = s->size / PAGE;
	d->written = calloc(d->npages, sizeof(*d->written));
	d->stored = calloc(d->npages, sizeof(*d->stored));
	d->word = calloc(d->npages, sizeof(*d->word));
	d->value = calloc(d->npages, sizeof(*d->value));
}

static void dirty_free(struct dirty *d)
{
	free(d->written);
	free(d->stored);
	free(d->word);
	free(d->value);
}

/* Enables or disables logging by setting the slot again with the flag. */
static int dirty_logging(struct slot *s, bool on)
{
	return slot_set(s, s->ipa, s->size, s->flags | (on ? KVM_MEM_LOG_DIRTY_PAGES : 0));
}

/*
 * The guest stores one word into page p: at a random stride-aligned offset
 * the first time, at the same one in later rounds.
 */
static bool dirty_write(struct check *c, struct vcpu *v, struct dirty *d, u64 p, u64 sd)
{
	u64 step = slot_stride(d->s);
	u64 off = d->stored[p] ? d->word[p] : p * PAGE + random_below(PAGE / step) * step;
	u64 ipa = d->s->ipa + off;

	if (!vcpu_cmd(v, CMD_STORE, ipa, pattern(ipa, sd, 0), 8, 0, 0)) {
		report_vcpu_error(c, v);
		return false;
	}
	fail_accesses(c, v, "a store");
	d->written[p] = d->stored[p] = true;
	d->word[p] = off;
	d->value[p] = pattern(ipa, sd, 0);
	return true;
}

/* Pages where a wrong table shows: the ends, either side of each block boundary. */
static unsigned int edge_pages(const struct dirty *d, u64 *p)
{
	u64 ppb = SZ_2M / PAGE, first = (ppb - d->s->ipa / PAGE % ppb) % ppb, b;
	unsigned int n = 0;

	p[n++] = 0;
	p[n++] = d->npages - 1;
	for (b = first ? first : ppb; b < d->npages && n < 14; b += ppb) {
		p[n++] = b - 1;
		p[n++] = b;
	}
	return n;
}

/* KVM_GET_DIRTY_LOG must report exactly the pages written this round. */
static void dirty_compare(struct check *c, struct dirty *d, bool plant_extra, u64 *reported)
{
	u64 words = (d->npages + 63) / 64, p, *bitmap = calloc(words, 8);
	struct kvm_dirty_log log = { .slot = d->s->id, .dirty_bitmap = bitmap };
	char b[96];

	*reported = 0;
	if (plant_extra) {
		for (p = d->npages / 2; d->written[p]; p++)
			;
		d->written[p] = true;
	}
	if (ioctl(vm.fd, KVM_GET_DIRTY_LOG, &log)) {
		check_fail(c, "KVM_GET_DIRTY_LOG %s: %s", d->s->name, strerror(errno));
		free(bitmap);
		return;
	}
	for (p = 0; p < d->npages; p++) {
		bool dirty = bitmap[p / 64] >> (p % 64) & 1;

		*reported += dirty;
		if (dirty && !d->written[p])
			check_fail(c, "%s reported dirty, never written",
				   ipa_desc(b, sizeof(b), d->s->ipa + p * PAGE));
		else if (!dirty && d->written[p])
			check_fail(c, "%s written, not reported dirty",
				   ipa_desc(b, sizeof(b), d->s->ipa + p * PAGE));
		d->written[p] = false;
	}
	free(bitmap);
}

/*
 * One round over both slots: the guest writes `count` random pages (and the
 * edge pages in round 1, and half of round 1's pages again in round 2),
 * reads `reads` other pages, and the log must hold exactly the writes.
 */
static void dirty_round(struct dirty *d, unsigned int nd, unsigned int round,
			unsigned int count, unsigned int reads)
{
	struct vcpu *v = &vm.vcpu[0];
	unsigned int i, k, writes = 0, nreads = 0;
	u64 sd = derive_seed(30 + round), reported = 0, total = 0;
	struct check c;

	check_begin(&c, "dirty-log %u", round);
	for (i = 0; i < nd && !v->dead; i++) {
		struct dirty *di = &d[i];
		u64 edges[16], p;
		unsigned int ne = round == 1 ? edge_pages(di, edges) : 0;

		for (k = 0; k < ne && dirty_write(&c, v, di, edges[k], sd); k++)
			writes++;
		for (p = 0; round == 2 && p < di->npages && !v->dead; p++) {
			if (di->stored[p] && random_below(2) && dirty_write(&c, v, di, p, sd))
				writes++;
		}
		for (k = 0; k < count && dirty_write(&c, v, di, random_below(di->npages), sd); k++)
			writes++;
		/* Reads dirty nothing: check whole pages no round has written. */
		for (k = 0; k < reads && !v->dead; k++) {
			p = random_below(di->npages);
			if (di->stored[p])
				continue;
			guest_check(&c, v, di->s->ipa + p * PAGE, PAGE, slot_stride(di->s),
				    fill_seed[di->s->id], 0);
			nreads++;
		}
		dirty_compare(&c, di, round == 1 && i == 0 && planted("dirty"), &reported);
		total += reported;
	}
	check_end(&c, "%u guest stores and %u page reads: KVM_GET_DIRTY_LOG reports exactly the %llu pages written since the last get",
		  writes, nreads, total);
}

/* After logging: every word is the fill pattern or the last dirty store. */
static void dirty_content(struct check *c, struct dirty *d)
{
	const struct slot *s = d->s;
	u64 o, sd = fill_seed[s->id], step = slot_stride(s);
	char b[96];

	dcache_sync_words(s, 0, s->size, step);
	for (o = 0; o < s->size; o += step) {
		u64 p = o / PAGE, want = pattern(s->ipa + o, sd, 0);

		if (d->stored[p] && d->word[p] == o)
			want = d->value[p];
		if (*slot_word(s, o) != want)
			check_fail(c, "host read 0x%llx at %s, expected 0x%llx", *slot_word(s, o),
				   ipa_desc(b, sizeof(b), s->ipa + o), want);
	}
}

static void check_dirty_log(void)
{
	struct slot *dslots[3] = { &slots[SLOT_HUGE], &slots[SLOT_SMALL], &slots[SLOT_GIANT] };
	unsigned int i, nd = slots[SLOT_GIANT].hva ? 3 : 2;
	struct vcpu *v = &vm.vcpu[0];
	struct dirty d[3];
	struct check c;
	int err;

	check_begin(&c, "dirty-log-on");
	for (i = 0; i < nd; i++) {
		dirty_init(&d[i], dslots[i]);
		err = dirty_logging(dslots[i], true);
		if (err)
			check_fail(&c, "KVM_SET_USER_MEMORY_REGION %s with KVM_MEM_LOG_DIRTY_PAGES: %s",
				   dslots[i]->name, strerror(-err));
	}
	if (!check_end(&c, "logging enabled on huge (block-mapped), small%s",
		       nd > 2 ? " and giant (a level-1 block)" : ""))
		return;
	dirty_round(d, nd, 1, 24, 0);
	dirty_round(d, nd, 2, 16, 8);
	dirty_round(d, nd, 3, 0, 8);

	for (i = 0; i < nd; i++) {
		struct slot *s = dslots[i];
		u64 sd = derive_seed(40 + s->id), step = slot_stride(s);
		u64 *bitmap = calloc(d[i].npages / 64 + 1, 8);
		struct kvm_dirty_log log = { .slot = s->id, .dirty_bitmap = bitmap };

		check_begin(&c, "dirty-log-off %s", s->name);
		err = dirty_logging(s, false);
		if (err)
			check_fail(&c, "KVM_SET_USER_MEMORY_REGION without logging: %s", strerror(-err));
		if (!ioctl(vm.fd, KVM_GET_DIRTY_LOG, &log) || errno != ENOENT)
			check_fail(&c, "KVM_GET_DIRTY_LOG with logging off: %s, expected ENOENT",
				   strerror(errno));
		free(bitmap);
		dirty_content(&c, &d[i]);
		/* Rewriting everything faults the split blocks back to blocks. */
		if (guest_fill(&c, v, s->ipa, s->size, step, sd, 0))
			host_check(&c, s, 0, s->size, step, sd, 0);
		guest_check(&c, v, s->ipa, s->size, step, sd, 0);
		fill_seed[s->id] = sd;
		check_end(&c, "logging off (GET_DIRTY_LOG: ENOENT); the memory holds the fill and exactly the dirty rounds' stores; a full guest rewrite reads back on the host and in the guest");
		dirty_free(&d[i]);
	}
}

/* -------------------------------------------------------- execute, unmap */

/*
 * KVM maps data pages execute-never until the guest fetches from one; the
 * instruction fault then adds execute permission, on a block if the page
 * is in one.  The host writes "x9 = value; ret" into the slot, the guest
 * calls it, and the rest of the 2 MiB around it must read as before.
 */
static void check_exec(struct slot *s, u64 off)
{
	u64 value = derive_seed(80 + s->id) & 0xffffffff, sd = fill_seed[s->id];
	u64 lo = off & ~(SZ_2M - 1), hi = lo + SZ_2M < s->size ? lo + SZ_2M : s->size;
	__u32 code[4] = {
		0xd2800000 | (__u32)(value & 0xffff) << 5 | 9,	/* movz x9, #lo */
		0xf2a00000 | (__u32)(value >> 16) << 5 | 9,	/* movk x9, #hi, lsl 16 */
		0xd65f03c0,					/* ret */
		0,
	};
	struct vcpu *v = &vm.vcpu[0];
	char b[96];
	struct check c;

	check_begin(&c, "exec %s", s->name);
	memcpy(s->hva + off, code, sizeof(code));
	dcache_sync(s->hva + off, sizeof(code));
	if (!vcpu_cmd(v, CMD_CALL, s->ipa + off, 0, 0, 0, 0))
		report_vcpu_error(&c, v);
	else if (v->nvalues != 1 || v->value != value || v->nacc)
		check_fail(&c, "the code at %s set x9 to 0x%llx (%u reports, %u MMIO exits), expected 0x%llx",
			   ipa_desc(b, sizeof(b), s->ipa + off), v->value, v->nvalues, v->nacc,
			   value);
	host_fill(s, off, sizeof(code), 8, sd);
	guest_check(&c, v, s->ipa + lo, hi - lo, stride, sd, 0);
	check_end(&c, "the guest ran code the host wrote at %s and reads the 2 MiB around it as before (%s)",
		  ipa_desc(b, sizeof(b), s->ipa + off),
		  cpu_has_dic ? "CTR_EL0.DIC is set, so KVM maps every page executable from the start" :
		  "an instruction fault on a data page made KVM add execute permission");
}

static void check_host_unmap(struct slot *s, u64 off)
{
	struct vcpu *v = &vm.vcpu[0];
	u64 sd = derive_seed(50 + s->id), old = fill_seed[s->id];
	u64 lo = off & ~(SZ_2M - 1), hi = lo + SZ_2M < s->size ? lo + SZ_2M : s->size;
	char b[96];
	struct check c;
	u64 o;

	check_begin(&c, "host-unmap %s", s->name);
	if (madvise(s->hva + off, PAGE, MADV_DONTNEED))
		check_fail(&c, "madvise(MADV_DONTNEED): %s", strerror(errno));
	for (o = off; o < off + PAGE; o += 8) {
		if (*slot_word(s, o)) {
			check_fail(&c, "the host still reads 0x%llx at %s after MADV_DONTNEED",
				   *slot_word(s, o), ipa_desc(b, sizeof(b), s->ipa + o));
			break;
		}
	}
	host_fill(s, off, PAGE, 8, sd);
	guest_check(&c, v, s->ipa + off, PAGE, 8, sd, 0);
	guest_check(&c, v, s->ipa + lo, off - lo, stride, old, 0);
	guest_check(&c, v, s->ipa + off + PAGE, hi - off - PAGE, stride, old, 0);
	/* The rest of the slot keeps the old seed: put this page back to it. */
	host_fill(s, off, PAGE, 8, old);
	check_end(&c, "after MADV_DONTNEED of %s and a host write of a fresh page there, the guest reads the new page, and the rest of the slot's 2 MiB around it as before",
		  ipa_desc(b, sizeof(b), s->ipa + off));
}

/*
 * The host maps the slot's memory afresh (mmap MAP_FIXED over it): KVM's
 * MMU notifier must unmap every old block and page, and the guest must see
 * the new memory.
 */
static void check_host_remap(struct slot *s)
{
	u64 sd = derive_seed(55 + s->id);
	struct vcpu *v = &vm.vcpu[0];
	struct check c;
	void *p;

	check_begin(&c, "host-remap %s", s->name);
	p = mmap(s->hva, s->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	if (p != s->hva || madvise(s->hva, s->size, s->huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		check_fail(&c, "mmap(MAP_FIXED) or madvise over the slot: %s", strerror(errno));
		check_end(&c, "-");
		return;
	}
	host_fill(s, 0, s->size, stride, sd);
	guest_check(&c, v, s->ipa, s->size, stride, sd, 0);
	fill_seed[s->id] = sd;
	check_end(&c, "after the host mapped new memory over the whole slot and filled it, the guest reads all %llu words of the new memory",
		  s->size / stride);
}

/*
 * The guest's first access to fresh THP memory is a read: the host maps its
 * (huge) zero page read-only and so does stage 2.  The guest's writes then
 * copy it: the host's new page must replace the zero page in stage 2.
 */
static void check_zero_cow(void)
{
	struct slot *s = &slots[SLOT_ZERO];
	struct vcpu *v = &vm.vcpu[0];
	u64 sd = derive_seed(90), o;
	unsigned int reads = 0;
	char b[96];
	struct check c;

	check_begin(&c, "zero-cow");
	for (o = 0; o < s->size && !v->dead; o += SZ_1M / 2, reads++) {
		u64 off = o + random_below(SZ_1M / 2 / 8) * 8;

		if (!vcpu_cmd(v, CMD_LOAD, s->ipa + off, LOAD_U64, 0, 0, 0))
			report_vcpu_error(&c, v);
		else if (v->nacc || v->nvalues != 1 || v->value)
			check_fail(&c, "a first read of %s: %u MMIO exits, value 0x%llx, expected 0",
				   ipa_desc(b, sizeof(b), s->ipa + off), v->nacc, v->value);
	}
	if (guest_fill(&c, v, s->ipa, s->size, stride, sd, 0))
		host_check(&c, s, 0, s->size, stride, sd, 0);
	guest_check(&c, v, s->ipa, s->size, stride, sd, 0);
	fill_seed[s->id] = sd;
	check_end(&c, "%u first reads of fresh THP memory read zero; the guest's writes over it then read back on the host and in the guest (the copies: %ld kB of huge pages)",
		  reads, anon_huge_kib(s->hva));
}

/* Three words of [ipa, ipa + size) must exit as MMIO reads. */
static void expect_gone(struct check *c, u64 ipa, u64 size, const char *what)
{
	u64 offs[3] = { 0, size / 2 & ~7ULL, size - 8 };
	struct vcpu *v = &vm.vcpu[0];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		if (!vcpu_cmd(v, CMD_LOAD, ipa + offs[i], LOAD_U64, 0, 0, 0)) {
			report_vcpu_error(c, v);
			return;
		}
		if (v->nacc != 1 || v->acc[0].addr != ipa + offs[i] || v->acc[0].write)
			check_fail(c, "a load from 0x%llx (%s) made %u MMIO exits, read 0x%llx",
				   ipa + offs[i], what, v->nacc, v->value);
	}
}

static void check_slot_changes(struct slot *s)
{
	u64 orig = s->ipa, moved = move_ipa[s->id], again = recreate_ipa[s->id];
	u64 sd = fill_seed[s->id], nsd = derive_seed(60 + s->id);
	struct vcpu *v = &vm.vcpu[0];
	char b[160];
	struct check c;
	int err;

	check_begin(&c, "slot-move %s", s->name);
	err = slot_set(s, moved, s->size, s->flags);
	if (err) {
		check_fail(&c, "KVM_SET_USER_MEMORY_REGION to 0x%llx: %s", moved, strerror(-err));
		check_end(&c, "-");
		return;
	}
	s->ipa = moved;
	guest_check(&c, v, moved, s->size, stride, sd,
		    planted("move") && s->id == SLOT_SMALL ? orig - moved + PAGE : orig - moved);
	expect_gone(&c, orig, s->size, "the old place");
	check_end(&c, "moved to %s: the guest finds all %llu words there, the old IPAs exit as MMIO",
		  range_desc(b, sizeof(b), moved, s->size), s->size / stride);

	check_begin(&c, "slot-delete %s", s->name);
	err = slot_set(s, moved, 0, s->flags);
	if (err)
		check_fail(&c, "KVM_SET_USER_MEMORY_REGION of size 0: %s", strerror(-err));
	expect_gone(&c, moved, s->size, "a deleted slot");
	check_end(&c, "its first, middle and last words exit as MMIO");

	check_begin(&c, "slot-recreate %s", s->name);
	err = slot_set(s, again, s->size, s->flags);
	if (err) {
		check_fail(&c, "KVM_SET_USER_MEMORY_REGION at 0x%llx: %s", again, strerror(-err));
		check_end(&c, "-");
		return;
	}
	s->ipa = again;
	guest_check(&c, v, again, s->size, stride, sd, orig - again);
	if (guest_fill(&c, v, again, s->size, stride, nsd, 0))
		host_check(&c, s, 0, s->size, stride, nsd, 0);
	fill_seed[s->id] = nsd;
	check_end(&c, "at %s: the guest finds the data and its new writes read back on the host",
		  range_desc(b, sizeof(b), again, s->size));
}

/* ------------------------------------------------------------------- SMP */

struct job_cmd {
	u64 cmd, arg[5];
};

struct job {
	struct vcpu *v;
	pthread_barrier_t *start;
	struct job_cmd *cmds;
	unsigned int ncmds, done;
	bool ok;
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	unsigned int i;

	pthread_barrier_wait(j->start);
	j->ok = true;
	for (i = 0; i < j->ncmds; i++) {
		struct job_cmd *k = &j->cmds[i];

		if (!vcpu_cmd(j->v, k->cmd, k->arg[0], k->arg[1], k->arg[2], k->arg[3],
			      k->arg[4]) ||
		    j->v->nacc || (k->cmd == CMD_CHECK && (!j->v->counted || j->v->count))) {
			j->ok = false;
			break;
		}
		j->done++;
	}
	return NULL;
}

/* Runs every vCPU's command list on its own thread, all released at once. */
static void run_jobs(struct check *c, struct job *jobs)
{
	pthread_t tid[NR_VCPUS];
	pthread_barrier_t start;
	unsigned int i;
	char b[96];

	pthread_barrier_init(&start, NULL, vm.nr_vcpus);
	for (i = 0; i < vm.nr_vcpus; i++) {
		jobs[i].v = &vm.vcpu[i];
		jobs[i].start = &start;
		jobs[i].done = 0;
		pthread_create(&tid[i], NULL, job_run, &jobs[i]);
	}
	for (i = 0; i < vm.nr_vcpus; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start);
	for (i = 0; i < vm.nr_vcpus; i++) {
		struct vcpu *v = jobs[i].v;

		if (jobs[i].ok)
			continue;
		if (v->dead)
			report_vcpu_error(c, v);
		else if (v->nacc)
			check_fail(c, "vCPU %u: %s exited as MMIO", v->id,
				   ipa_desc(b, sizeof(b), v->acc[0].addr));
		else
			check_fail(c, "vCPU %u: its check found %llu wrong words, the first 0x%llx at 0x%llx",
				   v->id, v->count, v->nbad ? v->bad_value[0] : 0,
				   v->nbad ? v->bad_addr[0] : 0);
	}
}

static void job_set(struct job *j, unsigned int ncmds)
{
	j->cmds = calloc(ncmds, sizeof(*j->cmds));
	j->ncmds = ncmds;
}

static void jobs_free(struct job *jobs)
{
	unsigned int i;

	for (i = 0; i < vm.nr_vcpus; i++)
		free(jobs[i].cmds);
}

static void check_smp(void)
{
	struct slot *s = &slots[SLOT_SMP];
	u64 half = s->size / 2, a = s->ipa, b = s->ipa + half, o, n = vm.nr_vcpus;
	u64 sd = derive_seed(70), dsd = derive_seed(71);
	struct job jobs[NR_VCPUS];
	struct dirty d;
	unsigned int i, k;
	struct check c;
	char buf[96];

	for (i = 1; i < vm.nr_vcpus; i++)
		if (!check_boot(&vm.vcpu[i]))
			return;

	/* Disjoint pages: vCPU i writes the first word of pages i, i + n, ... */
	check_begin(&c, "smp-pages");
	for (i = 0; i < n; i++) {
		job_set(&jobs[i], 1);
		jobs[i].cmds[0] = (struct job_cmd){
			CMD_FILL, { a + i * PAGE, half - i * PAGE, n * PAGE, sd, 0 } };
	}
	run_jobs(&c, jobs);
	jobs_free(jobs);
	dcache_sync(s->hva, half);
	for (o = 0; o < half; o += stride) {
		u64 want = o % PAGE ? 0 : pattern(a + o, sd, 0);

		if (*slot_word(s, o) != want)
			check_fail(&c, "host read 0x%llx at %s, expected 0x%llx", *slot_word(s, o),
				   ipa_desc(buf, sizeof(buf), a + o), want);
	}
	check_end(&c, "%llu vCPUs faulting %llu fresh THP pages concurrently, one vCPU per page: each page holds its own first word and nothing else",
		  n, half / PAGE);

	/* Shared pages: vCPU i writes words i, i + n, ... of every page. */
	check_begin(&c, "smp-words");
	for (i = 0; i < n; i++) {
		job_set(&jobs[i], 1);
		jobs[i].cmds[0] = (struct job_cmd){
			CMD_FILL, { b + i * 8, half - i * 8, n * 8, sd, 0 } };
	}
	run_jobs(&c, jobs);
	jobs_free(jobs);
	if (!check_failed(&c)) {
		struct slot view = *s;

		view.hva += half;
		view.ipa += half;
		host_check(&c, &view, 0, half, 8, sd, 0);
	}
	for (i = 0; i < n; i++) {
		job_set(&jobs[i], 1);
		jobs[i].cmds[0] = (struct job_cmd){ CMD_CHECK, { b, half, stride, sd, 0 } };
	}
	run_jobs(&c, jobs);
	jobs_free(jobs);
	check_end(&c, "%llu vCPUs faulting the same %llu fresh pages concurrently, each writing every %lluth word: the host reads every word right, then all vCPUs check them concurrently",
		  n, half / PAGE, n);

	/* Dirty logging under concurrent writers: each page has one owner. */
	check_begin(&c, "smp-dirty");
	dirty_init(&d, s);
	if (dirty_logging(s, true))
		check_fail(&c, "enable logging: %s", strerror(errno));
	for (i = 0; i < n; i++)
		job_set(&jobs[i], 16);
	for (i = 0; i < n; i++) {
		for (k = 0; k < 16; k++) {
			u64 p, ipa;

			do
				p = random_below(d.npages);
			while (d.written[p]);
			d.written[p] = true;
			ipa = s->ipa + p * PAGE + 8 * (i + n);
			jobs[i].cmds[k] = (struct job_cmd){
				CMD_STORE, { ipa, pattern(ipa, dsd, 0), 8, 0, 0 } };
		}
	}
	run_jobs(&c, jobs);
	jobs_free(jobs);
	{
		u64 reported;

		dirty_compare(&c, &d, false, &reported);
		if (dirty_logging(s, false))
			check_fail(&c, "disable logging: %s", strerror(errno));
		check_end(&c, "%llu vCPUs storing to 16 random pages each concurrently: one KVM_GET_DIRTY_LOG reports exactly the %llu pages",
			  n, reported);
	}
	dirty_free(&d);
}

/* ------------------------------------------------------------------- main */

static void usage(void)
{
	printf("usage: vmm [--seed=N] [--stride=BYTES] [--plant=pattern|dirty|mmio|move] [--strict] [--verbose]\n");
}

static int parse_args(int argc, char **argv)
{
	int i;

	struct timespec now;
	u64 count;

	/* A guest just booted has no clock to speak of: take the counter too. */
	clock_gettime(CLOCK_REALTIME, &now);
	asm volatile("mrs %0, cntvct_el0" : "=r"(count));
	seed = ((u64)now.tv_sec * 1000000000ULL + (u64)now.tv_nsec) ^ count * 0x9e3779b97f4a7c15ULL;
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--seed=", 7)) {
			seed = strtoull(argv[i] + 7, NULL, 0);
		} else if (!strncmp(argv[i], "--stride=", 9)) {
			stride = strtoull(argv[i] + 9, NULL, 0);
			if (stride < 8 || stride > PAGE || stride & (stride - 1)) {
				printf("vmm: --stride must be a power of two from 8 to 4096\n");
				return -1;
			}
		} else if (!strncmp(argv[i], "--plant=", 8)) {
			plant = argv[i] + 8;
			if (!planted("pattern") && !planted("dirty") && !planted("mmio") &&
			    !planted("move")) {
				usage();
				return -1;
			}
		} else if (!strcmp(argv[i], "--strict")) {
			strict = true;
		} else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
			verbose = true;
		} else {
			usage();
			return -1;
		}
	}
	return 0;
}

static void run_checks(void)
{
	static const unsigned int mem[] = { SLOT_SMALL, SLOT_HUGE, SLOT_TOP, SLOT_GIANT };
	unsigned int i;

	if (!check_kvm_api() || !check_create_vm() || !check_vcpu_init() || !check_memslots() ||
	    !check_boot(&vm.vcpu[0]))
		return;
	for (i = 0; i < ARRAY_SIZE(mem); i++) {
		if (!slots[mem[i]].hva)
			continue;
		check_guest_fill(&slots[mem[i]]);
		check_host_fill(&slots[mem[i]]);
	}
	check_thp(&slots[SLOT_HUGE]);
	check_thp(&slots[SLOT_TOP]);
	check_readonly();
	check_mmio_store();
	check_mmio_load();
	check_slot_edges();
	check_dirty_log();
	check_exec(&slots[SLOT_HUGE], 3 * SZ_1M + 7 * PAGE);
	check_exec(&slots[SLOT_SMALL], 0x101000);
	/* A page in the middle of huge's second block, and one of small's. */
	check_host_unmap(&slots[SLOT_HUGE], SZ_2M + 5 * PAGE);
	check_host_unmap(&slots[SLOT_SMALL], 0x13000);
	check_host_remap(&slots[SLOT_HUGE]);
	check_zero_cow();
	check_slot_changes(&slots[SLOT_SMALL]);
	check_slot_changes(&slots[SLOT_HUGE]);
	if (vm.nr_vcpus > 1)
		check_smp();
}

int main(int argc, char **argv)
{
	struct timespec t0;
	struct utsname u;
	char cmdline[512] = "";
	FILE *f;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(argc, argv))
		return 2;
	rng_state = seed;
	dcache_init();
	signal(SIGALRM, on_watchdog);
	uname(&u);
	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		cmdline[strcspn(cmdline, "\n")] = '\0';
		fclose(f);
	}
	printf("vmm: seed 0x%llx, stride %llu, kernel %s, cmdline \"%s\"%s%s\n", seed, stride,
	       u.release, cmdline, plant[0] ? ", planted defect: " : "", plant);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_checks();
	printf("vmm: %u passed, %u failed, %u skipped in %.2f s, %lu KVM_RUNs (seed 0x%llx)\n",
	       checks_passed, checks_failed, checks_skipped,
	       seconds_since(&t0), total_exits, seed);
	return checks_failed || !checks_passed ? 1 : 0;
}
