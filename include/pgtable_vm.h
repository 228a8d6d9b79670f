/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pgtable_vm.h - the VM layer: what a KVM-style hypervisor puts between its
 * memory model and the stage-2 tables.
 *
 *   - memslots: guest-physical ranges backed by host virtual memory, in
 *     several address spaces, looked up by gfn or hva in O(log n);
 *   - the HVA range operator: one iterator that calls a handler for every
 *     memslot a host-virtual range meets (unmap, aging, initial contents);
 *   - stage-2 MMU contexts: several trees per VM (the canonical one and
 *     shadow ones for nested virtualization), each with its own VMID;
 *   - the VMID allocator with generations, and the last-vCPU-ran rule.
 *
 * lib/vm.c and lib/mmu.c; Documentation/vm.rst explains the layer and its
 * locking contract.  Nothing here allocates: every array lives in storage
 * the caller provides, and table pages come from the VM's struct pgt_mm_ops.
 * This header is included by pgtable.h; include that one.
 */
#ifndef PGTABLE_VM_H
#define PGTABLE_VM_H

#include "pgtable.h"

struct pgt_vm;
struct pgt_s2_mmu;

/**
 * struct pgt_vm_lock - a lock the caller owns, taken through callbacks.
 * @lock: take it (a spinlock, a mutex, a rwlock for reading or writing:
 *	the library only pairs the calls).
 * @unlock: release it.
 * @arg: passed to both.
 */
struct pgt_vm_lock {
	void (*lock)(void *arg);
	void (*unlock)(void *arg);
	void *arg;
};

/* ---- Memslots (lib/vm.c) ---- */

/**
 * enum pgt_memslot_flags - what a memslot allows.
 * @PGT_MEMSLOT_READONLY: the guest may not write: pgt_s2_mmu_map() drops
 *	write permission, and the HVA operator can pass such slots over.
 */
enum pgt_memslot_flags {
	PGT_MEMSLOT_READONLY = 1u << 0,
};

/**
 * struct pgt_memslot - guest-physical pages backed by host virtual memory.
 * @base_gfn: first guest frame number (IPA >> the VM's page shift).
 * @npages: number of pages, at least 1.
 * @userspace_addr: host virtual address of the first page, page aligned.
 *	Several slots may alias the same host memory (as KVM allows).
 * @flags: enum pgt_memslot_flags.
 * @as_id: the address space the slot belongs to (0 .. nr_spaces - 1).
 *
 * Pages are the VM's granule: gfn and hva pages have the same size.
 */
struct pgt_memslot {
	u64 base_gfn;
	u64 npages;
	u64 userspace_addr;
	u32 flags;
	u32 as_id;
};

/**
 * struct pgt_memslot_hva_node - one entry of the hva index (private).
 * @max_end: the largest hva end in the subtree this entry roots, in the
 *	implicit balanced tree laid over the sorted index.
 * @slot: the index, in the gfn-sorted slot array, of the slot it names.
 */
struct pgt_memslot_hva_node {
	u64 max_end;
	u32 slot;
};

/**
 * struct pgt_vm_memslots - the memslots of one address space.
 * @slots: caller storage for @capacity slots; [0, @nr) sorted by base_gfn.
 * @hva: caller storage for @capacity index entries; [0, @nr) name the slots
 *	sorted by userspace_addr (then by gfn), augmented with subtree hva
 *	ends so that aliasing slots are found in O(log n) each.
 * @nr: slots in use.
 * @capacity: room in both arrays.
 * @probes: statistics: slots examined by lookups and by the HVA operator.
 *	Updated with relaxed single-copy-atomic stores, so concurrent lookups
 *	may lose counts; for tests and tuning.
 *
 * Set up with pgt_vm_memslots_init(); read through the pgt_vm_memslot_*()
 * functions only.
 */
struct pgt_vm_memslots {
	struct pgt_memslot *slots;
	struct pgt_memslot_hva_node *hva;
	u32 nr;
	u32 capacity;
	u64 probes;
};

