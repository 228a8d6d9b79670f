/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ref_xlat.h - an independent reference translator for VMSAv8-64 tables.
 *
 * The tests use it to check what libpgtable wrote.  It deliberately shares no
 * code or header with the library: everything is derived from raw register
 * values (TCR_EL2/VTCR_EL2, TTBR0_EL2/VTTBR_EL2, MAIR_EL2, HCR_EL2.FWB) and
 * raw descriptors, following the Arm ARM translation table walk.  Scope: EL2
 * stage 1 (the non-VHE TCR_EL2 format, or with HCR_EL2.E2H=1 the EL2&0
 * format through TTBR0_EL2 only) and stage 2, 4K/16K/64K granules, output
 * and input addresses up to 52 bits.  The modelled CPU implements FEAT_TTST
 * (stage 1), FEAT_LPA and FEAT_LVA (64K), FEAT_LPA2 (4K and 16K, used when
 * TCR/VTCR.DS is 1), and FEAT_XNX when the regime says so.
 */
#ifndef REF_XLAT_H
#define REF_XLAT_H

#include <stdbool.h>
#include <stdint.h>

/* Read the 64-bit word at physical address @pa; false: no memory there. */
typedef bool (*ref_read64_fn)(void *ctx, uint64_t pa, uint64_t *val);

enum ref_fault {
	REF_OK,
	REF_FAULT_TRANSLATION,
	REF_FAULT_ACCESS_FLAG,
	REF_FAULT_PERMISSION,
	REF_FAULT_ADDRESS_SIZE,
	REF_FAULT_EXTERNAL,	/* a walk read outside memory */
};

enum ref_memtype {
	REF_MT_DEVICE_nGnRnE,
	REF_MT_DEVICE_nGnRE,
	REF_MT_DEVICE_nGRE,
	REF_MT_DEVICE_GRE,
	REF_MT_NORMAL_NC,
	REF_MT_NORMAL_WT,
	REF_MT_NORMAL_WB,
	REF_MT_RESERVED,
};

/* Privileged accesses are EL2's (stage 1) or EL1's (stage 2); _EL0 ones are EL0's. */
enum ref_access {
	REF_ACC_NONE, REF_ACC_READ, REF_ACC_WRITE, REF_ACC_EXEC,
	REF_ACC_READ_EL0, REF_ACC_WRITE_EL0, REF_ACC_EXEC_EL0,
};

struct ref_regime {
	int stage;		/* 1: EL2 stage 1; 2: stage 2 */
	uint64_t ctrl;		/* TCR_EL2 (stage 1) or VTCR_EL2 (stage 2) */
	/*
	 * TTBR0_EL2 or VTTBR_EL2: BADDR[47:1], or with 52-bit output addresses
	 * BADDR[47:6] and BADDR[51:48] in bits 5:2; VMID/ASID/CnP ignored.
	 */
	uint64_t ttbr;
	uint64_t mair;		/* MAIR_EL2, stage 1 only */
	bool fwb;		/* stage 2: HCR_EL2.FWB */
	bool e2h;		/* stage 1: HCR_EL2.E2H (TCR_EL2 in the EL2&0 format) */
	bool xnx;		/* stage 2: the CPU implements FEAT_XNX (XN[0] is PXN/UXN) */
	ref_read64_fn read64;
	void *ctx;
};

struct ref_result {
	enum ref_fault fault;
	int level;		/* level of the leaf, or of the fault */
	uint64_t desc;		/* descriptor at that level (leaf, or the faulting one) */
	uint64_t pa;		/* output address; valid for OK, PERMISSION, ACCESS_FLAG */
	uint64_t leaf_size;	/* bytes the leaf maps */
	bool r, w, x;		/* privileged permissions, hierarchical ones applied */
	bool ur, uw, ux;	/* EL0's (stage 2: the same S2AP; XN[0] with FEAT_XNX) */
	enum ref_memtype mt;
	int shareability;	/* SH, descriptor bits 9:8, or TCR/VTCR.SH0 when DS is 1 */
	bool af;
	bool ng;		/* nG, bit 11 (EL2&0 stage 1 only) */
	unsigned int sw;	/* descriptor bits 58:55 */
};

