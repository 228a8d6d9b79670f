/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * extents.h - "the tree maps exactly these ranges", decided by the reference
 * translator.  Shared by the host harness (cmocka) and the kernel module's
 * self-test (KTAP), which differ only in how they report.
 */
#ifndef TEST_EXTENTS_H
#define TEST_EXTENTS_H

#include "pgtable.h"
#include "ref_xlat.h"

/* An expected mapping: [ia, ia + size) -> pa with prot. */
struct extent {
	u64 ia;
	u64 size;
	u64 pa;
	u32 prot;
};

/*
 * Called for every piece of every leaf the translator finds, cut at extent
 * boundaries: [ia, end) lies in leaf @m and in extent @e, or @e is NULL for
 * a mapping no extent expects.  Nonzero stops the walk.
 */
typedef int (*extent_piece_fn)(void *arg, u64 ia, u64 end, const struct ref_mapping *m,
			       const struct extent *e);

/*
 * Walk every leaf of @rg against @ext[0..n).  Returns the bytes of the
 * extents that leaves covered (compare with extents_bytes()), or -1 if the
 * regime is misconfigured or @fn stopped the walk.
 */
long long extents_walk(const struct ref_regime *rg, const struct extent *ext, int n,
		       extent_piece_fn fn, void *arg);

/* Bytes the extents cover (they must not overlap). */
u64 extents_bytes(const struct extent *ext, int n);

#endif /* TEST_EXTENTS_H */
