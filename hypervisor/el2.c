// SPDX-License-Identifier: GPL-2.0-only
/*
 * el2.c - the hypervisor's own address space: EL2 stage 1 built with
 * pgt_hyp_*, switched on, and tested by faulting on it; and the handler of
 * exceptions taken from EL2 itself.
 */
#include "hyp.h"

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char probe_read_insn[], probe_read_landing[], probe_write_insn[], probe_write_landing[];
extern char probe_exec_landing[];

struct pgt hyp_pgt;

#define HYP_VA_BITS	40

/* ESR_EL2 fields. */
#define ESR_EC(esr)		FIELD(esr, 26, 6)
#define EC_IABT_CUR		0x21
#define EC_DABT_CUR		0x25
#define ESR_FSC(esr)		FIELD(esr, 0, 6)
#define ESR_WNR			BIT(6)
#define FSC_TRANS(l)		(0x04 | (l))
#define FSC_PERM(l)		(0x0c | (l))

struct region {
	const char *name;
	u64 start, end;
	u32 prot;
};

static struct region regions[7];

static void regions_init(void)
{
	struct region r[] = {
		{ "text", (u64)__text_start, (u64)__text_end, PGT_PROT_RX },
		{ "rodata", (u64)__rodata_start, (u64)__rodata_end, PGT_PROT_R },
		{ "data", (u64)__data_start, (u64)__data_end, PGT_PROT_RW },
		{ "uart", UART_PA, UART_PA + 0x1000, PGT_PROT_RW | PGT_PROT_DEVICE },
		{ "scratch", SCRATCH_PA, SCRATCH_PA + SCRATCH_SIZE, PGT_PROT_RW },
		{ "pool", POOL_PA, UNMAPPED_VA, PGT_PROT_RW },
		{ "guest memory", GUESTMEM_PA, GUESTMEM_PA + GUESTMEM_SIZE, PGT_PROT_RW },
	};
	u32 i;

	for (i = 0; i < ARRAY_SIZE(r); i++)
		regions[i] = r[i];
}

/* Each CPU: MAIR, TCR, TTBR0 from the tree, then the MMU and both caches on. */
void el2_mmu_enable(void)
{
	u64 sctlr = 0x30c50830ULL;	/* RES1 bits of the non-VHE SCTLR_EL2 */

	write_sysreg(PGT_HYP_MAIR, mair_el2);
	write_sysreg(hyp_pgt.ctrl, tcr_el2);
	write_sysreg(hyp_pgt.root_phys, ttbr0_el2);
	isb();
	__asm__ volatile("tlbi alle2" ::: "memory");
	dsb(nsh);
	isb();
	/* M, C, SA, I, WXN: writable never executes, on top of the tables' XN. */
	sctlr |= BIT(0) | BIT(2) | BIT(3) | BIT(12) | BIT(19);
	write_sysreg(sctlr, sctlr_el2);
	isb();
}

/*
 * Built with the MMU off (stores go to memory, nothing was ever cached, so
 * the cacheable table walks that follow see them).
 */
void el2_mmu_init(void)
{
	struct pgt_config c = {
		.ia_bits = HYP_VA_BITS, .granule_shift = PGT_GRANULE_4K,
		.pa_bits = HYP_VA_BITS,
	};
	u32 i;
	int ret;

	regions_init();
	ret = pgt_hyp_init(&hyp_pgt, &c, &hyp_mm);
	if (ret)
		panic("pgt_hyp_init: %d", ret);
	for (i = 0; i < ARRAY_SIZE(regions); i++) {
		struct region *r = &regions[i];

		ret = pgt_hyp_map(&hyp_pgt, r->start, r->end - r->start, r->start, r->prot);
		if (ret)
			panic("pgt_hyp_map %s: %d", r->name, ret);
	}
	el2_mmu_enable();
}

/* ---- exceptions taken at EL2 ---- */

struct trap_frame {
	u64 x[31];
	u64 elr;
	u64 spsr;
	u64 pad;
};

static u64 probe_far[NR_CPUS];

static const char *const trap_kinds[] = {
	"sync (SP0)", "irq (SP0)", "fiq (SP0)", "serror (SP0)",
	"sync", "irq", "fiq", "serror",
};

