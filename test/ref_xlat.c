// SPDX-License-Identifier: GPL-2.0-only
/*
 * ref_xlat.c - an independent reference translator for VMSAv8-64 tables.
 *
 * Written from the architecture's description of the translation table walk,
 * not from the library: the tests only learn something when the two disagree,
 * so nothing here may come from /work/main/lib or /work/main/include.
 */
#include <stdlib.h>
#include <string.h>

#include "ref_xlat.h"

#define BIT64(n)		(1ull << (n))
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
/* Bits h..l inclusive; h <= 63, l <= h. */
#define MASK64(h, l)		((~0ull >> (63 - (h))) & (~0ull << (l)))

/* Fields shared by TCR_EL2 (both formats) and VTCR_EL2. */
#define CTRL_T0SZ(c)		((unsigned int)((c) & 0x3f))
#define CTRL_SH0(c)		((int)(((c) >> 12) & 3))
#define CTRL_TG0(c)		((unsigned int)(((c) >> 14) & 3))
/* TCR_EL2 without E2H and VTCR_EL2: PS at 18:16, DS at bit 32. */
#define CTRL_PS(c)		((unsigned int)(((c) >> 16) & 7))
#define CTRL_DS			BIT64(32)
#define VTCR_SL0(c)		((unsigned int)(((c) >> 6) & 3))
#define VTCR_SL2		BIT64(33)
#define TCR_EL2_TBI		BIT64(20)
/* TCR_EL2 with HCR_EL2.E2H=1 has TCR_EL1's layout. */
#define TCR_E2H_EPD0		BIT64(7)
#define TCR_E2H_EPD1		BIT64(23)
#define TCR_E2H_IPS(c)		((unsigned int)(((c) >> 32) & 7))
#define TCR_E2H_TBI0		BIT64(37)
#define TCR_E2H_DS		BIT64(59)

/*
 * The input size is at most 48 bits, or 52 with FEAT_LVA (64K) or DS=1
 * (FEAT_LPA2, 4K and 16K).  It is at least 25 bits, except that FEAT_TTST
 * lets stage 1 go down to 16 bits (4K, 16K) or 17 bits (64K); this
 * translator models a CPU with FEAT_TTST.
 */
#define T0SZ_MIN		16
#define T0SZ_MIN_52		12
#define T0SZ_MAX		39
#define S1_TTST_T0SZ_MAX	48
#define S1_TTST_T0SZ_MAX_64K	47

#define DESC_VALID		BIT64(0)
#define DESC_TABLE		BIT64(1)	/* table (L0-2) or page (L3) */
#define DESC_ATTRINDX(d)	((unsigned int)(((d) >> 2) & 7))
#define DESC_MEMATTR(d)		((unsigned int)(((d) >> 2) & 0xf))
#define DESC_S2AP_R		BIT64(6)
#define DESC_S2AP_W		BIT64(7)
#define DESC_AP2_RO		BIT64(7)
#define DESC_AP1_EL0		BIT64(6)	/* EL2&0: EL0 may access */
#define DESC_SH(d)		((int)(((d) >> 8) & 3))
#define DESC_AF			BIT64(10)
#define DESC_NG			BIT64(11)
#define DESC_PXN		BIT64(53)	/* EL2&0 stage 1 */
#define DESC_XN			BIT64(54)	/* UXN in the EL2&0 regime */
#define DESC_S2_XN(d)		((unsigned int)(((d) >> 53) & 3))
#define DESC_SW(d)		((unsigned int)(((d) >> 55) & 0xf))
#define DESC_PXNTABLE		BIT64(59)	/* EL2&0 */
#define DESC_XNTABLE		BIT64(60)	/* UXNTable in the EL2&0 regime */
#define DESC_APTABLE_NO_EL0	BIT64(61)	/* APTable[0], EL2&0 */
#define DESC_APTABLE_RO		BIT64(62)	/* APTable[1] */

