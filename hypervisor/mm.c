// SPDX-License-Identifier: GPL-2.0-only
/*
 * mm.c - the hypervisor's home: struct pgt_mm_ops with real TLBIs, real cache
 * maintenance, the page pool, and deferred frees by epochs.
 *
 * Documentation/hypervisor.rst gives the encodings and why each is used.
 */
#include "hyp.h"

static u64 stats[ST_NR];

void stat_add(enum stat s, u64 n)
{
	__atomic_fetch_add(&stats[s], n, __ATOMIC_RELAXED);
}

u64 stat_get(enum stat s)
{
	return __atomic_load_n(&stats[s], __ATOMIC_RELAXED);
}

/* ---- TLB maintenance ---- */

#define TLBI(op, x)	__asm__ volatile("tlbi " #op ", %0" :: "r"(x) : "memory")
#define TLBI0(op)	__asm__ volatile("tlbi " #op ::: "memory")
/* FEAT_TLBIRANGE ops by encoding (SYS #op1, C8, CRm, #op2), for any assembler. */
#define RVAE2IS(x)	__asm__ volatile("sys #4, c8, c2, #1, %0" :: "r"(x) : "memory")
#define RIPAS2E1IS(x)	__asm__ volatile("sys #4, c8, c0, #2, %0" :: "r"(x) : "memory")

/* Small enough to invalidate page by page; beyond it, the whole regime. */
#define TLBI_PAGES_MAX	64

/* The TTL hint, bits 47:44 of a VA or IPA operand: granule and level. */
static u64 ttl_hint(u32 granule_shift, pgt_s8 level)
{
	u64 tg = granule_shift == 12 ? 1 : granule_shift == 14 ? 2 : 3;

	if (!feat.ttl || level < 1 || level > 3)
		return 0;
	stat_add(ST_TLBI_TTL, 1);
	return (tg << 2 | (u64)level) << 44;
}

/* A VA/IPA operand: address bits 55:12 in 43:0, whatever the granule. */
static u64 tlbi_addr(u64 addr, u32 granule_shift, pgt_s8 level)
{
	return ((addr >> 12) & PGT_GENMASK(43, 0)) | ttl_hint(granule_shift, level);
}

/*
 * A range operand: TG[47:46], SCALE[45:44], NUM[43:39], TTL[38:37],
 * BaseADDR[36:0] in granules.  It covers (NUM + 1) << (5 * SCALE + 1) pages.
 */
static u64 range_operand(u64 addr, u32 gs, u32 scale, u32 num, pgt_s8 level)
{
	u64 tg = gs == 12 ? 1 : gs == 14 ? 2 : 3;
	u64 ttl = level >= 1 && level <= 3 ? (u64)level : 0;

	return tg << 46 | (u64)scale << 44 | (u64)num << 39 | ttl << 37 |
	       ((addr >> gs) & PGT_GENMASK(36, 0));
}

/*
 * Cover @pages pages from @addr with as few range operations as possible;
 * an odd page left at the end goes to @single.
 */
static void tlbi_by_range(u64 addr, u64 pages, u32 gs, pgt_s8 level, bool stage2,
			  void (*single)(u64 addr, u32 gs, pgt_s8 level))
{
	while (pages) {
		u32 scale = 3;
		u64 unit, num;

		if (pages == 1) {
			single(addr, gs, level);
			return;
		}
		while (scale && (1ULL << (5 * scale + 1)) > pages)
			scale--;
		unit = 1ULL << (5 * scale + 1);
		num = pages / unit;
		if (num > 32)
			num = 32;
		if (stage2) {
			RIPAS2E1IS(range_operand(addr, gs, scale, num - 1, level));
			stat_add(ST_TLBI_RIPAS2, 1);
		} else {
			RVAE2IS(range_operand(addr, gs, scale, num - 1, level));
			stat_add(ST_TLBI_RVAE2, 1);
		}
		addr += (num * unit) << gs;
		pages -= num * unit;
	}
}

/* EL2 stage 1: always the 4K granule (el2.c). */
static void s1_single(u64 va, u32 gs, pgt_s8 level)
{
	(void)gs;
	TLBI(vae2is, tlbi_addr(va, 12, level));
	stat_add(ST_TLBI_VAE2, 1);
}