/**
 * pgt_vm_memslots_init() - an empty address space on caller storage.
 * @ms: filled in.
 * @slots: room for @capacity slots.
 * @hva: room for @capacity hva index entries.
 * @capacity: how many slots the address space can hold.
 */
void pgt_vm_memslots_init(struct pgt_vm_memslots *ms, struct pgt_memslot *slots,
			  struct pgt_memslot_hva_node *hva, u32 capacity);

/* ---- The VM (lib/vm.c) ---- */

/**
 * struct pgt_vm_ops - CPU-local TLB maintenance the VM layer asks of its home.
 * @tlbi_vmid_local: invalidate the entries of @mmu's VMID
 *	(pgt_s2_mmu_vmid()) on @cpu, all ASIDs: at least the stage-1 ones,
 *	which are what depend on the vCPU (TLBI VMALLE1 under that VMID).
 * @tlbi_all_local: invalidate every guest entry of every VMID on @cpu.
 *
 * Both run on the CPU they name, with preemption disabled, before that CPU
 * enters a guest; they invalidate that CPU's TLB only (TLBI without the
 * inner-shareable broadcast).  struct pgt_mm_ops' hooks are broadcast by
 * contract and stay so.  The library issues the barriers around them.
 */
struct pgt_vm_ops {
	void (*tlbi_vmid_local)(struct pgt_vm_ops *ops, struct pgt_s2_mmu *mmu, u32 cpu);
	void (*tlbi_all_local)(struct pgt_vm_ops *ops, u32 cpu);
};

struct pgt_vmid_allocator;

/**
 * struct pgt_vm_params - what a new VM is made of.
 * @s2: the VM-wide stage-2 configuration (VTCR_EL2): IPA size, granule, PA
 *	size, and PGT_S2_* flags (PGT_S2_VMID16 when @vmids has more than 8 bits).
 * @mm_ops: the home every MMU's tables come from.  Its @tlbi_va and
 *	@tlbi_all hooks are required; their cookie is a struct pgt_s2_mmu.
 * @vm_ops: the local TLB hooks.
 * @mmu_lock: the MMU lock, which pgt_vm_hva_range_op() takes when asked to.
 * @spaces: @nr_spaces address spaces, each set up by pgt_vm_memslots_init().
 * @nr_spaces: at least 1.
 * @vmids: the allocator the VM's MMUs take VMIDs from (shared by every VM).
 * @nr_cpus: physical CPUs, numbered 0 .. @nr_cpus - 1; at most the
 *	allocator's.
 */
struct pgt_vm_params {
	struct pgt_config s2;
	struct pgt_mm_ops *mm_ops;
	struct pgt_vm_ops *vm_ops;
	struct pgt_vm_lock mmu_lock;
	struct pgt_vm_memslots *spaces;
	u32 nr_spaces;
	struct pgt_vmid_allocator *vmids;
	u32 nr_cpus;
};

/**
 * struct pgt_vm - one virtual machine.  Fields are read-only for callers.
 * @cfg: the stage-2 configuration every MMU of the VM is created with.
 * @geom: the shape of every MMU's tree.
 * @vtcr: VTCR_EL2 for the VM, computed once: the VM-wide virtual hardware
 *	(IPA size, granule, PA size) that every MMU refers to.
 * @page_shift: log2 of the page size of gfns and hvas (the granule).
 * @mm: the mm_ops every MMU's tree uses: it forwards to @home, except that
 *	TLB maintenance of a root reaches every MMU sharing it.
 * @home: the caller's mm_ops.
 * @ops: the local TLB hooks.
 * @mmu_lock: the MMU lock.
 * @spaces: the address spaces.
 * @nr_spaces: how many.
 * @vmids: the VMID allocator.
 * @nr_cpus: physical CPUs.
 * @mmus: the VM's MMUs, most recently added first.
 */
struct pgt_vm {
	struct pgt_config cfg;
	struct pgt_geometry geom;
	u64 vtcr;
	u32 page_shift;
	struct pgt_mm_ops mm;
	struct pgt_mm_ops *home;
	struct pgt_vm_ops *ops;
	struct pgt_vm_lock mmu_lock;
	struct pgt_vm_memslots *spaces;
	u32 nr_spaces;
	struct pgt_vmid_allocator *vmids;
	u32 nr_cpus;
	struct pgt_s2_mmu *mmus;
};