/* The walk geometry derived from the registers. */
struct xcfg {
	const struct ref_regime *rg;
	unsigned int gshift;	/* granule: 12, 14, 16 */
	unsigned int stride;	/* input bits per level: gshift - 3 */
	unsigned int ia_bits;
	unsigned int oa_bits;
	unsigned int root_bits;	/* input bits resolved at the start level */
	int start;
	bool e2h;		/* stage 1 in the EL2&0 format */
	bool ds;		/* FEAT_LPA2's descriptor format */
	bool oa52;		/* descriptors and TTBR carry OA[51:48] */
	uint64_t root;
};

/* Stage 1 table attributes inherited by everything below a table descriptor. */
struct hier {
	bool ro, xn, pxn, no_el0;
};

enum dkind {
	DK_INVALID,	/* bit 0 clear */
	DK_TABLE,
	DK_LEAF,
	DK_RESERVED,	/* valid but a translation fault: L3 0b01, block too high */
	DK_ADDR_SIZE,	/* table or output address beyond PS */
	DK_UNREADABLE,	/* the entry could not be read: external abort */
	DK_ROOT,	/* synthetic: the root, before the walk starts */
};

static unsigned int level_shift(const struct xcfg *c, int level)
{
	return c->gshift + (unsigned int)(3 - level) * c->stride;
}

static uint64_t root_bytes(const struct xcfg *c)
{
	return BIT64(c->root_bits + 3);
}

static int granule_shift(uint64_t ctrl)
{
	switch (CTRL_TG0(ctrl)) {
	case 0:
		return 12;
	case 1:
		return 16;
	case 2:
		return 14;
	}
	return -1;	/* 0b11 is reserved */
}

/* A start level no encoding names. */
#define START_BAD		(-100)

/*
 * 0b110 is 52 bits with a 64K granule (FEAT_LPA) or with DS=1 (FEAT_LPA2);
 * with 4K or 16K and DS=0 it acts as 48.  0b111 is reserved: 48 here.
 */
static unsigned int ps_bits(const struct xcfg *c)
{
	static const unsigned char bits[8] = { 32, 36, 40, 42, 44, 48, 52, 48 };
	uint64_t ctrl = c->rg->ctrl;
	unsigned int ps = c->e2h ? TCR_E2H_IPS(ctrl) : CTRL_PS(ctrl);

	if (bits[ps] == 52 && c->gshift != 16 && !c->ds)
		return 48;
	return bits[ps];
}

/* DS is RES0 with a 64K granule, whose 52-bit format (FEAT_LPA) needs no switch. */
static bool ctrl_ds(const struct xcfg *c)
{
	uint64_t ds = c->e2h ? TCR_E2H_DS : CTRL_DS;

	return c->gshift != 16 && (c->rg->ctrl & ds);
}

/* Stage 1: the fewest levels that resolve every input bit above the page offset. */
static int s1_start_level(const struct xcfg *c)
{
	unsigned int levels = (c->ia_bits - c->gshift + c->stride - 1) / c->stride;

	return 4 - (int)levels;
}

/*
 * Stage 2: SL0 counts back from the deepest start level (2 for 4K, 3 for
 * 16K and 64K).  With DS=1, 16K's 0b11 is level 0 and 4K's SL2=1, SL0=0
 * is level -1; 4K's 0b11 (level 3, FEAT_TTST) is not modelled.
 */
static int s2_start_level(const struct xcfg *c)
{
	unsigned int sl0 = VTCR_SL0(c->rg->ctrl);
	bool sl2 = c->ds && c->gshift == 12 && (c->rg->ctrl & VTCR_SL2);

	if (sl2)
		return sl0 == 0 ? -1 : START_BAD;
	if (sl0 == 3)
		return c->gshift == 14 && c->ds ? 0 : START_BAD;
	return (c->gshift == 12 ? 2 : 3) - (int)sl0;
}

static unsigned int t0sz_min(const struct xcfg *c)
{
	return c->ds || c->gshift == 16 ? T0SZ_MIN_52 : T0SZ_MIN;
}

