// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ref_xlat.c - cmocka tests for the reference translator itself.
 *
 * Every table here is written by hand into a small fake physical memory, with
 * indices and output addresses worked out from the architecture, so that the
 * reference is checked against the Arm ARM rather than against itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ref_xlat.h"

#define MEM_BASE	0x40000000ull
#define MEM_SIZE	(8ull << 20)

#define TG_4K		0
#define TG_64K		1
#define TG_16K		2
#define PS_32		0
#define PS_36		1
#define PS_40		2
#define PS_48		5
#define PS_52		6

#define CTRL(t0sz, tg, ps) \
	((uint64_t)(t0sz) | ((uint64_t)(tg) << 14) | ((uint64_t)(ps) << 16))
#define VCTRL(t0sz, sl0, tg, ps)	(CTRL(t0sz, tg, ps) | ((uint64_t)(sl0) << 6))
#define TCR_TBI		(1ull << 20)
/* TCR_EL2 (E2H=0) and VTCR_EL2: DS; VTCR_EL2: SL2; TCR_EL2 (E2H=1): DS. */
#define DS		(1ull << 32)
#define SL2		(1ull << 33)
#define E2H_DS		(1ull << 59)
#define E2H_EPD0	(1ull << 7)
#define E2H_EPD1	(1ull << 23)
/* TCR_EL2 in the EL2&0 format: IPS at 34:32, TTBR1 walks off. */
#define E2H_CTRL(t0sz, tg, ips) \
	((uint64_t)(t0sz) | ((uint64_t)(tg) << 14) | ((uint64_t)(ips) << 32) | E2H_EPD1)

#define D_AF		(1ull << 10)
#define TABLE(pa)	((uint64_t)(pa) | 3)
#define BLOCK(pa)	((uint64_t)(pa) | 1 | D_AF)
#define PAGE(pa)	((uint64_t)(pa) | 3 | D_AF)
#define ATTR(i)		((uint64_t)(i) << 2)
#define SH(v)		((uint64_t)(v) << 8)
#define SW(v)		((uint64_t)(v) << 55)
#define AP_RO		(1ull << 7)
#define XN		(1ull << 54)
#define PXN		(1ull << 53)
#define AP_EL0		(1ull << 6)
#define NG		(1ull << 11)
#define XNTABLE		(1ull << 60)
#define APTABLE0	(1ull << 61)
#define APTABLE1	(1ull << 62)
#define PXNTABLE	(1ull << 59)
#define S2_R		(1ull << 6)
#define S2_W		(1ull << 7)
#define S2_RW		(S2_R | S2_W)
#define S2_XN(v)	((uint64_t)(v) << 53)
#define S2_MA(v)	((uint64_t)(v) << 2)
#define S2_WB		S2_MA(0xf)

/* MAIR_EL2: index 0 Normal WB, index 1 Device-nGnRE. */
#define MAIR_DEF	0x04ffull

#define SZ_4K		0x1000ull
#define SZ_16K		0x4000ull
#define SZ_64K		0x10000ull
#define SZ_2M		0x200000ull
#define SZ_32M		0x2000000ull
#define SZ_512M		0x20000000ull
#define SZ_1G		0x40000000ull

struct fmem {
	uint8_t *buf;
	uint64_t next;	/* bump allocator, offset from MEM_BASE */
	uint64_t high;	/* PA[51:48] of the memory: it sits at high | MEM_BASE */
};

#define PA_LOW		((1ull << 48) - 1)

static bool fmem_read(void *ctx, uint64_t pa, uint64_t *val)
{
	struct fmem *m = ctx;

	if ((pa & ~PA_LOW) != m->high)
		return false;
	pa &= PA_LOW;
	if (pa < MEM_BASE || pa - MEM_BASE > MEM_SIZE - 8 || (pa & 7))
		return false;
	memcpy(val, m->buf + (pa - MEM_BASE), 8);
	return true;
}

/* Zeroed physical memory aligned to @align (a power of two). */
static uint64_t fmem_alloc(struct fmem *m, uint64_t bytes, uint64_t align)
{
	uint64_t off = (m->next + align - 1) & ~(align - 1);

	assert_true(off + bytes <= MEM_SIZE);
	m->next = off + bytes;
	return MEM_BASE + off;
}

static uint64_t fmem_page(struct fmem *m, uint64_t gsize)
{
	return fmem_alloc(m, gsize, gsize);
}

static void wr(struct fmem *m, uint64_t table, uint64_t idx, uint64_t desc)
{
	uint64_t pa = (table & PA_LOW) + idx * 8;

	assert_true(pa >= MEM_BASE && pa - MEM_BASE <= MEM_SIZE - 8);
	memcpy(m->buf + (pa - MEM_BASE), &desc, 8);
}

static int setup(void **state)
{
	struct fmem *m = calloc(1, sizeof(*m));
	void *buf;

	if (!m || posix_memalign(&buf, SZ_64K, MEM_SIZE))
		return -1;
	memset(buf, 0, MEM_SIZE);
	m->buf = buf;
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct fmem *m = *state;

	free(m->buf);
	free(m);
	return 0;
}

static struct ref_regime s1(struct fmem *m, uint64_t tcr, uint64_t ttbr)
{
	struct ref_regime rg = {
		.stage = 1, .ctrl = tcr, .ttbr = ttbr, .mair = MAIR_DEF,
		.read64 = fmem_read, .ctx = m,
	};

	return rg;
}

static struct ref_regime s2(struct fmem *m, uint64_t vtcr, uint64_t vttbr, bool fwb)
{
	struct ref_regime rg = {
		.stage = 2, .ctrl = vtcr, .ttbr = vttbr, .fwb = fwb,
		.read64 = fmem_read, .ctx = m,
	};

	return rg;
}

static struct ref_result xlat(const struct ref_regime *rg, uint64_t ia, enum ref_access acc)
{
	struct ref_result r;

	assert_int_equal(ref_translate(rg, ia, acc, &r), 0);
	return r;
}

static void expect_ok(const struct ref_regime *rg, uint64_t ia, uint64_t pa, int level)
{
	struct ref_result r = xlat(rg, ia, REF_ACC_READ);

	assert_int_equal(r.fault, REF_OK);
	assert_int_equal(r.level, level);
	assert_int_equal(r.pa, pa);
}

static void expect_fault(const struct ref_regime *rg, uint64_t ia, enum ref_fault f, int level)
{
	struct ref_result r = xlat(rg, ia, REF_ACC_NONE);

	assert_int_equal(r.fault, f);
	assert_int_equal(r.level, level);
}

static void expect_misconfig(const struct ref_regime *rg)
{
	struct ref_result r;
	struct ref_regime_info info;

	assert_int_equal(ref_translate(rg, 0, REF_ACC_READ, &r), -1);
	assert_int_equal(r.fault, REF_FAULT_TRANSLATION);
	assert_int_equal(r.level, 0);
	assert_int_equal(ref_regime_info(rg, &info), -1);
	assert_int_equal(ref_visit_leaves(rg, NULL, NULL), -1);
	assert_int_equal(ref_count_tables(rg), -1);
	assert_int_equal(ref_visit_invalid_nonzero(rg, NULL, NULL), -1);
	assert_int_equal(ref_visit_bad_entries(rg, NULL, NULL), -1);
}

/* ---- geometry ---- */

struct geom_case {
	int stage, tg, t0sz, sl0;
	int start;
	unsigned int root_bits, root_pages;
};

/* Expected values worked out by hand from the granule and input size. */
static const struct geom_case geom_cases[] = {
	/* stage 1, 4K: 9 bits per level above a 12-bit offset */
	{ 1, TG_4K, 16, 0, 0, 9, 1 },	/* 48 bits */
	{ 1, TG_4K, 24, 0, 0, 1, 1 },	/* 40 */
	{ 1, TG_4K, 25, 0, 1, 9, 1 },	/* 39 */
	{ 1, TG_4K, 33, 0, 1, 1, 1 },	/* 31 */
	{ 1, TG_4K, 34, 0, 2, 9, 1 },	/* 30 */
	{ 1, TG_4K, 39, 0, 2, 4, 1 },	/* 25 */
	/* stage 1, 16K: 11 bits per level above 14 */
	{ 1, TG_16K, 16, 0, 0, 1, 1 },	/* 48 */
	{ 1, TG_16K, 17, 0, 1, 11, 1 },	/* 47 */
	{ 1, TG_16K, 28, 0, 2, 11, 1 },	/* 36 */
	{ 1, TG_16K, 29, 0, 2, 10, 1 },	/* 35 */
	{ 1, TG_16K, 39, 0, 3, 11, 1 },	/* 25 */
	/* stage 1, 64K: 13 bits per level above 16 */
	{ 1, TG_64K, 16, 0, 1, 6, 1 },	/* 48 */
	{ 1, TG_64K, 22, 0, 2, 13, 1 },	/* 42 */
	{ 1, TG_64K, 23, 0, 2, 12, 1 },	/* 41 */
	{ 1, TG_64K, 35, 0, 3, 13, 1 },	/* 29 */
	{ 1, TG_64K, 39, 0, 3, 9, 1 },	/* 25 */
	/* stage 2, 4K: SL0 0/1/2 = L2/L1/L0 */
	{ 2, TG_4K, 16, 2, 0, 9, 1 },
	{ 2, TG_4K, 24, 1, 1, 10, 2 },	/* 40-bit IPA, 2 concatenated */
	{ 2, TG_4K, 22, 1, 1, 12, 8 },
	{ 2, TG_4K, 32, 0, 2, 11, 4 },	/* 32-bit IPA, 4 concatenated */
	{ 2, TG_4K, 30, 0, 2, 13, 16 },
	{ 2, TG_4K, 33, 1, 1, 1, 1 },
	{ 2, TG_4K, 39, 0, 2, 4, 1 },
	/* stage 2, 16K: SL0 0/1/2 = L3/L2/L1 */
	{ 2, TG_16K, 39, 0, 3, 11, 1 },
	{ 2, TG_16K, 24, 1, 2, 15, 16 },
	{ 2, TG_16K, 16, 2, 1, 12, 2 },
	/* stage 2, 64K: SL0 0/1/2 = L3/L2/L1 */
	{ 2, TG_64K, 31, 0, 3, 17, 16 },
	{ 2, TG_64K, 24, 1, 2, 11, 1 },
	{ 2, TG_64K, 19, 1, 2, 16, 8 },
	{ 2, TG_64K, 16, 2, 1, 6, 1 },
};

