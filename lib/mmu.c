// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmu.c - stage-2 MMU contexts of a VM, the VMID allocator with generations,
 * and the last-vCPU-ran rule (Documentation/vm.rst).
 */
#include "internal.h"

/* ---- The VMID allocator ---- */

static u32 vmid_count(const struct pgt_vmid_allocator *va)
{
	return 1u << va->bits;
}

static u32 vmid_number(const struct pgt_vmid_allocator *va, u64 id)
{
	return (u32)(id & (vmid_count(va) - 1));
}

static bool vmid_current(const struct pgt_vmid_allocator *va, u64 id, u64 generation)
{
	return id && !((id ^ generation) >> va->bits);
}

static bool vmid_bit_test_and_set(struct pgt_vmid_allocator *va, u32 n)
{
	u64 bit = PGT_BIT(n % 64);
	bool was = va->bitmap[n / 64] & bit;

	va->bitmap[n / 64] |= bit;
	return was;
}

/* Numbers are handed out upwards and never freed within a generation. */
static u32 vmid_bit_find_free(const struct pgt_vmid_allocator *va, u32 from)
{
	u32 n;

	for (n = from; n < vmid_count(va); n++) {
		u64 word = va->bitmap[n / 64];

		if (word == ~0ULL)
			n |= 63;
		else if (!(word & PGT_BIT(n % 64)))
			return n;
	}
	return 0;
}

/* Number 0 is the host's: never handed out. */
static void vmid_bits_reset(struct pgt_vmid_allocator *va)
{
	u32 i;

	for (i = 0; i < PGT_VMID_BITMAP_WORDS(va->bits); i++)
		va->bitmap[i] = 0;
	va->bitmap[0] = 1;
}

int pgt_vmid_allocator_init(struct pgt_vmid_allocator *va, u32 bits, u64 *bitmap,
			    struct pgt_vmid_cpu *cpus, u32 nr_cpus,
			    const struct pgt_vm_lock *lock)
{
	u32 cpu;

	if (bits < PGT_VMID_MIN_BITS || bits > PGT_VMID_MAX_BITS || !bitmap || !cpus ||
	    !lock || !lock->lock || !lock->unlock)
		return -EINVAL;
	/* After a rollover every running CPU keeps its number: one must be left over. */
	if (!nr_cpus || nr_cpus >= (1u << bits) - 1)
		return -EINVAL;
	va->bitmap = bitmap;
	va->cpus = cpus;
	va->nr_cpus = nr_cpus;
	va->bits = bits;
	va->generation = 1ULL << bits;
	va->next = 1;
	va->lock = *lock;
	va->rollovers = 0;
	vmid_bits_reset(va);
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		cpus[cpu].active = 0;
		cpus[cpu].reserved = 0;
		cpus[cpu].flush_pending = 0;
	}
	return 0;
}

static u64 xchg_zero(u64 *p)
{
	u64 old;

	do {
		old = pgt_read_once(p);
	} while (!pgt_cmpxchg(p, old, 0));
	return old;
}

/*
 * A CPU may be running a guest right now, and nothing stops it: whatever it
 * runs (or, if it has not run since the last rollover, ran then) keeps its
 * number in the new generation.  Its TLB is stale for every other number.
 */
static void vmid_keep_running(struct pgt_vmid_allocator *va, struct pgt_vmid_cpu *c)
{
	u64 id = xchg_zero(&c->active);

	if (!id)
		id = c->reserved;
	if (id)
		vmid_bit_test_and_set(va, vmid_number(va, id));
	c->reserved = id;
	c->flush_pending = 1;
}

static void vmid_rollover(struct pgt_vmid_allocator *va)
{
	u32 cpu;

	/* First: a fast path that still sees the old generation will fail its cmpxchg. */
	pgt_write_once(&va->generation, va->generation + (1ULL << va->bits));
	vmid_bits_reset(va);
	for (cpu = 0; cpu < va->nr_cpus; cpu++)
		vmid_keep_running(va, &va->cpus[cpu]);
	va->next = 1;
	va->rollovers++;
}