static unsigned int t0sz_max(const struct ref_regime *rg, int gshift)
{
	if (rg->stage != 1)
		return T0SZ_MAX;
	return gshift == 16 ? S1_TTST_T0SZ_MAX_64K : S1_TTST_T0SZ_MAX;
}

/* BADDR[51:48] sits in TTBR bits 5:2 whenever descriptors carry OA[51:48]. */
static uint64_t ttbr_baddr(const struct xcfg *c)
{
	uint64_t ttbr = c->rg->ttbr;

	if (!c->oa52)
		return ttbr & MASK64(47, 1);
	return (ttbr & MASK64(47, 6)) | ((ttbr >> 2) & 0xf) << 48;
}

/* Only TTBR0_EL2 is modelled: an EL2&0 regime must keep TTBR1_EL2 walks off. */
static bool e2h_unsupported(const struct xcfg *c)
{
	return c->e2h && !(c->rg->ctrl & TCR_E2H_EPD1);
}

static int cfg_init(const struct ref_regime *rg, struct xcfg *c)
{
	int g = granule_shift(rg->ctrl);
	unsigned int t0sz = CTRL_T0SZ(rg->ctrl);
	unsigned int max_root_bits;

	if (g < 0 || t0sz > t0sz_max(rg, g) || !rg->read64 ||
	    (rg->stage != 1 && rg->stage != 2))
		return -1;
	c->rg = rg;
	c->gshift = (unsigned int)g;
	c->stride = c->gshift - 3;
	c->e2h = rg->stage == 1 && rg->e2h;
	c->ds = ctrl_ds(c);
	c->oa_bits = ps_bits(c);
	c->oa52 = c->ds || (c->gshift == 16 && c->oa_bits == 52);
	if (t0sz < t0sz_min(c) || e2h_unsupported(c))
		return -1;
	c->ia_bits = 64 - t0sz;
	c->start = rg->stage == 1 ? s1_start_level(c) : s2_start_level(c);
	if (c->start == START_BAD || c->ia_bits <= level_shift(c, c->start))
		return -1;
	c->root_bits = c->ia_bits - level_shift(c, c->start);
	/* Stage 2 may concatenate up to 16 tables at the start level. */
	max_root_bits = c->stride + (rg->stage == 2 ? 4 : 0);
	if (c->root_bits > max_root_bits)
		return -1;
	c->root = ttbr_baddr(c);
	/* The base must be aligned to the (possibly concatenated) table size. */
	if (c->root & (root_bytes(c) - 1))
		return -1;
	return 0;
}

static bool pa_out_of_range(const struct xcfg *c, uint64_t pa)
{
	return c->oa_bits < 64 && (pa >> c->oa_bits) != 0;
}

/*
 * The output (or next-level table) address of @desc whose low @shift bits
 * are offset: bits 47:shift, and OA[51:48] in bits 15:12 (64K with 52-bit
 * PS) or OA[49:48] in place and OA[51:50] in bits 9:8 (DS=1).
 */
static uint64_t desc_oa(const struct xcfg *c, uint64_t desc, unsigned int shift)
{
	if (c->ds)
		return (desc & MASK64(49, shift)) | ((desc >> 8) & 3) << 50;
	if (c->oa52)
		return (desc & MASK64(47, shift)) | ((desc >> 12) & 0xf) << 48;
	return desc & MASK64(47, shift);
}

/* Table and output addresses share the check against PS. */
static bool desc_addr_out_of_range(const struct xcfg *c, uint64_t desc)
{
	/* With a 64K granule bits 15:12 hold OA[51:48], impossible below 52 bits. */
	if (c->gshift == 16 && !c->oa52 && (desc & MASK64(15, 12)))
		return true;
	return pa_out_of_range(c, desc_oa(c, desc, c->gshift));
}

/*
 * The coarsest level a block may sit at: 4K level 1 (level 0 with DS=1),
 * 16K level 2 (1 with DS=1), 64K level 2 (1 with 52-bit PS, FEAT_LPA).
 */