static void s1_tlbi_va(struct pgt_mm_ops *mm, void *cookie, u64 va, pgt_s8 level, bool leaf)
{
	(void)mm;
	(void)cookie;
	if (leaf) {
		TLBI(vale2is, tlbi_addr(va, 12, level));
		stat_add(ST_TLBI_VALE2, 1);
	} else {
		s1_single(va, 12, level);
	}
}

static void s1_tlbi_all(struct pgt_mm_ops *mm, void *cookie)
{
	(void)mm;
	(void)cookie;
	TLBI0(alle2is);
	stat_add(ST_TLBI_ALLE2, 1);
}

static void s1_tlbi_range(struct pgt_mm_ops *mm, void *cookie, u64 va, u64 size, pgt_s8 level)
{
	u64 pages = size >> 12, i;

	if (feat.tlbi_range) {
		tlbi_by_range(va, pages, 12, level, false, s1_single);
	} else if (pages <= TLBI_PAGES_MAX) {
		for (i = 0; i < pages; i++)
			s1_single(va + (i << 12), 12, level);
	} else {
		s1_tlbi_all(mm, cookie);
	}
}

/*
 * Stage 2.  IPAS2* and VMALL* act on the VMID in VTTBR_EL2, so each hook
 * loads the MMU's VTTBR for the duration (nothing runs a guest on this CPU
 * meanwhile: the hypervisor is between guest exits).  IPAS2* removes only
 * stage-2 entries: combined stage-1+2 entries are tagged by VA, so a
 * VMALLE1IS follows, after a DSB that orders it behind the IPA invalidation.
 */
static bool skip_tlbi(void)
{
	if (!__atomic_load_n(&tlbi_skip_armed, __ATOMIC_RELAXED))
		return false;
	stat_add(ST_TLBI_SKIPPED, 1);
	return true;
}

static u64 vmid_enter(void *cookie)
{
	u64 old = read_sysreg(vttbr_el2);

	write_sysreg(pgt_s2_mmu_vttbr(cookie), vttbr_el2);
	isb();
	return old;
}

static void vmid_exit(u64 old)
{
	write_sysreg(old, vttbr_el2);
	isb();
}

static u32 s2_gs(void *cookie)
{
	return ((struct pgt_s2_mmu *)cookie)->vm->geom.granule_shift;
}

static void vmalle1is(void)
{
	dsb(ish);
	TLBI0(vmalle1is);
	stat_add(ST_TLBI_VMALLE1, 1);
}

static void s2_single(u64 ipa, u32 gs, pgt_s8 level)
{
	TLBI(ipas2e1is, tlbi_addr(ipa, gs, level));
	stat_add(ST_TLBI_IPAS2, 1);
}

static void s2_tlbi_va(struct pgt_mm_ops *mm, void *cookie, u64 ipa, pgt_s8 level, bool leaf)
{
	u64 old;

	(void)mm;
	if (skip_tlbi())
		return;
	old = vmid_enter(cookie);
	if (leaf) {
		TLBI(ipas2le1is, tlbi_addr(ipa, s2_gs(cookie), level));
		stat_add(ST_TLBI_IPAS2L, 1);
	} else {
		TLBI(ipas2e1is, tlbi_addr(ipa, s2_gs(cookie), level));
		stat_add(ST_TLBI_IPAS2, 1);
	}
	vmalle1is();
	vmid_exit(old);
}

static void s2_tlbi_all(struct pgt_mm_ops *mm, void *cookie)
{
	u64 old;

	(void)mm;
	if (skip_tlbi())
		return;
	old = vmid_enter(cookie);
	TLBI0(vmalls12e1is);
	stat_add(ST_TLBI_VMALLS12, 1);
	vmid_exit(old);
}

static void s2_tlbi_range(struct pgt_mm_ops *mm, void *cookie, u64 ipa, u64 size, pgt_s8 level)
{
	u32 gs = s2_gs(cookie);
	u64 pages = size >> gs, i, old;

	if (!feat.tlbi_range && pages > TLBI_PAGES_MAX) {
		s2_tlbi_all(mm, cookie);
		return;
	}
	if (skip_tlbi())
		return;
	old = vmid_enter(cookie);
	if (feat.tlbi_range)
		tlbi_by_range(ipa, pages, gs, level, true, s2_single);
	else
		for (i = 0; i < pages; i++)
			s2_single(ipa + (i << gs), gs, level);
	vmalle1is();
	vmid_exit(old);
}

