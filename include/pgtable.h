/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libpgtable - build and edit AArch64 translation tables: a hypervisor's own
 * EL2 stage-1 tables and its guests' stage-2 tables.
 *
 * Levels are numbered as in the Arm ARM (0 is the coarsest level without
 * FEAT_LPA2, -1 with it).  Addresses are u64 byte addresses; every range is the half-open
 * interval [addr, addr + size).  Functions return 0 or a negative errno.
 */
#ifndef PGTABLE_H
#define PGTABLE_H

#include "pgtable_port.h"

/*
 * The release: the Makefile, libpgtable.pc and debian/changelog take it
 * from here.  A new major number means a new SONAME (libpgtable.so.N).
 */
/** PGT_VERSION_MAJOR - incompatible ABI changes. */
#define PGT_VERSION_MAJOR	0
/** PGT_VERSION_MINOR - new API, compatible. */
#define PGT_VERSION_MINOR	3
/** PGT_VERSION_PATCH - fixes only. */
#define PGT_VERSION_PATCH	0
/** PGT_VERSION - the three numbers in one comparable integer. */
#define PGT_VERSION \
	((PGT_VERSION_MAJOR << 16) | (PGT_VERSION_MINOR << 8) | PGT_VERSION_PATCH)

/**
 * pgt_version() - the version of the library actually linked (lib/version.c),
 *	to compare with the PGT_VERSION a program was compiled against.
 * Return: PGT_VERSION as the library was built.
 */
u32 pgt_version(void);

/**
 * pgt_version_string() - the same as "major.minor.patch".
 * Return: a static string, e.g. "0.1.0".
 */
const char *pgt_version_string(void);

/** typedef pgt_pte_t - one raw VMSAv8-64 translation table descriptor. */
typedef u64 pgt_pte_t;

/** PGT_MAX_LEVEL - the last lookup level: it holds page descriptors. */
#define PGT_MAX_LEVEL		3
/** PGT_MIN_LEVEL - the coarsest lookup level: -1, for 52-bit VAs with 4K and FEAT_LPA2. */
#define PGT_MIN_LEVEL		(-1)
/** PGT_MAX_ROOT_PAGES - the most tables concatenated at a stage-2 start level. */
#define PGT_MAX_ROOT_PAGES	16
/**
 * PGT_MAX_PA_BITS - the largest output and input address size supported:
 * 52 with PGT_CFG_LPA, 48 without.
 */
#define PGT_MAX_PA_BITS		52
/** PGT_NO_LEVEL - a TLB invalidation level hint that says "no hint". */
#define PGT_NO_LEVEL		((pgt_s8)(-128))

/**
 * enum pgt_granule - translation granule, named by its page shift.
 * @PGT_GRANULE_4K: 4KiB pages, 512 entries a table.
 * @PGT_GRANULE_16K: 16KiB pages, 2048 entries a table.
 * @PGT_GRANULE_64K: 64KiB pages, 8192 entries a table.
 */
enum pgt_granule {
	PGT_GRANULE_4K = 12,
	PGT_GRANULE_16K = 14,
	PGT_GRANULE_64K = 16,
};

/**
 * enum pgt_stage - which translation regime a table belongs to.
 * @PGT_STAGE_HYP: EL2 stage 1 (the single VA range of TTBR0_EL2).
 * @PGT_STAGE_2: stage 2 of the EL1&0 regime (VTTBR_EL2).
 */
enum pgt_stage {
	PGT_STAGE_HYP = 1,
	PGT_STAGE_2 = 2,
};

/**
 * enum pgt_oa_format - where a descriptor holds its output address.
 * @PGT_OA_48: bits 47:granule_shift, up to 48-bit addresses; bits 9:8 are SH.
 * @PGT_OA_LPA: 64K granule with FEAT_LPA: OA[51:48] in bits 15:12 as well.
 * @PGT_OA_LPA2: 4K or 16K with FEAT_LPA2 (TCR/VTCR.DS = 1): OA[49:48] in
 *	place and OA[51:50] in bits 9:8, so shareability moves to the
 *	control register's SH0.
 *
 * Documentation/design.rst ("Descriptor encodings") has the rules.
 */
enum pgt_oa_format {
	PGT_OA_48 = 0,
	PGT_OA_LPA = 1,
	PGT_OA_LPA2 = 2,
};

/**
 * struct pgt_geometry - the shape of one table tree.
 * @granule_shift: log2 of the granule (12, 14 or 16).
 * @ia_bits: input address size in bits.
 * @start_level: level of the root (initial lookup level), -1 to 3.
 * @root_pages: number of concatenated tables at the start level (1..16).
 * @root_entries: number of entries the root resolves, over all its pages.
 * @oa_format: an enum pgt_oa_format value.
 */
struct pgt_geometry {
	u8 granule_shift;
	u8 ia_bits;
	pgt_s8 start_level;
	u8 root_pages;
	u32 root_entries;
	u8 oa_format;
};

/**
 * enum pgt_prot - what a mapping allows, independent of the stage.
 * @PGT_PROT_R: readable.  EL2 stage 1 cannot express a mapping without it.
 * @PGT_PROT_W: writable.
 * @PGT_PROT_PX: executable at the privileged level: EL1 at stage 2.  Alone
 *	(without @PGT_PROT_UX) only at stage 2 with PGT_S2_XNX.
 * @PGT_PROT_UX: executable at EL0 (stage 2).  Alone only with PGT_S2_XNX.
 * @PGT_PROT_X: executable at every level: @PGT_PROT_PX and @PGT_PROT_UX.
 *	The EL2 stage 1 knows only this one (the hypervisor executes it).
 * @PGT_PROT_DEVICE: Device-nGnRE memory instead of Normal write-back.
 * @PGT_PROT_NORMAL_NC: Normal Non-cacheable memory instead of write-back
 *	(stage 2 only; never executable), e.g. device memory a guest maps
 *	write-combining.
 * @PGT_PROT_SW0: software bit 0 (descriptor bit 55), ignored by hardware.
 * @PGT_PROT_SW1: software bit 1 (descriptor bit 56).
 * @PGT_PROT_SW2: software bit 2 (descriptor bit 57).
 * @PGT_PROT_SW3: software bit 3 (descriptor bit 58).
 * @PGT_PROT_RW: read and write.
 * @PGT_PROT_RX: read and execute.
 * @PGT_PROT_RWX: read, write and execute (stage 2 only).
 */
enum pgt_prot {
	PGT_PROT_R = 1u << 0,
	PGT_PROT_W = 1u << 1,
	PGT_PROT_PX = 1u << 2,
	PGT_PROT_DEVICE = 1u << 3,
	PGT_PROT_UX = 1u << 4,
	PGT_PROT_NORMAL_NC = 1u << 5,
	PGT_PROT_X = PGT_PROT_PX | PGT_PROT_UX,
	PGT_PROT_SW0 = 1u << 8,
	PGT_PROT_SW1 = 1u << 9,
	PGT_PROT_SW2 = 1u << 10,
	PGT_PROT_SW3 = 1u << 11,
	PGT_PROT_RW = PGT_PROT_R | PGT_PROT_W,
	PGT_PROT_RX = PGT_PROT_R | PGT_PROT_X,
	PGT_PROT_RWX = PGT_PROT_R | PGT_PROT_W | PGT_PROT_X,
};

/** PGT_PROT_SW_MASK - every software bit of enum pgt_prot. */
#define PGT_PROT_SW_MASK	(PGT_PROT_SW0 | PGT_PROT_SW1 | PGT_PROT_SW2 | PGT_PROT_SW3)