static int first_block_level(const struct xcfg *c)
{
	if (c->gshift == 12)
		return c->ds ? 0 : 1;
	if (c->gshift == 14)
		return c->ds ? 1 : 2;
	return c->oa52 ? 1 : 2;
}

static enum dkind classify(const struct xcfg *c, int level, uint64_t desc)
{
	bool table_bit = desc & DESC_TABLE;

	if (!(desc & DESC_VALID))
		return DK_INVALID;
	if (!table_bit && (level == 3 || level < first_block_level(c)))
		return DK_RESERVED;
	if (desc_addr_out_of_range(c, desc))
		return DK_ADDR_SIZE;
	return (level < 3 && table_bit) ? DK_TABLE : DK_LEAF;
}

static uint64_t table_addr(const struct xcfg *c, uint64_t desc)
{
	return desc_oa(c, desc, c->gshift);
}

static bool read_desc(const struct xcfg *c, uint64_t table, uint64_t idx, uint64_t *desc)
{
	return c->rg->read64(c->rg->ctx, table + idx * 8, desc);
}

/* ---- memory attributes ---- */

static bool mt_is_device(enum ref_memtype mt)
{
	return mt <= REF_MT_DEVICE_GRE;
}

/* Normal memory: the result is as weak as the weaker of inner and outer. */
static enum ref_memtype combine_cache(enum ref_memtype outer, enum ref_memtype inner)
{
	if (outer == REF_MT_RESERVED || inner == REF_MT_RESERVED)
		return REF_MT_RESERVED;
	if (outer == REF_MT_NORMAL_NC || inner == REF_MT_NORMAL_NC)
		return REF_MT_NORMAL_NC;
	if (outer == REF_MT_NORMAL_WB && inner == REF_MT_NORMAL_WB)
		return REF_MT_NORMAL_WB;
	return REF_MT_NORMAL_WT;
}

/* One MAIR nibble of Normal memory: 0100 NC, x1RW WB, x0RW WT (0000 reserved). */
static enum ref_memtype mair_nibble(unsigned int n)
{
	if (n == 0x4)
		return REF_MT_NORMAL_NC;
	if (n == 0)
		return REF_MT_RESERVED;
	return (n & 0x4) ? REF_MT_NORMAL_WB : REF_MT_NORMAL_WT;
}

static enum ref_memtype mair_decode(unsigned int attr)
{
	unsigned int outer = attr >> 4, inner = attr & 0xf;

	if (outer == 0) {
		/* 0b0000dd00: Device, dd the type; other low bits are reserved. */
		if (inner & 3)
			return REF_MT_RESERVED;
		return (enum ref_memtype)(REF_MT_DEVICE_nGnRnE + (inner >> 2));
	}
	/* Inner 0000 is only defined by FEAT_XS (0x40, 0xa0) and FEAT_MTE (0xf0). */
	switch (attr) {
	case 0x40:
		return REF_MT_NORMAL_NC;
	case 0xa0:
		return REF_MT_NORMAL_WT;
	case 0xf0:
		return REF_MT_NORMAL_WB;
	}
	return combine_cache(mair_nibble(outer), mair_nibble(inner));
}

/* Stage 2 MemAttr cacheability field: 00 reserved, 01 NC, 10 WT, 11 WB. */
static enum ref_memtype s2_cache(unsigned int v)
{
	static const enum ref_memtype mt[4] = {
		REF_MT_RESERVED, REF_MT_NORMAL_NC, REF_MT_NORMAL_WT, REF_MT_NORMAL_WB,
	};

	return mt[v & 3];
}

