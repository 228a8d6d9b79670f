// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_descriptors.c - the descriptors both stages write, bit by bit: leaf
 * encodings for every permission the library accepts, their decoding,
 * stage-2 owner annotations, table descriptors, the descriptor predicates
 * and TCR_EL2.  Each encoding is also read back through the reference
 * translator, which knows nothing of the library's macros.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define BIT(n)			(1ULL << (n))
#define VA_BITS			48

/* The raw descriptor fields, as the Arm ARM numbers them. */
#define D_TYPE(d)		((d) & 3)
#define D_ATTRINDX(d)		(((d) >> 2) & 7)
#define D_MEMATTR(d)		(((d) >> 2) & 0xf)
#define D_NS			BIT(5)
#define D_AP1			BIT(6)	/* EL2 stage 1: RES1;  stage 2: S2AP[0], read */
#define D_AP2			BIT(7)	/* EL2 stage 1: read-only;  stage 2: S2AP[1], write */
#define D_SH(d)			(((d) >> 8) & 3)
#define D_AF			BIT(10)
#define D_NG			BIT(11)
#define D_DBM			BIT(51)
#define D_CONTIG		BIT(52)
#define D_PXN_XN0		BIT(53)	/* stage 1 (EL2, one VA range): RES0;  stage 2: XN[0] */
#define D_XN			BIT(54)
#define D_SW(d)			(((d) >> 55) & 0xf)
#define D_OA(d)			((d) & 0x0000fffffffff000ULL)
#define D_HI_RES0		(0x1fULL << 59)	/* table attributes / PBHA / ignored in leaves */

static struct pgt_geometry geom_of(u32 granule)
{
	struct pgt_geometry geom;

	assert_int_equal(pgt_geometry_hyp(&geom, VA_BITS, granule), 0);
	return geom;
}

/* Leaf levels without FEAT_LPA2: 4K 1-3, 16K/64K 2-3 (spelled out, not asked of the library). */
static int first_leaf_level(u32 granule)
{
	return granule == PGT_GRANULE_4K ? 1 : 2;
}

/* Two output addresses per leaf size: a pattern, and the highest 48-bit one. */
static u64 leaf_pa(const struct pgt_geometry *geom, int level, int which)
{
	u64 size = pgt_level_size(geom, level);

	return which ? (1ULL << 48) - size : PGT_ALIGN_DOWN(0x0000a5a5a5a5a5a5ULL, size);
}

/* Every combination of R, W, X, DEVICE and the four software bits. */
static int all_prots(u32 *out)
{
	int n = 0;
	u32 base, sw;

	/* Bit 2 of @base stands for X, which is PX and UX together. */
	for (base = 0; base < 16; base++)
		for (sw = 0; sw < 16; sw++)
			out[n++] = (base & ~4u) | (base & 4 ? PGT_PROT_X : 0) | sw << 8;
	return n;
}

static bool hyp_prot_ok(u32 prot)
{
	bool r = prot & PGT_PROT_R, w = prot & PGT_PROT_W, x = prot & PGT_PROT_X;
	bool dev = prot & PGT_PROT_DEVICE;

	return r && !(w && x) && !(dev && x);
}

static bool s2_prot_ok(u32 prot)
{
	return !((prot & PGT_PROT_X) && (prot & PGT_PROT_DEVICE));
}

/* R, W, PX, DEVICE, UX, NORMAL_NC and SW0-3; test_formats.c has UX and NC alone. */
static const u32 known_prot_bits = 0xf3f;

/* The accepted prots, each with whether the check must accept it. */
static int accepted_prots(u32 *out, bool s2)
{
	u32 all[256];
	int i, n = all_prots(all), m = 0;

	for (i = 0; i < n; i++)
		if (s2 ? s2_prot_ok(all[i]) : hyp_prot_ok(all[i]))
			out[m++] = all[i];
	return m;
}

/* ---- EL2 stage 1 ---- */

static void hyp_prot_check_all(void **state)
{
	u32 all[256];
	int i, n = all_prots(all), ok = 0;
	u32 bit;

	(void)state;
	for (i = 0; i < n; i++) {
		int want = hyp_prot_ok(all[i]) ? 0 : -EINVAL;

		if (pgt_hyp_prot_check(all[i]) != want)
			fail_msg("pgt_hyp_prot_check(0x%x) = %d, expected %d", all[i],
				 pgt_hyp_prot_check(all[i]), want);
		ok += !want;
	}
	/* R, RW, RX, R+DEVICE, RW+DEVICE, each with 16 software-bit sets. */
	assert_int_equal(ok, 5 * 16);
	assert_int_equal(pgt_hyp_prot_check(0), -EINVAL);
	assert_int_equal(pgt_hyp_prot_check(PGT_PROT_W), -EINVAL);
	assert_int_equal(pgt_hyp_prot_check(PGT_PROT_X), -EINVAL);
	assert_int_equal(pgt_hyp_prot_check(PGT_PROT_RWX), -EINVAL);
	assert_int_equal(pgt_hyp_prot_check(PGT_PROT_RX | PGT_PROT_DEVICE), -EINVAL);
	assert_int_equal(pgt_hyp_prot_check(PGT_PROT_R | PGT_PROT_DEVICE), 0);
	assert_int_equal(pgt_hyp_prot_check(PGT_PROT_RX | PGT_PROT_SW_MASK), 0);
	for (bit = 0; bit < 32; bit++) {
		if (known_prot_bits & (1u << bit))
			continue;
		assert_int_equal(pgt_hyp_prot_check(PGT_PROT_R | 1u << bit), -EINVAL);
		assert_int_equal(pgt_hyp_prot_check(PGT_PROT_RW | 1u << bit), -EINVAL);
	}
}