void hyp_trap(struct trap_frame *f, u64 kind)
{
	u64 esr = read_sysreg(esr_el2), far = read_sysreg(far_el2);

	if (kind == 4) {
		u64 landing = 0;

		if (f->elr == (u64)probe_read_insn)
			landing = (u64)probe_read_landing;
		else if (f->elr == (u64)probe_write_insn)
			landing = (u64)probe_write_landing;
		else if (ESR_EC(esr) == EC_IABT_CUR && f->x[30] > (u64)&probe_exec &&
			 f->x[30] < (u64)probe_exec_landing)
			landing = (u64)probe_exec_landing;
		if (landing) {
			probe_far[cpu_id()] = far;
			f->x[0] = esr;
			f->elr = landing;
			return;
		}
	}
	panic("EL2 exception %s: ESR_EL2 %lx ELR_EL2 %lx FAR_EL2 %lx",
	      trap_kinds[kind & 7], (unsigned long)esr, (unsigned long)f->elr, (unsigned long)far);
}

/* ---- the checks ---- */

static bool fault_is(u64 esr, u32 ec, u32 fsc, u64 far, u64 want_far)
{
	return ESR_EC(esr) == ec && ESR_FSC(esr) == fsc && far == want_far;
}

static void check_running(void)
{
	u64 sctlr = read_sysreg(sctlr_el2);
	bool ok = true;
	u32 i;

	check((sctlr & 0x1005) == 0x1005 && read_sysreg(ttbr0_el2) == hyp_pgt.root_phys,
	      "el2: MMU, D-cache and I-cache on, TTBR0_EL2 = libpgtable's root %lx",
	      (unsigned long)hyp_pgt.root_phys);
	for (i = 0; i < ARRAY_SIZE(regions); i++)
		ok &= judge_s1_range(&hyp_pgt, regions[i].start, regions[i].end, 16);
	check(ok, "el2: AT S1E2R/W agree with pgt_get_leaf and ref_xlat over every region");
}

static u32 ret_insn = 0xd65f03c0;	/* "ret", copied to data to be executed there */

static void check_wx(void)
{
	u64 text = (u64)__text_start + 0x100, ro = (u64)__rodata_start;
	u64 esr;

	esr = probe_write(text, 0);
	check(fault_is(esr, EC_DABT_CUR, FSC_PERM(3), probe_far[cpu_id()], text) &&
	      (esr & ESR_WNR), "el2: W^X: a write to text takes a permission fault (ESR %lx)",
	      (unsigned long)esr);
	esr = probe_write(ro, 0);
	check(fault_is(esr, EC_DABT_CUR, FSC_PERM(3), probe_far[cpu_id()], ro),
	      "el2: a write to rodata takes a permission fault (ESR %lx)", (unsigned long)esr);
	esr = probe_read(text);
	check(esr == 0, "el2: text is readable (ESR %lx)", (unsigned long)esr);
	esr = probe_exec((u64)&ret_insn);
	check(fault_is(esr, EC_IABT_CUR, FSC_PERM(3), probe_far[cpu_id()], (u64)&ret_insn),
	      "el2: W^X: executing data takes a permission fault (ESR %lx)", (unsigned long)esr);
	esr = probe_write(UNMAPPED_VA, 0);
	check(esr != 0, "el2: an address nothing maps faults (ESR %lx)", (unsigned long)esr);
}

/* Unmap one page inside a live 2M block: the library splits the block. */
static void check_unmap_in_block(void)
{
	u64 hole = SCRATCH_PA + 5 * 0x1000, next = hole + 0x1000, unmapped = 0;
	pgt_pte_t pte;
	pgt_s8 level;
	u64 esr, used = pool_frames_used();
	int ret;

	pgt_get_leaf(&hyp_pgt, hole, &pte, &level);
	check(level == 2 && pgt_pte_is_leaf(pte, level), "el2: scratch is one 2M block (level %d)",
	      level);
	*(volatile u64 *)hole = 0x1111;
	*(volatile u64 *)next = 0x2222;
	ret = pgt_hyp_unmap(&hyp_pgt, hole, 0x1000, &unmapped);
	check(ret == 0 && unmapped == 0x1000, "el2: pgt_hyp_unmap of one page inside the block: %d",
	      ret);
	esr = probe_read(hole + 8);
	check(fault_is(esr, EC_DABT_CUR, FSC_TRANS(3), probe_far[cpu_id()], hole + 8),
	      "el2: the unmapped page takes a level 3 translation fault (ESR %lx FAR %lx)",
	      (unsigned long)esr, (unsigned long)probe_far[cpu_id()]);
	check(probe_read(next) == 0 && *(volatile u64 *)next == 0x2222 &&
	      *(volatile u64 *)(SCRATCH_PA + SCRATCH_SIZE - 8) == 0,
	      "el2: the rest of the block still reads what it held");
	check(judge_s1_range(&hyp_pgt, SCRATCH_PA, SCRATCH_PA + SCRATCH_SIZE, 32) &&
	      judge_s1_range(&hyp_pgt, hole - 0x1000, next + 0x1000, 0),
	      "el2: AT agrees after the split (the hole and its neighbours)");
	ret = pgt_hyp_map(&hyp_pgt, hole, 0x1000, hole, PGT_PROT_RW);
	check(ret == 0 && probe_read(hole) == 0 && *(volatile u64 *)hole == 0x1111,
	      "el2: mapped again, the page reads what it held: %d", ret);
	check(judge_s1_range(&hyp_pgt, hole - 0x1000, next + 0x1000, 0),
	      "el2: AT agrees after the remap");
	hprintf("el2: the split took %lu table page(s)\n",
		(unsigned long)(pool_frames_used() - used));
}