static unsigned int gshift_of(int tg)
{
	return tg == TG_4K ? 12 : tg == TG_16K ? 14 : 16;
}

static unsigned int lshift(unsigned int g, int level)
{
	return g + (unsigned int)(3 - level) * (g - 3);
}

/* The start level indexes with all root bits (concatenation included). */
static uint64_t geom_index(const struct geom_case *gc, unsigned int g, int level, uint64_t ia)
{
	unsigned int bits = level == gc->start ? gc->root_bits : g - 3;

	return (ia >> lshift(g, level)) & ((1ull << bits) - 1);
}

/*
 * Map the highest page of the input range through a full chain of tables,
 * using the expected geometry, and check the walk lands on it.
 */
static void geom_walk(struct fmem *m, const struct geom_case *gc, uint64_t extra)
{
	unsigned int g = gshift_of(gc->tg), ia_bits = 64 - (unsigned int)gc->t0sz;
	uint64_t root_sz = 8ull << gc->root_bits, ia = (1ull << ia_bits) - 0x1000 + 0x123;
	uint64_t table, pa = 0x12340000ull;
	struct ref_regime rg;
	int level;

	memset(m->buf, 0, MEM_SIZE);
	m->next = 0;
	table = fmem_alloc(m, root_sz, root_sz);
	rg = gc->stage == 1 ? s1(m, CTRL(gc->t0sz, gc->tg, PS_48) | extra, table) :
		s2(m, VCTRL(gc->t0sz, gc->sl0, gc->tg, PS_48) | extra, table, false);
	for (level = gc->start; level < 3; level++) {
		uint64_t next = fmem_page(m, 1ull << g);

		wr(m, table, geom_index(gc, g, level, ia), TABLE(next));
		table = next;
	}
	wr(m, table, geom_index(gc, g, 3, ia), PAGE(pa) | (gc->stage == 1 ? 0 : S2_RW | S2_WB));
	expect_ok(&rg, ia, pa + (ia & ((1ull << g) - 1)), 3);
	assert_int_equal(ref_count_tables(&rg), gc->root_pages + (unsigned int)(3 - gc->start));
	assert_int_equal(ref_visit_leaves(&rg, NULL, NULL), 1);
}

static void test_geometry(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(geom_cases) / sizeof(geom_cases[0]); i++) {
		const struct geom_case *gc = &geom_cases[i];
		struct ref_regime rg = gc->stage == 1 ?
			s1(*state, CTRL(gc->t0sz, gc->tg, PS_48), MEM_BASE) :
			s2(*state, VCTRL(gc->t0sz, gc->sl0, gc->tg, PS_48), MEM_BASE, false);
		struct ref_regime_info info;

		assert_int_equal(ref_regime_info(&rg, &info), 0);
		assert_int_equal(info.granule_shift, gshift_of(gc->tg));
		assert_int_equal(info.ia_bits, 64 - gc->t0sz);
		assert_int_equal(info.start_level, gc->start);
		assert_int_equal(info.root_bits, gc->root_bits);
		assert_int_equal(info.root_entries, 1ull << gc->root_bits);
		assert_int_equal(info.root_pages, gc->root_pages);
		geom_walk(*state, gc, 0);
	}
}

/* 52-bit inputs: DS=1 (FEAT_LPA2) for 4K and 16K, FEAT_LVA for 64K. */
struct geom52_case {
	struct geom_case g;
	uint64_t extra;		/* DS, SL2 */
};

static const struct geom52_case geom52_cases[] = {
	/* stage 1, 4K: 49 to 52 bits start at level -1, which resolves 51:48 */
	{ { 1, TG_4K, 12, 0, -1, 4, 1 }, DS },
	{ { 1, TG_4K, 15, 0, -1, 1, 1 }, DS },
	{ { 1, TG_4K, 16, 0, 0, 9, 1 }, DS },
	/* stage 1, 16K: level 0 resolves 51:47 */
	{ { 1, TG_16K, 12, 0, 0, 5, 1 }, DS },
	/* stage 1, 64K: level 1 resolves 51:42 */
	{ { 1, TG_64K, 12, 0, 1, 10, 1 }, 0 },
	/* stage 2, 4K: level 0 (SL0 2) concatenates up to 16 tables */
	{ { 2, TG_4K, 12, 2, 0, 13, 16 }, DS },
	{ { 2, TG_4K, 15, 2, 0, 10, 2 }, DS },
	/* SL2=1 with SL0=0: level -1 */
	{ { 2, TG_4K, 12, 0, -1, 4, 1 }, DS | SL2 },
	{ { 2, TG_4K, 14, 0, -1, 2, 1 }, DS | SL2 },
	/* stage 2, 16K: SL0 3 is level 0 with DS */
	{ { 2, TG_16K, 12, 3, 0, 5, 1 }, DS },
	{ { 2, TG_16K, 13, 2, 1, 15, 16 }, DS },
	/* stage 2, 64K: level 1 (SL0 2) */
	{ { 2, TG_64K, 12, 2, 1, 10, 1 }, 0 },
};

static void test_geometry_52(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(geom52_cases) / sizeof(geom52_cases[0]); i++) {
		const struct geom_case *gc = &geom52_cases[i].g;
		uint64_t extra = geom52_cases[i].extra;
		struct ref_regime rg = gc->stage == 1 ?
			s1(*state, CTRL(gc->t0sz, gc->tg, PS_52) | extra, MEM_BASE) :
			s2(*state, VCTRL(gc->t0sz, gc->sl0, gc->tg, PS_52) | extra, MEM_BASE,
			   false);
		struct ref_regime_info info;

		assert_int_equal(ref_regime_info(&rg, &info), 0);
		assert_int_equal(info.ia_bits, 64 - gc->t0sz);
		assert_int_equal(info.start_level, gc->start);
		assert_int_equal(info.root_bits, gc->root_bits);
		assert_int_equal(info.root_pages, gc->root_pages);
		assert_int_equal(info.ds, !!(extra & DS));
		assert_int_equal(info.oa_bits, 52);
		geom_walk(*state, gc, extra);
		/* Without DS, 4K and 16K cannot take more than 48 bits */
		if (gc->tg != TG_64K && gc->t0sz < 16) {
			rg.ctrl &= ~DS;
			expect_misconfig(&rg);
		}
	}
}

static void test_ps_decode(void **state)
{
	static const unsigned int bits[8] = { 32, 36, 40, 42, 44, 48, 48, 48 };
	struct ref_regime_info info;
	unsigned int ps;

	for (ps = 0; ps < 8; ps++) {
		struct ref_regime rg = s1(*state, CTRL(25, TG_4K, ps), MEM_BASE);

		assert_int_equal(ref_regime_info(&rg, &info), 0);
		assert_int_equal(info.oa_bits, bits[ps]);
	}
}

static void test_ps_decode_52(void **state)
{
	struct ref_regime rg = s1(*state, CTRL(25, TG_64K, PS_52), MEM_BASE);
	struct ref_regime_info info;

	assert_int_equal(ref_regime_info(&rg, &info), 0);
	assert_int_equal(info.oa_bits, 52);
	assert_false(info.ds);
	/* 4K and 16K need DS=1 for 0b110 to mean 52 bits */
	rg.ctrl = CTRL(25, TG_4K, PS_52);
	assert_int_equal(ref_regime_info(&rg, &info), 0);
	assert_int_equal(info.oa_bits, 48);
	rg.ctrl |= DS;
	assert_int_equal(ref_regime_info(&rg, &info), 0);
	assert_int_equal(info.oa_bits, 52);
	assert_true(info.ds);
	rg.ctrl = CTRL(25, TG_16K, PS_52) | DS;
	assert_int_equal(ref_regime_info(&rg, &info), 0);
	assert_int_equal(info.oa_bits, 52);
	/* DS is RES0 with 64K */
	rg.ctrl = CTRL(25, TG_64K, PS_48) | DS;
	assert_int_equal(ref_regime_info(&rg, &info), 0);
	assert_false(info.ds);
	assert_int_equal(info.oa_bits, 48);
	/* the EL2&0 format: IPS at 34:32, DS at 59; bits 18:16 are T1SZ there */
	rg.e2h = true;
	rg.ctrl = E2H_CTRL(25, TG_4K, PS_52) | E2H_DS;
	assert_int_equal(ref_regime_info(&rg, &info), 0);
	assert_int_equal(info.oa_bits, 52);
	assert_true(info.ds);
	rg.ctrl = E2H_CTRL(25, TG_4K, PS_36) | ((uint64_t)PS_48 << 16);
	assert_int_equal(ref_regime_info(&rg, &info), 0);
	assert_int_equal(info.oa_bits, 36);
	assert_false(info.ds);
}