/**
 * pgt_vm_init() - a VM without memslots or MMUs.
 * @vm: filled in.
 * @p: its parts; the VM keeps the pointers, not copies of what they name.
 *
 * Return: 0; -EINVAL for a bad stage-2 configuration, a missing callback or
 * array, no address space, more CPUs than the allocator knows, or a VMID
 * allocator wider than 8 bits without PGT_S2_VMID16.
 */
int pgt_vm_init(struct pgt_vm *vm, const struct pgt_vm_params *p);

/**
 * pgt_vm_memslot_insert() - add a memslot.
 * @vm: the VM; the caller holds its memslot lock (no lookup or HVA operator
 *	runs concurrently).
 * @slot: the slot, copied; @slot->as_id picks the address space.
 *
 * Gfn ranges may not overlap within an address space; hva ranges may
 * overlap anywhere (aliasing).  O(n) in the slots of the address space.
 * Return: 0; -EINVAL for no pages, a gfn or hva range that wraps, an
 * unaligned hva, unknown flags or an unknown address space; -ERANGE for
 * gfns beyond the IPA size; -EEXIST if the gfns overlap another slot's;
 * -ENOMEM if the address space is full.
 */
int pgt_vm_memslot_insert(struct pgt_vm *vm, const struct pgt_memslot *slot);

/**
 * pgt_vm_memslot_delete() - unmap a memslot from every MMU, then remove it.
 * @vm: the VM; the caller holds the memslot lock and the MMU lock (for
 *	writing: the unmap frees tables).
 * @as_id: the address space.
 * @base_gfn: the slot's first gfn, exactly.
 *
 * The slot's gfn range is unmapped from every tree that maps the address
 * space, so that no stage 2 keeps translating memory the VM no longer has.
 * Return: 0; -EINVAL for an unknown address space; -ENOENT if no slot
 * starts at @base_gfn.
 */
int pgt_vm_memslot_delete(struct pgt_vm *vm, u32 as_id, u64 base_gfn);

/**
 * pgt_vm_memslot_find_gfn() - the memslot holding @gfn.
 * @vm: the VM (memslot lock held, or its read side).
 * @as_id: the address space.
 * @gfn: a guest frame number.
 * Return: the slot, valid until memslots change; NULL if none (or a bad
 * @as_id).  O(log n).
 */
const struct pgt_memslot *pgt_vm_memslot_find_gfn(struct pgt_vm *vm, u32 as_id, u64 gfn);

/**
 * pgt_vm_memslot_find_hva() - a memslot backed by the page at @hva.
 * @vm: the VM (memslot lock held, or its read side).
 * @as_id: the address space.
 * @hva: a host virtual address.
 * Return: of the slots whose host range holds @hva, the one with the lowest
 * userspace_addr (then the lowest gfn); NULL if none.  O(log n).
 */
const struct pgt_memslot *pgt_vm_memslot_find_hva(struct pgt_vm *vm, u32 as_id, u64 hva);

/**
 * pgt_vm_memslot_hva() - the host virtual address of @gfn in @slot.
 * @vm: the VM.
 * @slot: a slot holding @gfn.
 * @gfn: the guest frame.
 * Return: the address of the page's first byte.
 */
static inline u64 pgt_vm_memslot_hva(const struct pgt_vm *vm, const struct pgt_memslot *slot,
				     u64 gfn)
{
	return slot->userspace_addr + ((gfn - slot->base_gfn) << vm->page_shift);
}

/* ---- The HVA range operator (lib/vm.c) ---- */

/**
 * struct pgt_gfn_range - the part of one memslot an HVA range meets.
 * @slot: the memslot.
 * @start: the first gfn: that of the page holding max(range start, slot start).
 * @end: one past the last gfn: every page that intersects the range is in
 *	[@start, @end), and no other.
 */
struct pgt_gfn_range {
	const struct pgt_memslot *slot;
	u64 start;
	u64 end;
};

