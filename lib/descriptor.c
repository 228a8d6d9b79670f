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
/* Normal Non-cacheable: 0b0101 (outer and inner NC), and FEAT_S2FWB's 0b101. */
#define PGT_S2_MEMATTR_NC		0x5ULL
/* XN[54:53] with FEAT_XNX: 0b01 forbids EL1 (PXN), 0b11 EL0 (UXN), 0b10 both. */
#define PGT_S2_XN_PXN		(1ULL << 53)
#define PGT_S2_XN_UXN		(3ULL << 53)
#define PGT_S2_XN_NONE		(2ULL << 53)
#define PGT_S2_OWNER_SHIFT		2
#define PGT_S2_OWNER_MASK		PGT_GENMASK(15, 2)
#define PGT_S1_ATTRINDX_SHIFT	2
#define PGT_S1_ATTRINDX_MASK	PGT_GENMASK(4, 2)
/* AP[1] is RES1 in a single-privilege regime (EL0 access in EL2&0); AP[2] is read-only. */
#define PGT_S1_AP_RES1		PGT_BIT(6)
#define PGT_S1_AP_RDONLY		PGT_BIT(7)
/* The EL2&0 regime's execute-never bits. */
#define PGT_S1_PXN		PGT_BIT(53)
#define PGT_S1_UXN		PGT_BIT(54)
/* The control registers' fields (VTCR_EL2, TCR_EL2 in either layout). */
#define PGT_CTRL_IRGN0_WB	(1ULL << 8)
#define PGT_CTRL_ORGN0_WB	(1ULL << 10)
#define PGT_CTRL_SH0_INNER	(3ULL << 12)
#define PGT_CTRL_DS		PGT_BIT(32)
#define PGT_TCR_E2H_EPD1	PGT_BIT(23)
#define PGT_TCR_E2H_DS		PGT_BIT(59)

/* ---- shared by both stages ---- */

int pgt_pa_range_encode(u32 pa_bits)
{
	static const u8 sizes[] = { 32, 36, 40, 42, 44, 48, 52 };
	u32 i;

	for (i = 0; i < sizeof(sizes); i++)
		if (sizes[i] == pa_bits)
			return i;
	return -EINVAL;
}

/* Every descriptor bit that holds part of an output address in @geom's format. */
static pgt_pte_t oa_mask(const struct pgt_geometry *geom)
{
	return pgt_oa_pack(geom, PGT_GENMASK(PGT_MAX_PA_BITS - 1, 0));
}

/* Shareability sits in the leaf unless FEAT_LPA2 moved it to the control register. */
static pgt_pte_t leaf_sh(const struct pgt_geometry *geom)
{
	return geom->oa_format == PGT_OA_LPA2 ? 0 : PGT_SH_INNER;
}

pgt_pte_t pgt_table_pte(const struct pgt_geometry *geom, u64 table_pa)
{
	return pgt_table_desc(geom, table_pa);
}

/*
 * Fill @table with @n leaves: @first, then the same attributes at @step
 * bytes further each.  While the output stays within one 2^48 window the
 * packed high bits do not change and plain addition is exact; across one,
 * the carry out of bit 47 must go where the format keeps OA[48] and up.
 */
void pgt_fill_leaves(const struct pgt_geometry *geom, pgt_pte_t *table, pgt_pte_t first,
		     u64 step, u32 n)
{
	u64 pa = pgt_pte_addr(geom, first);
	pgt_pte_t attrs = first & ~oa_mask(geom);
	u32 i;

	if (!((pa ^ (pa + (n - 1) * step)) >> 48)) {
		for (i = 0; i < n; i++)
			table[i] = first + i * step;
		return;
	}
	for (i = 0; i < n; i++)
		table[i] = pgt_oa_pack(geom, pa + i * step) | attrs;
}

/*
 * Fill @table with next-level leaves that translate exactly as @block did, so
 * that swapping one for the other changes no translation.
 */
void pgt_split_entries(const struct pgt_geometry *geom, pgt_pte_t *table, pgt_pte_t block,
		       pgt_s8 level)
{
	pgt_s8 child_level = level + 1;
	pgt_pte_t first = (block & ~PGT_GENMASK(1, 0)) | pte_leaf_type(child_level);

	pgt_fill_leaves(geom, table, first, pgt_level_size(geom, child_level),
			pgt_table_entries(geom));
}