static void hyp_mair(void **state)
{
	(void)state;
	assert_int_equal(PGT_HYP_ATTR_NORMAL, 0);
	assert_int_equal(PGT_HYP_ATTR_DEVICE, 1);
	/* Normal inner/outer write-back RW-allocate; Device-nGnRE; nothing else. */
	assert_int_equal((PGT_HYP_MAIR >> (8 * PGT_HYP_ATTR_NORMAL)) & 0xff, 0xff);
	assert_int_equal((PGT_HYP_MAIR >> (8 * PGT_HYP_ATTR_DEVICE)) & 0xff, 0x04);
	assert_int_equal(PGT_HYP_MAIR >> 16, 0);
}

/* The whole EL2 stage-1 leaf, built here from the Arm ARM field list. */
static pgt_pte_t hyp_leaf_expected(u64 pa, u32 prot, int level)
{
	pgt_pte_t d = pa | (level == 3 ? 3 : 1);

	d |= (u64)((prot & PGT_PROT_DEVICE) ? 1 : 0) << 2;	/* AttrIndx */
	d |= D_AP1;						/* AP[1] RES1 */
	if (!(prot & PGT_PROT_W))
		d |= D_AP2;					/* AP[2]: read-only */
	d |= 3ULL << 8 | D_AF;					/* SH inner, AF */
	if (!(prot & PGT_PROT_X))
		d |= D_XN;
	return d | (u64)((prot >> 8) & 0xf) << 55;
}

static void hyp_leaf_bits(void **state)
{
	u32 granule = test_granule(state);
	struct pgt_geometry geom = geom_of(granule);
	u32 prots[256];
	int n = accepted_prots(prots, false), i, level, which;

	assert_int_equal(n, 80);
	for (level = first_leaf_level(granule); level <= PGT_MAX_LEVEL; level++) {
		for (which = 0; which < 2; which++) {
			u64 pa = leaf_pa(&geom, level, which);

			for (i = 0; i < n; i++) {
				u32 prot = prots[i];
				pgt_pte_t d = pgt_hyp_leaf_pte(&geom, pa, prot, level);
				pgt_pte_t want = hyp_leaf_expected(pa, prot, level);

				if (d != want)
					fail_msg("level %d prot 0x%x pa 0x%llx: 0x%llx, expected 0x%llx",
						 level, prot, (unsigned long long)pa,
						 (unsigned long long)d, (unsigned long long)want);
				/* The same, field by field, for readable failures. */
				assert_int_equal(D_TYPE(d), level == 3 ? 3 : 1);
				assert_int_equal(D_ATTRINDX(d), (prot & PGT_PROT_DEVICE) ?
						 PGT_HYP_ATTR_DEVICE : PGT_HYP_ATTR_NORMAL);
				assert_true(d & D_AP1);
				assert_int_equal(!!(d & D_AP2), !(prot & PGT_PROT_W));
				assert_int_equal(!!(d & D_XN), !(prot & PGT_PROT_X));
				assert_int_equal(D_SH(d), 3);
				assert_true(d & D_AF);
				assert_false(d & (D_NS | D_NG | D_DBM | D_CONTIG | D_PXN_XN0 |
						  D_HI_RES0));
				assert_int_equal(D_SW(d), (prot & PGT_PROT_SW_MASK) >> 8);
				assert_int_equal(D_OA(d), pa);
				assert_int_equal(pgt_pte_addr(&geom, d), pa);
				/* Decoding gives back exactly what was encoded. */
				assert_int_equal(pgt_hyp_pte_prot(d), prot);
				assert_true(pgt_pte_valid(d));
				assert_true(pgt_pte_is_leaf(d, level));
				assert_false(pgt_pte_is_table(d, level));
			}
		}
	}
}