static enum ref_memtype s2_memattr(unsigned int ma, bool fwb)
{
	if (fwb) {
		/* FEAT_S2FWB: MemAttr[3] ignored, MemAttr[2] selects Normal. */
		if (!(ma & 4))
			return (enum ref_memtype)(REF_MT_DEVICE_nGnRnE + (ma & 3));
		if ((ma & 3) == 0)
			return REF_MT_RESERVED;
		return (ma & 3) == 1 ? REF_MT_NORMAL_NC : REF_MT_NORMAL_WB;
	}
	if ((ma >> 2) == 0)
		return (enum ref_memtype)(REF_MT_DEVICE_nGnRnE + (ma & 3));
	return combine_cache(s2_cache(ma >> 2), s2_cache(ma));
}

/* ---- single-address translation ---- */

/*
 * The EL2&0 regime has an EL0 half: AP[1] grants EL0 access, PXN and UXN
 * govern each level's execution, and memory EL0 can write is never
 * executable at EL2.
 */
static void s1_e2h_perms(uint64_t desc, const struct hier *h, struct ref_result *res)
{
	bool ro = (desc & DESC_AP2_RO) || h->ro;

	res->r = true;
	res->w = !ro;
	res->ur = (desc & DESC_AP1_EL0) && !h->no_el0;
	res->uw = res->ur && !ro;
	res->x = !(desc & DESC_PXN) && !h->pxn && !res->uw;
	res->ux = !(desc & DESC_XN) && !h->xn;
	res->ng = desc & DESC_NG;
}

static void s1_attrs(const struct xcfg *c, uint64_t desc, const struct hier *h,
		     struct ref_result *res)
{
	unsigned int attr = (unsigned int)(c->rg->mair >> (8 * DESC_ATTRINDX(desc))) & 0xff;

	res->mt = mair_decode(attr);
	if (c->e2h) {
		s1_e2h_perms(desc, h, res);
		return;
	}
	/* EL2 has no EL0 half: AP[1] is RES1, so only AP[2] (read-only) matters. */
	res->r = true;
	res->w = !(desc & DESC_AP2_RO) && !h->ro;
	res->x = !(desc & DESC_XN) && !h->xn;
}

/*
 * XN[1:0] with FEAT_XNX: 00 both ELs execute, 01 only EL0, 10 neither,
 * 11 only EL1.  Without it bit 53 is RES0; any set bit is read strictly,
 * as forbidding execution everywhere.
 */
static void s2_exec(const struct xcfg *c, uint64_t desc, struct ref_result *res)
{
	unsigned int xn = DESC_S2_XN(desc);

	if (!c->rg->xnx) {
		res->x = !xn;
		res->ux = res->x;
		return;
	}
	res->x = xn == 0 || xn == 3;
	res->ux = xn == 0 || xn == 1;
}

static void s2_attrs(const struct xcfg *c, uint64_t desc, struct ref_result *res)
{
	res->mt = s2_memattr(DESC_MEMATTR(desc), c->rg->fwb);
	/* Stage 2 grants EL0 and EL1 alike. */
	res->r = desc & DESC_S2AP_R;
	res->ur = res->r;
	res->w = desc & DESC_S2AP_W;
	res->uw = res->w;
	s2_exec(c, desc, res);
}

static void fill_leaf(const struct xcfg *c, uint64_t ia, uint64_t desc, const struct hier *h,
		      struct ref_result *res)
{
	unsigned int shift = level_shift(c, res->level);

	res->leaf_size = BIT64(shift);
	res->pa = desc_oa(c, desc, shift) | (ia & (res->leaf_size - 1));
	/* With DS=1 bits 9:8 are OA[51:50]: the control register's SH0 applies. */
	res->shareability = c->ds ? CTRL_SH0(c->rg->ctrl) : DESC_SH(desc);
	res->af = desc & DESC_AF;
	res->sw = DESC_SW(desc);
	if (c->rg->stage == 1)
		s1_attrs(c, desc, h, res);
	else
		s2_attrs(c, desc, res);
	/* Instruction fetch from Device memory is never allowed here. */
	if (mt_is_device(res->mt)) {
		res->x = false;
		res->ux = false;
	}
}

/*
 * Only stage 1 consults these: stage 2 table descriptors carry no such
 * attributes.  PXNTable and APTable[0] exist only in the EL2&0 regime.
 */
