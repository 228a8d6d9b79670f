// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm_side.c - the benchmark's operations over Linux 6.1's KVM page-table
 * code (arch/arm64/kvm/hyp/pgtable.c, compiled unmodified against
 * bench/kvm/include/), for one granule: kvm.mk builds this file and that one
 * once per PAGE_SHIFT, links each pair into one object and makes every
 * symbol but the side table (KVM_SIDE) local to it.
 *
 * The home is the driver's hosted home (pgtable_hosted.h), reached through KVM's mm_ops
 * signatures the way KVM's own host mm_ops reach the kernel's allocator:
 * table pages come from the fault's memcache (struct pgt_memcache, as the
 * library's faults use) or, when it is empty, straight from the arena;
 * references, cache maintenance and TLB invalidation go to the arena's
 * hooks, so both sides are counted by the same counters.
 */
#include <asm/kvm_pgtable.h>

#include <stdio.h>
#include <stdlib.h>

#include "pgtable_hosted.h"
#include "pgtable.h"
#include "side.h"

#ifndef KVM_SIDE
#error "build with -DKVM_SIDE=kvm_side_<granule>"
#endif

/* The arena of the tree being used (one KVM tree of this granule at a time). */
static struct pgt_mm_ops *mm;
static u8 *arena_base;
static u64 arena_phys, arena_size;
static u64 warnings;

void kvm_shim_warn(const char *file, int line, const char *cond)
{
	fprintf(stderr, "kvm %uK: WARN_ON(%s) at %s:%d\n", 1u << (PAGE_SHIFT - 10), cond, file,
		line);
	warnings++;
}

/* ---------------------------------------------------------------- mm_ops */

/* The memcache KVM passes down is the driver's struct pgt_memcache. */
static void *kvm_zalloc_page(void *mc)
{
	void *page = mc ? pgt_memcache_pop(mc) : NULL;

	return page ? page : mm->zalloc_page(mm, PAGE_SIZE);
}

static void *kvm_zalloc_pages_exact(size_t size)
{
	return mm->zalloc_pages_exact(mm, size);
}

static void kvm_free_pages_exact(void *addr, size_t size)
{
	mm->free_pages_exact(mm, addr, size);
}

static void kvm_get_page(void *addr)
{
	mm->get_page(mm, addr);
}

static void kvm_put_page(void *addr)
{
	mm->put_page(mm, addr);
}

static int kvm_page_count(void *addr)
{
	return mm->page_count(mm, addr);
}

/*
 * The kernel's linear map, with the arena standing in for memory: table
 * pages translate into the arena; the guest's memory (only ever passed on
 * to cache maintenance) gets the same offset and is never dereferenced.
 * The range check costs what the hosted home's checked conversion costs.
 */
static void *kvm_phys_to_virt(phys_addr_t phys)
{
	u64 off = phys - arena_phys;

	if (off < arena_size)
		return arena_base + off;
	return (void *)(uintptr_t)(phys + ((uintptr_t)arena_base - arena_phys));
}

static phys_addr_t kvm_virt_to_phys(void *addr)
{
	u64 off = (uintptr_t)addr - (uintptr_t)arena_base;

	if (off < arena_size)
		return arena_phys + off;
	return off + arena_phys;
}

static void kvm_dcache_clean_inval_poc(void *addr, size_t size)
{
	mm->dcache_clean_inval_poc(mm, kvm_virt_to_phys(addr), size);
}

static void kvm_icache_inval_pou(void *addr, size_t size)
{
	mm->icache_inval_pou(mm, kvm_virt_to_phys(addr), size);
}

static struct kvm_pgtable_mm_ops kvm_mm_ops = {
	.zalloc_page = kvm_zalloc_page,
	.zalloc_pages_exact = kvm_zalloc_pages_exact,
	.free_pages_exact = kvm_free_pages_exact,
	.get_page = kvm_get_page,
	.put_page = kvm_put_page,
	.page_count = kvm_page_count,
	.phys_to_virt = kvm_phys_to_virt,
	.virt_to_phys = kvm_virt_to_phys,
	.dcache_clean_inval_poc = kvm_dcache_clean_inval_poc,
	.icache_inval_pou = kvm_icache_inval_pou,
};