/* ---- translation by hand-written tables ---- */

static void test_s1_4k_l1_start(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K), l2 = fmem_page(m, SZ_4K), l3 = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_48), root);
	struct ref_result r;

	/* 0x7f_c020_3456: L1 index 511, L2 index 1, L3 index 3, offset 0x456 */
	wr(m, root, 511, TABLE(l2));
	wr(m, l2, 1, TABLE(l3));
	wr(m, l3, 3, PAGE(0x40123000) | SH(3) | SW(0xa));
	r = xlat(&rg, 0x7fc0203456ull, REF_ACC_WRITE);
	assert_int_equal(r.fault, REF_OK);
	assert_int_equal(r.level, 3);
	assert_int_equal(r.pa, 0x40123456);
	assert_int_equal(r.leaf_size, SZ_4K);
	assert_int_equal(r.desc, PAGE(0x40123000) | SH(3) | SW(0xa));
	assert_int_equal(r.shareability, 3);
	assert_int_equal(r.sw, 0xa);
	assert_true(r.af && r.r && r.w && r.x);
	assert_int_equal(r.mt, REF_MT_NORMAL_WB);

	/* 1G block at L1 index 2 and 2M block at L2 index 5 */
	wr(m, root, 2, BLOCK(0x80000000ull));
	expect_ok(&rg, 0x80000000ull + 0x3456789, 0x80000000ull + 0x3456789, 1);
	assert_int_equal(xlat(&rg, 0x80000000ull, REF_ACC_NONE).leaf_size, SZ_1G);
	wr(m, l2, 5, BLOCK(0x12e00000ull));
	expect_ok(&rg, 0x7fc0a12345ull, 0x12e12345ull, 2);
	assert_int_equal(xlat(&rg, 0x7fc0a12345ull, REF_ACC_NONE).leaf_size, SZ_2M);
}

static void test_s1_4k_l0_start(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_alloc(m, 16, 16), l1 = fmem_page(m, SZ_4K), l2 = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(24, TG_4K, PS_48), root);

	/* 40-bit VA: the 2-entry L0 root resolves bit 39 */
	wr(m, root, 1, TABLE(l1));
	wr(m, l1, 0, TABLE(l2));
	wr(m, l2, 0x91, BLOCK(0x40600000ull));
	expect_ok(&rg, 0x8012345678ull, 0x40745678ull, 2);
	expect_fault(&rg, 0x0012345678ull, REF_FAULT_TRANSLATION, 0);
	assert_int_equal(ref_count_tables(&rg), 3);
}

static void test_s1_16k(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_alloc(m, 16, 16), l1 = fmem_page(m, SZ_16K);
	uint64_t l2 = fmem_page(m, SZ_16K), l3 = fmem_page(m, SZ_16K);
	struct ref_regime rg = s1(m, CTRL(16, TG_16K, PS_48), root);
	uint64_t ia = (1ull << 47) | (5ull << 36) | (7ull << 25) | (9ull << 14) | 0x123;

	wr(m, root, 1, TABLE(l1));
	wr(m, l1, 5, TABLE(l2));
	wr(m, l2, 7, TABLE(l3));
	wr(m, l3, 9, PAGE(0x12345c000ull));
	expect_ok(&rg, ia, 0x12345c123ull, 3);
	assert_int_equal(xlat(&rg, ia, REF_ACC_NONE).leaf_size, SZ_16K);
	/* 32M block at L2 */
	wr(m, l2, 8, BLOCK(0x7e000000ull));
	expect_ok(&rg, (1ull << 47) | (5ull << 36) | (8ull << 25) | 0x1abcdef, 0x7fabcdefull, 2);
	assert_int_equal(xlat(&rg, (1ull << 47) | (5ull << 36) | (8ull << 25), REF_ACC_NONE).leaf_size,
			 SZ_32M);
}

static void test_s1_64k(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_alloc(m, 512, 512), l2 = fmem_page(m, SZ_64K), l3 = fmem_page(m, SZ_64K);
	struct ref_regime rg = s1(m, CTRL(16, TG_64K, PS_48), root);
	uint64_t ia = (33ull << 42) | (100ull << 29) | (200ull << 16) | 0xabc;

	wr(m, root, 33, TABLE(l2));
	wr(m, l2, 100, TABLE(l3));
	wr(m, l3, 200, PAGE(0x500000000ull));
	expect_ok(&rg, ia, 0x500000abcull, 3);
	assert_int_equal(xlat(&rg, ia, REF_ACC_NONE).leaf_size, SZ_64K);
	/* 512M block at L2 */
	wr(m, l2, 101, BLOCK(0x60000000ull));
	expect_ok(&rg, (33ull << 42) | (101ull << 29) | 0x30005, 0x60030005ull, 2);
	assert_int_equal(xlat(&rg, (33ull << 42) | (101ull << 29), REF_ACC_NONE).leaf_size,
			 SZ_512M);
}

static void test_s1_64k_l2_root(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_64K);
	struct ref_regime rg = s1(m, CTRL(22, TG_64K, PS_48), root);

	/* 42-bit VA starts at L2 with all 8192 entries */
	wr(m, root, 8000, BLOCK(0x60000000ull));
	expect_ok(&rg, (8000ull << 29) | 0x30005, 0x60030005ull, 2);
	expect_fault(&rg, 7999ull << 29, REF_FAULT_TRANSLATION, 2);
}

static void test_s2_concat_4k(void **state)
{
	struct fmem *m = *state;
	uint64_t root2 = fmem_alloc(m, 2 * SZ_4K, 2 * SZ_4K);
	uint64_t root4 = fmem_alloc(m, 4 * SZ_4K, 4 * SZ_4K);
	struct ref_regime rg40 = s2(m, VCTRL(24, 1, TG_4K, PS_40), root2, false);
	struct ref_regime rg32 = s2(m, VCTRL(32, 0, TG_4K, PS_40), root4, false);

	/* 40-bit IPA at L1: entry 513 lives in the second page, index 1 */
	wr(m, root2, 1, BLOCK(0x40000000ull) | S2_RW | S2_WB);
	wr(m, root2, 513, BLOCK(0x80000000ull) | S2_RW | S2_WB);
	expect_ok(&rg40, (513ull << 30) | 0x1234, 0x80001234ull, 1);
	expect_ok(&rg40, (1ull << 30) | 0x1234, 0x40001234ull, 1);
	expect_fault(&rg40, 512ull << 30, REF_FAULT_TRANSLATION, 1);
	expect_fault(&rg40, 1ull << 40, REF_FAULT_TRANSLATION, 0);
	assert_int_equal(ref_count_tables(&rg40), 2);

	/* 32-bit IPA at L2: four pages, entry 1541 is page 3 index 5 */
	wr(m, root4, 5, BLOCK(0x200000ull) | S2_RW | S2_WB);
	wr(m, root4, 1541, BLOCK(0x40000000ull) | S2_RW | S2_WB);
	expect_ok(&rg32, (1541ull << 21) | 0xabcde, 0x400abcdeull, 2);
	expect_ok(&rg32, (5ull << 21) | 0xabcde, 0x2abcdeull, 2);
	assert_int_equal(ref_count_tables(&rg32), 4);

	/* VMID and CnP in VTTBR_EL2 are not part of the base address */
	rg32.ttbr |= (0x5aull << 48) | 1;
	expect_ok(&rg32, (1541ull << 21) | 0xabcde, 0x400abcdeull, 2);
}

static void test_s2_concat_16k_64k(void **state)
{
	struct fmem *m = *state;
	uint64_t root16 = fmem_alloc(m, 16 * SZ_16K, 16 * SZ_16K);
	uint64_t root64 = fmem_alloc(m, 8 * SZ_64K, 8 * SZ_64K);
	uint64_t l3 = fmem_page(m, SZ_64K);
	struct ref_regime rg16 = s2(m, VCTRL(24, 1, TG_16K, PS_40), root16, false);
	struct ref_regime rg64 = s2(m, VCTRL(19, 1, TG_64K, PS_48), root64, false);
	uint64_t ia;

	/* 16K, 40-bit IPA at L2: 15 bits, the last of 16 pages */
	ia = (0x7ffeull << 25) | 0x1234567;
	wr(m, root16, 0x7ffe, BLOCK(0x6000000ull) | S2_RW | S2_WB);
	expect_ok(&rg16, ia, 0x7234567ull, 2);
	assert_int_equal(ref_count_tables(&rg16), 16);

	/* 64K, 45-bit IPA at L2: 16 bits, 8 pages; a table in page 7 */
	ia = (0xe005ull << 29) | (77ull << 16) | 0x4321;
	wr(m, root64, 0xe005, TABLE(l3));
	wr(m, l3, 77, PAGE(0x3210000ull) | S2_R | S2_WB);
	expect_ok(&rg64, ia, 0x3214321ull, 3);
	assert_int_equal(ref_count_tables(&rg64), 9);
}