u64 pgt_ttbr_baddr(const struct pgt *pgt)
{
	u64 pa = pgt->root_phys;

	if (pgt->geom.oa_format == PGT_OA_48)
		return pa;
	return (pa & PGT_GENMASK(47, 6)) | (pa >> 48) << 2;
}

/* The PS (IPS) field for @pa_bits, or -EINVAL if @geom's format cannot reach it. */
static int ctrl_ps(const struct pgt_geometry *geom, u32 pa_bits)
{
	if (pa_bits > 48 && geom->oa_format == PGT_OA_48)
		return -EINVAL;
	return pgt_pa_range_encode(pa_bits);
}

static u64 ctrl_tg0(const struct pgt_geometry *geom)
{
	return geom->granule_shift == PGT_GRANULE_4K ? 0 :
	       geom->granule_shift == PGT_GRANULE_64K ? 1 : 2;
}

/* Write-back, inner-shareable walks (and, with FEAT_LPA2, leaves). */
static u64 ctrl_walk_attrs(void)
{
	return PGT_CTRL_IRGN0_WB | PGT_CTRL_ORGN0_WB | PGT_CTRL_SH0_INNER;
}

/* ---- stage 2 ---- */

int pgt_s2_prot_check(u32 prot)
{
	return pgt_s2_prot_valid(prot);
}

static pgt_pte_t s2_memattr(u32 prot, bool fwb)
{
	u64 attr;

	if (prot & PGT_PROT_DEVICE)
		attr = fwb ? PGT_S2_FWB_MEMATTR_DEVICE : PGT_S2_MEMATTR_DEVICE;
	else if (prot & PGT_PROT_NORMAL_NC)
		attr = PGT_S2_MEMATTR_NC;
	else
		attr = fwb ? PGT_S2_FWB_MEMATTR_NORMAL : PGT_S2_MEMATTR_NORMAL;
	return attr << PGT_S2_MEMATTR_SHIFT;
}

/* The memory type bits of enum pgt_prot a leaf's MemAttr stands for. */
static u32 s2_memattr_prot(pgt_pte_t pte, bool fwb)
{
	u64 attr = (pte & PGT_S2_MEMATTR_MASK) >> PGT_S2_MEMATTR_SHIFT;

	if (fwb ? !(attr & 0x4) : !(attr & 0xc))
		return PGT_PROT_DEVICE;
	if ((fwb ? attr & 0x7 : attr) == PGT_S2_MEMATTR_NC)
		return PGT_PROT_NORMAL_NC;
	return 0;
}

static inline pgt_pte_t s2_xn(u32 prot)
{
	switch (prot & PGT_PROT_X) {
	case PGT_PROT_X:
		return 0;
	case PGT_PROT_PX:
		return PGT_S2_XN_UXN;
	case PGT_PROT_UX:
		return PGT_S2_XN_PXN;
	default:
		return PGT_S2_XN_NONE;
	}
}

pgt_pte_t pgt_s2_xn(u32 prot)
{
	return s2_xn(prot);
}

u32 pgt_s2_xn_prot(pgt_pte_t pte)
{
	switch (pte & PGT_S2_XN_MASK) {
	case 0:
		return PGT_PROT_X;
	case PGT_S2_XN_UXN:
		return PGT_PROT_PX;
	case PGT_S2_XN_PXN:
		return PGT_PROT_UX;
	default:
		return 0;
	}
}

pgt_pte_t pgt_s2_leaf_attrs(const struct pgt_geometry *geom, u32 prot, bool fwb)
{
	pgt_pte_t pte = s2_memattr(prot, fwb) | leaf_sh(geom) | PGT_PTE_AF | s2_xn(prot);

	if (prot & PGT_PROT_R)
		pte |= PGT_S2AP_R;
	if (prot & PGT_PROT_W)
		pte |= PGT_S2AP_W;
	return pte | prot_to_sw_bits(prot);
}

pgt_pte_t pgt_s2_leaf_pte(const struct pgt_geometry *geom, u64 pa, u32 prot, pgt_s8 level,
			  bool fwb)
{
	return pgt_oa_pack(geom, pa) | pte_leaf_type(level) | pgt_s2_leaf_attrs(geom, prot, fwb);
}

