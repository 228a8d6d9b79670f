// SPDX-License-Identifier: GPL-2.0-only
/*
 * ours_side.c - the benchmark's operations over this library, any granule:
 * the calls a hypervisor makes, with the arguments it makes them with
 * (the same as kvm_side.c passes KVM).
 */
#include <stdlib.h>

#include "pgtable.h"
#include "side.h"

#define IPA_BITS	40
#define PA_BITS		40

static struct pgt *pgt_of(struct side_tree *t)
{
	return t->impl;
}

static int ours_create(struct side_tree *t, struct pgt_mm_ops *mm, u32 shift, bool force_pages)
{
	struct pgt_config cfg = {
		.ia_bits = IPA_BITS,
		.granule_shift = shift,
		.pa_bits = PA_BITS,
		.flags = force_pages ? PGT_S2_FORCE_PAGES : 0,
	};
	struct pgt *pgt = calloc(1, sizeof(*pgt));
	int ret;

	if (!pgt)
		return -ENOMEM;
	ret = pgt_stage2_init(pgt, &cfg, mm, t);
	if (ret) {
		free(pgt);
		return ret;
	}
	*t = (struct side_tree){
		.impl = pgt, .shift = shift, .vtcr = pgt->ctrl, .root_phys = pgt->root_phys,
	};
	return 0;
}

static void ours_destroy(struct side_tree *t)
{
	pgt_stage2_destroy(pgt_of(t));
	free(t->impl);
	t->impl = NULL;
}

static u32 ours_fault_need(struct side_tree *t, u64 ipa)
{
	return pgt_stage2_tables_needed(pgt_of(t), ipa, 1ULL << t->shift, ipa);
}

static int ours_fault(struct side_tree *t, u64 ipa, u64 n, u64 stride, struct pgt_memcache *mc,
		      u32 need, bool shared)
{
	struct pgt *pgt = pgt_of(t);
	u64 pg = 1ULL << t->shift, i;
	u32 flags = shared ? PGT_WALK_SHARED : 0;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		u64 a = ipa + i * stride;

		if (mc->nr < need)
			ret = pgt_memcache_topup(mc, pgt->mm_ops, pg, need);
		if (!ret)
			ret = pgt_stage2_map(pgt, a, pg, a, PGT_PROT_RW, mc, flags);
	}
	return ret;
}

/* A bulk map allocates inside the call, as the library does without a cache. */
static int ours_map(struct side_tree *t, u64 ipa, u64 size, u64 pa, struct pgt_memcache *mc)
{
	return pgt_stage2_map(pgt_of(t), ipa, size, pa, PGT_PROT_RW, mc->nr ? mc : NULL, 0);
}

static int ours_unmap(struct side_tree *t, u64 ipa, u64 size)
{
	return pgt_stage2_unmap(pgt_of(t), ipa, size);
}

static int ours_wrprotect(struct side_tree *t, u64 ipa, u64 size)
{
	return pgt_stage2_wrprotect(pgt_of(t), ipa, size);
}

static int ours_split(struct side_tree *t, u64 ipa, u64 size, u64 pa, struct pgt_memcache *mc)
{
	(void)pa;	/* the library reads it from the blocks */
	return pgt_stage2_split(pgt_of(t), ipa, size, mc);
}

static int ours_mkyoung(struct side_tree *t, u64 ipa, u64 n)
{
	struct pgt *pgt = pgt_of(t);
	int ret = 0;
	u64 i;

	for (i = 0; i < n && !ret; i++)
		ret = pgt_stage2_mkyoung(pgt, ipa + (i << t->shift), 0);
	return ret;
}

static int ours_mkold(struct side_tree *t, u64 ipa, u64 n)
{
	struct pgt *pgt = pgt_of(t);
	u64 pg = 1ULL << t->shift, i;
	int ret = 0;

	for (i = 0; i < n && ret >= 0; i++)
		ret = pgt_stage2_test_clear_young(pgt, ipa + i * pg, pg, true, 0);
	return ret < 0 ? ret : 0;
}

static int ours_relax_perms(struct side_tree *t, u64 ipa, u64 n)
{
	struct pgt *pgt = pgt_of(t);
	int ret = 0;
	u64 i;

	for (i = 0; i < n && !ret; i++)
		ret = pgt_stage2_relax_perms(pgt, ipa + (i << t->shift), PGT_PROT_W, 0);
	return ret;
}

static int ours_get_leaf(struct side_tree *t, u64 ipa, u64 n, u64 *sum)
{
	struct pgt *pgt = pgt_of(t);
	pgt_pte_t pte;
	pgt_s8 level;
	int ret = 0;
	u64 i, s = 0;

	for (i = 0; i < n && !ret; i++) {
		ret = pgt_get_leaf(pgt, ipa + (i << t->shift), &pte, &level);
		s += pte;
	}
	*sum = s;
	return ret;
}

static u64 ours_warnings(void)
{
	return 0;
}

const struct side ours_side = {
	.name = "ours",
	.shift = 0,
	.shared_walks = true,
	.create = ours_create,
	.destroy = ours_destroy,
	.fault = ours_fault,
	.fault_need = ours_fault_need,
	.map = ours_map,
	.unmap = ours_unmap,
	.wrprotect = ours_wrprotect,
	.split = ours_split,
	.mkyoung = ours_mkyoung,
	.mkold = ours_mkold,
	.relax_perms = ours_relax_perms,
	.get_leaf = ours_get_leaf,
	.warnings = ours_warnings,
};