static void hier_add(const struct xcfg *c, uint64_t desc, struct hier *h)
{
	h->ro |= !!(desc & DESC_APTABLE_RO);
	h->xn |= !!(desc & DESC_XNTABLE);
	if (!c->e2h)
		return;
	h->pxn |= !!(desc & DESC_PXNTABLE);
	h->no_el0 |= !!(desc & DESC_APTABLE_NO_EL0);
}

static const enum ref_fault dkind_fault[DK_ROOT + 1] = {
	[DK_INVALID] = REF_FAULT_TRANSLATION,
	[DK_RESERVED] = REF_FAULT_TRANSLATION,
	[DK_ADDR_SIZE] = REF_FAULT_ADDRESS_SIZE,
	[DK_UNREADABLE] = REF_FAULT_EXTERNAL,
};

static void walk_one(const struct xcfg *c, uint64_t ia, struct ref_result *res)
{
	uint64_t table = c->root;
	unsigned int nbits = c->root_bits;
	struct hier h = { false, false, false, false };
	enum dkind kind = DK_INVALID;

	for (res->level = c->start;; res->level++) {
		uint64_t idx = (ia >> level_shift(c, res->level)) & (BIT64(nbits) - 1);

		if (!read_desc(c, table, idx, &res->desc)) {
			res->desc = 0;	/* whatever the callback left there is not a descriptor */
			res->fault = REF_FAULT_EXTERNAL;
			return;
		}
		kind = classify(c, res->level, res->desc);
		if (kind != DK_TABLE)
			break;
		hier_add(c, res->desc, &h);
		table = table_addr(c, res->desc);
		nbits = c->stride;
	}
	if (kind == DK_LEAF)
		fill_leaf(c, ia, res->desc, &h, res);
	else
		res->fault = dkind_fault[kind];
}

static bool access_allowed(const struct ref_result *res, enum ref_access access)
{
	switch (access) {
	case REF_ACC_READ:
		return res->r;
	case REF_ACC_WRITE:
		return res->w;
	case REF_ACC_EXEC:
		return res->x;
	case REF_ACC_READ_EL0:
		return res->ur;
	case REF_ACC_WRITE_EL0:
		return res->uw;
	case REF_ACC_EXEC_EL0:
		return res->ux;
	default:
		return true;
	}
}

int ref_translate(const struct ref_regime *rg, uint64_t ia, enum ref_access access,
		  struct ref_result *res)
{
	struct xcfg c;

	memset(res, 0, sizeof(*res));
	res->fault = REF_FAULT_TRANSLATION;	/* level 0 until the walk says otherwise */
	if (cfg_init(rg, &c))
		return -1;
	/* TCR_EL2.TBI (TBI0 with E2H): the top byte takes no part in the range check. */
	if (rg->stage == 1 && (rg->ctrl & (c.e2h ? TCR_E2H_TBI0 : TCR_EL2_TBI)))
		ia &= MASK64(55, 0);
	if (ia >> c.ia_bits || (c.e2h && (rg->ctrl & TCR_E2H_EPD0)))
		return 0;
	if (pa_out_of_range(&c, c.root)) {
		res->fault = REF_FAULT_ADDRESS_SIZE;
		return 0;
	}
	res->fault = REF_OK;
	walk_one(&c, ia, res);
	/* Access flag before permission: the priority the architecture gives them. */
	if (res->fault == REF_OK && !res->af)
		res->fault = REF_FAULT_ACCESS_FLAG;
	else if (res->fault == REF_OK && !access_allowed(res, access))
		res->fault = REF_FAULT_PERMISSION;
	return 0;
}

/* ---- whole-table iteration ---- */

#define WALK_STOP	(-1)
#define WALK_SKIP	1	/* from a visitor: do not descend into this table */

struct entry {
	uint64_t ia;
	int level;
	uint64_t desc;
	enum dkind kind;
};

/* Sorted set of page addresses, so shared tables are counted once. */
struct pageset {
	uint64_t *v;
	size_t n, cap;
};