/**
 * struct pgt_mm_ops - everything the library asks of its home.
 * @zalloc_page: a zeroed, naturally aligned table page of @size bytes with a
 *	reference count of 1, or NULL.  Tables must lie below the tree's output
 *	address size: a page beyond it is given back and the operation fails
 *	with -ENOMEM (Documentation/design.rst, invariant 10).
 * @zalloc_pages_exact: @size zeroed bytes aligned to @size (a power of two),
 *	for concatenated root tables, or NULL.
 * @free_pages_exact: release what @zalloc_pages_exact returned.
 * @get_page: take a reference on the table page starting at @addr (as
 *	returned by @zalloc_page).  Root tables from @zalloc_pages_exact are
 *	never reference-counted: only @free_pages_exact releases them.
 * @put_page: drop a reference; the page is freed when none remain.
 * @page_count: the number of references held on the page at @addr.
 * @page_ref_add: add @delta references (negative: drop them; never the last
 *	one) to the table page at @addr in one step.  Optional: without it the
 *	library calls @get_page or @put_page once per reference.
 * @phys_to_virt: the address the library uses to access @phys.
 * @virt_to_phys: the physical address of @addr.
 * @free_unlinked_table: free a subtree that was unlinked from a table that
 *	concurrent (shared) walkers may still be reading: the home waits until
 *	no walker can hold a reference (an RCU grace period, say), then calls
 *	pgt_unlinked_free().  Called from inside shared walks, so it must not
 *	block or fail: keep (@table, @level, @granule_shift) in the page itself
 *	or in per-page metadata.  May be NULL for homes without shared walks.
 * @dcache_clean_inval_poc: clean and invalidate the data cache for the
 *	physical range [@phys, @phys + @size) to the Point of Coherency.
 *	Optional: a home whose guests' memory needs no cleaning leaves it NULL.
 * @icache_inval_pou: invalidate the instruction cache for the physical
 *	range to the Point of Unification.  Optional, as the D-side one.  Both
 *	take physical addresses because the memory being mapped need not be
 *	mapped in the library's own address space; the home knows how to
 *	reach it.
 * @tlbi_va: invalidate the TLB entries of @cookie's regime for the input
 *	address @addr.  @level is the level of the entry that was changed (a
 *	TTL hint) or PGT_NO_LEVEL; @leaf says only last-level entries need
 *	invalidating (VALE2IS rather than VAE2IS, IPAS2LE1IS rather than
 *	IPAS2E1IS); a removed table entry is never @leaf.
 * @tlbi_range: invalidate every entry for inputs in [@addr, @addr + @size)
 *	of @cookie's regime; @level as for @tlbi_va.  Optional: without it
 *	the library invalidates each entry, or everything with @tlbi_all.
 * @tlbi_all: invalidate every entry of @cookie's regime (the VMID for
 *	stage 2, all of EL2 for stage 1).
 * @shared_walk_begin: enter a section in which tables unlinked by others
 *	are not freed (rcu_read_lock()).  Optional.
 * @shared_walk_end: leave that section.  Optional.
 * @linear: every page the home gives the library (roots and tables) lies in
 *	one linear map, virt == phys + @linear_offset: the library then converts
 *	table addresses itself instead of calling @phys_to_virt and
 *	@virt_to_phys on every level of every walk.  Both calls must still be
 *	provided and agree (other users, such as the VM layer, may use them).
 * @linear_offset: with @linear, virt - phys (modulo 2^64).
 *
 * The only seam between lib/ and the environment.  Every callback receives
 * the ops structure itself, so a home can embed it in a larger context and
 * reach its state with container_of().  Pages are granule-sized and aligned to
 * their size; "virt" is the address the library dereferences, "phys" the one
 * that goes into descriptors.
 *
 * The library issues the barriers around TLB maintenance itself (DSB ISHST
 * before, DSB ISH after, through the port header); the tlbi hooks issue only
 * the invalidation instructions.
 */
struct pgt_mm_ops {
	void *(*zalloc_page)(struct pgt_mm_ops *mm, u32 size);
	void *(*zalloc_pages_exact)(struct pgt_mm_ops *mm, u64 size);
	void (*free_pages_exact)(struct pgt_mm_ops *mm, void *addr, u64 size);
	void (*get_page)(struct pgt_mm_ops *mm, void *addr);
	void (*put_page)(struct pgt_mm_ops *mm, void *addr);
	int (*page_count)(struct pgt_mm_ops *mm, void *addr);
	void (*page_ref_add)(struct pgt_mm_ops *mm, void *addr, int delta);
	void *(*phys_to_virt)(struct pgt_mm_ops *mm, u64 phys);
	u64 (*virt_to_phys)(struct pgt_mm_ops *mm, void *addr);
	void (*free_unlinked_table)(struct pgt_mm_ops *mm, void *table,
				    pgt_s8 level, u8 granule_shift);
	void (*dcache_clean_inval_poc)(struct pgt_mm_ops *mm, u64 phys, u64 size);
	void (*icache_inval_pou)(struct pgt_mm_ops *mm, u64 phys, u64 size);
	void (*tlbi_va)(struct pgt_mm_ops *mm, void *cookie, u64 addr,
			pgt_s8 level, bool leaf);
	void (*tlbi_range)(struct pgt_mm_ops *mm, void *cookie, u64 addr,
			   u64 size, pgt_s8 level);
	void (*tlbi_all)(struct pgt_mm_ops *mm, void *cookie);
	void (*shared_walk_begin)(struct pgt_mm_ops *mm);
	void (*shared_walk_end)(struct pgt_mm_ops *mm);
	bool linear;
	u64 linear_offset;
};

/**
 * enum pgt_config_flags - options of a table.
 * @PGT_S2_FWB: stage 2 uses the FEAT_S2FWB MemAttr encoding (HCR_EL2.FWB=1).
 * @PGT_S2_FORCE_PAGES: stage 2 maps only pages, never blocks.
 * @PGT_S2_VMID16: VTCR_EL2.VS: 16-bit VMIDs.
 * @PGT_CFG_LPA: either stage: the CPU has 52-bit addresses for the granule
 *	(FEAT_LPA and FEAT_LVA for 64K, FEAT_LPA2 for 4K and 16K).  The tree
 *	uses the 52-bit descriptor format (with 4K and 16K, DS=1 whatever
 *	@pa_bits says) and may take @pa_bits 52 and inputs up to 52 bits.
 * @PGT_S2_XNX: stage 2: the CPU has FEAT_XNX, so PGT_PROT_PX and
 *	PGT_PROT_UX may be given apart (XN[54:53]).
 * @PGT_HYP_HVHE: EL2 stage 1 in the EL2&0 format (HCR_EL2.E2H=1, as KVM's
 *	hVHE mode runs): TCR_EL2 in TCR_EL1's layout, leaves with AP[1] and
 *	PXN/UXN.
 */
enum pgt_config_flags {
	PGT_S2_FWB = 1u << 0,
	PGT_S2_FORCE_PAGES = 1u << 1,
	PGT_S2_VMID16 = 1u << 2,
	PGT_CFG_LPA = 1u << 3,
	PGT_S2_XNX = 1u << 4,
	PGT_HYP_HVHE = 1u << 5,
};

/**
 * struct pgt_config - what a new table is asked to be.
 * @ia_bits: input (VA or IPA) address size: up to 48, or 52 with PGT_CFG_LPA.
 * @granule_shift: an enum pgt_granule value.
 * @pa_bits: output address size: 32, 36, 40, 42, 44, 48, or 52 with
 *	PGT_CFG_LPA.
 * @flags: enum pgt_config_flags.
 * @mair: EL2 stage 1: the MAIR_EL2 value the tree is used with, or 0 for
 *	PGT_HYP_MAIR.  Leaves take the lowest attribute field that holds Normal
 *	write-back (0xff) and the lowest that holds Device-nGnRE (0x04): a home
 *	that shares its MAIR with another user (Linux's KVM gives EL2 the
 *	kernel's MAIR_EL1) need not reserve fields for the library.  Stage 2
 *	has its memory types in the descriptor and takes 0 only.
 */