/* Was @old running somewhere at a rollover?  Then it keeps that number. */
static bool vmid_reserved_update(struct pgt_vmid_allocator *va, u64 old, u64 new)
{
	bool hit = false;
	u32 cpu;

	for (cpu = 0; cpu < va->nr_cpus; cpu++) {
		if (va->cpus[cpu].reserved == old) {
			va->cpus[cpu].reserved = new;
			hit = true;
		}
	}
	return hit;
}

static u64 vmid_new(struct pgt_vmid_allocator *va, u64 old)
{
	u32 n;

	if (old) {
		u64 id = va->generation | vmid_number(va, old);

		/* The same number again, if no one took it: its TLB entries stay good. */
		if (vmid_reserved_update(va, old, id) ||
		    !vmid_bit_test_and_set(va, vmid_number(va, old)))
			return id;
	}
	n = vmid_bit_find_free(va, va->next);
	if (!n) {
		vmid_rollover(va);
		n = vmid_bit_find_free(va, 1);
	}
	vmid_bit_test_and_set(va, n);
	va->next = n + 1;
	return va->generation | n;
}

static int vmid_update_slow(struct pgt_vmid_allocator *va, struct pgt_vmid *vmid, u32 cpu)
{
	struct pgt_vmid_cpu *c = &va->cpus[cpu];
	int ret = 0;
	u64 id;

	va->lock.lock(va->lock.arg);
	id = pgt_read_once(&vmid->id);
	if (!vmid_current(va, id, va->generation)) {
		id = vmid_new(va, id);
		pgt_write_once(&vmid->id, id);
		ret |= PGT_RUN_NEW_VMID;
	}
	if (c->flush_pending) {
		c->flush_pending = 0;
		ret |= PGT_RUN_FLUSH_ALL;
	}
	pgt_write_once(&c->active, id);
	va->lock.unlock(va->lock.arg);
	return ret;
}

/*
 * The fast path publishes the VMID as this CPU's active one with a cmpxchg
 * from a non-zero value.  A rollover zeroes every CPU's active VMID: if it
 * got here first, the cmpxchg fails and the slow path sorts it out under the
 * lock; if the cmpxchg won, the rollover sees the VMID and keeps its number.
 */
int pgt_vmid_update(struct pgt_vmid_allocator *va, struct pgt_vmid *vmid, u32 cpu)
{
	u64 id, active;

	if (cpu >= va->nr_cpus)
		return -EINVAL;
	id = pgt_read_once(&vmid->id);
	active = pgt_read_once(&va->cpus[cpu].active);
	if (active && vmid_current(va, id, pgt_read_once(&va->generation)) &&
	    pgt_cmpxchg(&va->cpus[cpu].active, active, id))
		return 0;
	return vmid_update_slow(va, vmid, cpu);
}

/* ---- MMU contexts ---- */

int pgt_s2_mmu_init(struct pgt_s2_mmu *mmu, struct pgt_vm *vm, u32 as_id,
		    struct pgt_s2_mmu *share, u32 *last_vcpu_ran)
{
	u32 cpu;
	int ret;

	if (share && share->shares)
		share = share->shares;
	if (as_id >= vm->nr_spaces || !last_vcpu_ran ||
	    (share && (share->vm != vm || share->as_id != as_id)))
		return -EINVAL;
	mmu->vm = vm;
	mmu->shares = share;
	mmu->sharers = 0;
	mmu->as_id = as_id;
	mmu->vmid.id = 0;
	mmu->last_vcpu_ran = last_vcpu_ran;
	if (!share) {
		ret = pgt_stage2_init(&mmu->pgt, &vm->cfg, &vm->mm, mmu);
		if (ret)
			return ret;
	} else {
		share->sharers++;
	}
	for (cpu = 0; cpu < vm->nr_cpus; cpu++)
		last_vcpu_ran[cpu] = PGT_VCPU_NONE;
	mmu->next = vm->mmus;
	vm->mmus = mmu;
	return 0;
}