struct iter {
	const struct xcfg *c;
	int (*visit)(struct iter *it, const struct entry *e);
	int (*leaf_cb)(void *arg, const struct ref_mapping *m);
	int (*inv_cb)(void *arg, uint64_t ia, int level, uint64_t desc);
	int (*bad_cb)(void *arg, uint64_t ia, int level, uint64_t desc, enum ref_fault f);
	void *arg;
	long count;
	bool oom;
	struct pageset seen;
};

static int walk_table(struct iter *it, uint64_t table, int level, unsigned int nbits,
		      uint64_t ia_base)
{
	const struct xcfg *c = it->c;
	unsigned int shift = level_shift(c, level);
	uint64_t i;

	for (i = 0; i < BIT64(nbits); i++) {
		struct entry e = { .ia = ia_base + (i << shift), .level = level };
		int ret;

		if (!read_desc(c, table, i, &e.desc)) {
			/* Report once and give up on the table: the rest is unreadable too. */
			e.kind = DK_UNREADABLE;
			e.desc = 0;
			return it->visit(it, &e) < 0 ? WALK_STOP : 0;
		}
		e.kind = classify(c, level, e.desc);
		ret = it->visit(it, &e);
		if (ret < 0)
			return WALK_STOP;
		if (e.kind == DK_TABLE && ret != WALK_SKIP &&
		    walk_table(it, table_addr(c, e.desc), level + 1, c->stride, e.ia) < 0)
			return WALK_STOP;
	}
	return 0;
}

static long iterate(const struct ref_regime *rg, struct iter *it)
{
	struct xcfg c;
	struct entry e = { 0 };

	if (cfg_init(rg, &c))
		return -1;
	it->c = &c;
	if (pa_out_of_range(&c, c.root)) {
		e.kind = DK_ADDR_SIZE;
		it->visit(it, &e);
		return it->count;
	}
	e.kind = DK_ROOT;
	e.level = c.start;
	e.desc = c.root;
	if (it->visit(it, &e) >= 0)
		walk_table(it, c.root, c.start, c.root_bits, 0);
	return it->oom ? -1 : it->count;
}

static int visit_leaf(struct iter *it, const struct entry *e)
{
	struct ref_mapping m;
	unsigned int shift;

	if (e->kind != DK_LEAF)
		return 0;
	shift = level_shift(it->c, e->level);
	m.ia = e->ia;
	m.size = BIT64(shift);
	m.pa = desc_oa(it->c, e->desc, shift);
	m.desc = e->desc;
	m.level = e->level;
	it->count++;
	return it->leaf_cb && it->leaf_cb(it->arg, &m) ? WALK_STOP : 0;
}

long ref_visit_leaves(const struct ref_regime *rg,
		      int (*cb)(void *arg, const struct ref_mapping *m), void *arg)
{
	struct iter it = { .visit = visit_leaf, .leaf_cb = cb, .arg = arg };

	return iterate(rg, &it);
}

static int visit_invalid(struct iter *it, const struct entry *e)
{
	if (e->kind != DK_INVALID || e->desc == 0)
		return 0;
	it->count++;
	return it->inv_cb && it->inv_cb(it->arg, e->ia, e->level, e->desc) ? WALK_STOP : 0;
}

long ref_visit_invalid_nonzero(const struct ref_regime *rg,
			       int (*cb)(void *arg, uint64_t ia, int level, uint64_t desc),
			       void *arg)
{
	struct iter it = { .visit = visit_invalid, .inv_cb = cb, .arg = arg };

	return iterate(rg, &it);
}

static int visit_bad(struct iter *it, const struct entry *e)
{
	enum ref_fault f;

	if (e->kind != DK_RESERVED && e->kind != DK_ADDR_SIZE && e->kind != DK_UNREADABLE)
		return 0;
	f = dkind_fault[e->kind];
	it->count++;
	return it->bad_cb && it->bad_cb(it->arg, e->ia, e->level, e->desc, f) ? WALK_STOP : 0;
}