struct pgt_config {
	u32 ia_bits;
	u32 granule_shift;
	u32 pa_bits;
	u32 flags;
	u64 mair;
};

/**
 * struct pgt - one translation table tree.
 * @geom: its shape.
 * @stage: which regime's descriptor formats it uses.
 * @pa_bits: output address size; no descriptor points above it.
 * @flags: enum pgt_config_flags it was created with.
 * @root: the start-level table(s), as the library accesses them.
 * @root_phys: their physical address (TTBR0_EL2 or VTTBR_EL2.BADDR).
 * @ctrl: TCR_EL2 (stage 1; in the EL2&0 layout with PGT_HYP_HVHE) or
 *	VTCR_EL2 (stage 2) for this tree.
 * @mm_ops: the home.
 * @tlb_cookie: passed to the TLB hooks (a VMID or MMU for stage 2).
 * @unlinked: the tree is a detached subtree whose top table is an ordinary,
 *	reference-counted table page rather than a root allocation.
 * @owners: an owner annotation was written at some point; until then a map
 *	need not search its range for one before changing anything.
 * @hyp_attr_normal: EL2 stage 1: the AttrIndx of Normal write-back leaves,
 *	from &struct pgt_config's @mair.
 * @hyp_attr_device: EL2 stage 1: the AttrIndx of Device-nGnRE leaves.
 * @s2_leaf_memo: stage 2: the last prot a map checked and the leaf
 *	attributes it gives, in one word (zero: none yet); the library's own.
 */
struct pgt {
	struct pgt_geometry geom;
	enum pgt_stage stage;
	u32 pa_bits;
	u32 flags;
	pgt_pte_t *root;
	u64 root_phys;
	u64 ctrl;
	struct pgt_mm_ops *mm_ops;
	void *tlb_cookie;
	bool unlinked;
	bool owners;
	u8 hyp_attr_normal;
	u8 hyp_attr_device;
	u64 s2_leaf_memo;
};

/* ---- Geometry (lib/pgtable.c) ---- */

/**
 * pgt_geometry_hyp() - the shape of an EL2 stage-1 tree.
 * @geom: filled in on success.
 * @va_bits: 16 (4K, 16K granules) or 17 (64K) to 48; below 25 needs FEAT_TTST.
 * @granule_shift: an enum pgt_granule value.
 *
 * The 48-bit format (PGT_OA_48).  pgt_hyp_init() with PGT_CFG_LPA builds
 * the 52-bit one, up to 52-bit VAs (4K then starts at level -1).
 *
 * Return: 0, or -EINVAL for an unknown granule or a VA size out of range.
 */
int pgt_geometry_hyp(struct pgt_geometry *geom, u32 va_bits, u32 granule_shift);

/**
 * pgt_geometry_stage2() - the shape of a stage-2 tree.
 * @geom: filled in on success.
 * @ia_bits: IPA size, 25 to 48.
 * @granule_shift: an enum pgt_granule value.
 *
 * Policy: the fewest lookup levels whose root fits in at most 16 concatenated
 * tables, never starting below the deepest level VTCR_EL2.SL0 can encode
 * without FEAT_TTST (level 2 for 4K, level 3 for 16K and 64K).
 * Documentation/design.rst explains why.  The 48-bit format (PGT_OA_48);
 * pgt_stage2_init() with PGT_CFG_LPA builds the 52-bit one.
 *
 * Return: 0, or -EINVAL for an unknown granule or an IPA size out of range.
 */
int pgt_geometry_stage2(struct pgt_geometry *geom, u32 ia_bits, u32 granule_shift);

/**
 * pgt_level_shift() - log2 of the bytes one entry at @level maps.
 * @geom: the tree's shape.
 * @level: a lookup level.
 * Return: the shift.
 */
static inline u32 pgt_level_shift(const struct pgt_geometry *geom, pgt_s8 level)
{
	return geom->granule_shift + (PGT_MAX_LEVEL - level) * (geom->granule_shift - 3);
}

/**
 * pgt_level_size() - bytes mapped by one entry at @level.
 * @geom: the tree's shape.
 * @level: a lookup level.
 * Return: the size.
 */
static inline u64 pgt_level_size(const struct pgt_geometry *geom, pgt_s8 level)
{
	return 1ULL << pgt_level_shift(geom, level);
}

/**
 * pgt_table_entries() - entries in one (non-root) table page.
 * @geom: the tree's shape.
 * Return: 512, 2048 or 8192.
 */
static inline u32 pgt_table_entries(const struct pgt_geometry *geom)
{
	return 1u << (geom->granule_shift - 3);
}

/**
 * pgt_page_size() - bytes in one page (and one table) of the granule.
 * @geom: the tree's shape.
 * Return: 4096, 16384 or 65536.
 */
static inline u32 pgt_page_size(const struct pgt_geometry *geom)
{
	return 1u << geom->granule_shift;
}

/**
 * pgt_level_has_blocks() - can a block descriptor sit at @level?
 * @geom: the tree's shape.
 * @level: a lookup level.
 *
 * 4K at levels 1 and 2, 16K and 64K at level 2.  Level 3 holds pages, which
 * are not blocks.  The 52-bit formats would allow coarser blocks (4K level
 * 0, 16K and 64K level 1); like KVM, the library does not use them.
 * Return: true if a block is allowed.
 */
static inline bool pgt_level_has_blocks(const struct pgt_geometry *geom, pgt_s8 level)
{
	pgt_s8 coarsest = geom->granule_shift == PGT_GRANULE_4K ? 1 : 2;

	return level >= coarsest && level < PGT_MAX_LEVEL;
}

/**
 * pgt_level_has_leaves() - can a leaf (block or page) sit at @level?
 * @geom: the tree's shape.
 * @level: a lookup level.
 * Return: true if a block or page descriptor is allowed there.
 */
static inline bool pgt_level_has_leaves(const struct pgt_geometry *geom, pgt_s8 level)
{
	return level == PGT_MAX_LEVEL || pgt_level_has_blocks(geom, level);
}

/**
 * pgt_pa_range_encode() - the TCR_EL2.PS / VTCR_EL2.PS encoding of @pa_bits.
 * @pa_bits: 32, 36, 40, 42, 44, 48 or 52.
 * Return: the 3-bit encoding, or -EINVAL for any other size.
 */
int pgt_pa_range_encode(u32 pa_bits);

/* ---- Descriptors (lib/descriptor.c) ---- */

/** PGT_PTE_VALID - bit 0: the descriptor is valid. */
#define PGT_PTE_VALID		PGT_BIT(0)
/** PGT_PTE_TYPE - bit 1: table (above level 3) or page (at level 3). */
#define PGT_PTE_TYPE		PGT_BIT(1)
/** PGT_PTE_AF - the access flag, bit 10, in both stages' leaves. */
#define PGT_PTE_AF		PGT_BIT(10)
/** PGT_PTE_SW_MASK - bits 58:55, reserved for software in every leaf. */
#define PGT_PTE_SW_MASK		PGT_GENMASK(58, 55)

/**
 * pgt_pte_valid() - is @pte a valid descriptor?
 * @pte: a descriptor.
 * Return: bit 0.
 */
static inline bool pgt_pte_valid(pgt_pte_t pte)
{
	return pte & PGT_PTE_VALID;
}