static void test_s2_misaligned_concat(void **state)
{
	struct fmem *m = *state;
	uint64_t base = fmem_alloc(m, 8 * SZ_4K, 8 * SZ_4K);
	struct ref_regime rg = s2(m, VCTRL(32, 0, TG_4K, PS_40), base + 2 * SZ_4K, false);
	struct ref_regime ok = s2(m, VCTRL(32, 0, TG_4K, PS_40), base + 4 * SZ_4K, false);

	/* four concatenated pages need 16K alignment */
	expect_misconfig(&rg);
	assert_int_equal(ref_count_tables(&ok), 4);
	/* a two-entry root needs only 16-byte alignment */
	rg = s2(m, VCTRL(33, 1, TG_4K, PS_40), base + 16, false);
	assert_int_equal(ref_count_tables(&rg), 1);
	rg = s2(m, VCTRL(33, 1, TG_4K, PS_40), base + 8, false);
	expect_misconfig(&rg);
}

/* ---- faults ---- */

static void test_reserved_encodings(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K), l2 = fmem_page(m, SZ_4K), l3 = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_48), root);
	struct ref_result r;

	wr(m, root, 0, TABLE(l2));
	wr(m, l2, 0, TABLE(l3));
	/* L3 0b01 is reserved */
	wr(m, l3, 1, BLOCK(0x40000000ull));
	r = xlat(&rg, 0x1000, REF_ACC_NONE);
	assert_int_equal(r.fault, REF_FAULT_TRANSLATION);
	assert_int_equal(r.level, 3);
	assert_int_equal(r.desc, BLOCK(0x40000000ull));
	/* invalid entries carrying software bits are reported as they are */
	wr(m, l3, 2, 0xdead0000ull | 2);
	r = xlat(&rg, 0x2000, REF_ACC_READ);
	assert_int_equal(r.fault, REF_FAULT_TRANSLATION);
	assert_int_equal(r.level, 3);
	assert_int_equal(r.desc, 0xdead0002ull);
	/* an empty entry at L2 faults at L2 */
	expect_fault(&rg, 0x200000, REF_FAULT_TRANSLATION, 2);
	assert_int_equal(ref_visit_leaves(&rg, NULL, NULL), 0);
	assert_int_equal(ref_visit_bad_entries(&rg, NULL, NULL), 1);
	assert_int_equal(ref_visit_invalid_nonzero(&rg, NULL, NULL), 1);
}

static void test_block_levels(void **state)
{
	struct fmem *m = *state;
	uint64_t r4 = fmem_page(m, SZ_4K), r16 = fmem_alloc(m, 16, 16), l1_16 = fmem_page(m, SZ_16K);
	uint64_t r64 = fmem_alloc(m, 512, 512);
	uint64_t rs2 = fmem_alloc(m, 2 * SZ_16K, 2 * SZ_16K);
	struct ref_regime rg4 = s1(m, CTRL(16, TG_4K, PS_48), r4);
	struct ref_regime rg16 = s1(m, CTRL(16, TG_16K, PS_48), r16);
	struct ref_regime rg64 = s1(m, CTRL(16, TG_64K, PS_48), r64);
	struct ref_regime rgs2 = s2(m, VCTRL(16, 2, TG_16K, PS_48), rs2, false);

	/* 4K L0, 16K L1, 64K L1 blocks need FEAT_LPA/LPA2 */
	wr(m, r4, 0, BLOCK(0));
	expect_fault(&rg4, 0x1000, REF_FAULT_TRANSLATION, 0);
	wr(m, r16, 0, TABLE(l1_16));
	wr(m, l1_16, 0, BLOCK(0));
	expect_fault(&rg16, 0x1000, REF_FAULT_TRANSLATION, 1);
	/* 16K L0 holds only tables: a block there faults too */
	wr(m, r16, 1, BLOCK(0));
	expect_fault(&rg16, 1ull << 47, REF_FAULT_TRANSLATION, 0);
	wr(m, r64, 0, BLOCK(0));
	expect_fault(&rg64, 0x1000, REF_FAULT_TRANSLATION, 1);
	wr(m, rs2, 0, BLOCK(0) | S2_RW | S2_WB);
	expect_fault(&rgs2, 0x1000, REF_FAULT_TRANSLATION, 1);
	assert_int_equal(ref_visit_bad_entries(&rg16, NULL, NULL), 2);
}

static void test_address_size(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K), l2 = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_32), root);
	struct ref_result r;

	/* PS = 32 bits: any address at or above 4G is out of range */
	wr(m, root, 0, BLOCK(0x100000000ull));
	wr(m, root, 1, TABLE(0x100000000ull));
	wr(m, root, 2, TABLE(l2));
	wr(m, l2, 0, BLOCK(0xffe00000ull));
	wr(m, l2, 1, BLOCK(0x1ffe00000ull));
	r = xlat(&rg, 0x1234, REF_ACC_NONE);
	assert_int_equal(r.fault, REF_FAULT_ADDRESS_SIZE);
	assert_int_equal(r.level, 1);
	assert_int_equal(r.desc, BLOCK(0x100000000ull));
	expect_fault(&rg, SZ_1G, REF_FAULT_ADDRESS_SIZE, 1);
	expect_ok(&rg, 2 * SZ_1G + 0x1234, 0xffe01234ull, 2);
	expect_fault(&rg, 2 * SZ_1G + SZ_2M, REF_FAULT_ADDRESS_SIZE, 2);
	assert_int_equal(ref_visit_bad_entries(&rg, NULL, NULL), 3);
	assert_int_equal(ref_visit_leaves(&rg, NULL, NULL), 1);
	assert_int_equal(ref_count_tables(&rg), 2);
	/* the same tables with a 36-bit PS are fine */
	rg.ctrl = CTRL(25, TG_4K, PS_36);
	expect_ok(&rg, 0x1234, 0x100001234ull, 1);
	/* a base register beyond PS faults at level 0 before any read */
	rg.ctrl = CTRL(25, TG_4K, PS_32);
	rg.ttbr = 0x100000000ull;
	expect_fault(&rg, 0, REF_FAULT_ADDRESS_SIZE, 0);
	assert_int_equal(ref_visit_bad_entries(&rg, NULL, NULL), 1);
	assert_int_equal(ref_count_tables(&rg), 0);
}

static void test_address_size_64k(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_64K);
	struct ref_regime rg = s2(m, VCTRL(24, 1, TG_64K, PS_48), root, false);

	/* bits 15:12 are OA[51:48] with a 64K granule: nonzero needs 52-bit PS */
	wr(m, root, 0, BLOCK(0x20000000ull | 0x1000) | S2_RW | S2_WB);
	wr(m, root, 1, TABLE(MEM_BASE | 0x8000));
	wr(m, root, 2, BLOCK(0xffffe0000000ull) | S2_RW | S2_WB);
	expect_fault(&rg, 0x10, REF_FAULT_ADDRESS_SIZE, 2);
	expect_fault(&rg, SZ_512M, REF_FAULT_ADDRESS_SIZE, 2);
	expect_ok(&rg, 2 * SZ_512M + 0x10, 0xffffe0000010ull, 2);
	/* 40-bit PS: the block at 0xffffe0000000 is out of range */
	rg.ctrl = VCTRL(24, 1, TG_64K, PS_40);
	expect_fault(&rg, 2 * SZ_512M, REF_FAULT_ADDRESS_SIZE, 2);
}

static void test_external(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_48), root);
	struct ref_result r;

	/* a table outside memory: the next level's read is the one that aborts */
	wr(m, root, 3, TABLE(0x10000000ull));
	r = xlat(&rg, 3 * SZ_1G, REF_ACC_READ);
	assert_int_equal(r.fault, REF_FAULT_EXTERNAL);
	assert_int_equal(r.level, 2);
	assert_int_equal(ref_visit_bad_entries(&rg, NULL, NULL), 1);
	assert_int_equal(ref_count_tables(&rg), 2);
	rg.ttbr = 0x10000000ull;
	expect_fault(&rg, 0, REF_FAULT_EXTERNAL, 1);
}

static void test_input_range(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_48), root);
	struct ref_regime rg2 = s2(m, VCTRL(25, 1, TG_4K, PS_48), root, false);

	wr(m, root, 0, BLOCK(0x80000000ull) | S2_RW | S2_WB);
	expect_ok(&rg, 0x1000, 0x80001000ull, 1);
	expect_fault(&rg, 1ull << 39, REF_FAULT_TRANSLATION, 0);
	expect_fault(&rg, 0xff00000000001000ull, REF_FAULT_TRANSLATION, 0);
	expect_ok(&rg2, 0x1000, 0x80001000ull, 1);
	expect_fault(&rg2, 1ull << 39, REF_FAULT_TRANSLATION, 0);
	/* TCR_EL2.TBI: the top byte is ignored, bits 55:39 still checked */
	rg.ctrl |= TCR_TBI;
	expect_ok(&rg, 0xff00000000001000ull, 0x80001000ull, 1);
	expect_fault(&rg, 0xff80000000001000ull, REF_FAULT_TRANSLATION, 0);
}

static void test_access_flag(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_48), root);
	struct ref_regime rg2 = s2(m, VCTRL(25, 1, TG_4K, PS_48), root, false);
	struct ref_result r;

	wr(m, root, 0, (0x80000000ull | 1) | AP_RO | XN);
	r = xlat(&rg, 0x1234, REF_ACC_NONE);
	assert_int_equal(r.fault, REF_FAULT_ACCESS_FLAG);
	assert_int_equal(r.level, 1);
	assert_int_equal(r.pa, 0x80001234ull);
	assert_false(r.af);
	/* the access flag fault wins over the permission fault */
	assert_int_equal(xlat(&rg, 0x1234, REF_ACC_WRITE).fault, REF_FAULT_ACCESS_FLAG);
	assert_int_equal(xlat(&rg, 0x1234, REF_ACC_EXEC).fault, REF_FAULT_ACCESS_FLAG);
	wr(m, root, 0, (0x80000000ull | 1) | S2_WB);
	assert_int_equal(xlat(&rg2, 0x1234, REF_ACC_READ).fault, REF_FAULT_ACCESS_FLAG);
	/* with AF set the leaf is enumerated and the permission check runs */
	wr(m, root, 0, BLOCK(0x80000000ull) | S2_WB);
	assert_int_equal(xlat(&rg2, 0x1234, REF_ACC_READ).fault, REF_FAULT_PERMISSION);
	assert_int_equal(ref_visit_leaves(&rg2, NULL, NULL), 1);
}