/**
 * typedef pgt_hva_handler_fn - what the operator calls for one memslot.
 * @vm: the VM.
 * @range: the slot and its gfns the HVA range meets.
 * @data: the caller's argument (struct pgt_hva_range.data).
 * @flush: set it to true to have the operator invalidate the TLBs of every
 *	MMU of the VM once, after the last handler; never clear it.
 * Return: 0 to go on, or a negative errno, which stops the iteration and
 * is what the operator returns.
 */
typedef int (*pgt_hva_handler_fn)(struct pgt_vm *vm, const struct pgt_gfn_range *range,
				  void *data, bool *flush);

/**
 * enum pgt_hva_flags - how the operator runs.
 * @PGT_HVA_LOCK: take the VM's MMU lock before the first handler (only if
 *	some slot intersects) and release it after the final flush.  Without
 *	it, handlers run unlocked and take whatever locks they need (they may
 *	sleep: loading a guest's initial contents).
 * @PGT_HVA_SKIP_READONLY: pass over read-only slots.
 */
enum pgt_hva_flags {
	PGT_HVA_LOCK = 1u << 0,
	PGT_HVA_SKIP_READONLY = 1u << 1,
};

/**
 * struct pgt_hva_range - one request to the operator.
 * @start: first host virtual address.
 * @end: one past the last; need not be page aligned.
 * @handler: called once per intersecting memslot.
 * @data: passed to @handler.
 * @flags: enum pgt_hva_flags.
 */
struct pgt_hva_range {
	u64 start;
	u64 end;
	pgt_hva_handler_fn handler;
	void *data;
	u32 flags;
};

/**
 * pgt_vm_hva_range_op() - call a handler for every memslot [start, end) meets.
 * @vm: the VM; the caller holds the memslot lock's read side throughout.
 * @range: the range, the handler and how to run it.
 *
 * Address spaces in order, and within one the slots by ascending hva (then
 * gfn); aliasing slots are each called.  The first handler error stops the
 * iteration: no other handler runs.  If any handler asked for a flush, every
 * MMU of the VM gets one pgt_mm_ops.tlbi_all() after the last handler
 * (also after an error), under the MMU lock: the operator's, or taken for
 * the flush alone if the handlers ran unlocked (it walks the MMU list).
 *
 * Return: 0; the first handler error; -EINVAL (nothing called, no lock
 * taken) for @end <= @start or no handler.
 */
int pgt_vm_hva_range_op(struct pgt_vm *vm, const struct pgt_hva_range *range);

/**
 * pgt_vm_handle_unmap() - handler: unmap the gfn range from every MMU that
 *	maps the slot's address space, once per root.
 * @vm: the VM.
 * @range: the gfns.
 * @data: unused.
 * @flush: left alone: pgt_stage2_unmap() invalidates by range itself, in
 *	every VMID sharing the root, before it frees tables.
 *
 * For MMU-notifier invalidation; run it with PGT_HVA_LOCK and an MMU lock
 * held for writing.
 * Return: 0, or the first pgt_stage2_unmap() error.
 */
int pgt_vm_handle_unmap(struct pgt_vm *vm, const struct pgt_gfn_range *range, void *data,
			bool *flush);

/**
 * struct pgt_vm_age - what pgt_vm_handle_age() does, and what it found.
 * @mkold: clear the access flags (test_clear_young) rather than only test.
 * @flush: with @mkold, ask for the operator's TLB flush when a cleared
 *	leaf was young (clear_flush_young: the next access then faults and
 *	sets the flag again, so aging is precise).
 * @walk_flags: PGT_WALK_SHARED if the MMU lock is held for reading.
 * @young: out: set if any leaf in any range was young; the caller
 *	initialises it to false.
 */
struct pgt_vm_age {
	bool mkold;
	bool flush;
	u32 walk_flags;
	bool young;
};

/**
 * pgt_vm_handle_age() - handler: test (and clear) the access flags of the
 *	gfn range in every MMU that maps the slot's address space.
 * @vm: the VM.
 * @range: the gfns.
 * @data: a struct pgt_vm_age.
 * @flush: set as struct pgt_vm_age.flush says.
 * Return: 0, or the first pgt_stage2_test_clear_young() error.
 */