/**
 * pgt_pte_is_table() - is @pte a table descriptor at @level?
 * @pte: a descriptor.
 * @level: where it sits.
 * Return: true for a valid table descriptor above level 3.
 */
static inline bool pgt_pte_is_table(pgt_pte_t pte, pgt_s8 level)
{
	return level < PGT_MAX_LEVEL && (pte & 3) == 3;
}

/**
 * pgt_pte_is_leaf() - does @pte map memory (a block or a page)?
 * @pte: a descriptor.
 * @level: where it sits.
 * Return: true for a valid block (levels 0-2) or page (level 3).
 */
static inline bool pgt_pte_is_leaf(pgt_pte_t pte, pgt_s8 level)
{
	return level < PGT_MAX_LEVEL ? (pte & 3) == 1 : (pte & 3) == 3;
}

/**
 * pgt_pte_addr() - the output address in a table, block or page descriptor.
 * @geom: the tree's shape (the granule decides the low bits, the format
 *	where bits 51:48 are).
 * @pte: a valid descriptor.
 * Return: bits 47:granule_shift of @pte, with OA[51:48] as @geom's
 * enum pgt_oa_format packs them.
 */
static inline u64 pgt_pte_addr(const struct pgt_geometry *geom, pgt_pte_t pte)
{
	u64 pa = pte & PGT_GENMASK(47, geom->granule_shift);

	if (geom->oa_format == PGT_OA_LPA)
		pa |= (pte & PGT_GENMASK(15, 12)) << 36;
	else if (geom->oa_format == PGT_OA_LPA2)
		pa |= (pte & PGT_GENMASK(49, 48)) | (pte & PGT_GENMASK(9, 8)) << 42;
	return pa;
}

/**
 * pgt_table_pte() - a table descriptor pointing to the table at @table_pa.
 * @geom: the tree's shape.
 * @table_pa: granule-aligned physical address of the next-level table.
 * Return: the descriptor (hierarchical attributes all zero: no limits).
 */
pgt_pte_t pgt_table_pte(const struct pgt_geometry *geom, u64 table_pa);

/** PGT_HYP_MAIR - MAIR_EL2 value the EL2 stage-1 AttrIndx encodings assume. */
#define PGT_HYP_MAIR		0x04ffULL
/** PGT_HYP_ATTR_NORMAL - AttrIndx of Normal write-back (MAIR attr 0xff). */
#define PGT_HYP_ATTR_NORMAL	0
/** PGT_HYP_ATTR_DEVICE - AttrIndx of Device-nGnRE (MAIR attr 0x04). */
#define PGT_HYP_ATTR_DEVICE	1

/**
 * pgt_hyp_prot_check() - may EL2 stage 1 map with @prot?
 * @prot: enum pgt_prot bits.
 * Return: 0, or -EINVAL if R is missing, or W and X, or DEVICE and X are
 * both asked for, PX or UX comes without the other, or an unknown bit
 * (NORMAL_NC included) is set.
 */
int pgt_hyp_prot_check(u32 prot);

/**
 * pgt_hyp_leaf_pte() - an EL2 stage-1 block or page descriptor.
 * @geom: the tree's shape.
 * @pa: output address, aligned to the leaf size of @level.
 * @prot: permissions, checked by pgt_hyp_prot_check() first.
 * @level: where the leaf goes (decides block or page format).
 * The non-VHE EL2 format (HCR_EL2.E2H=0).
 * Return: the descriptor, with AF set and inner-shareable (hardware treats
 * device memory as outer-shareable whatever the field says; with
 * PGT_OA_LPA2, bits 9:8 are OA[51:50] and TCR_EL2.SH0 says it).
 */
pgt_pte_t pgt_hyp_leaf_pte(const struct pgt_geometry *geom, u64 pa, u32 prot,
			   pgt_s8 level);

/**
 * pgt_hyp_pte_prot() - decode the enum pgt_prot of a non-VHE EL2 stage-1 leaf.
 * @pte: a valid leaf descriptor.
 * Return: its permissions, memory type and software bits.
 */
u32 pgt_hyp_pte_prot(pgt_pte_t pte);

/**
 * pgt_hyp_vhe_leaf_pte() - an EL2&0 (hVHE) stage-1 block or page descriptor.
 * @geom: the tree's shape.
 * @pa: output address, aligned to the leaf size of @level.
 * @prot: permissions, checked by pgt_hyp_prot_check() first.
 * @level: where the leaf goes.
 *
 * AP[1] clear (EL0 has no access), UXN set (EL0 executes nothing), PXN
 * unless @prot has X, AP[2] for read-only, nG clear (global: the
 * hypervisor's mappings hold under every ASID).
 * Return: the descriptor, with AF set.
 */
pgt_pte_t pgt_hyp_vhe_leaf_pte(const struct pgt_geometry *geom, u64 pa, u32 prot,
			       pgt_s8 level);

/**
 * pgt_hyp_vhe_pte_prot() - decode the enum pgt_prot of an EL2&0 stage-1 leaf.
 * @pte: a valid leaf descriptor the library wrote.
 * Return: its permissions (X from PXN), memory type and software bits.
 */
u32 pgt_hyp_vhe_pte_prot(pgt_pte_t pte);

/**
 * pgt_leaf_prot() - decode a leaf of @pgt in the tree's own format.
 * @pgt: the tree (stage, FWB, hVHE).
 * @pte: a valid leaf descriptor of it.
 * Return: the enum pgt_prot the leaf was mapped with.
 */
u32 pgt_leaf_prot(const struct pgt *pgt, pgt_pte_t pte);

/**
 * pgt_ttbr_baddr() - the BADDR field of TTBR0_EL2 or VTTBR_EL2 for @pgt.
 * @pgt: the tree.
 *
 * The root's physical address, with BADDR[51:48] moved to bits 5:2 in the
 * 52-bit formats.  VMID, ASID and CnP are the caller's to add.
 * Return: the field's value.
 */
u64 pgt_ttbr_baddr(const struct pgt *pgt);

/**
 * pgt_s2_prot_check() - can the stage-2 format express @prot?
 * @prot: enum pgt_prot bits.
 *
 * A tree also refuses PX or UX alone unless created with PGT_S2_XNX.
 * Return: 0, or -EINVAL for DEVICE or NORMAL_NC with any execute
 * permission, DEVICE with NORMAL_NC, or an unknown bit.
 */
int pgt_s2_prot_check(u32 prot);

/**
 * pgt_s2_leaf_pte() - a stage-2 block or page descriptor.
 * @geom: the tree's shape.
 * @pa: output address, aligned to the leaf size of @level.
 * @prot: permissions, checked by pgt_s2_prot_check() first.
 * @level: where the leaf goes.
 * @fwb: use the FEAT_S2FWB MemAttr encoding.
 * Return: the descriptor, with AF set, XN[54:53] from PX and UX, and SH
 * inner-shareable (in VTCR_EL2.SH0 instead with PGT_OA_LPA2).
 */
pgt_pte_t pgt_s2_leaf_pte(const struct pgt_geometry *geom, u64 pa, u32 prot,
			  pgt_s8 level, bool fwb);

/**
 * pgt_s2_pte_prot() - decode the enum pgt_prot of a stage-2 leaf.
 * @pte: a valid leaf descriptor.
 * @fwb: whether MemAttr uses the FEAT_S2FWB encoding.
 * Return: its permissions, memory type and software bits.
 */
u32 pgt_s2_pte_prot(pgt_pte_t pte, bool fwb);

/** PGT_S2_OWNER_MAX - the largest owner id an invalid stage-2 entry can carry. */
#define PGT_S2_OWNER_MAX	0x3fffu

