// SPDX-License-Identifier: GPL-2.0-only
/*
 * judge.c - the MMU as the judge.  For an address, three opinions of what
 * it translates to: the CPU's own walk (AT S1E2R/W or AT S12E1R/W ->
 * PAR_EL1), the library's (pgt_get_leaf()), and the reference translator's
 * (test/ref_xlat.c, from the raw registers and descriptors).  All three
 * must agree on the output address, on fault or not, and for a fault on its
 * kind and level.
 */
#include "hyp.h"
#include "../test/ref_xlat.h"

struct judge_stats judge;

/* ---- the reference translator's heap: one arena, stack-like use ---- */

static u8 arena[64 * 1024] __attribute__((aligned(16)));
static u64 arena_top, arena_live;
static struct spinlock arena_lock;

struct arena_hdr {
	u64 size;
	u64 pad;
};

void *hyp_realloc(void *p, size_t n)
{
	struct arena_hdr *h = p ? (struct arena_hdr *)p - 1 : NULL;
	u64 need = (n + sizeof(*h) + 15) & ~15ULL;
	void *out = NULL;

	spin_lock(&arena_lock);
	if (h && (u8 *)h + sizeof(*h) + ((h->size + 15) & ~15ULL) == arena + arena_top &&
	    (u8 *)h - arena + need <= sizeof(arena)) {
		/* The last block grows in place. */
		arena_top = (u8 *)h - arena + need;
		h->size = n;
		out = p;
	} else if (arena_top + need <= sizeof(arena)) {
		struct arena_hdr *nh = (struct arena_hdr *)(arena + arena_top);

		arena_top += need;
		nh->size = n;
		out = nh + 1;
		if (h)
			memcpy(out, p, h->size < n ? h->size : n);
		else
			arena_live++;
	}
	spin_unlock(&arena_lock);
	return out;
}

void hyp_free(void *p)
{
	if (!p)
		return;
	spin_lock(&arena_lock);
	if (!--arena_live)
		arena_top = 0;
	spin_unlock(&arena_lock);
}

static bool read64(void *ctx, uint64_t pa, uint64_t *val)
{
	(void)ctx;
	if (pa < RAM_BASE || pa + 8 > (u64)RAM_BASE + RAM_SIZE)
		return false;
	*val = *(volatile u64 *)pa;
	return true;
}

/* ---- one address's three opinions ---- */

struct opinion {
	bool ok;	/* translates */
	u64 pa;
	int mt;		/* enum ref_memtype of a translation, -1 if this opinion has none */
	int fault;	/* PAR_EL1.FST[5:2] style: 1 translation, 2 access flag, 3 permission */
	int level;
};

/* A Normal memory nibble of PAR_EL1.ATTR (MAIR format): NC, write-through or write-back. */
static int par_cacheability(u32 n)
{
	if (n == 0x4)
		return REF_MT_NORMAL_NC;
	return n & 0x4 ? REF_MT_NORMAL_WB : REF_MT_NORMAL_WT;
}

/* PAR_EL1.ATTR, bits 63:56: the memory type of the whole translation. */
static int par_memtype(u64 par)
{
	u32 attr = par >> 56, in, out;

	if (!(attr >> 4))
		return REF_MT_DEVICE_nGnRnE + ((attr >> 2) & 3);
	in = par_cacheability(attr & 0xf);
	out = par_cacheability(attr >> 4);
	if (in == REF_MT_NORMAL_NC || out == REF_MT_NORMAL_NC)
		return REF_MT_NORMAL_NC;
	return in == REF_MT_NORMAL_WB && out == REF_MT_NORMAL_WB ? REF_MT_NORMAL_WB :
								    REF_MT_NORMAL_WT;
}

/* PAR_EL1 after an AT: F in bit 0; PA[51:12] (FEAT_LPA) and ATTR; or FST in bits 6:1. */
static struct opinion par_opinion(u64 par, u64 ia)
{
	struct opinion o = { .mt = -1 };

	if (!(par & 1)) {
		o.ok = true;
		o.pa = (par & PGT_GENMASK(51, 12)) | (ia & 0xfff);
		o.mt = par_memtype(par);
	} else {
		u32 fst = FIELD(par, 1, 6);

		o.fault = fst >> 2;
		o.level = fst & 3;
	}
	return o;
}

static struct opinion ref_opinion(const struct ref_result *r)
{
	struct opinion o = { .mt = -1 };
	static const int kinds[] = {
		[REF_FAULT_TRANSLATION] = 1, [REF_FAULT_ACCESS_FLAG] = 2,
		[REF_FAULT_PERMISSION] = 3, [REF_FAULT_ADDRESS_SIZE] = 0,
		[REF_FAULT_EXTERNAL] = 5,
	};

	o.ok = r->fault == REF_OK;
	o.pa = r->pa;
	o.level = r->level;
	if (o.ok)
		o.mt = r->mt;
	if (!o.ok)
		o.fault = kinds[r->fault];
	return o;
}