int pgt_vm_handle_age(struct pgt_vm *vm, const struct pgt_gfn_range *range, void *data,
		      bool *flush);

/**
 * typedef pgt_vm_page_fn - one page of a guest's initial contents.
 * @arg: struct pgt_vm_contents.arg.
 * @slot: the memslot.
 * @gfn: the page's guest frame.
 * @hva: its host virtual address (the page's first byte).
 * Return: 0, or a negative errno that stops everything.
 */
typedef int (*pgt_vm_page_fn)(void *arg, const struct pgt_memslot *slot, u64 gfn, u64 hva);

/**
 * struct pgt_vm_contents - pgt_vm_handle_contents()'s per-page callback.
 * @page: called once per page, in gfn order.
 * @arg: passed to it.
 * @pages: out: pages @page returned 0 for; the caller initialises it.
 */
struct pgt_vm_contents {
	pgt_vm_page_fn page;
	void *arg;
	u64 pages;
};

/**
 * pgt_vm_handle_contents() - handler: apply a guest's initial contents, one
 *	page at a time (copy an image, then, say, convert the page to private).
 * @vm: the VM.
 * @range: the gfns.
 * @data: a struct pgt_vm_contents.
 * @flush: left alone.
 *
 * Meant to run without PGT_HVA_LOCK: the callback may sleep and take its
 * own locks.
 * Return: 0, or the first callback error.
 */
int pgt_vm_handle_contents(struct pgt_vm *vm, const struct pgt_gfn_range *range, void *data,
			   bool *flush);

/* ---- VMIDs (lib/mmu.c) ---- */

/** PGT_VMID_MIN_BITS - the narrowest VMID space (tests force rollovers with it). */
#define PGT_VMID_MIN_BITS	2
/** PGT_VMID_MAX_BITS - the widest: VTCR_EL2.VS gives 16-bit VMIDs. */
#define PGT_VMID_MAX_BITS	16
/** PGT_VMID_BITMAP_WORDS - u64 words of bitmap a VMID space of @bits needs. */
#define PGT_VMID_BITMAP_WORDS(bits)	(((1u << (bits)) + 63) / 64)

/**
 * struct pgt_vmid - an MMU's VMID.
 * @id: generation << bits | number, read with single-copy-atomic loads;
 *	0 means "none yet".  Number 0 is never handed out (the host's).
 */
struct pgt_vmid {
	u64 id;
};

/**
 * struct pgt_vmid_cpu - the allocator's state for one physical CPU (private).
 * @active: the VMID this CPU runs now, or 0 once a rollover has taken it
 *	into @reserved.
 * @reserved: the VMID this CPU ran when the generation last rolled over:
 *	kept in the new generation so a guest still running keeps its number.
 * @flush_pending: the CPU has not invalidated its TLB since the last rollover.
 */
struct pgt_vmid_cpu {
	u64 active;
	u64 reserved;
	u32 flush_pending;
};

/**
 * struct pgt_vmid_allocator - VMIDs for every VM of a hypervisor.
 * @bitmap: caller storage, PGT_VMID_BITMAP_WORDS(@bits) words: numbers
 *	handed out in the current generation.
 * @cpus: caller storage, one per physical CPU.
 * @nr_cpus: how many.
 * @bits: VMID width.
 * @generation: the current generation, shifted left by @bits.
 * @next: where the search for a free number starts.
 * @lock: taken on the slow path (new VMID, rollover); the fast path (the
 *	MMU's VMID is current) is lock-free.
 * @rollovers: statistics: generations started.
 */
struct pgt_vmid_allocator {
	u64 *bitmap;
	struct pgt_vmid_cpu *cpus;
	u32 nr_cpus;
	u32 bits;
	u64 generation;
	u32 next;
	struct pgt_vm_lock lock;
	u64 rollovers;
};