/* ---------------------------------------------------------------- TLB */

/*
 * The kernel's TLBI functions order the invalidation themselves: the
 * stores before it (dsb ishst), its completion before what follows (dsb
 * ish, isb), as the library's pgt_tlbi_va() does around the home's hook.
 * The kernel's by-IPA one also invalidates the whole stage 1 after a
 * second dsb; that, which the library never needs, is left out.
 * Level 0 is what KVM passes for a table entry (no leaf at level 0 here).
 */
void __kvm_tlb_flush_vmid_ipa(struct kvm_s2_mmu *mmu, phys_addr_t ipa, int level)
{
	dsb(ishst);
	mm->tlbi_va(mm, mmu, ipa, level, level != 0);
	dsb(ish);
	isb();
}

void __kvm_tlb_flush_vmid(struct kvm_s2_mmu *mmu)
{
	dsb(ishst);
	mm->tlbi_all(mm, mmu);
	dsb(ish);
	isb();
}

void kvm_shim_tlbi_hyp(u64 va, int level)
{
	mm->tlbi_va(mm, NULL, va, level, true);
}

/* ---------------------------------------------------------------- trees */

#define IPA_BITS	40
#define PARANGE_40	2	/* ID_AA64MMFR0_EL1.PARange for 40 bits */

struct kvm_tree {
	struct kvm_pgtable pgt;
	struct kvm_s2_mmu mmu;
	struct kvm_arch arch;
};

static struct kvm_pgtable *pgt_of(struct side_tree *t)
{
	return &((struct kvm_tree *)t->impl)->pgt;
}

static bool force_pte(u64 addr, u64 end, enum kvm_pgtable_prot prot)
{
	return true;
}

static const enum kvm_pgtable_prot prot_rw = KVM_PGTABLE_PROT_R | KVM_PGTABLE_PROT_W;

static int kvm_create(struct side_tree *t, struct pgt_mm_ops *arena, u32 shift, bool force_pages)
{
	struct kvm_tree *kt = calloc(1, sizeof(*kt));
	int ret;

	if (!kt)
		return -ENOMEM;
	if (shift != PAGE_SHIFT) {
		free(kt);
		return -EINVAL;
	}
	mm = arena;
	/* The arena is one range of simulated memory: its first byte maps it. */
	arena_phys = pgt_hosted_phys_base(pgt_hosted_from_ops(arena));
	arena_size = pgt_hosted_size(pgt_hosted_from_ops(arena));
	arena_base = arena->phys_to_virt(arena, arena_phys);
	kt->arch.vtcr = kvm_get_vtcr(PARANGE_40, 0, IPA_BITS);
	kt->mmu.arch = &kt->arch;
	kt->mmu.pgt = &kt->pgt;
	ret = __kvm_pgtable_stage2_init(&kt->pgt, &kt->mmu, &kvm_mm_ops, 0,
					force_pages ? force_pte : NULL);
	if (ret) {
		free(kt);
		return ret;
	}
	*t = (struct side_tree){
		.impl = kt, .shift = shift, .vtcr = kt->arch.vtcr,
		.root_phys = kvm_virt_to_phys(kt->pgt.pgd),
	};
	return 0;
}

static void kvm_destroy(struct side_tree *t)
{
	kvm_pgtable_stage2_destroy(pgt_of(t));
	free(t->impl);
	t->impl = NULL;
}

/* ---------------------------------------------------------------- operations */

/* What KVM 6.1's fault handler tops its cache up to: one table per level below the root. */
static u32 kvm_fault_need(struct side_tree *t, u64 ipa)
{
	return KVM_PGTABLE_MAX_LEVELS - pgt_of(t)->start_level - 1;
}

static int kvm_fault(struct side_tree *t, u64 ipa, u64 n, u64 stride, struct pgt_memcache *mc,
		     u32 need, bool shared)
{
	struct kvm_pgtable *pgt = pgt_of(t);
	int ret = 0;
	u64 i;

	for (i = 0; i < n && !ret; i++) {
		u64 a = ipa + i * stride;

		if (mc->nr < need)
			ret = pgt_memcache_topup(mc, mm, PAGE_SIZE, need);
		if (!ret)
			ret = kvm_pgtable_stage2_map(pgt, a, PAGE_SIZE, a, prot_rw, mc);
	}
	return ret;
}