/*
 * The library's opinion for a read: the leaf it reports translates (the
 * access flag set), or the walk stops at that level.  It says nothing of
 * permissions, so writes compare only the MMU and the reference.
 */
static struct opinion lib_opinion(struct pgt *pgt, u64 ia)
{
	struct opinion o = { .mt = -1 };
	pgt_pte_t pte = 0;
	pgt_s8 level = 0;

	pgt_get_leaf(pgt, ia, &pte, &level);
	o.level = level;
	if (!pgt_pte_is_leaf(pte, level)) {
		o.fault = 1;
	} else if (!(pte & PGT_PTE_AF)) {
		o.fault = 2;
	} else {
		o.ok = true;
		o.pa = pgt_pte_addr(&pgt->geom, pte) + (ia & (pgt_level_size(&pgt->geom, level) - 1));
	}
	return o;
}

static bool same(const struct opinion *a, const struct opinion *b)
{
	if (a->ok != b->ok)
		return false;
	if (a->ok)
		return a->pa == b->pa && (a->mt < 0 || b->mt < 0 || a->mt == b->mt);
	return a->fault == b->fault && a->level == b->level;
}

/*
 * The comparison on its own, so that judge_selftest() can feed it a wrong
 * PAR and see it refuse.  @lib may be NULL (writes).
 */
static bool judge_compare(const char *what, u64 ia, u64 par, const struct ref_result *ref,
			  const struct opinion *lib, bool quiet)
{
	struct opinion at = par_opinion(par, ia), rf = ref_opinion(ref);

	if (same(&at, &rf) && (!lib || same(&at, lib)))
		return true;
	if (!quiet)
		hprintf("judge: %s %lx: AT par %lx (ok %d pa %lx mt %d fault %d level %d), "
			"ref (ok %d pa %lx mt %d fault %d level %d), "
			"lib (ok %d pa %lx fault %d level %d)\n",
			what, (unsigned long)ia, (unsigned long)par, at.ok, (unsigned long)at.pa,
			at.mt, at.fault, at.level, rf.ok, (unsigned long)rf.pa, rf.mt, rf.fault,
			rf.level,
			lib ? lib->ok : -1, lib ? (unsigned long)lib->pa : 0UL,
			lib ? lib->fault : -1, lib ? lib->level : -1);
	return false;
}

static u64 at_s1e2(u64 va, bool write)
{
	u64 par;

	if (write)
		__asm__ volatile("at s1e2w, %0" :: "r"(va) : "memory");
	else
		__asm__ volatile("at s1e2r, %0" :: "r"(va) : "memory");
	isb();
	par = read_sysreg(par_el1);
	return par;
}

bool judge_s1(struct pgt *pgt, u64 va)
{
	struct ref_regime rg = {
		.stage = 1, .ctrl = pgt->ctrl, .ttbr = pgt->root_phys, .mair = PGT_HYP_MAIR,
		.read64 = read64,
	};
	struct ref_result rr, rw;
	struct opinion lib = lib_opinion(pgt, va);
	bool ok;

	ref_translate(&rg, va, REF_ACC_READ, &rr);
	ref_translate(&rg, va, REF_ACC_WRITE, &rw);
	ok = judge_compare("s1e2r", va, at_s1e2(va, false), &rr, &lib, false);
	ok &= judge_compare("s1e2w", va, at_s1e2(va, true), &rw, NULL, false);
	__atomic_fetch_add(&judge.s1_checks, 1, __ATOMIC_RELAXED);
	if (!ok)
		__atomic_fetch_add(&judge.mismatches, 1, __ATOMIC_RELAXED);
	return ok;
}

/*
 * AT S12E1* translates with the EL1&0 regime this CPU has loaded: VTTBR_EL2
 * and VTCR_EL2 are the guest's for the duration, with HCR_EL2.VM set and the
 * guest's stage 1 off (HCR_EL2.DC), so stage 1 is flat and the IPA is the VA.
 */
static u64 at_s12e1(u64 ipa, bool write)
{
	if (write)
		__asm__ volatile("at s12e1w, %0" :: "r"(ipa) : "memory");
	else
		__asm__ volatile("at s12e1r, %0" :: "r"(ipa) : "memory");
	isb();
	return read_sysreg(par_el1);
}

/* AT S12E1R and S12E1W of @ipa with this tree loaded in VTTBR/VTCR_EL2. */
static void at_s12e1_tree(struct pgt *pgt, u64 vttbr, u64 ipa, u64 *par_r, u64 *par_w)
{
	u64 old_vttbr = read_sysreg(vttbr_el2), old_vtcr = read_sysreg(vtcr_el2);

	write_sysreg(pgt->ctrl, vtcr_el2);
	write_sysreg(vttbr, vttbr_el2);
	isb();
	*par_r = at_s12e1(ipa, false);
	*par_w = at_s12e1(ipa, true);
	write_sysreg(old_vtcr, vtcr_el2);
	write_sysreg(old_vttbr, vttbr_el2);
	isb();
}