static void test_s1_permissions(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_48), root);
	struct ref_result r;

	wr(m, root, 0, BLOCK(0x80000000ull) | AP_RO);
	wr(m, root, 1, BLOCK(0x80000000ull) | XN);
	wr(m, root, 2, BLOCK(0x80000000ull) | ATTR(1));	/* Device, XN clear */
	/* AP[1] (bit 6) is RES1 at EL2 and changes nothing */
	wr(m, root, 3, BLOCK(0x80000000ull) | (1ull << 6));
	assert_int_equal(xlat(&rg, 0, REF_ACC_READ).fault, REF_OK);
	assert_int_equal(xlat(&rg, 0, REF_ACC_WRITE).fault, REF_FAULT_PERMISSION);
	assert_int_equal(xlat(&rg, 0, REF_ACC_EXEC).fault, REF_OK);
	r = xlat(&rg, SZ_1G, REF_ACC_EXEC);
	assert_int_equal(r.fault, REF_FAULT_PERMISSION);
	assert_int_equal(r.pa, 0x80000000ull);
	assert_true(r.r && r.w && !r.x);
	assert_int_equal(xlat(&rg, SZ_1G, REF_ACC_WRITE).fault, REF_OK);
	r = xlat(&rg, 2 * SZ_1G, REF_ACC_EXEC);
	assert_int_equal(r.fault, REF_FAULT_PERMISSION);
	assert_int_equal(r.mt, REF_MT_DEVICE_nGnRE);
	r = xlat(&rg, 3 * SZ_1G, REF_ACC_WRITE);
	assert_int_equal(r.fault, REF_OK);
	assert_true(r.r && r.w && r.x);
}

static void test_s2_permissions(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K);
	struct ref_regime rg = s2(m, VCTRL(25, 1, TG_4K, PS_48), root, false);
	unsigned int ap, xn;

	/* S2AP: bit 6 read, bit 7 write */
	for (ap = 0; ap < 4; ap++) {
		wr(m, root, ap, BLOCK(0x80000000ull) | S2_WB | ((uint64_t)ap << 6));
		assert_int_equal(xlat(&rg, ap * SZ_1G, REF_ACC_READ).fault,
				 (ap & 1) ? REF_OK : REF_FAULT_PERMISSION);
		assert_int_equal(xlat(&rg, ap * SZ_1G, REF_ACC_WRITE).fault,
				 (ap & 2) ? REF_OK : REF_FAULT_PERMISSION);
	}
	/* XN[1:0]: executable only when both bits are clear */
	for (xn = 0; xn < 4; xn++) {
		wr(m, root, 4 + xn, BLOCK(0x80000000ull) | S2_WB | S2_RW | S2_XN(xn));
		assert_int_equal(xlat(&rg, (4 + xn) * SZ_1G, REF_ACC_EXEC).fault,
				 xn ? REF_FAULT_PERMISSION : REF_OK);
	}
	/* Device memory is never executable */
	wr(m, root, 8, BLOCK(0x80000000ull) | S2_MA(1) | S2_RW);
	assert_int_equal(xlat(&rg, 8 * SZ_1G, REF_ACC_EXEC).fault, REF_FAULT_PERMISSION);
	assert_int_equal(xlat(&rg, 8 * SZ_1G, REF_ACC_WRITE).fault, REF_OK);
}

/* ---- 52-bit output addresses, FEAT_XNX, the EL2&0 regime ---- */

/* FEAT_LPA2 (DS=1): OA[49:48] in place, OA[51:50] in bits 9:8. */
static uint64_t ds_oa(uint64_t pa)
{
	return (pa & ((1ull << 50) - 1) & ~0xfffull) | ((pa >> 50) & 3) << 8;
}

/* A 52-bit TTBR: BADDR[47:6] in place, BADDR[51:48] in bits 5:2. */
static uint64_t ttbr52(uint64_t pa)
{
	return (pa & PA_LOW & ~0x3full) | (pa >> 48) << 2;
}

static void test_lpa_64k(void **state)
{
	struct fmem *m = *state;
	uint64_t hi = 0xaull << 48, oa_hi = 0xaull << 12;
	uint64_t root = fmem_page(m, SZ_64K), l2 = fmem_page(m, SZ_64K), l3 = fmem_page(m, SZ_64K);
	struct ref_regime rg = s2(m, VCTRL(12, 2, TG_64K, PS_52), ttbr52(hi | root), false);
	/* 52-bit IPA at level 1: index 1023, then 5 at level 2 and 7 at level 3 */
	uint64_t ia = (0x3ffull << 42) | (5ull << 29) | (7ull << 16) | 0x1234;

	m->high = hi;
	/* bits 15:12 hold OA[51:48] in table, block and page descriptors alike */
	wr(m, root, 1023, TABLE(l2) | oa_hi);
	wr(m, l2, 5, TABLE(l3) | oa_hi);
	wr(m, l3, 7, PAGE(0x123450000ull) | (0xfull << 12) | S2_RW | S2_WB);
	expect_ok(&rg, ia, 0xf000123451234ull, 3);
	wr(m, l2, 6, BLOCK(0x20000000ull) | (5ull << 12) | S2_RW | S2_WB);
	expect_ok(&rg, (0x3ffull << 42) | (6ull << 29) | 0x10, 0x5000020000010ull, 2);
	/* FEAT_LPA also brings 4TB blocks at level 1 */
	wr(m, root, 3, BLOCK(3ull << 42) | (1ull << 12) | S2_RW | S2_WB);
	expect_ok(&rg, (3ull << 42) | 0x1234, (1ull << 48) | (3ull << 42) | 0x1234, 1);
	assert_int_equal(ref_count_tables(&rg), 3);
	assert_int_equal(ref_visit_leaves(&rg, NULL, NULL), 3);
	assert_int_equal(ref_visit_bad_entries(&rg, NULL, NULL), 0);
	/* a TTBR without BADDR[51:48] names memory that is not there */
	rg.ttbr = root;
	expect_fault(&rg, ia, REF_FAULT_EXTERNAL, 1);
	m->high = 0;
}

static void test_lpa2_4k_s1(void **state)
{
	struct fmem *m = *state;
	uint64_t hi = 0xdull << 48;	/* OA[51:50] 0b11, OA[49:48] 0b01 */
	uint64_t root = fmem_alloc(m, 128, 128), l0 = fmem_page(m, SZ_4K);
	uint64_t l1 = fmem_page(m, SZ_4K), l2 = fmem_page(m, SZ_4K), l3 = fmem_page(m, SZ_4K);
	/* SH0 = 0b10 (outer shareable): with DS it is the leaves' shareability too */
	struct ref_regime rg = s1(m, CTRL(12, TG_4K, PS_52) | DS | (2ull << 12),
				  ttbr52(hi | root));
	uint64_t ia = (9ull << 48) | (0x1ffull << 39) | (3ull << 30) | (4ull << 21) |
		      (5ull << 12) | 0x678;
	uint64_t blk = (3ull << 50) | (5ull << 39);
	struct ref_result r;

	m->high = hi;
	wr(m, root, 9, ds_oa(hi | l0) | 3);
	wr(m, l0, 0x1ff, ds_oa(hi | l1) | 3);
	wr(m, l1, 3, ds_oa(hi | l2) | 3);
	wr(m, l2, 4, ds_oa(hi | l3) | 3);
	wr(m, l3, 5, PAGE(ds_oa(0xe000123456000ull)));
	r = xlat(&rg, ia, REF_ACC_READ);
	assert_int_equal(r.fault, REF_OK);
	assert_int_equal(r.level, 3);
	assert_int_equal(r.pa, 0xe000123456678ull);
	assert_int_equal(r.shareability, 2);
	/* DS allows 512GB blocks at level 0; level -1 holds only tables */
	wr(m, l0, 1, BLOCK(ds_oa(blk)));
	expect_ok(&rg, (9ull << 48) | (1ull << 39) | 0x1234, blk | 0x1234, 0);
	wr(m, root, 2, BLOCK(0));
	expect_fault(&rg, 2ull << 48, REF_FAULT_TRANSLATION, -1);
	assert_int_equal(ref_count_tables(&rg), 5);
	assert_int_equal(ref_visit_leaves(&rg, NULL, NULL), 2);
	assert_int_equal(ref_visit_bad_entries(&rg, NULL, NULL), 1);
	/* a 48-bit PS leaves OA[51:48] out of range */
	m->high = 0;
	rg = s1(m, CTRL(16, TG_4K, PS_48) | DS, l0);
	wr(m, l0, 2, TABLE(l1));
	wr(m, l1, 0, BLOCK(ds_oa(1ull << 50)));
	wr(m, l1, 1, BLOCK(ds_oa(1ull << 48)));
	wr(m, l1, 2, BLOCK(ds_oa(1ull << 47)));
	expect_fault(&rg, 2ull << 39, REF_FAULT_ADDRESS_SIZE, 1);
	expect_fault(&rg, (2ull << 39) | SZ_1G, REF_FAULT_ADDRESS_SIZE, 1);
	expect_ok(&rg, (2ull << 39) | (2 * SZ_1G), 1ull << 47, 1);
}