/* ---- the stage-1 TLB hooks, each on its own ---- */

struct find_pte {
	u64 addr;
	pgt_pte_t *ptep;
};

static struct pgt_action find_pte_cb(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	struct find_pte *f = ctx->arg;

	(void)visit;
	if (ctx->level == PGT_MAX_LEVEL)
		f->ptep = ctx->ptep;
	return pgt_continue();
}

static pgt_pte_t *page_pte(u64 va)
{
	struct find_pte f = { va, NULL };
	struct pgt_walker w = { find_pte_cb, &f, PGT_WALK_LEAF };

	pgt_walk(&hyp_pgt, va, 0x1000, &w);
	return f.ptep;
}

enum s1_hook { HOOK_VALE2, HOOK_VAE2, HOOK_RANGE, HOOK_ALL, HOOK_NONE };

static void s1_hook(enum s1_hook h, u64 va)
{
	dsb(ishst);
	if (h == HOOK_VALE2)
		hyp_mm.tlbi_va(&hyp_mm, NULL, va, 3, true);
	else if (h == HOOK_VAE2)
		hyp_mm.tlbi_va(&hyp_mm, NULL, va, PGT_NO_LEVEL, false);
	else if (h == HOOK_RANGE)
		hyp_mm.tlbi_range(&hyp_mm, NULL, va, 0x2000, 3);
	else if (h == HOOK_ALL)
		hyp_mm.tlbi_all(&hyp_mm, NULL);
	dsb(ish);
	isb();
}

/*
 * Break-before-make done by hand on a page the library split out of the
 * scratch block: point @a at @b's page through hook @h, read @a, restore.
 * Returns what the read saw.
 */
static u64 s1_retarget(enum s1_hook h, u64 a, u64 b)
{
	pgt_pte_t *ptep = page_pte(a), old = *ptep;
	u64 seen;

	(void)*(volatile u64 *)a;	/* the translation is in the TLB now */
	pgt_write_once(ptep, 0);
	s1_hook(h, a);
	pgt_write_once(ptep, (old & ~PGT_GENMASK(47, 12)) | b);
	dsb(ishst);
	isb();
	seen = *(volatile u64 *)a;
	pgt_write_once(ptep, 0);
	s1_hook(HOOK_ALL, a);
	pgt_write_once(ptep, old);
	dsb(ishst);
	isb();
	return seen;
}

static void check_s1_tlbi(void)
{
	static const char *const names[] = {
		"VALE2IS (leaf, TTL)", "VAE2IS", "RVAE2IS/VAE2IS (range)", "ALLE2IS",
	};
	u64 a = SCRATCH_PA + 0x10000, b = SCRATCH_PA + 0x20000;
	u32 h;

	*(volatile u64 *)a = 0xaaaa;
	*(volatile u64 *)b = 0xbbbb;
	if (!page_pte(a))
		panic("el2: no page entry for the scratch page");
	for (h = HOOK_VALE2; h <= HOOK_ALL; h++)
		check(s1_retarget(h, a, b) == 0xbbbb,
		      "el2: the stage-1 hook issuing %s drops the old translation", names[h]);
	/* The same with no invalidation: the CPU keeps the old one, so the above can fail. */
	check(s1_retarget(HOOK_NONE, a, b) == 0xaaaa,
	      "el2: control: without a TLBI the stale translation is still used");
	check(judge_s1_range(&hyp_pgt, a, a + 0x1000, 0) && *(volatile u64 *)a == 0xaaaa,
	      "el2: the page translates as before afterwards");
}

void el2_tests(void)
{
	check_running();
	check_wx();
	check_unmap_in_block();
	check_s1_tlbi();
}