/**
 * pgt_vmid_allocator_init() - an allocator with every VMID free.
 * @va: filled in.
 * @bits: PGT_VMID_MIN_BITS .. PGT_VMID_MAX_BITS (8 or 16 on hardware;
 *	fewer makes rollovers frequent, for tests).
 * @bitmap: PGT_VMID_BITMAP_WORDS(@bits) words.
 * @cpus: @nr_cpus entries.
 * @nr_cpus: physical CPUs, at least 1.
 * @lock: the allocator's lock (a spinlock: it is taken with preemption off).
 * Return: 0, or -EINVAL for a bad width, no CPU or a missing array/callback.
 */
int pgt_vmid_allocator_init(struct pgt_vmid_allocator *va, u32 bits, u64 *bitmap,
			    struct pgt_vmid_cpu *cpus, u32 nr_cpus,
			    const struct pgt_vm_lock *lock);

/**
 * enum pgt_run_flags - what making an MMU current on a CPU did.
 * @PGT_RUN_NEW_VMID: its VMID was from an old generation (or it had none)
 *	and it got a new one.
 * @PGT_RUN_FLUSH_ALL: the generation rolled over since this CPU last ran a
 *	guest: its whole guest TLB must be (and, from pgt_s2_mmu_load(), was)
 *	invalidated before it runs one.
 * @PGT_RUN_FLUSH_VMID: another vCPU of the VM ran this MMU on this CPU
 *	last: this VMID's entries on this CPU were invalidated.
 */
enum pgt_run_flags {
	PGT_RUN_NEW_VMID = 1u << 0,
	PGT_RUN_FLUSH_ALL = 1u << 1,
	PGT_RUN_FLUSH_VMID = 1u << 2,
};

/**
 * pgt_vmid_update() - make sure @vmid is of the current generation before
 *	it runs on @cpu.
 * @va: the allocator.
 * @vmid: the VMID to check.
 * @cpu: the calling CPU, with preemption disabled until the guest runs.
 *
 * Running out of numbers starts a new generation: the bitmap is reset to the
 * numbers CPUs are running now (they keep them), and every CPU must
 * invalidate its TLB before it next runs a guest.
 * Return: enum pgt_run_flags (PGT_RUN_NEW_VMID, PGT_RUN_FLUSH_ALL, which
 * the caller must act on before running), or -EINVAL for a bad @cpu.
 */
int pgt_vmid_update(struct pgt_vmid_allocator *va, struct pgt_vmid *vmid, u32 cpu);

/* ---- Stage-2 MMU contexts (lib/mmu.c) ---- */

/** PGT_VCPU_NONE - "no vCPU has run this MMU on this CPU yet". */
#define PGT_VCPU_NONE		0xffffffffu

/**
 * struct pgt_s2_mmu - one stage-2 context of a VM: a tree and a VMID.
 * @vm: the VM.
 * @pgt: the tree, if this MMU owns its root (@shares is NULL).  Its TLB
 *	cookie is this MMU.
 * @shares: the MMU whose root this one uses, or NULL.  Sharing is a pointer
 *	to the owner, not a count on the root: the owner (the canonical MMU, say)
 *	outlives its sharers, and TLB maintenance needs the list of VMIDs.
 * @sharers: how many MMUs share this one's root; it cannot be destroyed
 *	while any do.
 * @as_id: the address space whose memslots it maps (gfn << page shift is
 *	the IPA); a sharer has its owner's.
 * @vmid: its VMID.
 * @last_vcpu_ran: caller storage, one per CPU: the vCPU that last ran this
 *	MMU there, or PGT_VCPU_NONE.
 * @next: the next MMU of the VM.
 */
struct pgt_s2_mmu {
	struct pgt_vm *vm;
	struct pgt pgt;
	struct pgt_s2_mmu *shares;
	u32 sharers;
	u32 as_id;
	struct pgt_vmid vmid;
	u32 *last_vcpu_ran;
	struct pgt_s2_mmu *next;
};