static void test_lpa2_s2(void **state)
{
	struct fmem *m = *state;
	uint64_t root16 = fmem_alloc(m, 16 * SZ_4K, 16 * SZ_4K), root_m1 = fmem_alloc(m, 128, 128);
	uint64_t r16k = fmem_alloc(m, 256, 256), l1 = fmem_page(m, SZ_4K);
	uint64_t pa = (1ull << 51) | (2ull << 48) | (5ull << 30);
	struct ref_regime rg = s2(m, VCTRL(12, 2, TG_4K, PS_52) | DS | (3ull << 12), root16, false);
	struct ref_regime_info info;
	struct ref_result r;

	/* level 0 over 16 pages: entry 0x1fff is the last of page 15 */
	wr(m, root16, 0x1fff, TABLE(l1));
	wr(m, l1, 7, BLOCK(ds_oa(pa)) | S2_RW | S2_WB);
	r = xlat(&rg, (0x1fffull << 39) | (7ull << 30) | 0xabc, REF_ACC_WRITE);
	assert_int_equal(r.fault, REF_OK);
	assert_int_equal(r.level, 1);
	assert_int_equal(r.pa, pa | 0xabc);
	assert_int_equal(r.shareability, 3);
	assert_int_equal(ref_count_tables(&rg), 17);
	/* SL2: level -1 resolves IPA[51:48] */
	rg = s2(m, VCTRL(12, 0, TG_4K, PS_52) | DS | SL2, root_m1, false);
	/* below level -1, level 0 is one page: IPA[47:39] index it */
	wr(m, root_m1, 0xf, TABLE(root16));
	wr(m, root16, 0x1ff, TABLE(l1));
	expect_ok(&rg, (0xfull << 48) | (0x1ffull << 39) | (7ull << 30), pa, 1);
	rg.ctrl = VCTRL(12, 1, TG_4K, PS_52) | DS | SL2;	/* SL2 takes SL0 0 only */
	expect_misconfig(&rg);
	/* SL2 means nothing without DS */
	rg.ctrl = VCTRL(34, 0, TG_4K, PS_48) | SL2;
	assert_int_equal(ref_regime_info(&rg, &info), 0);
	assert_int_equal(info.start_level, 2);
	/* 16K: SL0 3 is level 0 with DS, reserved without */
	rg = s2(m, VCTRL(12, 3, TG_16K, PS_52) | DS, r16k, false);
	wr(m, r16k, 31, 0);
	expect_fault(&rg, 31ull << 47, REF_FAULT_TRANSLATION, 0);
	rg.ctrl = VCTRL(17, 3, TG_16K, PS_48);
	expect_misconfig(&rg);
}

static void test_s2_xnx(void **state)
{
	static const bool el1[4] = { true, false, false, true };
	static const bool el0[4] = { true, true, false, false };
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K);
	struct ref_regime rg = s2(m, VCTRL(25, 1, TG_4K, PS_48), root, false);
	struct ref_result r;
	unsigned int xn;

	rg.xnx = true;
	/* XN[1:0]: 00 both, 01 EL0 only (PXN), 10 neither, 11 EL1 only (UXN) */
	for (xn = 0; xn < 4; xn++) {
		wr(m, root, xn, BLOCK(0x80000000ull) | S2_WB | S2_RW | S2_XN(xn));
		r = xlat(&rg, xn * SZ_1G, REF_ACC_EXEC);
		assert_int_equal(r.fault, el1[xn] ? REF_OK : REF_FAULT_PERMISSION);
		assert_int_equal(r.x, el1[xn]);
		assert_int_equal(r.ux, el0[xn]);
		assert_int_equal(xlat(&rg, xn * SZ_1G, REF_ACC_EXEC_EL0).fault,
				 el0[xn] ? REF_OK : REF_FAULT_PERMISSION);
	}
	/* S2AP governs EL0 as it does EL1 */
	wr(m, root, 4, BLOCK(0x80000000ull) | S2_WB | S2_R);
	assert_int_equal(xlat(&rg, 4 * SZ_1G, REF_ACC_READ_EL0).fault, REF_OK);
	assert_int_equal(xlat(&rg, 4 * SZ_1G, REF_ACC_WRITE_EL0).fault, REF_FAULT_PERMISSION);
	/* Device memory executes nowhere, whatever XN says */
	wr(m, root, 5, BLOCK(0x80000000ull) | S2_MA(1) | S2_RW);
	r = xlat(&rg, 5 * SZ_1G, REF_ACC_NONE);
	assert_false(r.x);
	assert_false(r.ux);
	/* without FEAT_XNX, bit 53 is read strictly: nothing executes */
	rg.xnx = false;
	r = xlat(&rg, 3 * SZ_1G, REF_ACC_NONE);
	assert_false(r.x);
	assert_false(r.ux);
}

static void test_e2h_permissions(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K), t = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, E2H_CTRL(25, TG_4K, PS_48), root);
	struct ref_result r;
	unsigned int ap;

	rg.e2h = true;
	/* AP[2:1]: 00 EL2 RW; 01 EL2 and EL0 RW; 10 EL2 RO; 11 both RO */
	for (ap = 0; ap < 4; ap++) {
		wr(m, root, ap, BLOCK(0x80000000ull) | ((uint64_t)ap << 6));
		r = xlat(&rg, ap * SZ_1G, REF_ACC_NONE);
		assert_int_equal(r.fault, REF_OK);
		assert_true(r.r);
		assert_int_equal(r.w, !(ap & 2));
		assert_int_equal(r.ur, ap & 1);
		assert_int_equal(r.uw, ap == 1);
		/* memory EL0 can write is never executable at EL2 */
		assert_int_equal(r.x, ap != 1);
		assert_true(r.ux);
		assert_false(r.ng);
	}
	wr(m, root, 4, BLOCK(0x80000000ull) | PXN | NG);
	r = xlat(&rg, 4 * SZ_1G, REF_ACC_EXEC);
	assert_int_equal(r.fault, REF_FAULT_PERMISSION);
	assert_true(r.ux);
	assert_true(r.ng);
	wr(m, root, 5, BLOCK(0x80000000ull) | XN);
	assert_int_equal(xlat(&rg, 5 * SZ_1G, REF_ACC_EXEC).fault, REF_OK);
	assert_int_equal(xlat(&rg, 5 * SZ_1G, REF_ACC_EXEC_EL0).fault, REF_FAULT_PERMISSION);
	/* PXNTable and APTable[0] limit everything below */
	wr(m, root, 6, TABLE(t) | PXNTABLE | APTABLE0);
	wr(m, t, 0, BLOCK(0x80000000ull) | AP_EL0);
	r = xlat(&rg, 6 * SZ_1G, REF_ACC_NONE);
	assert_false(r.x);
	assert_false(r.ur);
	assert_true(r.ux);
	/* the non-VHE regime has neither EL0 nor nG */
	rg.e2h = false;
	rg.ctrl = CTRL(25, TG_4K, PS_48);
	r = xlat(&rg, 4 * SZ_1G, REF_ACC_NONE);
	assert_false(r.ng);
	assert_false(r.ur);
	assert_false(r.ux);
	assert_true(r.x);	/* bit 53 is RES0 there */
	r = xlat(&rg, 6 * SZ_1G, REF_ACC_NONE);
	assert_true(r.x);
	/* EPD0 turns every TTBR0 walk into a fault; TTBR1 walks are not modelled */
	rg.e2h = true;
	rg.ctrl = E2H_CTRL(25, TG_4K, PS_48) | E2H_EPD0;
	expect_fault(&rg, 0x1000, REF_FAULT_TRANSLATION, 0);
	rg.ctrl = E2H_CTRL(25, TG_4K, PS_48) & ~E2H_EPD1;
	expect_misconfig(&rg);
}

/* ---- memory attributes ---- */

static void check_mair(struct fmem *m, uint64_t mair, const enum ref_memtype want[8])
{
	uint64_t root = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_48), root);
	unsigned int i;

	rg.mair = mair;
	for (i = 0; i < 8; i++) {
		struct ref_result r;

		wr(m, root, i, BLOCK(0x80000000ull) | ATTR(i));
		r = xlat(&rg, i * SZ_1G, REF_ACC_NONE);
		assert_int_equal(r.fault, REF_OK);
		assert_int_equal(r.mt, want[i]);
		assert_int_equal(r.x, want[i] > REF_MT_DEVICE_GRE);
	}
}

