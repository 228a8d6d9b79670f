/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vm_env.h - what the VM-layer tests share: a VM in a fresh arena with its
 * memslot storage, a VMID allocator, counting locks and local-TLB hooks,
 * and views of each MMU for the reference translator.
 */
#ifndef TEST_VM_ENV_H
#define TEST_VM_ENV_H

#include <pthread.h>

#include "harness.h"

#define VENV_AS		2
#define VENV_CPUS	4
#define VENV_MMUS	8
#define VENV_ARENA	(32ULL << 20)

struct venv;

/* Called from the local TLB hooks; @mmu is NULL for "every VMID". */
typedef void (*venv_tlbi_fn)(struct venv *e, struct pgt_s2_mmu *mmu, u32 cpu);

struct venv_cfg {
	u32 granule;		/* default 4K */
	u32 ia_bits;		/* default 40 */
	u32 vmid_bits;		/* default 8 */
	u32 nr_cpus;		/* default VENV_CPUS */
	u32 capacity;		/* slots per address space, default 64 */
	u32 flags;		/* PGT_S2_* */
	bool rcu;		/* the home brackets shared walks (RCU) */
	bool no_tlbi_range;	/* the home invalidates ranges only by tlbi_all */
};

struct venv {
	struct host_mm *hm;
	struct pgt_vm vm;
	struct pgt_vm_memslots spaces[VENV_AS];
	struct pgt_memslot *slots[VENV_AS];
	struct pgt_memslot_hva_node *hva[VENV_AS];
	struct pgt_vmid_allocator va;
	u64 bitmap[PGT_VMID_BITMAP_WORDS(PGT_VMID_MAX_BITS)];
	struct pgt_vmid_cpu cpus[VENV_CPUS];
	struct pgt_vm_ops ops;

	/* The MMU lock: counts, and the depth a handler sees. */
	int locks, unlocks, depth;
	void (*on_unlock)(struct venv *e);
	/* The allocator's lock: a real mutex (the concurrent test needs one). */
	pthread_mutex_t va_lock;
	u64 va_slow;

	u64 tlbi_vmid_local[VENV_CPUS];
	u64 tlbi_all_local[VENV_CPUS];
	venv_tlbi_fn on_tlbi;
	void *priv;

	struct pgt_s2_mmu mmu[VENV_MMUS];
	bool live[VENV_MMUS];
	u32 last_ran[VENV_MMUS][VENV_CPUS];
	u64 warnings_at_start;
	struct venv_cfg cfg;	/* as venv_init() completed it */
};


void venv_init(struct venv *e, const struct venv_cfg *cfg);
/* The parameters venv_init() gave pgt_vm_init(), for a second VM on the same home. */
void venv_params(struct venv *e, struct pgt_vm_params *out);
/* Destroy every MMU, assert the arena is empty and nothing warned. */
void venv_fini(struct venv *e);
/* MMU @i in address space @as_id, sharing MMU @share's root (or -1). */
struct pgt_s2_mmu *venv_mmu(struct venv *e, int i, u32 as_id, int share);
int venv_mmu_index(struct venv *e, const struct pgt_s2_mmu *mmu);
void venv_slot(struct venv *e, u32 as_id, u64 gfn, u64 npages, u64 hva, u32 flags);
/* A harness view of @mmu's tree, walked with the VM's VTCR. */
struct tenv venv_view(struct venv *e, struct pgt_s2_mmu *mmu);
/* TLB log entries of @kind with @cookie (NULL: any cookie). */
size_t venv_tlbi_count(struct venv *e, enum host_tlbi_kind kind, const void *cookie);

#endif /* TEST_VM_ENV_H */