bool judge_s2(struct pgt *pgt, u64 vttbr, u64 ipa)
{
	struct ref_regime rg = {
		.stage = 2, .ctrl = pgt->ctrl, .ttbr = vttbr & PGT_GENMASK(47, 1),
		.fwb = pgt->flags & PGT_S2_FWB, .read64 = read64,
	};
	struct ref_result rr, rw;
	struct opinion lib = lib_opinion(pgt, ipa);
	u64 par_r, par_w;
	bool ok;

	at_s12e1_tree(pgt, vttbr, ipa, &par_r, &par_w);
	ref_translate(&rg, ipa, REF_ACC_READ, &rr);
	ref_translate(&rg, ipa, REF_ACC_WRITE, &rw);
	ok = judge_compare("s12e1r", ipa, par_r, &rr, &lib, false);
	ok &= judge_compare("s12e1w", ipa, par_w, &rw, NULL, false);
	__atomic_fetch_add(&judge.s2_checks, 1, __ATOMIC_RELAXED);
	if (!ok)
		__atomic_fetch_add(&judge.mismatches, 1, __ATOMIC_RELAXED);
	return ok;
}

int judge_s2_memtype(struct pgt *pgt, u64 vttbr, u64 ipa)
{
	u64 par_r, par_w;

	at_s12e1_tree(pgt, vttbr, ipa, &par_r, &par_w);
	return par_r & 1 ? -1 : par_memtype(par_r);
}

/* The first and last byte of [start, end), the bytes either side of both, and random ones. */
static bool judge_range(struct pgt *pgt, u64 vttbr, u64 start, u64 end, u32 nr_random)
{
	u64 limit = 1ULL << pgt->geom.ia_bits;
	u64 pts[4] = { start, end - 1, start - 1, end };
	bool ok = true;
	u32 i;

	for (i = 0; i < 4; i++) {
		u64 a = pts[i];

		if (a >= limit)
			continue;
		ok &= vttbr ? judge_s2(pgt, vttbr, a) : judge_s1(pgt, a);
	}
	for (i = 0; i < nr_random && end > start; i++) {
		u64 a = start + rand64() % (end - start);

		ok &= vttbr ? judge_s2(pgt, vttbr, a) : judge_s1(pgt, a);
	}
	return ok;
}

bool judge_s2_range(struct pgt *pgt, u64 vttbr, u64 start, u64 end, u32 nr_random)
{
	return judge_range(pgt, vttbr, start, end, nr_random);
}

bool judge_s1_range(struct pgt *pgt, u64 start, u64 end, u32 nr_random)
{
	return judge_range(pgt, 0, start, end, nr_random);
}

long judge_count_tables(struct pgt *pgt, u64 vttbr)
{
	struct ref_regime rg = {
		.stage = 2, .ctrl = pgt->ctrl, .ttbr = vttbr & PGT_GENMASK(47, 1),
		.fwb = pgt->flags & PGT_S2_FWB, .read64 = read64,
	};

	return ref_count_tables(&rg);
}

/*
 * Every comparison must be able to fail: take a real translation of EL2's
 * own text, then hand the comparison a PAR that is wrong in one way at a
 * time (another page, a fault, another level) and expect a refusal.
 */
void judge_selftest(void)
{
	extern char __text_start[];
	u64 va = (u64)__text_start + 0x40;
	struct ref_regime rg = {
		.stage = 1, .ctrl = hyp_pgt.ctrl, .ttbr = hyp_pgt.root_phys,
		.mair = PGT_HYP_MAIR, .read64 = read64,
	};
	struct ref_result rr, hole;
	struct opinion lib = lib_opinion(&hyp_pgt, va);
	u64 par = at_s1e2(va, false), nopar;
	bool good, bad_pa, bad_fault, bad_level, bad_mt;

	ref_translate(&rg, va, REF_ACC_READ, &rr);
	good = judge_compare("selftest", va, par, &rr, &lib, false);
	bad_pa = !judge_compare("selftest", va, par ^ BIT(12), &rr, &lib, true);
	bad_fault = !judge_compare("selftest", va, 1 | (0x7 << 1), &rr, &lib, true);
	/* Device-nGnRE where the text is Normal write-back. */
	bad_mt = !judge_compare("selftest", va, (par & ~PGT_GENMASK(63, 56)) | 0x04ULL << 56, &rr,
				&lib, true);
	/* A translation fault at level 3 where the truth is a fault at level 2. */
	ref_translate(&rg, UNMAPPED_VA, REF_ACC_READ, &hole);
	nopar = at_s1e2(UNMAPPED_VA, false);
	bad_level = !judge_compare("selftest", UNMAPPED_VA,
				   (nopar & ~0x7eULL) | ((u64)(0x4 | ((FIELD(nopar, 1, 2) + 1) & 3)) << 1),
				   &hole, NULL, true);
	check(good && bad_pa && bad_fault && bad_level && bad_mt,
	      "judge: the comparison accepts the MMU's PAR and refuses a wrong PA, a fault, "
	      "a wrong fault level, a wrong memory type");
}