/* CPU-local invalidations before a guest runs (the VM layer's rules). */
static void local_tlbi_vmid(struct pgt_vm_ops *ops, struct pgt_s2_mmu *mmu, u32 cpu)
{
	u64 old = vmid_enter(mmu);

	(void)ops;
	(void)cpu;
	TLBI0(vmalle1);
	stat_add(ST_TLBI_LOCAL, 1);
	vmid_exit(old);
}

static void local_tlbi_all(struct pgt_vm_ops *ops, u32 cpu)
{
	(void)ops;
	(void)cpu;
	TLBI0(alle1);
	stat_add(ST_TLBI_LOCAL, 1);
}

struct pgt_vm_ops hyp_vm_ops = {
	.tlbi_vmid_local = local_tlbi_vmid,
	.tlbi_all_local = local_tlbi_all,
};

/* ---- cache maintenance ---- */

static bool hyp_mapped(u64 pa, u64 size)
{
	return pa >= RAM_BASE && pa + size <= (u64)RAM_BASE + RAM_SIZE && pa + size > pa;
}

void dcache_clean_inval(u64 pa, u64 size)
{
	u64 line = feat.dline, a;

	if (!hyp_mapped(pa, size))
		return;
	for (a = PGT_ALIGN_DOWN(pa, line); a < pa + size; a += line)
		__asm__ volatile("dc civac, %0" :: "r"(a) : "memory");
	dsb(ish);
	stat_add(ST_DC_LINES, (pa + size - PGT_ALIGN_DOWN(pa, line)) / line);
}

/*
 * Make instructions written through the data side fetchable: clean the data
 * cache to the PoU unless CTR_EL0.IDC says it need not be, then invalidate
 * the instruction cache unless CTR_EL0.DIC says so: by line where it is PIPT
 * (the hypervisor's VA names the same physical lines the guest fetches),
 * all of it otherwise (a VIPT cache indexes by the guest's VA, unknown here).
 */
void icache_sync(u64 pa, u64 size)
{
	u64 a;

	if (!hyp_mapped(pa, size))
		return;
	if (!feat.idc) {
		for (a = PGT_ALIGN_DOWN(pa, feat.dline); a < pa + size; a += feat.dline)
			__asm__ volatile("dc cvau, %0" :: "r"(a) : "memory");
		dsb(ish);
	} else {
		stat_add(ST_DC_SKIPPED_IDC, 1);
	}
	if (!feat.dic) {
		if (feat.icache_pipt) {
			for (a = PGT_ALIGN_DOWN(pa, feat.iline); a < pa + size; a += feat.iline)
				__asm__ volatile("ic ivau, %0" :: "r"(a) : "memory");
			stat_add(ST_IC_LINES, (pa + size - PGT_ALIGN_DOWN(pa, feat.iline)) /
				 feat.iline);
		} else {
			__asm__ volatile("ic ialluis" ::: "memory");
			stat_add(ST_IC_ALL, 1);
		}
		dsb(ish);
	}
	isb();
}

static void mm_dcache(struct pgt_mm_ops *mm, u64 pa, u64 size)
{
	(void)mm;
	dcache_clean_inval(pa, size);
}

static void mm_icache(struct pgt_mm_ops *mm, u64 pa, u64 size)
{
	(void)mm;
	icache_sync(pa, size);
}

/* ---- memory ---- */

static void *mm_zalloc_page(struct pgt_mm_ops *mm, u32 size)
{
	(void)mm;
	return pool_alloc(size);
}

static void *mm_zalloc_exact(struct pgt_mm_ops *mm, u64 size)
{
	(void)mm;
	return pool_alloc(size);
}

static void mm_free_exact(struct pgt_mm_ops *mm, void *p, u64 size)
{
	(void)mm;
	pool_free(p, size);
}

static void mm_get_page(struct pgt_mm_ops *mm, void *p)
{
	(void)mm;
	pool_get(p);
}

static void mm_put_page(struct pgt_mm_ops *mm, void *p)
{
	(void)mm;
	pool_put(p);
}

static int mm_page_count(struct pgt_mm_ops *mm, void *p)
{
	(void)mm;
	return pool_count(p);
}