/**
 * pgt_s2_owner_pte() - an invalid stage-2 entry annotated with an owner.
 * @owner: 1..PGT_S2_OWNER_MAX (0 is "no owner", the all-zero entry).
 * Return: the annotation; bit 0 is clear, so hardware treats it as invalid.
 */
pgt_pte_t pgt_s2_owner_pte(u32 owner);

/**
 * pgt_s2_pte_owner() - the owner recorded in an invalid stage-2 entry.
 * @pte: a descriptor.
 * Return: the owner id, or 0 for a valid, empty or locked entry.
 */
u32 pgt_s2_pte_owner(pgt_pte_t pte);

/**
 * PGT_PTE_LOCKED - the marker a walker leaves in an entry during
 * break-before-make: invalid to hardware, "busy, come back" to other walkers.
 */
#define PGT_PTE_LOCKED		PGT_BIT(1)

/**
 * pgt_pte_is_locked() - is @pte the break-before-make marker?
 * @pte: a descriptor.
 * Return: true if another walker owns this entry right now.
 */
static inline bool pgt_pte_is_locked(pgt_pte_t pte)
{
	return pte == PGT_PTE_LOCKED;
}

/**
 * pgt_vtcr() - VTCR_EL2 for a stage-2 tree.
 * @geom: the tree's shape (IPA size, granule, start level).
 * @pa_bits: physical address size (VTCR_EL2.PS).
 * @vmid16: set VTCR_EL2.VS for 16-bit VMIDs.
 * Return: the register value (T0SZ, SL0, IRGN0/ORGN0 write-back,
 * inner-shareable walks, TG0, PS, VS, the RES1 bit 31, and DS with
 * PGT_OA_LPA2), or 0 if @pa_bits is not an architected size or needs a
 * 52-bit format @geom does not have.
 */
u64 pgt_vtcr(const struct pgt_geometry *geom, u32 pa_bits, bool vmid16);

/**
 * pgt_hyp_tcr() - TCR_EL2 (single VA range, no VHE) for an EL2 stage-1 tree.
 * @geom: the tree's shape.
 * @pa_bits: physical address size (TCR_EL2.PS).
 * Return: the register value (DS at bit 32 with PGT_OA_LPA2), or 0 if
 * @pa_bits is not an architected size or needs a format @geom lacks.
 */
u64 pgt_hyp_tcr(const struct pgt_geometry *geom, u32 pa_bits);

/**
 * pgt_hyp_vhe_tcr() - TCR_EL2 in the EL2&0 layout (HCR_EL2.E2H=1).
 * @geom: the tree's shape (TTBR0_EL2's range).
 * @pa_bits: physical address size (TCR_EL2.IPS).
 *
 * T0SZ, IRGN0/ORGN0 write-back, SH0 inner, TG0, EPD1 (TTBR1_EL2 is never
 * walked) with TG1 naming the same granule, IPS, and DS at bit 59 with
 * PGT_OA_LPA2.
 * Return: the register value, or 0 as for pgt_hyp_tcr().
 */
u64 pgt_hyp_vhe_tcr(const struct pgt_geometry *geom, u32 pa_bits);

/* ---- The walker (lib/walker.c) ---- */

/**
 * enum pgt_walk_flags - what a walk visits and how it may race.
 * @PGT_WALK_LEAF: call the visitor on every entry that is not a table
 *	(leaves and invalid entries).
 * @PGT_WALK_TABLE_PRE: call it on a table entry before descending.
 * @PGT_WALK_TABLE_POST: call it on a table entry after descending.
 * @PGT_WALK_SHARED: the walk runs concurrently with other shared walks (the
 *	caller holds a read lock); entries change only by compare-and-swap.
 * @PGT_WALK_SKIP_CMO: an operation flag the walker ignores: a stage-2 map
 *	skips the cache maintenance it would do before mapping (the caller
 *	knows the memory is clean, or does it itself).
 *
 * The three visit flags double as the @visit argument of the visitor.
 */
enum pgt_walk_flags {
	PGT_WALK_LEAF = 1u << 0,
	PGT_WALK_TABLE_PRE = 1u << 1,
	PGT_WALK_TABLE_POST = 1u << 2,
	PGT_WALK_SHARED = 1u << 3,
	PGT_WALK_SKIP_CMO = 1u << 4,
};

/**
 * enum pgt_action_kind - what a visitor asks the walker to do next.
 * @PGT_ACT_CONTINUE: the entry is done; go on with the walk.
 * @PGT_ACT_SKIP: the entry and everything below it are done (a visitor that
 *	handled a whole table in one pass): do not descend, no TABLE_POST.
 *	With pgt_skip_entries(), so are the entries after it in its table.
 * @PGT_ACT_RETRY: the entry changed under the visitor; read it again and
 *	visit it again (bounded by PGT_WALK_RETRIES).
 * @PGT_ACT_EXIT: stop the walk now and return the action's error.
 *
 * Documentation/walker.rst tabulates how shared and exclusive walks treat each.
 */
enum pgt_action_kind {
	PGT_ACT_CONTINUE,
	PGT_ACT_SKIP,
	PGT_ACT_RETRY,
	PGT_ACT_EXIT,
};

/**
 * struct pgt_action - a visitor's answer.
 * @kind: what to do next.
 * @err: with PGT_ACT_EXIT, what the walk returns (0 stops successfully).
 * @entries: with PGT_ACT_SKIP, how many entries are done, this one and those
 *	that follow it in its table (0 and 1 both mean this one alone).
 *
 * Eight bytes, so that an answer travels in one register.
 */
struct pgt_action {
	enum pgt_action_kind kind;
	union {
		int err;
		u32 entries;
	};
};

/** PGT_WALK_RETRIES - how many times one entry is re-visited before -EAGAIN. */
#define PGT_WALK_RETRIES	64

/**
 * pgt_continue() - the visitor's answer "done, go on".
 * Return: a PGT_ACT_CONTINUE action.
 */
static inline struct pgt_action pgt_continue(void)
{
	return (struct pgt_action){ .kind = PGT_ACT_CONTINUE, .err = 0 };
}

/**
 * pgt_skip() - the visitor's answer "done with this entry and its subtree".
 * Return: a PGT_ACT_SKIP action.
 */
static inline struct pgt_action pgt_skip(void)
{
	return (struct pgt_action){ .kind = PGT_ACT_SKIP, .err = 0 };
}

/**
 * pgt_skip_entries() - the visitor's answer "done with this entry and the
 * @n - 1 after it in its table, subtrees included".
 * @n: entries done, at least 1, inside the walk's range and the entry's table.
 *
 * For a visitor that wrote a run of entries in one pass (one reference
 * change, one cache maintenance call); the walker moves past them without
 * visiting them.  Only the ordinary walk has entries after this one: a walk
 * of one entry treats it as pgt_skip().
 *
 * Return: a PGT_ACT_SKIP action.
 */
static inline struct pgt_action pgt_skip_entries(u32 n)
{
	return (struct pgt_action){ .kind = PGT_ACT_SKIP, .entries = n };
}

/**
 * pgt_retry() - the visitor's answer "this entry changed, visit it again".
 * Return: a PGT_ACT_RETRY action.
 */
static inline struct pgt_action pgt_retry(void)
{
	return (struct pgt_action){ .kind = PGT_ACT_RETRY, .err = 0 };
}

/**
 * pgt_exit() - the visitor's answer "stop the walk and return @err".
 * @err: 0 or a negative errno.
 * Return: a PGT_ACT_EXIT action.
 */
static inline struct pgt_action pgt_exit(int err)
{
	return (struct pgt_action){ .kind = PGT_ACT_EXIT, .err = err };
}