static void test_mair_decode(void **state)
{
	static const enum ref_memtype want1[8] = {
		REF_MT_DEVICE_nGnRnE, REF_MT_DEVICE_nGnRE, REF_MT_DEVICE_nGRE, REF_MT_DEVICE_GRE,
		REF_MT_NORMAL_NC, REF_MT_NORMAL_WT, REF_MT_NORMAL_WB, REF_MT_NORMAL_NC,
	};
	static const enum ref_memtype want2[8] = {
		REF_MT_NORMAL_WT, REF_MT_NORMAL_NC, REF_MT_NORMAL_WB, REF_MT_RESERVED,
		REF_MT_RESERVED, REF_MT_NORMAL_NC, REF_MT_NORMAL_WT, REF_MT_NORMAL_WB,
	};
	static const enum ref_memtype want3[8] = {
		REF_MT_NORMAL_WB, REF_MT_NORMAL_WT, REF_MT_NORMAL_WB, REF_MT_NORMAL_NC,
		REF_MT_RESERVED, REF_MT_NORMAL_WT, REF_MT_NORMAL_WT, REF_MT_DEVICE_nGnRnE,
	};

	check_mair(*state, 0x4fffbb440c080400ull, want1);
	/* 0x88 WT, 0x48 NC/WT, 0xee WB, 0x0d, 0x10 reserved, 0x40/0xa0/0xf0 (XS, MTE) */
	check_mair(*state, 0xf0a040100dee4888ull, want2);
	/* 0x7f WB transient, 0x3b WT transient, 0xcc WB, 0x4c NC, 0x01, 0x8b, 0xbb, 0x00 */
	check_mair(*state, 0x00bb8b014ccc3b7full, want3);
}

static void check_s2_memattr(struct fmem *m, bool fwb, const enum ref_memtype want[16])
{
	uint64_t root = fmem_page(m, SZ_4K);
	struct ref_regime rg = s2(m, VCTRL(25, 1, TG_4K, PS_48), root, fwb);
	unsigned int i;

	for (i = 0; i < 16; i++) {
		struct ref_result r;

		wr(m, root, i, BLOCK(0x80000000ull) | S2_MA(i) | S2_RW);
		r = xlat(&rg, i * SZ_1G, REF_ACC_NONE);
		assert_int_equal(r.fault, REF_OK);
		assert_int_equal(r.mt, want[i]);
		assert_int_equal(r.x, want[i] > REF_MT_DEVICE_GRE);
	}
}

static void test_s2_memattr(void **state)
{
	static const enum ref_memtype nofwb[16] = {
		REF_MT_DEVICE_nGnRnE, REF_MT_DEVICE_nGnRE, REF_MT_DEVICE_nGRE, REF_MT_DEVICE_GRE,
		REF_MT_RESERVED, REF_MT_NORMAL_NC, REF_MT_NORMAL_NC, REF_MT_NORMAL_NC,
		REF_MT_RESERVED, REF_MT_NORMAL_NC, REF_MT_NORMAL_WT, REF_MT_NORMAL_WT,
		REF_MT_RESERVED, REF_MT_NORMAL_NC, REF_MT_NORMAL_WT, REF_MT_NORMAL_WB,
	};
	static const enum ref_memtype fwb[16] = {
		REF_MT_DEVICE_nGnRnE, REF_MT_DEVICE_nGnRE, REF_MT_DEVICE_nGRE, REF_MT_DEVICE_GRE,
		REF_MT_RESERVED, REF_MT_NORMAL_NC, REF_MT_NORMAL_WB, REF_MT_NORMAL_WB,
		REF_MT_DEVICE_nGnRnE, REF_MT_DEVICE_nGnRE, REF_MT_DEVICE_nGRE, REF_MT_DEVICE_GRE,
		REF_MT_RESERVED, REF_MT_NORMAL_NC, REF_MT_NORMAL_WB, REF_MT_NORMAL_WB,
	};

	check_s2_memattr(*state, false, nofwb);
	check_s2_memattr(*state, true, fwb);
}

/* ---- hierarchical attributes ---- */

static void test_table_attrs(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K), a = fmem_page(m, SZ_4K), b = fmem_page(m, SZ_4K);
	uint64_t c = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_48), root);
	uint64_t root2 = fmem_page(m, SZ_4K), d = fmem_page(m, SZ_4K);
	struct ref_regime rg2 = s2(m, VCTRL(25, 1, TG_4K, PS_48), root2, false);
	struct ref_result r;

	wr(m, root, 0, TABLE(a) | APTABLE1);
	wr(m, root, 1, TABLE(b) | XNTABLE);
	wr(m, root, 2, TABLE(c) | APTABLE0 | PXNTABLE);
	wr(m, a, 0, BLOCK(0x80000000ull));
	wr(m, b, 0, BLOCK(0x80000000ull));
	wr(m, c, 0, BLOCK(0x80000000ull));
	wr(m, root2, 0, TABLE(d) | APTABLE1 | XNTABLE);
	wr(m, d, 0, BLOCK(0x80000000ull) | S2_RW | S2_WB);
	/* APTable[1] makes everything below read-only */
	r = xlat(&rg, 0, REF_ACC_WRITE);
	assert_int_equal(r.fault, REF_FAULT_PERMISSION);
	assert_true(r.r && !r.w && r.x);
	/* XNTable makes everything below execute-never */
	r = xlat(&rg, SZ_1G, REF_ACC_EXEC);
	assert_int_equal(r.fault, REF_FAULT_PERMISSION);
	assert_true(r.r && r.w && !r.x);
	/* APTable[0] and PXNTable mean nothing in the EL2 regime */
	r = xlat(&rg, 2 * SZ_1G, REF_ACC_WRITE);
	assert_int_equal(r.fault, REF_OK);
	assert_true(r.r && r.w && r.x);
	/* stage 2 table descriptors carry no such attributes */
	r = xlat(&rg2, 0, REF_ACC_WRITE);
	assert_int_equal(r.fault, REF_OK);
	assert_true(r.r && r.w && r.x);
	assert_int_equal(xlat(&rg2, 0, REF_ACC_EXEC).fault, REF_OK);
}

static void test_table_attrs_deep(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K), l2 = fmem_page(m, SZ_4K), l3 = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_48), root);
	struct ref_result r;

	/* attributes accumulate across levels: RO from L1, XN from L2 */
	wr(m, root, 0, TABLE(l2) | APTABLE1);
	wr(m, l2, 0, TABLE(l3) | XNTABLE);
	wr(m, l2, 1, BLOCK(0x80000000ull));
	wr(m, l3, 0, PAGE(0x80000000ull));
	r = xlat(&rg, 0x10, REF_ACC_READ);
	assert_int_equal(r.fault, REF_OK);
	assert_true(r.r && !r.w && !r.x);
	r = xlat(&rg, SZ_2M + 0x10, REF_ACC_EXEC);
	assert_int_equal(r.fault, REF_OK);
	assert_true(r.r && !r.w && r.x);
}

/* ---- misconfiguration ---- */

static void test_misconfig(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_alloc(m, 16 * SZ_64K, 16 * SZ_64K);
	struct ref_regime rg;

	rg = s1(m, CTRL(25, 3, PS_48), root);		/* TG0 0b11 */
	expect_misconfig(&rg);
	rg = s1(m, CTRL(15, TG_4K, PS_48), root);	/* 49 bits needs FEAT_LVA */
	expect_misconfig(&rg);
	rg = s1(m, CTRL(49, TG_4K, PS_48), root);	/* 15 bits: below even FEAT_TTST */
	expect_misconfig(&rg);
	rg = s1(m, CTRL(48, TG_64K, PS_48), root);	/* 16 bits: not with 64K pages */
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(40, 0, TG_4K, PS_48), root, false);	/* 24 bits: no TTST at stage 2 */
	expect_misconfig(&rg);
	rg = s1(m, CTRL(48, TG_4K, PS_48), root);	/* 16 bits, FEAT_TTST: one level 3 table */
	assert_int_equal(ref_count_tables(&rg), 1);
	rg = s1(m, CTRL(16, TG_16K, PS_48), root + 8);	/* 2-entry root off 16 bytes */
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(25, 3, TG_4K, PS_48), root, false);	/* SL0 0b11 */
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(25, 3, TG_64K, PS_48), root, false);
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(16, 0, TG_4K, PS_48), root, false);	/* 27 bits at L2 */
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(25, 2, TG_4K, PS_48), root, false);	/* 39 bits at L0 */
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(16, 1, TG_4K, PS_48), root, false);	/* 18 bits at L1 */
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(34, 1, TG_4K, PS_48), root, false);	/* 0 bits at L1 */
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(16, 1, TG_64K, PS_48), root, false);	/* 19 bits at L2 */
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(16, 0, TG_16K, PS_48), root, false);	/* 34 bits at L3 */
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(30, 0, TG_4K, PS_48), root + SZ_64K / 2, false);	/* 16 pages, 32K off */
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(29, 0, TG_4K, PS_48), root, false);	/* 32 pages */
	expect_misconfig(&rg);
	rg = s2(m, VCTRL(30, 0, TG_4K, PS_48), root, false);	/* the limit: 16 pages */
	assert_int_equal(ref_count_tables(&rg), 16);
	rg.stage = 3;
	expect_misconfig(&rg);
}

/* ---- enumeration ---- */

struct leaf_log {
	struct ref_mapping m[16];
	int n, stop_at;
};

static int log_leaf(void *arg, const struct ref_mapping *m)
{
	struct leaf_log *log = arg;

	assert_true(log->n < 16);
	log->m[log->n++] = *m;
	return log->n == log->stop_at;
}

static void expect_leaf(const struct ref_mapping *m, uint64_t ia, uint64_t size, uint64_t pa,
			int level)
{
	assert_int_equal(m->ia, ia);
	assert_int_equal(m->size, size);
	assert_int_equal(m->pa, pa);
	assert_int_equal(m->level, level);
}