/* Each accepted prot, mapped by pgt_hyp_map at every leaf level, read back by the translator. */
static void hyp_map_every_prot(void **state)
{
	u32 granule = test_granule(state);
	u32 prots[256];
	int n = accepted_prots(prots, false), i, level;
	struct tenv t;

	tenv_hyp(&t, VA_BITS, granule);
	for (level = first_leaf_level(granule); level <= PGT_MAX_LEVEL; level++) {
		u64 size = pgt_level_size(&t.pgt.geom, level);
		u64 va_base = level == 3 ? 0 : level == 2 ? 1ULL << 40 : 1ULL << 44;
		u64 pa_base = level == 3 ? 1ULL << 32 : level == 2 ? 1ULL << 41 : 1ULL << 42;

		for (i = 0; i < n; i++) {
			u64 va = va_base + i * size, pa = pa_base + i * size;
			struct ref_result res;
			u32 prot = prots[i];

			assert_int_equal(pgt_hyp_map(&t.pgt, va, size, pa, prot), 0);
			expect_mapped(&t, va, pa, prot);
			expect_mapped(&t, va + size - 8, pa + size - 8, prot);
			res = tenv_xlat(&t, va);
			assert_int_equal(res.level, level);
			assert_int_equal(res.leaf_size, size);
			assert_int_equal(res.desc, pgt_hyp_leaf_pte(&t.pgt.geom, pa, prot, level));
			assert_int_equal(pgt_hyp_pte_prot(res.desc), prot);

			/* The permission checks a real access would make. */
			assert_int_equal(ref_translate(&t.rg, va, REF_ACC_READ, &res), 0);
			assert_int_equal(res.fault, REF_OK);
			assert_int_equal(ref_translate(&t.rg, va, REF_ACC_WRITE, &res), 0);
			assert_int_equal(res.fault, (prot & PGT_PROT_W) ? REF_OK :
						    REF_FAULT_PERMISSION);
			assert_int_equal(ref_translate(&t.rg, va, REF_ACC_EXEC, &res), 0);
			assert_int_equal(res.fault, (prot & PGT_PROT_X) ? REF_OK :
						    REF_FAULT_PERMISSION);
		}
	}
	assert_int_equal(ref_visit_leaves(&t.rg, NULL, NULL),
			 n * (PGT_MAX_LEVEL - first_leaf_level(granule) + 1));
	assert_int_equal(ref_visit_bad_entries(&t.rg, NULL, NULL), 0);
	tenv_fini(&t);
}

/* Bad prots reach pgt_hyp_map too: rejected with nothing allocated. */
static void hyp_map_rejects_bad_prot(void **state)
{
	u32 all[256];
	int i, n = all_prots(all);
	struct tenv t;

	tenv_hyp(&t, VA_BITS, test_granule(state));
	for (i = 0; i < n; i++) {
		if (hyp_prot_ok(all[i]))
			continue;
		assert_int_equal(pgt_hyp_map(&t.pgt, 0, tenv_page(&t), 1ULL << 32, all[i]),
				 -EINVAL);
	}
	assert_int_equal(pgt_hyp_map(&t.pgt, 0, tenv_page(&t), 1ULL << 32, PGT_PROT_R | BIT(4)),
			 -EINVAL);
	assert_int_equal(tenv_pages_in_use(&t), 1);
	expect_unmapped(&t, 0);
	tenv_fini(&t);
}

/* A leaf without AF is a valid descriptor the hardware faults on. */
static void hyp_access_flag_clear(void **state)
{
	u32 granule = test_granule(state);
	struct tenv t;
	int level;

	tenv_hyp(&t, VA_BITS, granule);
	for (level = first_leaf_level(granule); level <= PGT_MAX_LEVEL; level++) {
		u64 size = pgt_level_size(&t.pgt.geom, level), ia = (u64)(level + 1) << 40;
		u64 pa = leaf_pa(&t.pgt.geom, level, 0);
		pgt_pte_t d = pgt_hyp_leaf_pte(&t.pgt.geom, pa, PGT_PROT_RW, level) & ~D_AF;
		struct ref_result res;

		test_install(&t, ia, d, level);
		res = tenv_xlat(&t, ia + size / 2);
		assert_int_equal(res.fault, REF_FAULT_ACCESS_FLAG);
		assert_int_equal(res.level, level);
		assert_int_equal(res.desc, d);
		assert_int_equal(res.pa, pa + size / 2);
	}
	tenv_fini(&t);
}

/* ---- stage 2 ---- */

static void s2_prot_check_all(void **state)
{
	u32 all[256];
	int i, n = all_prots(all), ok = 0;
	u32 bit;

	(void)state;
	for (i = 0; i < n; i++) {
		int want = s2_prot_ok(all[i]) ? 0 : -EINVAL;

		if (pgt_s2_prot_check(all[i]) != want)
			fail_msg("pgt_s2_prot_check(0x%x) = %d, expected %d", all[i],
				 pgt_s2_prot_check(all[i]), want);
		ok += !want;
	}
	/* Everything but DEVICE with X: 12 of 16, each with 16 software-bit sets. */
	assert_int_equal(ok, 12 * 16);
	assert_int_equal(pgt_s2_prot_check(0), 0);
	assert_int_equal(pgt_s2_prot_check(PGT_PROT_W), 0);
	assert_int_equal(pgt_s2_prot_check(PGT_PROT_X), 0);
	assert_int_equal(pgt_s2_prot_check(PGT_PROT_RWX), 0);
	assert_int_equal(pgt_s2_prot_check(PGT_PROT_X | PGT_PROT_DEVICE), -EINVAL);
	for (bit = 0; bit < 32; bit++) {
		if (known_prot_bits & (1u << bit))
			continue;
		assert_int_equal(pgt_s2_prot_check(1u << bit), -EINVAL);
		assert_int_equal(pgt_s2_prot_check(PGT_PROT_RW | 1u << bit), -EINVAL);
	}
}