/**
 * struct pgt_visit_ctx - what a visitor sees of one entry.
 * @pgt: the tree being walked.
 * @ptep: the entry.
 * @old: the entry's value when the walker read it (a snapshot: in a shared
 *	walk the entry may have changed since; update it with pgt_pte_update()).
 * @addr: the walk's current address: the larger of the entry's first address
 *	and the start of the walk.
 * @end: the end of the walk's range (exclusive).
 * @level: the entry's level.
 * @flags: the walk's enum pgt_walk_flags.
 * @arg: the walker's argument.
 * @mm_ops: the home.
 */
struct pgt_visit_ctx {
	struct pgt *pgt;
	pgt_pte_t *ptep;
	pgt_pte_t old;
	u64 addr;
	u64 end;
	pgt_s8 level;
	u32 flags;
	void *arg;
	struct pgt_mm_ops *mm_ops;
};

/**
 * typedef pgt_visitor_fn - a walk's callback.
 * @ctx: the entry and the walk.
 * @visit: PGT_WALK_LEAF, PGT_WALK_TABLE_PRE or PGT_WALK_TABLE_POST.
 * Return: the action the walker takes next.
 */
typedef struct pgt_action (*pgt_visitor_fn)(const struct pgt_visit_ctx *ctx,
					      enum pgt_walk_flags visit);

/**
 * struct pgt_walker - one walk: a visitor, its argument and flags.
 * @cb: the visitor.
 * @arg: passed to it in ctx->arg.
 * @flags: enum pgt_walk_flags.
 */
struct pgt_walker {
	pgt_visitor_fn cb;
	void *arg;
	u32 flags;
};

/**
 * pgt_walk() - visit every entry of @pgt whose input range meets
 * [@addr, @addr + @size).
 * @pgt: the tree.
 * @addr: first input address; need not be aligned.
 * @size: bytes; 0 visits nothing.
 * @walker: what to call, and when.
 *
 * Entries are visited in address order, depth first.  After each visitor
 * returns, the walker reads the entry again: a table the visitor installed is
 * descended into, a table it replaced by a leaf is not.
 *
 * Return: 0, the error of a PGT_ACT_EXIT, -EAGAIN when an entry's retries ran
 * out, -EINVAL if the range wraps past 2^64, -ERANGE if it ends beyond the
 * input address size.
 */
int pgt_walk(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker);

/**
 * pgt_pte_update() - replace ctx->old in ctx->ptep by @new.
 * @ctx: the visited entry.
 * @new: its new value.
 *
 * A shared walk swaps with compare-and-swap and fails if the entry is no
 * longer ctx->old; an exclusive walk stores.  The table page's reference count
 * follows the entry from or to zero.
 *
 * Return: true if @new was written; false means "answer pgt_retry()".
 */
bool pgt_pte_update(const struct pgt_visit_ctx *ctx, pgt_pte_t new);

/**
 * pgt_ctx_entry_start() - the first input address the visited entry maps.
 * @ctx: the visited entry.
 * Return: ctx->addr aligned down to the entry's size.
 */
static inline u64 pgt_ctx_entry_start(const struct pgt_visit_ctx *ctx)
{
	return PGT_ALIGN_DOWN(ctx->addr, pgt_level_size(&ctx->pgt->geom, ctx->level));
}

/**
 * pgt_ctx_entry_size() - bytes the visited entry maps.
 * @ctx: the visited entry.
 * Return: the size of one entry at ctx->level.
 */
static inline u64 pgt_ctx_entry_size(const struct pgt_visit_ctx *ctx)
{
	return pgt_level_size(&ctx->pgt->geom, ctx->level);
}

/**
 * pgt_ctx_entry_inside() - does the walk's range cover the whole entry?
 * @ctx: the visited entry.
 * Return: true if [entry start, entry end) lies within [start, ctx->end).
 */
static inline bool pgt_ctx_entry_inside(const struct pgt_visit_ctx *ctx)
{
	u64 start = pgt_ctx_entry_start(ctx);

	return start == ctx->addr && ctx->end - start >= pgt_ctx_entry_size(ctx);
}

/* ---- Common operations (lib/pgtable.c) ---- */

/**
 * pgt_get_leaf() - the entry that decides the translation of @addr.
 * @pgt: the tree.
 * @addr: an input address.
 * @ptep: if not NULL, receives the entry's value (0 if nothing is mapped).
 * @level: if not NULL, receives the entry's level.
 *
 * Return: 0, or -ERANGE for an address beyond the input address size.
 */
int pgt_get_leaf(struct pgt *pgt, u64 addr, pgt_pte_t *ptep, pgt_s8 *level);

/**
 * pgt_unlinked_free() - free a subtree no walker can reach any more.
 * @mm_ops: the home.
 * @table: the subtree's top table.
 * @level: its level.
 * @granule_shift: the granule of the tree it came from.
 *
 * Drops the reference held on every table page of the subtree; the pages go
 * back to the home.  Called by the home from @free_unlinked_table once the
 * grace period has passed.
 */
void pgt_unlinked_free(struct pgt_mm_ops *mm_ops, void *table, pgt_s8 level,
		       u8 granule_shift);

/* ---- EL2 stage 1 (lib/hyp.c) ---- */

/**
 * pgt_hyp_init() - an empty EL2 stage-1 tree.
 * @pgt: filled in.
 * @cfg: ia_bits is the VA size; pa_bits bounds output addresses; flags
 *	PGT_CFG_LPA and PGT_HYP_HVHE only.
 * @mm_ops: the home; every page it gives must lie below 2^pa_bits.
 *
 * Return: 0, -EINVAL for a bad configuration or a home without one of the
 * hooks struct pgt_mm_ops does not call optional, -ERANGE if the root the
 * home gave lies beyond the output address size (freed again), -ENOMEM.
 */
int pgt_hyp_init(struct pgt *pgt, const struct pgt_config *cfg,
		 struct pgt_mm_ops *mm_ops);

/**
 * pgt_hyp_map() - map [@addr, @addr + @size) to @phys with @prot.
 * @pgt: an EL2 stage-1 tree.
 * @addr: page-aligned VA.
 * @size: page-aligned size.
 * @phys: page-aligned PA.
 * @prot: see pgt_hyp_prot_check().
 *
 * Blocks are used wherever VA, PA and the remaining size allow.  Mapping over
 * an identical live mapping succeeds and changes nothing; over a live mapping
 * to another address or with other attributes, it fails.  All-or-nothing:
 * on any error the tree translates exactly as before and holds no new pages.
 * The caller holds the tree's lock; no TLB maintenance is needed, because
 * only invalid entries change.
 *
 * Return: 0; -EINVAL for unaligned arguments, a wrapping range or a bad
 * @prot; -ERANGE beyond the VA or PA size; -EEXIST over a different live
 * mapping; -ENOMEM.
 */
int pgt_hyp_map(struct pgt *pgt, u64 addr, u64 size, u64 phys, u32 prot);

/**
 * pgt_hyp_unmap() - remove every mapping in [@addr, @addr + @size).
 * @pgt: an EL2 stage-1 tree.
 * @addr: page-aligned VA.
 * @size: page-aligned size.
 * @unmapped: if not NULL, receives the number of bytes unmapped.
 *
 * Each cleared entry is invalidated from the TLB with its level as the hint;
 * a table left empty is unlinked, invalidated and freed.  A block that
 * reaches beyond the range is split by break-before-make into next-level
 * entries, and only the part inside the range is removed: while the split is
 * in progress the rest of that block is briefly unmapped, so the caller must
 * make sure no CPU accesses it (Documentation/hyp.rst).  Invalid entries in
 * the range are passed over.  The pages a split needs are reserved before
 * anything changes, so -ENOMEM leaves the tree untouched.
 *
 * Return: 0; -EINVAL for unaligned or wrapping arguments; -ERANGE beyond the
 * VA size; -ENOMEM.
 */
