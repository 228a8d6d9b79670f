// SPDX-License-Identifier: GPL-2.0-only
/*
 * descriptor.c - every descriptor format and control-register value the
 * library writes: stage-2 and EL2 stage-1 leaves, tables and owner
 * annotations, memory types, output-address packing, VTCR_EL2 and TCR_EL2.
 * Invariant: other files build and decode descriptors only through here.
 */
#include "internal.h"

#define PGT_S2_MEMATTR_SHIFT	2
#define PGT_S2_MEMATTR_MASK		PGT_GENMASK(5, 2)
/* MemAttr[3:0] without FEAT_S2FWB: outer and inner write-back; Device-nGnRE. */
#define PGT_S2_MEMATTR_NORMAL	0xfULL
#define PGT_S2_MEMATTR_DEVICE	0x1ULL
/* With FEAT_S2FWB: 0b110 is Normal write-back, bit 2 clear means Device. */
#define PGT_S2_FWB_MEMATTR_NORMAL	0x6ULL
#define PGT_S2_FWB_MEMATTR_DEVICE	0x1ULL
#define PGT_S2_OWNER_SHIFT		2
#define PGT_S2_OWNER_MASK		PGT_GENMASK(15, 2)
#define PGT_S1_ATTRINDX_SHIFT	2
#define PGT_S1_ATTRINDX_MASK	PGT_GENMASK(4, 2)
/* AP[1] is RES1 in a single-privilege regime; AP[2] set means read-only. */
#define PGT_S1_AP_RES1		PGT_BIT(6)
#define PGT_S1_AP_RDONLY		PGT_BIT(7)

/* ---- shared by both stages ---- */

int pgt_pa_range_encode(u32 pa_bits)
{
	static const u8 sizes[] = { 32, 36, 40, 42, 44, 48 };
	u32 i;

	for (i = 0; i < sizeof(sizes); i++)
		if (sizes[i] == pa_bits)
			return i;
	return -EINVAL;
}

pgt_pte_t pgt_table_pte(const struct pgt_geometry *geom, u64 table_pa)
{
	return pgt_pte_addr(geom, table_pa) | PGT_PTE_TYPE | PGT_PTE_VALID;
}

/*
 * Fill @table with next-level leaves that translate exactly as @block did, so
 * that swapping one for the other changes no translation.
 */
void pgt_split_entries(const struct pgt_geometry *geom, pgt_pte_t *table, pgt_pte_t block,
		       pgt_s8 level)
{
	pgt_s8 child_level = level + 1;
	u64 child_size = pgt_level_size(geom, child_level);
	u64 pa = pgt_pte_addr(geom, block);
	pgt_pte_t attrs = (block & PGT_ATTR_MASK) | pte_leaf_type(child_level);
	u32 i, n = pgt_table_entries(geom);

	for (i = 0; i < n; i++)
		table[i] = (pa + i * child_size) | attrs;
}

/* ---- stage 2 ---- */


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
		attr = fwb ? PGT_S2_FWB_MEMATTR_DEVICE : PGT_S2_MEMATTR_DEVICE;
	else
		attr = fwb ? PGT_S2_FWB_MEMATTR_NORMAL : PGT_S2_MEMATTR_NORMAL;
	return attr << PGT_S2_MEMATTR_SHIFT;
}

static bool s2_memattr_is_device(pgt_pte_t pte, bool fwb)
{
	u64 attr = (pte & PGT_S2_MEMATTR_MASK) >> PGT_S2_MEMATTR_SHIFT;

	return fwb ? !(attr & 0x4) : !(attr & 0xc);
}

pgt_pte_t pgt_s2_leaf_pte(const struct pgt_geometry *geom, u64 pa, u32 prot, pgt_s8 level,
			  bool fwb)
{
	pgt_pte_t pte = pgt_pte_addr(geom, pa) | pte_leaf_type(level);

	pte |= s2_memattr(prot, fwb) | PGT_SH_INNER | PGT_PTE_AF;
	if (prot & PGT_PROT_R)
		pte |= PGT_S2AP_R;
	if (prot & PGT_PROT_W)
		pte |= PGT_S2AP_W;
	if (!(prot & PGT_PROT_X))
		pte |= PGT_XN;
	return pte | prot_to_sw_bits(prot);
}