int pgt_s2_mmu_destroy(struct pgt_s2_mmu *mmu)
{
	struct pgt_s2_mmu **pp;

	if (mmu->sharers)
		return -EBUSY;
	for (pp = &mmu->vm->mmus; *pp; pp = &(*pp)->next) {
		if (*pp == mmu) {
			*pp = mmu->next;
			break;
		}
	}
	if (mmu->shares)
		mmu->shares->sharers--;
	else
		pgt_stage2_destroy(&mmu->pgt);
	return 0;
}

u32 pgt_s2_mmu_vmid(const struct pgt_s2_mmu *mmu)
{
	return vmid_number(mmu->vm->vmids, pgt_read_once(&mmu->vmid.id));
}

u64 pgt_s2_mmu_vttbr(const struct pgt_s2_mmu *mmu)
{
	const struct pgt *pgt = mmu->shares ? &mmu->shares->pgt : &mmu->pgt;

	return pgt->root_phys | (u64)pgt_s2_mmu_vmid(mmu) << 48;
}

int pgt_s2_mmu_map(struct pgt_s2_mmu *mmu, u64 gfn, u64 npages, u64 phys, u32 prot,
		   struct pgt_memcache *mc, u32 flags)
{
	struct pgt_vm *vm = mmu->vm;
	const struct pgt_memslot *s = pgt_vm_memslot_find_gfn(vm, mmu->as_id, gfn);

	if (!s || npages > s->npages - (gfn - s->base_gfn))
		return -ENOENT;
	/* The guest may not write a read-only slot: writes fault to the VMM. */
	if (s->flags & PGT_MEMSLOT_READONLY)
		prot &= ~PGT_PROT_W;
	return pgt_stage2_map(pgt_s2_mmu_pgt(mmu), gfn << vm->page_shift,
			      npages << vm->page_shift, phys, prot, mc, flags);
}

/* ---- Running an MMU: the last-vCPU-ran rule ---- */

static void tlbi_local(struct pgt_vm *vm, struct pgt_s2_mmu *mmu, u32 cpu)
{
	pgt_dsb_ishst();
	if (mmu)
		vm->ops->tlbi_vmid_local(vm->ops, mmu, cpu);
	else
		vm->ops->tlbi_all_local(vm->ops, cpu);
	pgt_dsb_ish();
	pgt_isb();
}

/*
 * This CPU's TLB may hold entries of this VMID that another vCPU's stage-1
 * context produced (the guest may give one ASID different tables on two
 * vCPUs, trusting that their TLBs are not shared).  If another vCPU ran the
 * MMU here last, drop them.  A first run needs nothing: VMIDs are never
 * reused within a generation, and a new one flushes every CPU first.
 */
static int last_vcpu_ran_check(struct pgt_s2_mmu *mmu, u32 vcpu, u32 cpu, bool flushed)
{
	u32 last = pgt_read_once(&mmu->last_vcpu_ran[cpu]);

	if (last == vcpu)
		return 0;
	pgt_write_once(&mmu->last_vcpu_ran[cpu], vcpu);
	if (last == PGT_VCPU_NONE || flushed)
		return 0;
	tlbi_local(mmu->vm, mmu, cpu);
	return PGT_RUN_FLUSH_VMID;
}

int pgt_s2_mmu_load(struct pgt_s2_mmu *mmu, u32 vcpu, u32 cpu)
{
	struct pgt_vm *vm = mmu->vm;
	int ret;

	if (cpu >= vm->nr_cpus || vcpu == PGT_VCPU_NONE)
		return -EINVAL;
	ret = pgt_vmid_update(vm->vmids, &mmu->vmid, cpu);
	if (ret < 0)
		return ret;
	if (ret & PGT_RUN_FLUSH_ALL)
		tlbi_local(vm, NULL, cpu);
	return ret | last_vcpu_ran_check(mmu, vcpu, cpu, ret & PGT_RUN_FLUSH_ALL);
}