int pgt_hyp_unmap(struct pgt *pgt, u64 addr, u64 size, u64 *unmapped);

/**
 * pgt_hyp_destroy() - free every table page of an EL2 stage-1 tree.
 * @pgt: the tree; it must no longer be live on any CPU.
 */
void pgt_hyp_destroy(struct pgt *pgt);

/* ---- Memory caches (lib/memcache.c) ---- */

/**
 * struct pgt_memcache - zeroed table pages set aside for an operation.
 * @head: the first free page; each page's first word links to the next.
 * @nr: how many pages are in the cache.
 * @page_size: their size (the granule of the trees they are for).
 *
 * The caller tops the cache up before taking the lock an operation runs
 * under, so that the operation itself never allocates.  Zero-initialise it.
 */
struct pgt_memcache {
	void *head;
	u32 nr;
	u32 page_size;
};

/**
 * pgt_memcache_topup() - fill @mc until it holds at least @min pages.
 * @mc: the cache; its page size is fixed by the first top-up.
 * @mm_ops: the home to allocate from.
 * @page_size: the granule's page size.
 * @min: the number of pages wanted.
 *
 * Return: 0; -ENOMEM if the home ran out (pages already added stay);
 * -EINVAL if @page_size differs from the pages already cached.
 */
int pgt_memcache_topup(struct pgt_memcache *mc, struct pgt_mm_ops *mm_ops, u32 page_size,
		       u32 min);

/**
 * pgt_memcache_free() - give every cached page back to the home.
 * @mc: the cache, empty afterwards.
 * @mm_ops: the home it was filled from.
 */
void pgt_memcache_free(struct pgt_memcache *mc, struct pgt_mm_ops *mm_ops);

/**
 * pgt_memcache_pop() - take one zeroed page out of @mc.
 * @mc: the cache.
 * Return: the page, or NULL if the cache is empty.
 */
void *pgt_memcache_pop(struct pgt_memcache *mc);

/* ---- Stage 2 (lib/stage2.c) ---- */

/**
 * pgt_stage2_init() - an empty stage-2 tree with concatenated root tables.
 * @pgt: filled in, including @pgt->ctrl (VTCR_EL2).
 * @cfg: IPA size, granule, PA size (at least the IPA size) and flags (any
 *	but PGT_HYP_HVHE).
 * @mm_ops: the home; every page it gives must lie below 2^pa_bits.
 * @tlb_cookie: passed to the TLB hooks, naming the VMID.
 *
 * Return: 0, -EINVAL for a bad configuration or a home without one of the
 * hooks struct pgt_mm_ops does not call optional, -ERANGE if the root the
 * home gave lies beyond the output address size (freed again), -ENOMEM.
 */
int pgt_stage2_init(struct pgt *pgt, const struct pgt_config *cfg,
		    struct pgt_mm_ops *mm_ops, void *tlb_cookie);

/**
 * pgt_stage2_destroy_range() - free every mapping and table in a range.
 * @pgt: a stage-2 tree no VMID uses any more (no TLB maintenance is done).
 * @addr: start of the range, aligned to the start level's entry size.
 * @size: its size, likewise aligned.
 *
 * Lets a caller tear a large tree down in chunks and reschedule in between.
 * Return: 0, -EINVAL for unaligned or wrapping arguments, -ERANGE.
 */
int pgt_stage2_destroy_range(struct pgt *pgt, u64 addr, u64 size);

/**
 * pgt_stage2_destroy() - free every table page of a stage-2 tree.
 * @pgt: the tree; no VMID may still use it.
 */
void pgt_stage2_destroy(struct pgt *pgt);

/**
 * pgt_stage2_tables_needed() - the most table pages mapping a range can take.
 * @pgt: a stage-2 tree.
 * @addr: IPA.
 * @size: bytes.
 * @phys: PA @addr maps to (it decides which blocks can be used).
 *
 * An upper bound computed without reading the tree, assuming nothing is
 * mapped yet; a fault handler tops its cache up to this before mapping.
 * Return: the number of pages.
 */
u64 pgt_stage2_tables_needed(const struct pgt *pgt, u64 addr, u64 size, u64 phys);

/**
 * pgt_stage2_map() - map [@addr, @addr + @size) to @phys with @prot.
 * @pgt: a stage-2 tree.
 * @addr: page-aligned IPA.
 * @size: page-aligned size.
 * @phys: page-aligned PA.
 * @prot: see pgt_s2_prot_check().
 * @mc: pages for new tables; NULL to allocate from the home directly.
 * @flags: PGT_WALK_SHARED for a fault handler holding the lock for reading,
 *	PGT_WALK_SKIP_CMO.
 *
 * Blocks are used wherever IPA, PA and size allow (never with
 * PGT_S2_FORCE_PAGES).  Documentation/stage2.rst has the full semantics:
 * replacing live leaves (break-before-make), collapsing tables into blocks,
 * cache maintenance, and what a shared walk does when it races.
 *
 * Return: 0; -EINVAL, -ERANGE for bad arguments; -EPERM over an entry
 * annotated with an owner; -EAGAIN in a shared walk when the range is
 * already mapped (identically, or by a block it would have to split) or the
 * walk lost too many races; -ENOMEM when @mc holds too few pages, in which
 * case nothing changed.
 */
int pgt_stage2_map(struct pgt *pgt, u64 addr, u64 size, u64 phys, u32 prot,
		   struct pgt_memcache *mc, u32 flags);

/**
 * pgt_stage2_set_owner() - annotate [@addr, @addr + @size) with an owner.
 * @pgt: a stage-2 tree (exclusive walk).
 * @addr: page-aligned IPA.
 * @size: page-aligned size.
 * @owner: 1..PGT_S2_OWNER_MAX, or 0 to remove annotations.
 * @mc: pages for new tables; NULL to allocate from the home directly.
 *
 * Every translation in the range is removed (break-before-make, TLB
 * invalidated) and replaced by invalid entries carrying @owner; parts of
 * blocks or annotations outside the range keep what they had.
 * Return: 0; -EINVAL for bad arguments or an owner out of range; -ERANGE;
 * -ENOMEM with nothing changed.
 */
int pgt_stage2_set_owner(struct pgt *pgt, u64 addr, u64 size, u32 owner,
			 struct pgt_memcache *mc);

/**
 * pgt_stage2_unmap() - remove every leaf and annotation meeting a range.
 * @pgt: a stage-2 tree (exclusive walk).
 * @addr: page-aligned IPA.
 * @size: page-aligned size.
 *
 * A block only partly inside the range is removed whole (as KVM does: the
 * guest refaults what it still needs).  Cacheable memory is cleaned to the
 * PoC first unless the tree uses FWB.  Tables left empty are freed.  The TLB
 * is invalidated once, by range, after the walk (per entry only if the home
 * has no @tlbi_range).
 * Return: 0, -EINVAL, -ERANGE.
 */
int pgt_stage2_unmap(struct pgt *pgt, u64 addr, u64 size);

/**
 * pgt_stage2_wrprotect() - remove write permission from every leaf meeting
 * the range, then invalidate the TLB for it by range.
 * @pgt: a stage-2 tree.
 * @addr: page-aligned IPA.
 * @size: page-aligned size.
 * Return: 0, -EINVAL, -ERANGE, -EAGAIN.
 */
int pgt_stage2_wrprotect(struct pgt *pgt, u64 addr, u64 size);

