/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memslot.h - what the VM layer's range operator (vm.c) uses of the memslot
 * index (memslot.c).  Only those two files include it.
 */
#ifndef PGT_LIB_MEMSLOT_H
#define PGT_LIB_MEMSLOT_H

#include "internal.h"
#include "pgtable_vm.h"

/*
 * Every slot whose host range meets [start, end), in hva order; @visit
 * returns non-zero to stop the query, and that is what the query returns.
 */
struct hva_query {
	const struct pgt_vm *vm;
	struct pgt_vm_memslots *ms;
	u64 start, end;
	int (*visit)(struct hva_query *q, const struct pgt_memslot *slot);
	u32 probes;
};

/* Trees map gfn << page shift; each root once (sharers reach it through its owner). */
static inline bool mmu_owns_root_of(const struct pgt_s2_mmu *m, u32 as_id)
{
	return !m->shares && m->as_id == as_id;
}

u64 pgt_vm_slot_hva_end(const struct pgt_vm *vm, const struct pgt_memslot *s);
int pgt_vm_hva_query(struct hva_query *q, struct pgt_vm_memslots *ms);
int pgt_vm_unmap_gfns(struct pgt_vm *vm, u32 as_id, u64 start, u64 end);

#endif /* PGT_LIB_MEMSLOT_H */