/* MemAttr[3:0]: without FWB Normal WB 0b1111 / Device-nGnRE 0b0001; with FWB 0b0110 / 0b0001. */
static u64 s2_memattr_expected(u32 prot, bool fwb)
{
	if (prot & PGT_PROT_DEVICE)
		return 0x1;
	return fwb ? 0x6 : 0xf;
}

static pgt_pte_t s2_leaf_expected(u64 pa, u32 prot, int level, bool fwb)
{
	pgt_pte_t d = pa | (level == 3 ? 3 : 1);

	d |= s2_memattr_expected(prot, fwb) << 2;
	if (prot & PGT_PROT_R)
		d |= D_AP1;
	if (prot & PGT_PROT_W)
		d |= D_AP2;
	d |= 3ULL << 8 | D_AF;
	if (!(prot & PGT_PROT_X))
		d |= D_XN;
	return d | (u64)((prot >> 8) & 0xf) << 55;
}

static void s2_leaf_bits(void **state)
{
	u32 granule = test_granule(state);
	struct pgt_geometry geom = geom_of(granule);
	u32 prots[256];
	int n = accepted_prots(prots, true), i, level, which, fwb;

	assert_int_equal(n, 192);
	for (fwb = 0; fwb < 2; fwb++) {
		for (level = first_leaf_level(granule); level <= PGT_MAX_LEVEL; level++) {
			for (which = 0; which < 2; which++) {
				u64 pa = leaf_pa(&geom, level, which);

				for (i = 0; i < n; i++) {
					u32 prot = prots[i];
					pgt_pte_t d = pgt_s2_leaf_pte(&geom, pa, prot, level, fwb);
					pgt_pte_t want = s2_leaf_expected(pa, prot, level, fwb);

					if (d != want)
						fail_msg("fwb %d level %d prot 0x%x: 0x%llx, "
							 "expected 0x%llx", fwb, level, prot,
							 (unsigned long long)d,
							 (unsigned long long)want);
					assert_int_equal(D_TYPE(d), level == 3 ? 3 : 1);
					assert_int_equal(D_MEMATTR(d), s2_memattr_expected(prot, fwb));
					assert_int_equal(!!(d & D_AP1), !!(prot & PGT_PROT_R));
					assert_int_equal(!!(d & D_AP2), !!(prot & PGT_PROT_W));
					assert_int_equal(!!(d & D_XN), !(prot & PGT_PROT_X));
					assert_false(d & (D_PXN_XN0 | D_NG | D_DBM | D_CONTIG |
							  D_HI_RES0));
					assert_int_equal(D_SH(d), 3);
					assert_true(d & D_AF);
					assert_int_equal(D_SW(d), (prot & PGT_PROT_SW_MASK) >> 8);
					assert_int_equal(D_OA(d), pa);
					assert_int_equal(pgt_pte_addr(&geom, d), pa);
					assert_int_equal(pgt_s2_pte_prot(d, fwb), prot);
					assert_true(pgt_pte_valid(d));
					assert_true(pgt_pte_is_leaf(d, level));
					assert_int_equal(pgt_s2_pte_owner(d), 0);
				}
			}
		}
	}
}

/* Decoding reads XN[1:0] (FEAT_XNX) and MemAttr as the hardware would. */
static void s2_decode_fields(void **state)
{
	u32 granule = test_granule(state);
	struct pgt_geometry geom = geom_of(granule);
	pgt_pte_t rwx = pgt_s2_leaf_pte(&geom, 0x80000000ULL, PGT_PROT_RWX, 3, false);
	pgt_pte_t dev = pgt_s2_leaf_pte(&geom, 0x80000000ULL, PGT_PROT_RW | PGT_PROT_DEVICE, 3,
					false);
	pgt_pte_t fdev = pgt_s2_leaf_pte(&geom, 0x80000000ULL, PGT_PROT_RW | PGT_PROT_DEVICE, 3,
					 true);
	u64 ma;

	assert_int_equal(pgt_s2_pte_prot(rwx, false), PGT_PROT_RWX);
	/* XN[1:0] (FEAT_XNX): 01 EL0 only, 10 neither, 11 EL1 only. */
	assert_int_equal(pgt_s2_pte_prot(rwx | D_PXN_XN0, false), PGT_PROT_RW | PGT_PROT_UX);
	assert_int_equal(pgt_s2_pte_prot(rwx | D_XN, false), PGT_PROT_RW);
	assert_int_equal(pgt_s2_pte_prot(rwx | D_XN | D_PXN_XN0, false),
			 PGT_PROT_RW | PGT_PROT_PX);
	/* Permission bits decode independently. */
	assert_int_equal(pgt_s2_pte_prot(rwx & ~D_AP1, false), PGT_PROT_W | PGT_PROT_X);
	assert_int_equal(pgt_s2_pte_prot(rwx & ~D_AP2, false), PGT_PROT_RX);

	/* Without FWB: MemAttr[3:2] == 0 is Device, whatever the Device type. */
	for (ma = 0; ma < 16; ma++) {
		pgt_pte_t d = (dev & ~(0xfULL << 2)) | ma << 2;
		u32 want = PGT_PROT_RW | (ma >> 2 == 0 ? PGT_PROT_DEVICE : 0) |
			   (ma == 5 ? PGT_PROT_NORMAL_NC : 0);

		assert_int_equal(pgt_s2_pte_prot(d, false), want);
	}
	/* With FWB: MemAttr[2] == 0 is Device (MemAttr[3] is ignored). */
	for (ma = 0; ma < 16; ma++) {
		pgt_pte_t d = (fdev & ~(0xfULL << 2)) | ma << 2;
		u32 want = PGT_PROT_RW | (!(ma & 4) ? PGT_PROT_DEVICE : 0) |
			   ((ma & 7) == 5 ? PGT_PROT_NORMAL_NC : 0);

		assert_int_equal(pgt_s2_pte_prot(d, true), want);
	}
	/* Either Normal encoding still reads as Normal under the other convention. */
	assert_int_equal(pgt_s2_pte_prot(pgt_s2_leaf_pte(&geom, 0, PGT_PROT_RW, 3, false), true),
			 PGT_PROT_RW);
	assert_int_equal(pgt_s2_pte_prot(pgt_s2_leaf_pte(&geom, 0, PGT_PROT_RW, 3, true), false),
			 PGT_PROT_RW);
}