/**
 * pgt_stage2_wrprotect_unflushed() - remove write permission as
 * pgt_stage2_wrprotect() does, leaving the TLB invalidation to the caller.
 * @pgt: a stage-2 tree.
 * @addr: page-aligned IPA.
 * @size: page-aligned size.
 *
 * For a home that write-protects many ranges under one invalidation of
 * its own, as KVM does when it clears a dirty log (kvm_pgtable's
 * wrprotect leaves the TLB to its caller): a vCPU may keep writing through
 * a stale TLB entry until the caller invalidates [@addr, @addr + @size) or
 * the whole VMID, and the caller must do so before relying on the pages
 * being read-only.
 * Return: 0, -EINVAL, -ERANGE, -EAGAIN.
 */
int pgt_stage2_wrprotect_unflushed(struct pgt *pgt, u64 addr, u64 size);

/**
 * pgt_stage2_mkyoung() - set the access flag of the leaf mapping @addr.
 * @pgt: a stage-2 tree.
 * @addr: an IPA.
 * @flags: PGT_WALK_SHARED from a fault handler.
 * Return: 0; -ENOENT if nothing is mapped there; -ERANGE; -EAGAIN.
 */
int pgt_stage2_mkyoung(struct pgt *pgt, u64 addr, u32 flags);

/**
 * pgt_stage2_test_clear_young() - was any leaf meeting the range accessed?
 * @pgt: a stage-2 tree.
 * @addr: page-aligned IPA.
 * @size: page-aligned size.
 * @mkold: also clear the access flags (no TLB invalidation: a stale TLB
 *	entry only makes aging less precise).
 * @flags: PGT_WALK_SHARED.
 * Return: 1 if any was young, 0 if none, or -EINVAL, -ERANGE, -EAGAIN.
 */
int pgt_stage2_test_clear_young(struct pgt *pgt, u64 addr, u64 size, bool mkold, u32 flags);

/**
 * pgt_stage2_relax_perms() - add permissions to the leaf mapping @addr.
 * @pgt: a stage-2 tree.
 * @addr: an IPA.
 * @prot: any of PGT_PROT_R, W, X; never removes a permission.
 * @flags: PGT_WALK_SHARED from a fault handler.
 *
 * The leaf's TLB entry is invalidated so that the faulting vCPU does not
 * fault again on a stale, more restrictive entry.
 * Return: 0; -EINVAL for other prot bits, PX or UX alone without
 * PGT_S2_XNX, or execution of Device or Normal-NC memory; -ENOENT if
 * nothing is mapped; -ERANGE; -EAGAIN.
 */
int pgt_stage2_relax_perms(struct pgt *pgt, u64 addr, u32 prot, u32 flags);

/**
 * pgt_stage2_flush() - clean and invalidate to the PoC the memory of every
 * cacheable leaf meeting the range (whole leaves).  Nothing with FWB.
 * @pgt: a stage-2 tree.
 * @addr: page-aligned IPA.
 * @size: page-aligned size.
 * Return: 0, -EINVAL, -ERANGE.
 */
int pgt_stage2_flush(struct pgt *pgt, u64 addr, u64 size);

/**
 * pgt_stage2_split() - map every block meeting the range with pages.
 * @pgt: a stage-2 tree (exclusive walk).
 * @addr: page-aligned IPA.
 * @size: page-aligned size.
 * @mc: the pages the split tables come from; NULL to use the home.
 *
 * Each block is replaced, by break-before-make, with a subtree built off to
 * the side (pgt_stage2_create_unlinked()) that translates identically.  The
 * pages needed are counted first: if @mc holds too few, -ENOMEM and nothing
 * changed.
 * Return: 0, -EINVAL, -ERANGE, -ENOMEM.
 */
int pgt_stage2_split(struct pgt *pgt, u64 addr, u64 size, struct pgt_memcache *mc);

/**
 * pgt_stage2_create_unlinked() - build a detached subtree mapping one
 * block's worth of memory.
 * @pgt: the tree the subtree is for (granule, attributes).
 * @phys: PA of the block, aligned to the size of an entry at @level.
 * @level: the level of the block the subtree stands for.
 * @prot: the mapping's permissions.
 * @mc: pages to build it from; NULL to use the home.
 * @force_pages: map with pages only, rather than the largest blocks.
 * @table: receives the subtree's top table (at @level + 1).
 *
 * Free it with pgt_unlinked_free() if it is not installed.
 * Return: 0; -EINVAL for a bad level, alignment or prot; -ENOMEM with
 * nothing allocated.
 */
int pgt_stage2_create_unlinked(struct pgt *pgt, u64 phys, pgt_s8 level, u32 prot,
			       struct pgt_memcache *mc, bool force_pages, pgt_pte_t **table);

/* ---- The pKVM host's stage 2 (lib/host.c) ---- */

/**
 * struct pgt_mem_region - a range of the host's physical memory.
 * @base: page-aligned start.
 * @size: page-aligned size.
 */
struct pgt_mem_region {
	u64 base;
	u64 size;
};

/**
 * struct pgt_host - the pKVM host's identity-mapped stage 2.
 * @pgt: the stage-2 tree, set up with pgt_stage2_init().
 * @regions: the host's memory, sorted by base, not overlapping; everything
 *	between and around them is MMIO.
 * @nr_regions: how many.
 * @mem_pool: pages for the tables of memory mappings.
 * @dev_pool: pages for the tables of device mappings.
 */
struct pgt_host {
	struct pgt *pgt;
	const struct pgt_mem_region *regions;
	u32 nr_regions;
	struct pgt_memcache *mem_pool;
	struct pgt_memcache *dev_pool;
};

/**
 * struct pgt_host_range - what one host fault will map.
 * @start: first address (identity mapped: IPA == PA).
 * @end: end, exclusive.
 * @is_memory: memory (Normal, RWX) rather than MMIO (Device, RW).
 */
struct pgt_host_range {
	u64 start;
	u64 end;
	bool is_memory;
};

/**
 * pgt_host_find_range() - the largest block around @addr a host fault may map.
 * @host: the host's stage 2.
 * @addr: the faulting address.
 * @range: filled in on success.
 *
 * The range is the largest block-aligned range around @addr that lies inside
 * one memory region (or one MMIO gap) and inside the invalid entry where a
 * lookup of @addr stops, so that it overlaps nothing already mapped or
 * annotated.  Documentation/host.rst says exactly how it is narrowed.  The
 * caller holds its lock from this call until pgt_host_map_range() returns.
 *
 * Return: 0; -EAGAIN if @addr is already mapped; -EPERM if it is annotated
 * with an owner (the host may not map it); -ERANGE beyond the IPA size;
 * -EINVAL for unaligned regions.
 */
int pgt_host_find_range(struct pgt_host *host, u64 addr, struct pgt_host_range *range);

/**
 * pgt_host_map_range() - identity-map a range pgt_host_find_range() found.
 * @host: the host's stage 2.
 * @range: the range, unchanged since it was found, under the same lock.
 *
 * Memory is mapped RWX Normal from @mem_pool, MMIO RW Device from @dev_pool.
 * When the device pool runs dry, every device mapping is dropped (the host
 * faults them back in on demand), their freed tables refill the device pool,
 * and the map is tried once more; the range stays valid across that, since
 * dropping mappings only frees space.
 *
 * Return: 0; -ENOMEM if the pool (still) holds too few pages; the errors of
 * pgt_stage2_map().
 */
int pgt_host_map_range(struct pgt_host *host, const struct pgt_host_range *range);

/**
 * pgt_host_idmap() - handle a host stage-2 fault at @addr: find, then map.
 * @host: the host's stage 2; the caller holds its lock.
 * @addr: the faulting address.
 * Return: see pgt_host_find_range() and pgt_host_map_range().
 */
int pgt_host_idmap(struct pgt_host *host, u64 addr);

#include "pgtable_vm.h"
#endif /* PGTABLE_H */