long ref_visit_bad_entries(const struct ref_regime *rg,
			   int (*cb)(void *arg, uint64_t ia, int level, uint64_t desc,
				     enum ref_fault fault),
			   void *arg)
{
	struct iter it = { .visit = visit_bad, .bad_cb = cb, .arg = arg };

	return iterate(rg, &it);
}

/* Returns 1 if @pa was added, 0 if already present, -1 without memory. */
static int pageset_add(struct pageset *s, uint64_t pa)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid] == pa)
			return 0;
		if (s->v[mid] < pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	memmove(&s->v[lo + 1], &s->v[lo], (s->n - lo) * sizeof(*s->v));
	s->v[lo] = pa;
	s->n++;
	return 1;
}

/* Count @pa's page if new; WALK_SKIP if it was seen before (its subtree too). */
static int count_page(struct iter *it, uint64_t pa)
{
	int ret = pageset_add(&it->seen, pa & ~(BIT64(it->c->gshift) - 1));

	if (ret < 0) {
		it->oom = true;
		return WALK_STOP;
	}
	it->count += ret;
	return ret ? 0 : WALK_SKIP;
}

static int visit_count(struct iter *it, const struct entry *e)
{
	const struct xcfg *c = it->c;
	uint64_t off;

	if (e->kind == DK_TABLE)
		return count_page(it, table_addr(c, e->desc));
	if (e->kind != DK_ROOT)
		return 0;
	/* A root smaller than a page still occupies (at least part of) one page. */
	for (off = 0; off < root_bytes(c); off += BIT64(c->gshift))
		if (count_page(it, e->desc + off) == WALK_STOP)
			return WALK_STOP;
	return 0;
}

long ref_count_tables(const struct ref_regime *rg)
{
	struct iter it = { .visit = visit_count };
	long ret = iterate(rg, &it);

	free(it.seen.v);
	return ret;
}

int ref_regime_info(const struct ref_regime *rg, struct ref_regime_info *info)
{
	struct xcfg c;

	memset(info, 0, sizeof(*info));
	if (cfg_init(rg, &c))
		return -1;
	info->granule_shift = c.gshift;
	info->ia_bits = c.ia_bits;
	info->oa_bits = c.oa_bits;
	info->ds = c.ds;
	info->start_level = c.start;
	info->root_bits = c.root_bits;
	info->root_entries = BIT64(c.root_bits);
	info->root_pages = c.root_bits > c.stride ? 1u << (c.root_bits - c.stride) : 1;
	info->root_pa = c.root;
	return 0;
}

const char *ref_fault_str(enum ref_fault fault)
{
	static const char *const names[] = {
		[REF_OK] = "ok",
		[REF_FAULT_TRANSLATION] = "translation fault",
		[REF_FAULT_ACCESS_FLAG] = "access flag fault",
		[REF_FAULT_PERMISSION] = "permission fault",
		[REF_FAULT_ADDRESS_SIZE] = "address size fault",
		[REF_FAULT_EXTERNAL] = "external abort on walk",
	};

	if ((unsigned int)fault >= ARRAY_SIZE(names))
		return "?";
	return names[fault];
}

const char *ref_memtype_str(enum ref_memtype mt)
{
	static const char *const names[] = {
		[REF_MT_DEVICE_nGnRnE] = "Device-nGnRnE",
		[REF_MT_DEVICE_nGnRE] = "Device-nGnRE",
		[REF_MT_DEVICE_nGRE] = "Device-nGRE",
		[REF_MT_DEVICE_GRE] = "Device-GRE",
		[REF_MT_NORMAL_NC] = "Normal-NC",
		[REF_MT_NORMAL_WT] = "Normal-WT",
		[REF_MT_NORMAL_WB] = "Normal-WB",
		[REF_MT_RESERVED] = "reserved",
	};

	if ((unsigned int)mt >= ARRAY_SIZE(names))
		return "?";
	return names[mt];
}