/*
 * Install each accepted prot's leaf at levels 3 and 2 (and 1 for 4K) and
 * check what the translator makes of it, for the FWB flag @flags.
 */
static void s2_translate_every_prot(void **state, u32 flags)
{
	u32 granule = test_granule(state);
	bool fwb = flags & PGT_S2_FWB;
	u32 prots[256];
	int n = accepted_prots(prots, true), i, level;
	struct tenv t;

	tenv_stage2(&t, VA_BITS, granule, 48, flags);
	assert_int_equal(t.rg.fwb, fwb);
	for (level = first_leaf_level(granule); level <= PGT_MAX_LEVEL; level++) {
		u64 size = pgt_level_size(&t.pgt.geom, level);
		u64 ia_base = level == 3 ? 0 : level == 2 ? 1ULL << 40 : 1ULL << 44;
		u64 pa_base = level == 3 ? 1ULL << 32 : level == 2 ? 1ULL << 41 : 1ULL << 42;

		for (i = 0; i < n; i++) {
			u64 ia = ia_base + i * size, pa = pa_base + i * size;
			u32 prot = prots[i];
			pgt_pte_t d = pgt_s2_leaf_pte(&t.pgt.geom, pa, prot, level, fwb);
			struct ref_result res;

			test_install(&t, ia, d, level);
			expect_mapped(&t, ia, pa, prot);
			expect_mapped(&t, ia + size - 8, pa + size - 8, prot);
			res = tenv_xlat(&t, ia);
			assert_int_equal(res.level, level);
			assert_int_equal(res.desc, d);

			assert_int_equal(ref_translate(&t.rg, ia, REF_ACC_READ, &res), 0);
			assert_int_equal(res.fault, (prot & PGT_PROT_R) ? REF_OK :
						    REF_FAULT_PERMISSION);
			assert_int_equal(ref_translate(&t.rg, ia, REF_ACC_WRITE, &res), 0);
			assert_int_equal(res.fault, (prot & PGT_PROT_W) ? REF_OK :
						    REF_FAULT_PERMISSION);
			assert_int_equal(ref_translate(&t.rg, ia, REF_ACC_EXEC, &res), 0);
			assert_int_equal(res.fault, (prot & PGT_PROT_X) ? REF_OK :
						    REF_FAULT_PERMISSION);
		}
	}
	assert_int_equal(ref_visit_leaves(&t.rg, NULL, NULL),
			 n * (PGT_MAX_LEVEL - first_leaf_level(granule) + 1));
	assert_int_equal(ref_visit_bad_entries(&t.rg, NULL, NULL), 0);
	tenv_fini(&t);
}

static void s2_translate_every_prot_nofwb(void **state)
{
	s2_translate_every_prot(state, 0);
}

static void s2_translate_every_prot_fwb(void **state)
{
	s2_translate_every_prot(state, PGT_S2_FWB);
}

static void s2_access_flag_clear(void **state)
{
	u32 granule = test_granule(state);
	struct tenv t;
	int level, fwb;

	for (fwb = 0; fwb < 2; fwb++) {
		tenv_stage2(&t, VA_BITS, granule, 48, fwb ? PGT_S2_FWB : 0);
		for (level = first_leaf_level(granule); level <= PGT_MAX_LEVEL; level++) {
			u64 size = pgt_level_size(&t.pgt.geom, level), ia = (u64)(level + 1) << 40;
			u64 pa = leaf_pa(&t.pgt.geom, level, 1);
			pgt_pte_t d = pgt_s2_leaf_pte(&t.pgt.geom, pa, PGT_PROT_RWX, level, fwb);
			struct ref_result res;

			test_install(&t, ia, d & ~D_AF, level);
			res = tenv_xlat(&t, ia + size - 1);
			assert_int_equal(res.fault, REF_FAULT_ACCESS_FLAG);
			assert_int_equal(res.level, level);
			assert_int_equal(res.desc, d & ~D_AF);
			assert_int_equal(res.pa, pa + size - 1);
		}
		tenv_fini(&t);
	}
}