/* EL2 stage 1 maps all of RAM at VA == PA. */
static void *mm_phys_to_virt(struct pgt_mm_ops *mm, u64 pa)
{
	(void)mm;
	return (void *)pa;
}

static u64 mm_virt_to_phys(struct pgt_mm_ops *mm, void *va)
{
	(void)mm;
	return (u64)va;
}

/* ---- deferred frees: epochs ---- */

/*
 * Documentation/hypervisor.rst, "Deferred frees", proves this correct.  In
 * short: a CPU inside a shared walk publishes the global epoch it saw
 * (cpu_epoch, 0 when quiescent) and fences before reading any table; an
 * unlinked table is stamped with the epoch current when it was retired,
 * which is then advanced.  It may be freed once no CPU publishes an epoch
 * at or below its stamp: every walker that could have read the table's
 * address entered before the retirement, so it published an older epoch.
 */
static u64 global_epoch = 1;
static u64 cpu_epoch[NR_CPUS];
static u32 cpu_nest[NR_CPUS];
static void *retired;		/* lock-free stack through pool_meta.next */
static u64 retired_count;

static void walk_begin(struct pgt_mm_ops *mm)
{
	u32 c = cpu_id();

	(void)mm;
	if (cpu_nest[c]++)
		return;
	__atomic_store_n(&cpu_epoch[c], __atomic_load_n(&global_epoch, __ATOMIC_SEQ_CST),
			 __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void walk_end(struct pgt_mm_ops *mm)
{
	u32 c = cpu_id();

	(void)mm;
	if (--cpu_nest[c])
		return;
	__atomic_store_n(&cpu_epoch[c], 0, __ATOMIC_RELEASE);
}

static void retire_push(void *table)
{
	struct pool_meta *m = pool_meta(table);
	void *head = __atomic_load_n(&retired, __ATOMIC_RELAXED);

	do {
		m->next = head;
	} while (!__atomic_compare_exchange_n(&retired, &head, table, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

static void mm_free_unlinked(struct pgt_mm_ops *mm, void *table, pgt_s8 level, u8 gs)
{
	struct pool_meta *m = pool_meta(table);

	(void)mm;
	m->level = level;
	m->granule_shift = gs;
	/* The unlink (a seq_cst CAS or store in the library) precedes this. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	m->epoch = __atomic_fetch_add(&global_epoch, 1, __ATOMIC_SEQ_CST);
	stat_add(ST_DEFERRED, 1);
	stat_add(ST_EPOCHS, 1);
	__atomic_fetch_add(&retired_count, 1, __ATOMIC_RELAXED);
	retire_push(table);
}

/* The oldest epoch a CPU inside a shared walk may still be reading under. */
static u64 oldest_active_epoch(void)
{
	u64 min = ~0ULL;
	u32 c;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (c = 0; c < NR_CPUS; c++) {
		u64 e = __atomic_load_n(&cpu_epoch[c], __ATOMIC_SEQ_CST);

		if (e && e < min)
			min = e;
	}
	return min;
}

/* Free what no walker can reach; called outside shared walks. */
void epoch_reclaim(void)
{
	void *list = __atomic_exchange_n(&retired, NULL, __ATOMIC_ACQUIRE);
	u64 oldest = oldest_active_epoch();

	while (list) {
		struct pool_meta *m = pool_meta(list);
		void *next = m->next;

		if (m->epoch < oldest) {
			pgt_unlinked_free(&s2_mm, list, m->level, m->granule_shift);
			__atomic_fetch_sub(&retired_count, 1, __ATOMIC_RELAXED);
			stat_add(ST_DEFERRED_FREED, 1);
		} else {
			retire_push(list);
		}
		list = next;
	}
}

u64 epoch_pending(void)
{
	return __atomic_load_n(&retired_count, __ATOMIC_RELAXED);
}

struct pgt_mm_ops hyp_mm = {
	.zalloc_page = mm_zalloc_page,
	.zalloc_pages_exact = mm_zalloc_exact,
	.free_pages_exact = mm_free_exact,
	.get_page = mm_get_page,
	.put_page = mm_put_page,
	.page_count = mm_page_count,
	.phys_to_virt = mm_phys_to_virt,
	.virt_to_phys = mm_virt_to_phys,
	.dcache_clean_inval_poc = mm_dcache,
	.icache_inval_pou = mm_icache,
	.tlbi_va = s1_tlbi_va,
	.tlbi_range = s1_tlbi_range,
	.tlbi_all = s1_tlbi_all,
};

struct pgt_mm_ops s2_mm = {
	.zalloc_page = mm_zalloc_page,
	.zalloc_pages_exact = mm_zalloc_exact,
	.free_pages_exact = mm_free_exact,
	.get_page = mm_get_page,
	.put_page = mm_put_page,
	.page_count = mm_page_count,
	.phys_to_virt = mm_phys_to_virt,
	.virt_to_phys = mm_virt_to_phys,
	.free_unlinked_table = mm_free_unlinked,
	.dcache_clean_inval_poc = mm_dcache,
	.icache_inval_pou = mm_icache,
	.tlbi_va = s2_tlbi_va,
	.tlbi_range = s2_tlbi_range,
	.tlbi_all = s2_tlbi_all,
	.shared_walk_begin = walk_begin,
	.shared_walk_end = walk_end,
};

static const char *const stat_names[ST_NR] = {
	[ST_TLBI_VAE2] = "tlbi vae2is", [ST_TLBI_VALE2] = "tlbi vale2is",
	[ST_TLBI_RVAE2] = "tlbi rvae2is", [ST_TLBI_ALLE2] = "tlbi alle2is",
	[ST_TLBI_IPAS2] = "tlbi ipas2e1is", [ST_TLBI_IPAS2L] = "tlbi ipas2le1is",
	[ST_TLBI_RIPAS2] = "tlbi ripas2e1is", [ST_TLBI_VMALLS12] = "tlbi vmalls12e1is",
	[ST_TLBI_VMALLE1] = "tlbi vmalle1is", [ST_TLBI_LOCAL] = "tlbi local (vmalle1/alle1)",
	[ST_TLBI_TTL] = "tlbi with a TTL hint", [ST_TLBI_SKIPPED] = "tlbi skipped (debug switch)",
	[ST_DC_LINES] = "dc civac lines", [ST_IC_LINES] = "ic ivau lines",
	[ST_IC_ALL] = "ic ialluis", [ST_DC_SKIPPED_IDC] = "dc cvau skipped (IDC)",
	[ST_DEFERRED] = "deferred table frees", [ST_DEFERRED_FREED] = "deferred frees done",
	[ST_EPOCHS] = "epochs advanced",
	[ST_FAULT_TRANS] = "s2 faults: translation", [ST_FAULT_PERM_W] = "s2 faults: write permission",
	[ST_FAULT_PERM_X] = "s2 faults: exec permission", [ST_FAULT_AF] = "s2 faults: access flag",
	[ST_FAULT_MMIO] = "s2 faults: mmio (emulated uart)",
	[ST_FAULT_EAGAIN] = "s2 faults: lost races (-EAGAIN)",
	[ST_HVC] = "hypercalls", [ST_MAP_PAGES] = "s2 pages mapped by faults",
	[ST_MAP_BLOCKS] = "s2 blocks mapped by faults", [ST_FAULT_TICKS] = "fault handling ticks",
	[ST_RUN_NEW_VMID] = "guest entries with a new VMID",
	[ST_RUN_FLUSH_ALL] = "guest entries after a rollover flush",
	[ST_RUN_FLUSH_VMID] = "guest entries after a last-vCPU flush",
};

void stats_print(void)
{
	u64 faults = stat_get(ST_FAULT_TRANS) + stat_get(ST_FAULT_PERM_W) +
		     stat_get(ST_FAULT_PERM_X) + stat_get(ST_FAULT_AF);
	u32 i;

	console_lock();
	hprintf("---- counters\n");
	for (i = 0; i < ST_NR; i++)
		if (i != ST_FAULT_TICKS)
			hprintf("  %-36s %lu\n", stat_names[i], (unsigned long)stat_get(i));
	if (faults)
		hprintf("  %-36s %lu ns (QEMU TCG time, not judged)\n", "time per fault",
			(unsigned long)(ticks_to_ns(stat_get(ST_FAULT_TICKS)) / faults));
	hprintf("  %-36s %lu of %lu\n", "pool 4K frames in use", (unsigned long)pool_frames_used(),
		(unsigned long)pool_frames_total());
	console_unlock();
}