u32 pgt_s2_pte_prot(pgt_pte_t pte, bool fwb)
{
	u32 prot = sw_bits_to_prot(pte);

	if (pte & PGT_S2AP_R)
		prot |= PGT_PROT_R;
	if (pte & PGT_S2AP_W)
		prot |= PGT_PROT_W;
	if (!(pte & PGT_S2_XN_MASK))
		prot |= PGT_PROT_X;
	if (s2_memattr_is_device(pte, fwb))
		prot |= PGT_PROT_DEVICE;
	return prot;
}

pgt_pte_t pgt_s2_owner_pte(u32 owner)
{
	return ((pgt_pte_t)owner << PGT_S2_OWNER_SHIFT) & PGT_S2_OWNER_MASK;
}

u32 pgt_s2_pte_owner(pgt_pte_t pte)
{
	if (pgt_pte_valid(pte))
		return 0;
	return (pte & PGT_S2_OWNER_MASK) >> PGT_S2_OWNER_SHIFT;
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

/* ---- EL2 stage 1 ---- */


int pgt_hyp_prot_check(u32 prot)
{
	u32 known = PGT_PROT_RWX | PGT_PROT_DEVICE | PGT_PROT_SW_MASK;

	if (prot & ~known || !(prot & PGT_PROT_R))
		return -EINVAL;
	if ((prot & PGT_PROT_X) && (prot & (PGT_PROT_W | PGT_PROT_DEVICE)))
		return -EINVAL;
	return 0;
}

pgt_pte_t pgt_hyp_leaf_pte(const struct pgt_geometry *geom, u64 pa, u32 prot, pgt_s8 level)
{
	u64 attr_idx = prot & PGT_PROT_DEVICE ? PGT_HYP_ATTR_DEVICE : PGT_HYP_ATTR_NORMAL;
	pgt_pte_t pte = pgt_pte_addr(geom, pa) | pte_leaf_type(level);

	pte |= attr_idx << PGT_S1_ATTRINDX_SHIFT | PGT_S1_AP_RES1 | PGT_SH_INNER | PGT_PTE_AF;
	if (!(prot & PGT_PROT_W))
		pte |= PGT_S1_AP_RDONLY;
	if (!(prot & PGT_PROT_X))
		pte |= PGT_XN;
	return pte | prot_to_sw_bits(prot);
}

u32 pgt_hyp_pte_prot(pgt_pte_t pte)
{
	u32 prot = PGT_PROT_R | sw_bits_to_prot(pte);

	if (!(pte & PGT_S1_AP_RDONLY))
		prot |= PGT_PROT_W;
	if (!(pte & PGT_XN))
		prot |= PGT_PROT_X;
	if ((pte & PGT_S1_ATTRINDX_MASK) >> PGT_S1_ATTRINDX_SHIFT == PGT_HYP_ATTR_DEVICE)
		prot |= PGT_PROT_DEVICE;
	return prot;
}

u64 pgt_hyp_tcr(const struct pgt_geometry *geom, u32 pa_bits)
{
	int ps = pgt_pa_range_encode(pa_bits);
	u64 tg0 = geom->granule_shift == PGT_GRANULE_4K ? 0 :
		  geom->granule_shift == PGT_GRANULE_64K ? 1 : 2;

	if (ps < 0)
		return 0;
	/* Write-back walks, inner shareable; bits 23 and 31 are RES1. */
	return (64 - geom->ia_bits) | 1ULL << 8 | 1ULL << 10 | 3ULL << 12 | tg0 << 14 |
	       (u64)ps << 16 | PGT_BIT(23) | PGT_BIT(31);
}