u32 pgt_s2_pte_prot(pgt_pte_t pte, bool fwb)
{
	u32 prot = sw_bits_to_prot(pte) | pgt_s2_xn_prot(pte) | s2_memattr_prot(pte, fwb);

	if (pte & PGT_S2AP_R)
		prot |= PGT_PROT_R;
	if (pte & PGT_S2AP_W)
		prot |= PGT_PROT_W;
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

/*
 * SL0 counts start levels back from the deepest one the granule can start
 * at; 16K's level 0 (0b11) needs FEAT_LPA2, which every tree starting there
 * has.  4K never starts at -1 (SL2): level 0 concatenates up to 52 bits.
 */
static u64 vtcr_sl0(const struct pgt_geometry *geom)
{
	pgt_s8 deepest = geom->granule_shift == PGT_GRANULE_4K ? 2 : 3;

	return deepest - geom->start_level;
}

u64 pgt_vtcr(const struct pgt_geometry *geom, u32 pa_bits, bool vmid16)
{
	int ps = ctrl_ps(geom, pa_bits);
	u64 vtcr;

	if (ps < 0)
		return 0;
	/* Bit 31 is RES1. */
	vtcr = (64 - geom->ia_bits) | vtcr_sl0(geom) << 6 | ctrl_walk_attrs() |
	       ctrl_tg0(geom) << 14 | (u64)ps << 16 | PGT_BIT(31);
	if (vmid16)
		vtcr |= PGT_BIT(19);
	if (geom->oa_format == PGT_OA_LPA2)
		vtcr |= PGT_CTRL_DS;
	return vtcr;
}

/* ---- EL2 stage 1 ---- */

int pgt_hyp_prot_check(u32 prot)
{
	u32 known = PGT_PROT_RWX | PGT_PROT_DEVICE | PGT_PROT_SW_MASK;
	u32 exec = prot & PGT_PROT_X;

	if (prot & ~known || !(prot & PGT_PROT_R))
		return -EINVAL;
	/* One execute permission: the hypervisor's. */
	if (exec && exec != PGT_PROT_X)
		return -EINVAL;
	if (exec && (prot & (PGT_PROT_W | PGT_PROT_DEVICE)))
		return -EINVAL;
	return 0;
}

/* The AttrIndx field of a leaf with @prot, given the MAIR's two indices. */
static pgt_pte_t hyp_attr(u32 prot, u8 normal, u8 device)
{
	return (pgt_pte_t)(prot & PGT_PROT_DEVICE ? device : normal) << PGT_S1_ATTRINDX_SHIFT;
}

static pgt_pte_t hyp_default_attr(u32 prot)
{
	return hyp_attr(prot, PGT_HYP_ATTR_NORMAL, PGT_HYP_ATTR_DEVICE);
}

/*
 * Both EL2 formats: address, type, SH, AF, AP[2], SW, the bits @always
 * (the memory type's AttrIndx among them) set, and the execute-never bit
 * @xn unless executable.
 */
static pgt_pte_t hyp_leaf_bits(const struct pgt_geometry *geom, u64 pa, u32 prot,
			       pgt_s8 level, pgt_pte_t always, pgt_pte_t xn)
{
	pgt_pte_t pte = pgt_oa_pack(geom, pa) | pte_leaf_type(level) | always;

	pte |= leaf_sh(geom) | PGT_PTE_AF;
	if (!(prot & PGT_PROT_W))
		pte |= PGT_S1_AP_RDONLY;
	if (!(prot & PGT_PROT_X))
		pte |= xn;
	return pte | prot_to_sw_bits(prot);
}

static u32 hyp_leaf_prot(pgt_pte_t pte, pgt_pte_t xn, u8 device)
{
	u32 prot = PGT_PROT_R | sw_bits_to_prot(pte);

	if (!(pte & PGT_S1_AP_RDONLY))
		prot |= PGT_PROT_W;
	if (!(pte & xn))
		prot |= PGT_PROT_X;
	if ((pte & PGT_S1_ATTRINDX_MASK) >> PGT_S1_ATTRINDX_SHIFT == device)
		prot |= PGT_PROT_DEVICE;
	return prot;
}

pgt_pte_t pgt_hyp_leaf_pte(const struct pgt_geometry *geom, u64 pa, u32 prot, pgt_s8 level)
{
	return hyp_leaf_bits(geom, pa, prot, level, PGT_S1_AP_RES1 | hyp_default_attr(prot),
			     PGT_XN);
}

u32 pgt_hyp_pte_prot(pgt_pte_t pte)
{
	return hyp_leaf_prot(pte, PGT_XN, PGT_HYP_ATTR_DEVICE);
}

pgt_pte_t pgt_hyp_vhe_leaf_pte(const struct pgt_geometry *geom, u64 pa, u32 prot,
			       pgt_s8 level)
{
	return hyp_leaf_bits(geom, pa, prot, level, PGT_S1_UXN | hyp_default_attr(prot),
			     PGT_S1_PXN);
}

u32 pgt_hyp_vhe_pte_prot(pgt_pte_t pte)
{
	return hyp_leaf_prot(pte, PGT_S1_PXN, PGT_HYP_ATTR_DEVICE);
}

/* The leaf @pgt's EL2 format takes, with the memory types of its MAIR. */
pgt_pte_t pgt_hyp_leaf(const struct pgt *pgt, u64 pa, u32 prot, pgt_s8 level)
{
	pgt_pte_t attr = hyp_attr(prot, pgt->hyp_attr_normal, pgt->hyp_attr_device);

	if (pgt->flags & PGT_HYP_HVHE)
		return hyp_leaf_bits(&pgt->geom, pa, prot, level, PGT_S1_UXN | attr, PGT_S1_PXN);
	return hyp_leaf_bits(&pgt->geom, pa, prot, level, PGT_S1_AP_RES1 | attr, PGT_XN);
}

/* The lowest attribute field of @mair holding @attr, or -EINVAL. */
static int mair_index(u64 mair, u8 attr)
{
	int i;

	for (i = 0; i < 8; i++)
		if (((mair >> (8 * i)) & 0xff) == attr)
			return i;
	return -EINVAL;
}

int pgt_hyp_set_mair(struct pgt *pgt, u64 mair)
{
	int normal = mair_index(mair ? mair : PGT_HYP_MAIR, 0xff);
	int device = mair_index(mair ? mair : PGT_HYP_MAIR, 0x04);

	if (normal < 0 || device < 0)
		return -EINVAL;
	pgt->hyp_attr_normal = normal;
	pgt->hyp_attr_device = device;
	return 0;
}

u32 pgt_leaf_prot(const struct pgt *pgt, pgt_pte_t pte)
{
	if (pgt->stage == PGT_STAGE_2)
		return pgt_s2_pte_prot(pte, pgt->flags & PGT_S2_FWB);
	if (pgt->flags & PGT_HYP_HVHE)
		return hyp_leaf_prot(pte, PGT_S1_PXN, pgt->hyp_attr_device);
	return hyp_leaf_prot(pte, PGT_XN, pgt->hyp_attr_device);
}

u64 pgt_hyp_tcr(const struct pgt_geometry *geom, u32 pa_bits)
{
	int ps = ctrl_ps(geom, pa_bits);
	u64 tcr;

	if (ps < 0)
		return 0;
	/* Bits 23 and 31 are RES1. */
	tcr = (64 - geom->ia_bits) | ctrl_walk_attrs() | ctrl_tg0(geom) << 14 |
	      (u64)ps << 16 | PGT_BIT(23) | PGT_BIT(31);
	if (geom->oa_format == PGT_OA_LPA2)
		tcr |= PGT_CTRL_DS;
	return tcr;
}

/* TG1 encodes granules differently from TG0: 0b10 4K, 0b01 16K, 0b11 64K. */
static u64 tcr_tg1(const struct pgt_geometry *geom)
{
	return geom->granule_shift == PGT_GRANULE_4K ? 2 :
	       geom->granule_shift == PGT_GRANULE_16K ? 1 : 3;
}

u64 pgt_hyp_vhe_tcr(const struct pgt_geometry *geom, u32 pa_bits)
{
	int ps = ctrl_ps(geom, pa_bits);
	u64 tcr;

	if (ps < 0)
		return 0;
	tcr = (64 - geom->ia_bits) | ctrl_walk_attrs() | ctrl_tg0(geom) << 14 |
	      PGT_TCR_E2H_EPD1 | tcr_tg1(geom) << 30 | (u64)ps << 32;
	if (geom->oa_format == PGT_OA_LPA2)
		tcr |= PGT_TCR_E2H_DS;
	return tcr;
}