/* ---- owner annotations ---- */

static const u32 owner_ids[] = { 1, 2, 0x1234, PGT_S2_OWNER_MAX };
#define N_OWNERS	((int)(sizeof(owner_ids) / sizeof(owner_ids[0])))

static void s2_owner_roundtrip(void **state)
{
	struct pgt_geometry geom = geom_of(PGT_GRANULE_4K);
	u32 id, prots[256];
	int i, n;

	(void)state;
	assert_int_equal(PGT_S2_OWNER_MAX, 0x3fff);
	for (i = 0; i < N_OWNERS; i++) {
		pgt_pte_t d = pgt_s2_owner_pte(owner_ids[i]);

		assert_int_not_equal(d, 0);
		assert_false(d & PGT_PTE_VALID);
		assert_false(pgt_pte_valid(d));
		assert_false(pgt_pte_is_locked(d));
		assert_int_not_equal(d, PGT_PTE_LOCKED);
		assert_int_equal(pgt_s2_pte_owner(d), owner_ids[i]);
	}
	/* Every id, and no two alike (round-tripping implies it). */
	for (id = 1; id <= PGT_S2_OWNER_MAX; id++) {
		pgt_pte_t d = pgt_s2_owner_pte(id);

		if (pgt_s2_pte_owner(d) != id || (d & PGT_PTE_VALID) || pgt_pte_is_locked(d))
			fail_msg("owner %u: pte 0x%llx decodes to %u", id, (unsigned long long)d,
				 pgt_s2_pte_owner(d));
	}
	/* No owner in empty, locked or valid entries, whatever their other bits. */
	assert_int_equal(pgt_s2_owner_pte(0), 0);
	assert_int_equal(pgt_s2_pte_owner(0), 0);
	assert_int_equal(pgt_s2_pte_owner(PGT_PTE_LOCKED), 0);
	assert_int_equal(pgt_s2_pte_owner(pgt_s2_owner_pte(0x1234) | PGT_PTE_VALID), 0);
	assert_int_equal(pgt_s2_pte_owner(pgt_table_pte(&geom, 0x80000000ULL)), 0);
	n = accepted_prots(prots, true);
	for (i = 0; i < n; i++) {
		assert_int_equal(pgt_s2_pte_owner(pgt_s2_leaf_pte(&geom, 0x80000000ULL, prots[i],
								   3, false)), 0);
		assert_int_equal(pgt_s2_pte_owner(pgt_s2_leaf_pte(&geom, 0x80000000ULL, prots[i],
								   2, true)), 0);
	}
}

struct invalid_log {
	int n;
	u64 ia[8];
	int level[8];
	u64 desc[8];
};

static int log_invalid(void *arg, uint64_t ia, int level, uint64_t desc)
{
	struct invalid_log *log = arg;

	if (log->n < 8) {
		log->ia[log->n] = ia;
		log->level[log->n] = level;
		log->desc[log->n] = desc;
	}
	log->n++;
	return 0;
}

/* Annotations in a tree: the hardware faults on them, the translator lists them. */
static void s2_owner_in_tree(void **state)
{
	u32 granule = test_granule(state);
	struct invalid_log log = { 0 };
	struct tenv t;
	u64 page, blk;
	int i;

	tenv_stage2(&t, 40, granule, 48, 0);
	page = tenv_page(&t);
	blk = pgt_level_size(&t.pgt.geom, 2);
	/* One level-3 entry per id, in neighbouring pages, and one at level 2. */
	for (i = 0; i < N_OWNERS; i++)
		test_install(&t, (u64)(i + 1) * page, pgt_s2_owner_pte(owner_ids[i]), 3);
	test_install(&t, 4 * blk, pgt_s2_owner_pte(0x77), 2);

	for (i = 0; i < N_OWNERS; i++) {
		u64 ia = (u64)(i + 1) * page;
		struct ref_result res = tenv_xlat(&t, ia + 8);
		pgt_pte_t pte;
		pgt_s8 level;

		assert_int_equal(res.fault, REF_FAULT_TRANSLATION);
		assert_int_equal(res.level, 3);
		assert_int_equal(res.desc, pgt_s2_owner_pte(owner_ids[i]));
		assert_int_equal(pgt_s2_pte_owner(res.desc), owner_ids[i]);
		/* The library's own lookup finds the same entry. */
		assert_int_equal(pgt_get_leaf(&t.pgt, ia, &pte, &level), 0);
		assert_int_equal(pte, res.desc);
		assert_int_equal(level, 3);
	}
	assert_int_equal(tenv_xlat(&t, 4 * blk + page).level, 2);
	assert_int_equal(pgt_s2_pte_owner(tenv_xlat(&t, 4 * blk).desc), 0x77);
	expect_unmapped(&t, 0);
	expect_unmapped(&t, (N_OWNERS + 1) * page);

	assert_int_equal(ref_visit_invalid_nonzero(&t.rg, log_invalid, &log), N_OWNERS + 1);
	assert_int_equal(log.n, N_OWNERS + 1);
	for (i = 0; i < N_OWNERS; i++) {
		assert_int_equal(log.ia[i], (u64)(i + 1) * page);
		assert_int_equal(log.level[i], 3);
		assert_int_equal(log.desc[i], pgt_s2_owner_pte(owner_ids[i]));
	}
	assert_int_equal(log.ia[N_OWNERS], 4 * blk);
	assert_int_equal(log.level[N_OWNERS], 2);
	assert_int_equal(ref_visit_leaves(&t.rg, NULL, NULL), 0);
	assert_int_equal(ref_visit_bad_entries(&t.rg, NULL, NULL), 0);
	tenv_fini(&t);
}

