// SPDX-License-Identifier: GPL-2.0-only
/*
 * g_main.c - the main test guest: one vCPU that touches memory across
 * blocks and pages, watches the hypervisor change its stage 2 under it,
 * runs code it wrote, is dirty-logged and aged.  Every step ends in a
 * check the hypervisor prints.
 */
#include "guest.h"

#define PAGE_MAX	0x10000UL	/* the largest granule: steps work for all */
#define TOUCH_START	(G_SLOT0_IPA + 0x200000)
#define TOUCH_END	(G_SLOT0_IPA + 0x1800000)
#define LIVE_PAGE(n)	(G_SLOT1_IPA + 0x100000 + (n) * PAGE_MAX)
#define EXEC_PAGE	(G_SLOT1_IPA + 0x300000)	/* first touched by the exec test */
#define TOUCH1_END	(G_SLOT1_IPA + 0x300000)
#define EXEC_ONLY_PAGE(n) (G_SLOT1_IPA + 0x380000 + (n) * PAGE_MAX)	/* the XNX test's */
#define DIRTY_START	(G_SLOT0_IPA + 0x1800000)
#define DIRTY_SIZE	0x200000UL
#define DIRTY_MAX_PAGES	512
#define DIRTY_WARM	8

static u64 page_size;
static u64 dirty_bitmap[DIRTY_MAX_PAGES / 64];

static u64 pattern(u64 a)
{
	return a * 0x9e3779b97f4a7c15UL ^ 0x5a5a;
}

static void touch(void)
{
	u64 a, bad = 0, n = 0, before = faults(GF_TRANSLATION);

	for (a = TOUCH_START; a < TOUCH_END; a += PAGE_MAX / 4, n++)
		POKE(a, pattern(a));
	for (a = G_SLOT1_IPA; a < TOUCH1_END; a += PAGE_MAX / 4, n++)
		POKE(a, pattern(a));
	for (a = TOUCH_START; a < TOUCH_END; a += PAGE_MAX / 4)
		bad += PEEK(a) != pattern(a);
	for (a = G_SLOT1_IPA; a < TOUCH1_END; a += PAGE_MAX / 4)
		bad += PEEK(a) != pattern(a);
	gprint_hex("guest: words touched ", n);
	gprint_hex("guest: translation faults taken ", faults(GF_TRANSLATION) - before);
	gcheck(!bad, "touch: every word across blocks and pages reads back what was written");
}

/* The hypervisor changes a page while this vCPU holds its translation. */
static void live_changes(void)
{
	u64 p0 = LIVE_PAGE(0), p1 = LIVE_PAGE(1), p2 = LIVE_PAGE(2), f;

	/* Remap elsewhere: the new page's content must show at once. */
	PEEK(p0);
	hvc(HC_REMAP, p0, 0xfeedface12345678UL, 0);
	gcheck(PEEK(p0) == 0xfeedface12345678UL,
	       "live: after a remap the guest reads the new page at once");
	gcheck(PEEK(p0 + 8) == 0, "live: the new page is otherwise zero");

	/* Write-protect: the very next write must fault. */
	POKE(p1, 1);
	f = faults(GF_PERM_WRITE);
	hvc(HC_WRPROTECT, p1, page_size, 0);
	POKE(p1, 2);
	gcheck(faults(GF_PERM_WRITE) == f + 1 && PEEK(p1) == 2,
	       "live: after a write-protect the next write faults (and then succeeds)");

	/* Unmap: the very next read must fault, and see the same memory. */
	PEEK(p2);
	f = faults(GF_TRANSLATION);
	hvc(HC_UNMAP, p2, page_size, 0);
	gcheck(PEEK(p2) == pattern(p2) && faults(GF_TRANSLATION) == f + 1,
	       "live: after an unmap the next read faults and maps the same page again");
}

/* movz w0, #0x1234; ret */
static const u32 code[] = { 0x52824680, 0xd65f03c0 };

/* Copy the code to @page and run it: its return value. */
static u64 run_copy(u64 page)
{
	u32 *dst = (u32 *)page;
	int (*fn)(void) = (int (*)(void))page;

	dst[0] = code[0];
	dst[1] = code[1];
	/* The guest's own duty for code it wrote: clean to PoU, invalidate I. */
	__asm__ volatile("dc cvau, %0; dsb ish; ic ivau, %0; dsb ish; isb" :: "r"(dst) : "memory");
	return fn();
}

