// SPDX-License-Identifier: GPL-2.0-only
/*
 * stage2.c - guest (and pKVM host) stage-2 translation tables.
 */
#include "internal.h"

#define S2_MEMATTR_SHIFT	2
#define S2_MEMATTR_MASK		PGT_GENMASK(5, 2)
/* MemAttr[3:0] without FEAT_S2FWB: outer and inner write-back; Device-nGnRE. */
#define S2_MEMATTR_NORMAL	0xfULL
#define S2_MEMATTR_DEVICE	0x1ULL
/* With FEAT_S2FWB: 0b110 is Normal write-back, bit 2 clear means Device. */
#define S2_FWB_MEMATTR_NORMAL	0x6ULL
#define S2_FWB_MEMATTR_DEVICE	0x1ULL
#define S2AP_R			PGT_BIT(6)
#define S2AP_W			PGT_BIT(7)
/* Without FEAT_XNX bit 53 is RES0; with it, 0b00 in 54:53 is the only "executable". */
#define S2_XN_MASK		PGT_GENMASK(54, 53)
#define S2_OWNER_SHIFT		2
#define S2_OWNER_MASK		PGT_GENMASK(15, 2)

/* ---- Descriptors ---- */

int pgt_s2_prot_check(u32 prot)
{
	u32 known = PGT_PROT_RWX | PGT_PROT_DEVICE | PGT_PROT_SW_MASK;

	if (prot & ~known)
		return -EINVAL;
	if ((prot & PGT_PROT_X) && (prot & PGT_PROT_DEVICE))
		return -EINVAL;
	return 0;
}

static pgt_pte_t s2_memattr(u32 prot, bool fwb)
{
	u64 attr;

	if (prot & PGT_PROT_DEVICE)
		attr = fwb ? S2_FWB_MEMATTR_DEVICE : S2_MEMATTR_DEVICE;
	else
		attr = fwb ? S2_FWB_MEMATTR_NORMAL : S2_MEMATTR_NORMAL;
	return attr << S2_MEMATTR_SHIFT;
}

static bool s2_memattr_is_device(pgt_pte_t pte, bool fwb)
{
	u64 attr = (pte & S2_MEMATTR_MASK) >> S2_MEMATTR_SHIFT;

	return fwb ? !(attr & 0x4) : !(attr & 0xc);
}

pgt_pte_t pgt_s2_leaf_pte(const struct pgt_geometry *geom, u64 pa, u32 prot, pgt_s8 level,
			  bool fwb)
{
	pgt_pte_t pte = pgt_pte_addr(geom, pa) | pte_leaf_type(level);

	pte |= s2_memattr(prot, fwb) | PTE_SH_INNER | PGT_PTE_AF;
	if (prot & PGT_PROT_R)
		pte |= S2AP_R;
	if (prot & PGT_PROT_W)
		pte |= S2AP_W;
	if (!(prot & PGT_PROT_X))
		pte |= PTE_XN;
	return pte | prot_to_sw_bits(prot);
}

u32 pgt_s2_pte_prot(pgt_pte_t pte, bool fwb)
{
	u32 prot = sw_bits_to_prot(pte);

	if (pte & S2AP_R)
		prot |= PGT_PROT_R;
	if (pte & S2AP_W)
		prot |= PGT_PROT_W;
	if (!(pte & S2_XN_MASK))
		prot |= PGT_PROT_X;
	if (s2_memattr_is_device(pte, fwb))
		prot |= PGT_PROT_DEVICE;
	return prot;
}

pgt_pte_t pgt_s2_owner_pte(u32 owner)
{
	return ((pgt_pte_t)owner << S2_OWNER_SHIFT) & S2_OWNER_MASK;
}

u32 pgt_s2_pte_owner(pgt_pte_t pte)
{
	if (pgt_pte_valid(pte))
		return 0;
	return (pte & S2_OWNER_MASK) >> S2_OWNER_SHIFT;
}

/* SL0 counts start levels back from the deepest one the granule can start at. */
static u64 vtcr_sl0(const struct pgt_geometry *geom)
{
	pgt_s8 deepest = geom->granule_shift == PGT_GRANULE_4K ? 2 : 3;

	return deepest - geom->start_level;
}

u64 pgt_vtcr(const struct pgt_geometry *geom, u32 pa_bits, bool vmid16)
{
	int ps = pgt_pa_range_encode(pa_bits);
	u64 tg0 = geom->granule_shift == PGT_GRANULE_4K ? 0 :
		  geom->granule_shift == PGT_GRANULE_64K ? 1 : 2;
	u64 vtcr;

	if (ps < 0)
		return 0;
	/* Write-back walks, inner shareable; bit 31 is RES1. */
	vtcr = (64 - geom->ia_bits) | vtcr_sl0(geom) << 6 | 1ULL << 8 | 1ULL << 10 |
	       3ULL << 12 | tg0 << 14 | (u64)ps << 16 | PGT_BIT(31);
	if (vmid16)
		vtcr |= PGT_BIT(19);
	return vtcr;
}

/* ---- init and destroy ---- */

static int stage2_config_check(const struct pgt_config *cfg)
{
	u32 known = PGT_S2_FWB | PGT_S2_FORCE_PAGES | PGT_S2_VMID16;

	if (cfg->flags & ~known || pgt_pa_range_encode(cfg->pa_bits) < 0)
		return -EINVAL;
	/* An IPA wider than the PA range is a stage-2 misconfiguration. */
	if (cfg->ia_bits > cfg->pa_bits)
		return -EINVAL;
	return 0;
}

int pgt_stage2_init(struct pgt *pgt, const struct pgt_config *cfg, struct pgt_mm_ops *mm_ops,
		    void *tlb_cookie)
{
	int ret = stage2_config_check(cfg);

	*pgt = (struct pgt){
		.stage = PGT_STAGE_2,
		.pa_bits = cfg->pa_bits,
		.flags = cfg->flags,
		.mm_ops = mm_ops,
		.tlb_cookie = tlb_cookie,
	};
	if (!ret)
		ret = pgt_geometry_stage2(&pgt->geom, cfg->ia_bits, cfg->granule_shift);
	if (ret)
		return ret;
	pgt->ctrl = pgt_vtcr(&pgt->geom, cfg->pa_bits, cfg->flags & PGT_S2_VMID16);
	return pgt_root_alloc(pgt);
}

void pgt_stage2_destroy(struct pgt *pgt)
{
	pgt_root_free(pgt);
}