/* ---- table descriptors and predicates ---- */

static void table_descriptors(void **state)
{
	u32 granule = test_granule(state);
	struct pgt_geometry geom = geom_of(granule);
	u64 page = 1ULL << granule;
	const u64 pas[] = { 0, page, 0x40000000ULL, PGT_ALIGN_DOWN(0x0000a5a5a5a5a5a5ULL, page),
			    (1ULL << 48) - page };
	size_t i;
	int level;

	for (i = 0; i < sizeof(pas) / sizeof(pas[0]); i++) {
		pgt_pte_t d = pgt_table_pte(&geom, pas[i]);

		/* Address, type 0b11, and no hierarchical limits: nothing else. */
		assert_int_equal(d, pas[i] | 3);
		assert_int_equal(pgt_pte_addr(&geom, d), pas[i]);
		assert_true(pgt_pte_valid(d));
		for (level = 0; level < PGT_MAX_LEVEL; level++) {
			assert_true(pgt_pte_is_table(d, level));
			assert_false(pgt_pte_is_leaf(d, level));
		}
		/* At level 3, 0b11 is a page, never a table. */
		assert_false(pgt_pte_is_table(d, 3));
		assert_true(pgt_pte_is_leaf(d, 3));
	}
	/* The address is bits 47:granule_shift, whatever else is set. */
	assert_int_equal(pgt_pte_addr(&geom, ~0ULL), PGT_GENMASK(47, granule));
	assert_int_equal(pgt_pte_addr(&geom, BIT(63) | BIT(54) | BIT(48) | (page - 1)), 0);
}

static void pte_predicates(void **state)
{
	/* Attribute and address bits around the type bits must not matter. */
	const u64 others[] = { 0, 0x80000000ULL, 0x80000000ULL | D_AF | D_XN | 3ULL << 8 };
	size_t i;
	int level;

	(void)state;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		u64 o = others[i];

		for (level = 0; level <= PGT_MAX_LEVEL; level++) {
			/* 0b00 and 0b10 (the lock marker's type bits) are invalid. */
			assert_false(pgt_pte_valid(o));
			assert_false(pgt_pte_is_table(o, level));
			assert_false(pgt_pte_is_leaf(o, level));
			assert_false(pgt_pte_valid(o | 2));
			assert_false(pgt_pte_is_table(o | 2, level));
			assert_false(pgt_pte_is_leaf(o | 2, level));
			/* 0b01: a block above level 3, reserved (neither) at level 3. */
			assert_true(pgt_pte_valid(o | 1));
			assert_false(pgt_pte_is_table(o | 1, level));
			assert_int_equal(pgt_pte_is_leaf(o | 1, level), level < PGT_MAX_LEVEL);
			/* 0b11: a table above level 3, a page at level 3. */
			assert_true(pgt_pte_valid(o | 3));
			assert_int_equal(pgt_pte_is_table(o | 3, level), level < PGT_MAX_LEVEL);
			assert_int_equal(pgt_pte_is_leaf(o | 3, level), level == PGT_MAX_LEVEL);
		}
	}
	assert_true(pgt_pte_is_locked(PGT_PTE_LOCKED));
	assert_int_equal(PGT_PTE_LOCKED, 2);
	assert_false(pgt_pte_is_locked(0));
	assert_false(pgt_pte_is_locked(PGT_PTE_LOCKED | PGT_PTE_VALID));
	assert_false(pgt_pte_is_locked(PGT_PTE_LOCKED | 0x80000000ULL));
	assert_int_equal(PGT_PTE_VALID, 1);
	assert_int_equal(PGT_PTE_TYPE, 2);
	assert_int_equal(PGT_PTE_AF, BIT(10));
	assert_int_equal(PGT_PTE_SW_MASK, 0xfULL << 55);
}

