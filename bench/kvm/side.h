/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * side.h - one side of make bench-kvm: the operations the driver
 * (bench/kvm/bench_kvm.c) times, implemented once over this library
 * (ours_side.c) and once over Linux 6.1's KVM page-table code (kvm_side.c,
 * built once per granule).
 *
 * Per-call operations take a count and loop inside the side, so that the
 * timed loop calls the operation directly, as a fault handler would; the
 * driver's indirect call through this table happens once per loop.
 */
#ifndef BENCH_KVM_SIDE_H
#define BENCH_KVM_SIDE_H

#include "pgtable_port.h"

struct pgt_mm_ops;
struct pgt_memcache;

/** BENCH_PROT_RW - what every scenario maps: read-write Normal memory, no exec. */
#define BENCH_PROT_RW	1

/**
 * struct side_tree - one stage-2 tree of a side.
 * @side: its side.
 * @impl: the side's own tree (struct pgt or struct kvm_pgtable and friends).
 * @shift: the granule.
 * @vtcr: VTCR_EL2 describing it, for the reference translator.
 * @root_phys: the root's physical address.
 */
struct side_tree {
	const struct side *side;
	void *impl;
	u32 shift;
	u64 vtcr;
	u64 root_phys;
};

/**
 * struct side - one implementation.  Every function returns 0 or a negative
 * errno; per-page loops stop at the first failure.
 * @name: "ours" or "kvm".
 * @shift: the only granule it supports, or 0 for any.
 * @shared_walks: false if @fault's @shared is ignored (KVM 6.1 has none).
 * @create: an empty tree of @mm, 40-bit IPA; @force_pages: pages only.
 * @destroy: free it and every table.
 * @fault: @n faults of one page each, at @ipa + i * @stride mapping the
 *	same PA, read-write; before each, top @mc up to @need pages.
 * @fault_need: the pages one fault at @ipa may take (the top-up target).
 * @map: one call mapping [@ipa, +@size) at @pa; @mc may be empty.
 * @unmap: one call.
 * @wrprotect: one call.
 * @split: one call turning the blocks of [@ipa, +@size), mapped at @pa,
 *	into pages, from @mc.
 * @mkyoung: one call per page, @n pages from @ipa.
 * @mkold: test_clear_young (KVM: mkold), one call per page.
 * @relax_perms: add write permission, one call per page.
 * @get_leaf: one call per page; *@sum receives the sum of the entries.
 * @warnings: the warnings the side's code raised so far (KVM's WARN_ON).
 */
struct side {
	const char *name;
	u32 shift;
	bool shared_walks;
	int (*create)(struct side_tree *t, struct pgt_mm_ops *mm, u32 shift, bool force_pages);
	void (*destroy)(struct side_tree *t);
	int (*fault)(struct side_tree *t, u64 ipa, u64 n, u64 stride, struct pgt_memcache *mc,
		     u32 need, bool shared);
	u32 (*fault_need)(struct side_tree *t, u64 ipa);
	int (*map)(struct side_tree *t, u64 ipa, u64 size, u64 pa, struct pgt_memcache *mc);
	int (*unmap)(struct side_tree *t, u64 ipa, u64 size);
	int (*wrprotect)(struct side_tree *t, u64 ipa, u64 size);
	int (*split)(struct side_tree *t, u64 ipa, u64 size, u64 pa, struct pgt_memcache *mc);
	int (*mkyoung)(struct side_tree *t, u64 ipa, u64 n);
	int (*mkold)(struct side_tree *t, u64 ipa, u64 n);
	int (*relax_perms)(struct side_tree *t, u64 ipa, u64 n);
	int (*get_leaf)(struct side_tree *t, u64 ipa, u64 n, u64 *sum);
	u64 (*warnings)(void);
};

/* This library, any granule. */
extern const struct side ours_side;
/* Linux 6.1, one object per granule (bench/kvm/kvm.mk). */
extern const struct side kvm_side_4k, kvm_side_16k, kvm_side_64k;

#endif /* BENCH_KVM_SIDE_H */