static uint64_t build_mixed(struct fmem *m, uint64_t *shared)
{
	uint64_t root = fmem_page(m, SZ_4K), a = fmem_page(m, SZ_4K), l3 = fmem_page(m, SZ_4K);
	uint64_t b = fmem_page(m, SZ_4K);

	wr(m, root, 0, TABLE(a));
	wr(m, a, 0, TABLE(l3));
	wr(m, l3, 5, PAGE(0x90005000ull));
	wr(m, l3, 1, PAGE(0x90001000ull));
	wr(m, l3, 7, 0x5a5a0000ull);			/* annotation */
	wr(m, a, 3, BLOCK(0x90600000ull));
	wr(m, root, 1, 0xfeed0000ull);			/* annotation */
	wr(m, root, 2, BLOCK(0xc0000000ull));
	wr(m, root, 510, TABLE(b));
	wr(m, b, 511, BLOCK(0xa0000000ull) | SW(3));
	/* bits 20:12 of an L2 block are not output address bits */
	wr(m, b, 100, BLOCK(0xbf000000ull) | 0x1ff000ull);
	*shared = a;
	return root;
}

static void test_for_each_leaf(void **state)
{
	struct fmem *m = *state;
	uint64_t shared, root = build_mixed(m, &shared);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_40), root);
	struct leaf_log log = { .stop_at = 0 };

	assert_int_equal(ref_visit_leaves(&rg, log_leaf, &log), 6);
	assert_int_equal(log.n, 6);
	expect_leaf(&log.m[0], 0x1000, SZ_4K, 0x90001000ull, 3);
	expect_leaf(&log.m[1], 0x5000, SZ_4K, 0x90005000ull, 3);
	expect_leaf(&log.m[2], 3 * SZ_2M, SZ_2M, 0x90600000ull, 2);
	expect_leaf(&log.m[3], 2 * SZ_1G, SZ_1G, 0xc0000000ull, 1);
	expect_leaf(&log.m[4], 510 * SZ_1G + 100 * SZ_2M, SZ_2M, 0xbf000000ull, 2);
	expect_leaf(&log.m[5], 510 * SZ_1G + 511 * SZ_2M, SZ_2M, 0xa0000000ull, 2);
	assert_int_equal(log.m[5].desc, BLOCK(0xa0000000ull) | SW(3));
	expect_ok(&rg, 510 * SZ_1G + 100 * SZ_2M + 0x12345, 0xbf012345ull, 2);

	/* stopping early counts the leaf that stopped */
	log.n = 0;
	log.stop_at = 2;
	assert_int_equal(ref_visit_leaves(&rg, log_leaf, &log), 2);
	assert_int_equal(log.n, 2);
	assert_int_equal(ref_visit_leaves(&rg, NULL, NULL), 6);
}

static void test_for_each_leaf_concat(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_alloc(m, 4 * SZ_4K, 4 * SZ_4K), l3 = fmem_page(m, SZ_4K);
	struct ref_regime rg = s2(m, VCTRL(32, 0, TG_4K, PS_40), root, false);
	struct leaf_log log = { .stop_at = 0 };

	wr(m, root, 2047, BLOCK(0x1000000ull) | S2_RW);
	wr(m, root, 0, BLOCK(0x2000000ull) | S2_RW);
	wr(m, root, 600, TABLE(l3));
	wr(m, l3, 511, PAGE(0x3000000ull) | S2_RW);
	wr(m, l3, 0, PAGE(0x3001000ull) | S2_RW);
	assert_int_equal(ref_visit_leaves(&rg, log_leaf, &log), 4);
	expect_leaf(&log.m[0], 0, SZ_2M, 0x2000000ull, 2);
	expect_leaf(&log.m[1], 600 * SZ_2M, SZ_4K, 0x3001000ull, 3);
	expect_leaf(&log.m[2], 600 * SZ_2M + 511 * SZ_4K, SZ_4K, 0x3000000ull, 3);
	expect_leaf(&log.m[3], 2047 * SZ_2M, SZ_2M, 0x1000000ull, 2);
	assert_int_equal(ref_count_tables(&rg), 5);
}

static void test_count_tables(void **state)
{
	struct fmem *m = *state;
	uint64_t shared, root = build_mixed(m, &shared);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_40), root);

	/* root, a, l3, b */
	assert_int_equal(ref_count_tables(&rg), 4);
	/* a second descriptor to the same table adds no page */
	wr(m, root, 3, TABLE(shared));
	assert_int_equal(ref_count_tables(&rg), 4);
	/* but its leaves are seen again, at their new input addresses */
	assert_int_equal(ref_visit_leaves(&rg, NULL, NULL), 9);
	expect_ok(&rg, 3 * SZ_1G + 0x5010, 0x90005010ull, 3);
	/* a table out of the PS range is not followed and not counted */
	wr(m, root, 4, TABLE(0x10000000000ull));
	assert_int_equal(ref_count_tables(&rg), 4);
	assert_int_equal(ref_visit_bad_entries(&rg, NULL, NULL), 1);
}

struct inv_log {
	uint64_t ia[8], desc[8];
	int level[8];
	int n;
};

static int log_invalid(void *arg, uint64_t ia, int level, uint64_t desc)
{
	struct inv_log *log = arg;

	assert_true(log->n < 8);
	log->ia[log->n] = ia;
	log->level[log->n] = level;
	log->desc[log->n++] = desc;
	return 0;
}

static void test_invalid_nonzero(void **state)
{
	struct fmem *m = *state;
	uint64_t shared, root = build_mixed(m, &shared);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_40), root);
	struct inv_log log = { .n = 0 };

	assert_int_equal(ref_visit_invalid_nonzero(&rg, log_invalid, &log), 2);
	assert_int_equal(log.ia[0], 7 * SZ_4K);
	assert_int_equal(log.level[0], 3);
	assert_int_equal(log.desc[0], 0x5a5a0000ull);
	assert_int_equal(log.ia[1], SZ_1G);
	assert_int_equal(log.level[1], 1);
	assert_int_equal(log.desc[1], 0xfeed0000ull);
	assert_int_equal(ref_visit_invalid_nonzero(&rg, NULL, NULL), 2);
}

struct bad_log {
	uint64_t ia[8];
	int level[8];
	enum ref_fault f[8];
	int n;
};

static int log_bad(void *arg, uint64_t ia, int level, uint64_t desc, enum ref_fault f)
{
	struct bad_log *log = arg;

	(void)desc;
	assert_true(log->n < 8);
	log->ia[log->n] = ia;
	log->level[log->n] = level;
	log->f[log->n++] = f;
	return 0;
}

static void test_bad_entries(void **state)
{
	struct fmem *m = *state;
	uint64_t root = fmem_page(m, SZ_4K), l2 = fmem_page(m, SZ_4K), l3 = fmem_page(m, SZ_4K);
	struct ref_regime rg = s1(m, CTRL(25, TG_4K, PS_36), root);
	struct bad_log log = { .n = 0 };

	wr(m, root, 0, TABLE(l2));
	wr(m, l2, 0, TABLE(l3));
	wr(m, l3, 2, BLOCK(0x1000));			/* L3 0b01 */
	wr(m, l3, 3, PAGE(0x1000000000ull));		/* beyond 36 bits */
	wr(m, l2, 4, TABLE(0x20000000ull));		/* not in memory */
	wr(m, root, 5, BLOCK(0x80000000ull));		/* fine */
	assert_int_equal(ref_visit_bad_entries(&rg, log_bad, &log), 3);
	assert_int_equal(log.ia[0], 2 * SZ_4K);
	assert_int_equal(log.f[0], REF_FAULT_TRANSLATION);
	assert_int_equal(log.level[0], 3);
	assert_int_equal(log.ia[1], 3 * SZ_4K);
	assert_int_equal(log.f[1], REF_FAULT_ADDRESS_SIZE);
	assert_int_equal(log.ia[2], 4 * SZ_2M);
	assert_int_equal(log.f[2], REF_FAULT_EXTERNAL);
	assert_int_equal(log.level[2], 3);
	assert_int_equal(ref_visit_leaves(&rg, NULL, NULL), 1);
}

static void test_strings(void **state)
{
	(void)state;
	assert_string_equal(ref_fault_str(REF_FAULT_PERMISSION), "permission fault");
	assert_string_equal(ref_memtype_str(REF_MT_NORMAL_WB), "Normal-WB");
	assert_string_equal(ref_fault_str((enum ref_fault)99), "?");
	assert_string_equal(ref_memtype_str((enum ref_memtype)99), "?");
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_geometry),
		T(test_ps_decode),
		T(test_geometry_52),
		T(test_ps_decode_52),
		T(test_lpa_64k),
		T(test_lpa2_4k_s1),
		T(test_lpa2_s2),
		T(test_s2_xnx),
		T(test_e2h_permissions),
		T(test_s1_4k_l1_start),
		T(test_s1_4k_l0_start),
		T(test_s1_16k),
		T(test_s1_64k),
		T(test_s1_64k_l2_root),
		T(test_s2_concat_4k),
		T(test_s2_concat_16k_64k),
		T(test_s2_misaligned_concat),
		T(test_reserved_encodings),
		T(test_block_levels),
		T(test_address_size),
		T(test_address_size_64k),
		T(test_external),
		T(test_input_range),
		T(test_access_flag),
		T(test_s1_permissions),
		T(test_s2_permissions),
		T(test_mair_decode),
		T(test_s2_memattr),
		T(test_table_attrs),
		T(test_table_attrs_deep),
		T(test_misconfig),
		T(test_for_each_leaf),
		T(test_for_each_leaf_concat),
		T(test_count_tables),
		T(test_invalid_nonzero),
		T(test_bad_entries),
		T(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