static int kvm_map(struct side_tree *t, u64 ipa, u64 size, u64 pa, struct pgt_memcache *mc)
{
	return kvm_pgtable_stage2_map(pgt_of(t), ipa, size, pa, prot_rw, mc);
}

static int kvm_unmap(struct side_tree *t, u64 ipa, u64 size)
{
	return kvm_pgtable_stage2_unmap(pgt_of(t), ipa, size);
}

static int kvm_wrprotect(struct side_tree *t, u64 ipa, u64 size)
{
	return kvm_pgtable_stage2_wrprotect(pgt_of(t), ipa, size);
}

/*
 * 6.1 has no split: a block becomes pages when a fault maps a page over it
 * with force_pte (dirty logging), which replaces the block by a table and
 * maps the rest lazily.  Mapping the whole range with force_pte is that,
 * done at once: each block is broken (TLBI), a table installed from the
 * cache, and every page mapped into it.
 */
static int kvm_split(struct side_tree *t, u64 ipa, u64 size, u64 pa, struct pgt_memcache *mc)
{
	struct kvm_pgtable *pgt = pgt_of(t);
	kvm_pgtable_force_pte_cb_t saved = pgt->force_pte_cb;
	int ret;

	pgt->force_pte_cb = force_pte;
	ret = kvm_pgtable_stage2_map(pgt, ipa, size, pa, prot_rw, mc);
	pgt->force_pte_cb = saved;
	return ret;
}

static int kvm_mkyoung(struct side_tree *t, u64 ipa, u64 n)
{
	struct kvm_pgtable *pgt = pgt_of(t);
	u64 i;

	for (i = 0; i < n; i++)
		if (!kvm_pte_valid(kvm_pgtable_stage2_mkyoung(pgt, ipa + i * PAGE_SIZE)))
			return -ENOENT;
	return 0;
}

static int kvm_mkold(struct side_tree *t, u64 ipa, u64 n)
{
	struct kvm_pgtable *pgt = pgt_of(t);
	u64 i;

	for (i = 0; i < n; i++)
		if (!kvm_pte_valid(kvm_pgtable_stage2_mkold(pgt, ipa + i * PAGE_SIZE)))
			return -ENOENT;
	return 0;
}

static int kvm_relax_perms(struct side_tree *t, u64 ipa, u64 n)
{
	struct kvm_pgtable *pgt = pgt_of(t);
	int ret = 0;
	u64 i;

	for (i = 0; i < n && !ret; i++)
		ret = kvm_pgtable_stage2_relax_perms(pgt, ipa + i * PAGE_SIZE, KVM_PGTABLE_PROT_W);
	return ret;
}

static int kvm_get_leaf(struct side_tree *t, u64 ipa, u64 n, u64 *sum)
{
	struct kvm_pgtable *pgt = pgt_of(t);
	kvm_pte_t pte;
	u32 level;
	int ret = 0;
	u64 i, s = 0;

	for (i = 0; i < n && !ret; i++) {
		ret = kvm_pgtable_get_leaf(pgt, ipa + i * PAGE_SIZE, &pte, &level);
		s += pte;
	}
	*sum = s;
	return ret;
}

static u64 kvm_warnings(void)
{
	return warnings;
}

__attribute__((visibility("default"))) const struct side KVM_SIDE = {
	.name = "kvm",
	.shift = PAGE_SHIFT,
	.shared_walks = false,
	.create = kvm_create,
	.destroy = kvm_destroy,
	.fault = kvm_fault,
	.fault_need = kvm_fault_need,
	.map = kvm_map,
	.unmap = kvm_unmap,
	.wrprotect = kvm_wrprotect,
	.split = kvm_split,
	.mkyoung = kvm_mkyoung,
	.mkold = kvm_mkold,
	.relax_perms = kvm_relax_perms,
	.get_leaf = kvm_get_leaf,
	.warnings = kvm_warnings,
};