/*
 * Translate @ia.  The access flag is always checked (a real access of any
 * kind faults on AF == 0); with @access != REF_ACC_NONE the permission check
 * is applied too.  Returns 0, or -1 for a misconfigured regime (reserved TG0,
 * T0SZ outside 16..39 (12..39 with DS or a 64K granule), reserved or
 * inconsistent SL0/SL2, root not aligned to its size, an EL2&0 TCR_EL2 that
 * leaves TTBR1_EL2 walks enabled): then @res->fault is REF_FAULT_TRANSLATION
 * at level 0, as hardware reports it.  An input address beyond T0SZ is a
 * level 0 translation fault and a TTBR address beyond PS a level 0 address
 * size fault (both stages).
 */
int ref_translate(const struct ref_regime *rg, uint64_t ia, enum ref_access access,
		  struct ref_result *res);

struct ref_mapping {
	uint64_t ia, size, pa, desc;
	int level;
};

/*
 * Enumerate every leaf that translates (valid page/block at a level that
 * allows it, output address within PS) in ascending input-address order.
 * Table descriptors are followed; invalid and malformed entries are skipped
 * (see ref_visit_bad_entries() for the latter).  Concatenated stage 2 roots
 * are walked entry by entry across all their pages.  @cb returns nonzero to
 * stop.  Returns the number of leaves passed to @cb (including the one that
 * stopped it), or -1 if misconfigured.
 */
long ref_visit_leaves(const struct ref_regime *rg,
		      int (*cb)(void *arg, const struct ref_mapping *m), void *arg);

/*
 * Count the distinct table pages reachable from the root: every root page
 * (each page of a concatenated root; a root smaller than a page counts one)
 * plus each table reached through a well-formed table descriptor, a table
 * shared by several descriptors counted once.  -1 if misconfigured or out of
 * memory.
 */
long ref_count_tables(const struct ref_regime *rg);

/*
 * Report every invalid (bit 0 clear) but non-zero entry, e.g. software
 * annotations, in ascending input-address order.  @cb may be NULL; nonzero
 * from it stops.  Returns the number reported, or -1 if misconfigured.
 */
long ref_visit_invalid_nonzero(const struct ref_regime *rg,
			       int (*cb)(void *arg, uint64_t ia, int level, uint64_t desc),
			       void *arg);

/*
 * Addition: report every reachable entry with bit 0 set that a walk would
 * fault on: reserved encodings (translation), out-of-range table or output
 * addresses (address size), and tables that cannot be read (external, once
 * per table, with @desc 0 and @level the unreadable table's level).  A TTBR
 * beyond PS is reported as one address size entry at ia 0, level 0.  @cb may
 * be NULL; nonzero from it stops.  Returns the number reported, or -1 if
 * misconfigured.  A well-formed library writes none of these.
 */
long ref_visit_bad_entries(const struct ref_regime *rg,
			   int (*cb)(void *arg, uint64_t ia, int level, uint64_t desc,
				     enum ref_fault fault),
			   void *arg);

/* Addition: the walk geometry ref_translate() derives from the registers. */
struct ref_regime_info {
	unsigned int granule_shift;	/* 12, 14 or 16 */
	unsigned int ia_bits;		/* 64 - T0SZ */
	unsigned int oa_bits;		/* from PS (IPS with E2H) */
	bool ds;			/* the effective TCR/VTCR.DS (FEAT_LPA2) */
	int start_level;
	unsigned int root_bits;		/* input bits the root resolves */
	uint64_t root_entries;		/* 1 << root_bits */
	unsigned int root_pages;	/* concatenated pages (1 if smaller than a page) */
	uint64_t root_pa;
};

/* Fill @info; 0, or -1 if the regime is misconfigured. */
int ref_regime_info(const struct ref_regime *rg, struct ref_regime_info *info);

/* Addition: names for messages. */
const char *ref_fault_str(enum ref_fault fault);
const char *ref_memtype_str(enum ref_memtype mt);

#endif /* REF_XLAT_H */