/* A 0b01 at level 3 is reserved: the translator faults on it and calls it malformed. */
static void level3_block_is_reserved(void **state)
{
	u32 granule = test_granule(state);
	struct tenv t;
	pgt_pte_t d;
	struct ref_result res;

	tenv_stage2(&t, 40, granule, 48, 0);
	d = pgt_s2_leaf_pte(&t.pgt.geom, 0x80000000ULL, PGT_PROT_RW, 3, false);
	assert_int_equal(D_TYPE(d), 3);
	test_install(&t, 0, d & ~PGT_PTE_TYPE, 3);
	assert_false(pgt_pte_is_leaf(d & ~PGT_PTE_TYPE, 3));
	res = tenv_xlat(&t, 0);
	assert_int_equal(res.fault, REF_FAULT_TRANSLATION);
	assert_int_equal(res.level, 3);
	assert_int_equal(ref_visit_bad_entries(&t.rg, NULL, NULL), 1);
	/* Put a proper page back so that the tree is well formed again. */
	test_install(&t, 0, d, 3);
	expect_mapped(&t, 0, 0x80000000ULL, PGT_PROT_RW);
	assert_int_equal(ref_visit_bad_entries(&t.rg, NULL, NULL), 0);
	tenv_fini(&t);
}

/* ---- TCR_EL2 ---- */

static const u32 pa_sizes[] = { 32, 36, 40, 42, 44, 48 };

static void hyp_tcr_fields(void **state)
{
	u32 granule = test_granule(state);
	u32 tg0 = granule == PGT_GRANULE_4K ? 0 : granule == PGT_GRANULE_64K ? 1 : 2;
	u32 va, min = granule == PGT_GRANULE_4K ? 16 : 17;
	size_t i;

	for (va = min; va <= 48; va++) {
		struct pgt_geometry geom;

		assert_int_equal(pgt_geometry_hyp(&geom, va, granule), 0);
		for (i = 0; i < sizeof(pa_sizes) / sizeof(pa_sizes[0]); i++) {
			u64 tcr = pgt_hyp_tcr(&geom, pa_sizes[i]);
			u64 want = (64 - va) | 1ULL << 8 | 1ULL << 10 | 3ULL << 12 |
				   (u64)tg0 << 14 | (u64)i << 16 | BIT(23) | BIT(31);

			if (tcr != want)
				fail_msg("va %u pa %u: TCR_EL2 0x%llx, expected 0x%llx", va,
					 pa_sizes[i], (unsigned long long)tcr,
					 (unsigned long long)want);
			assert_int_equal(tcr & 0x3f, 64 - va);		/* T0SZ */
			assert_int_equal((tcr >> 8) & 3, 1);		/* IRGN0: WB RA WA */
			assert_int_equal((tcr >> 10) & 3, 1);		/* ORGN0: WB RA WA */
			assert_int_equal((tcr >> 12) & 3, 3);		/* SH0: inner */
			assert_int_equal((tcr >> 14) & 3, tg0);		/* TG0 */
			assert_int_equal((tcr >> 16) & 7, i);		/* PS */
			assert_true(tcr & BIT(23));			/* RES1 */
			assert_true(tcr & BIT(31));			/* RES1 */
			/* No TBI, HA, HD, HPD, hardware-use bits. */
			assert_false(tcr & (BIT(20) | BIT(21) | BIT(22) | BIT(24)));
			assert_int_equal(tcr >> 32, 0);
		}
	}
}

static void tcr_vtcr_bad_pa(void **state)
{
	u32 granule = test_granule(state);
	static const u32 bad[] = { 0, 31, 33, 35, 41, 46, 47, 49, 52, 64, ~0u };
	struct pgt_geometry hyp, s2;
	size_t i;

	assert_int_equal(pgt_geometry_hyp(&hyp, 39, granule), 0);
	assert_int_equal(pgt_geometry_stage2(&s2, 40, granule), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pgt_hyp_tcr(&hyp, bad[i]), 0);
		assert_int_equal(pgt_vtcr(&s2, bad[i], false), 0);
		assert_int_equal(pgt_vtcr(&s2, bad[i], true), 0);
	}
	for (i = 0; i < sizeof(pa_sizes) / sizeof(pa_sizes[0]); i++) {
		assert_int_not_equal(pgt_hyp_tcr(&hyp, pa_sizes[i]), 0);
		assert_int_not_equal(pgt_vtcr(&s2, pa_sizes[i], false), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hyp_prot_check_all),
		cmocka_unit_test(hyp_mair),
		FOR_GRANULES(hyp_leaf_bits),
		FOR_GRANULES(hyp_map_every_prot),
		FOR_GRANULES(hyp_map_rejects_bad_prot),
		FOR_GRANULES(hyp_access_flag_clear),
		cmocka_unit_test(s2_prot_check_all),
		FOR_GRANULES(s2_leaf_bits),
		FOR_GRANULES(s2_decode_fields),
		FOR_GRANULES(s2_translate_every_prot_nofwb),
		FOR_GRANULES(s2_translate_every_prot_fwb),
		FOR_GRANULES(s2_access_flag_clear),
		cmocka_unit_test(s2_owner_roundtrip),
		FOR_GRANULES(s2_owner_in_tree),
		FOR_GRANULES(table_descriptors),
		cmocka_unit_test(pte_predicates),
		FOR_GRANULES(level3_block_is_reserved),
		FOR_GRANULES(hyp_tcr_fields),
		FOR_GRANULES(tcr_vtcr_bad_pa),
	};

	return cmocka_run_group_tests_name("descriptors", tests, NULL, NULL);
}