/**
 * pgt_s2_mmu_init() - add an MMU to a VM.
 * @mmu: filled in.
 * @vm: the VM; the caller holds the MMU lock for writing (TLB maintenance
 *	walks the VM's MMU list).
 * @as_id: the address space it maps.
 * @share: NULL for a root of its own; else an MMU of the same VM and
 *	address space whose root this one uses (that MMU's owner if it is
 *	itself a sharer).
 * @last_vcpu_ran: vm->nr_cpus entries, set to PGT_VCPU_NONE here.
 *
 * Return: 0; -EINVAL for a bad address space, an MMU of another VM or
 * address space, or no array; -ENOMEM.
 */
int pgt_s2_mmu_init(struct pgt_s2_mmu *mmu, struct pgt_vm *vm, u32 as_id,
		    struct pgt_s2_mmu *share, u32 *last_vcpu_ran);

/**
 * pgt_s2_mmu_destroy() - remove an MMU from its VM and free its tree.
 * @mmu: an MMU no CPU runs; the caller holds the MMU lock for writing.
 *
 * Its VMID is not given back: numbers are reused only in a new generation,
 * after every CPU has invalidated its TLB (Documentation/vm.rst).
 * Return: 0, or -EBUSY (nothing done) while other MMUs share its root.
 */
int pgt_s2_mmu_destroy(struct pgt_s2_mmu *mmu);

/**
 * pgt_s2_mmu_pgt() - the tree an MMU translates with.
 * @mmu: the MMU.
 * Return: its own tree, or its owner's.
 */
static inline struct pgt *pgt_s2_mmu_pgt(struct pgt_s2_mmu *mmu)
{
	return mmu->shares ? &mmu->shares->pgt : &mmu->pgt;
}

/**
 * pgt_s2_mmu_vtcr() - VTCR_EL2 to run @mmu with: the VM's.
 * @mmu: the MMU.
 * Return: the register value.
 */
static inline u64 pgt_s2_mmu_vtcr(const struct pgt_s2_mmu *mmu)
{
	return mmu->vm->vtcr;
}

/**
 * pgt_s2_mmu_vmid() - the VMID number an MMU runs with now.
 * @mmu: the MMU.
 * Return: the number (0 before its first pgt_s2_mmu_load()).
 */
u32 pgt_s2_mmu_vmid(const struct pgt_s2_mmu *mmu);

/**
 * pgt_s2_mmu_vttbr() - VTTBR_EL2 to run @mmu with.
 * @mmu: the MMU.
 * Return: BADDR of its root with VMID in bits 63:48.
 */
u64 pgt_s2_mmu_vttbr(const struct pgt_s2_mmu *mmu);

/**
 * pgt_s2_mmu_map() - map guest frames backed by a memslot (a stage-2 fault).
 * @mmu: the MMU.
 * @gfn: the first guest frame.
 * @npages: pages.
 * @phys: the physical address backing @gfn (the caller resolved the hva).
 * @prot: the permissions; W is dropped in a read-only memslot.
 * @mc: pages for new tables, as for pgt_stage2_map().
 * @flags: as for pgt_stage2_map().
 * Return: 0; -ENOENT if no memslot of the MMU's address space holds every
 * frame; the errors of pgt_stage2_map().
 */
int pgt_s2_mmu_map(struct pgt_s2_mmu *mmu, u64 gfn, u64 npages, u64 phys, u32 prot,
		   struct pgt_memcache *mc, u32 flags);

/**
 * pgt_s2_mmu_load() - make @mmu current on @cpu for vCPU @vcpu.
 * @mmu: the MMU about to run.
 * @vcpu: the vCPU's index in the VM (not PGT_VCPU_NONE).
 * @cpu: the calling CPU, with preemption disabled until the guest runs.
 *
 * Gets the MMU a VMID of the current generation, invalidates this CPU's
 * TLB after a rollover, and applies the last-vCPU-ran rule: when another
 * vCPU of the VM ran this MMU on this CPU last, this VMID's entries on this
 * CPU are invalidated first (Documentation/vm.rst).
 * Return: enum pgt_run_flags saying what was done, or -EINVAL for a bad
 * @cpu or @vcpu.
 */
int pgt_s2_mmu_load(struct pgt_s2_mmu *mmu, u32 vcpu, u32 cpu);

#endif /* PGTABLE_VM_H */