static void exec_copied_code(void)
{
	u64 f = faults(GF_PERM_EXEC), ret;

	ret = run_copy(EXEC_PAGE);
	gcheck(ret == 0x1234, "exec: code copied into a freshly mapped page runs");
	gcheck(faults(GF_PERM_EXEC) == f + 1,
	       "exec: the first fetch took one execute-permission fault");
}

/* FEAT_XNX: EL1 (this guest) may fetch from an EL1-only page, not an EL0-only one. */
static void exec_one_level(void)
{
	u64 f;

	if (hvc(HC_MAP_EXEC, EXEC_ONLY_PAGE(0), EXEC_EL1_ONLY, 0))
		return;		/* no FEAT_XNX: the hypervisor said so at boot */
	f = faults(GF_PERM_EXEC);
	gcheck(run_copy(EXEC_ONLY_PAGE(0)) == 0x1234 && faults(GF_PERM_EXEC) == f,
	       "xnx: code on an EL1-only page runs at EL1 without a fault");
	hvc(HC_MAP_EXEC, EXEC_ONLY_PAGE(1), EXEC_EL0_ONLY, 0);
	f = faults(GF_PERM_EXEC);
	gcheck(run_copy(EXEC_ONLY_PAGE(1)) == 0x1234 && faults(GF_PERM_EXEC) == f + 1,
	       "xnx: code on an EL0-only page faults at EL1 once, then runs");
}

static void dirty_logging(u64 *seed)
{
	u64 pages = DIRTY_SIZE / page_size, i, n = 0;

	for (i = 0; i < DIRTY_SIZE; i += page_size)
		POKE(DIRTY_START + i, i);	/* mapped before logging starts */
	for (i = 0; i < DIRTY_WARM; i++)
		POKE(DIRTY_START + i * page_size, i);	/* and these in the TLB */
	hvc(HC_DIRTY_START, DIRTY_START, DIRTY_SIZE, 0);
	/* A stale writable TLB entry would let these through unlogged. */
	for (i = 0; i < DIRTY_WARM; i++) {
		POKE(DIRTY_START + i * page_size, i + 1);
		dirty_bitmap[i / 64] |= 1UL << (i % 64);
		n++;
	}
	for (i = DIRTY_WARM; i < pages; i++) {
		u64 a = DIRTY_START + i * page_size + (grand(seed) % (page_size / 8)) * 8;

		switch (grand(seed) % 4) {
		case 0:
			POKE(a, i);
			POKE(a, i + 1);	/* a second write to a page faults no more */
			dirty_bitmap[i / 64] |= 1UL << (i % 64);
			n++;
			break;
		case 1:
			PEEK(a);	/* reads do not dirty */
			break;
		}
	}
	gprint_hex("guest: pages written while logging ", n);
	gcheck(hvc(HC_DIRTY_CHECK, (u64)dirty_bitmap, pages, 0) == 0,
	       "dirty: the hypervisor's dirty bitmap is exactly the pages written");
}

static void aging(void)
{
	u64 f = faults(GF_ACCESS_FLAG);
	u64 a = G_SLOT1_IPA, b = G_SLOT1_IPA + 0x80000;

	hvc(HC_MKOLD, G_SLOT1_IPA, 0x100000, 0);
	gcheck(hvc(HC_YOUNG, G_SLOT1_IPA, 0x100000, 0) == 0, "age: nothing young after mkold");
	PEEK(a);
	POKE(b, 7);
	gcheck(faults(GF_ACCESS_FLAG) == f + 2,
	       "age: the first access to each old page took an access-flag fault");
	gcheck(hvc(HC_YOUNG, a, page_size, 0) == 1 && hvc(HC_YOUNG, b, page_size, 0) == 1 &&
	       hvc(HC_YOUNG, a + page_size, b - a - page_size, 0) == 0,
	       "age: exactly the accessed pages are young again");
}

u64 guest_main(u64 vcpu, u64 seed, u64 psize)
{
	(void)vcpu;
	page_size = psize;
	gputs("guest: hello from EL1, through the emulated UART\n");
	touch();
	live_changes();
	exec_copied_code();
	exec_one_level();
	dirty_logging(&seed);
	aging();
	touch();
	return 0;
}
