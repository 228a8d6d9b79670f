// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm.c - a VM: its parameters, the mm_ops through which every MMU of the VM
 * reaches its home, and the HVA range operator with its ready-made handlers
 * (Documentation/vm.rst).  The memslots it queries are memslot.c's.
 * Invariant: one range operation ends with at most one broadcast TLB
 * invalidation per VMID, issued after every handler ran.
 */
#include "memslot.h"

static struct pgt_vm *mm_vm(struct pgt_mm_ops *mm)
{
	return (struct pgt_vm *)((char *)mm - __builtin_offsetof(struct pgt_vm, mm));
}

#define HOME(mm)	(mm_vm(mm)->home)

static void *vm_zalloc_page(struct pgt_mm_ops *mm, u32 size)
{
	return HOME(mm)->zalloc_page(HOME(mm), size);
}

static void *vm_zalloc_pages_exact(struct pgt_mm_ops *mm, u64 size)
{
	return HOME(mm)->zalloc_pages_exact(HOME(mm), size);
}

static void vm_free_pages_exact(struct pgt_mm_ops *mm, void *addr, u64 size)
{
	HOME(mm)->free_pages_exact(HOME(mm), addr, size);
}

static void vm_get_page(struct pgt_mm_ops *mm, void *addr)
{
	HOME(mm)->get_page(HOME(mm), addr);
}

static void vm_put_page(struct pgt_mm_ops *mm, void *addr)
{
	HOME(mm)->put_page(HOME(mm), addr);
}

static int vm_page_count(struct pgt_mm_ops *mm, void *addr)
{
	return HOME(mm)->page_count(HOME(mm), addr);
}

static void *vm_phys_to_virt(struct pgt_mm_ops *mm, u64 phys)
{
	return HOME(mm)->phys_to_virt(HOME(mm), phys);
}

static u64 vm_virt_to_phys(struct pgt_mm_ops *mm, void *addr)
{
	return HOME(mm)->virt_to_phys(HOME(mm), addr);
}

static void vm_free_unlinked_table(struct pgt_mm_ops *mm, void *table, pgt_s8 level,
				   u8 granule_shift)
{
	HOME(mm)->free_unlinked_table(HOME(mm), table, level, granule_shift);
}

static void vm_dcache_clean_inval_poc(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	HOME(mm)->dcache_clean_inval_poc(HOME(mm), phys, size);
}

static void vm_icache_inval_pou(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	HOME(mm)->icache_inval_pou(HOME(mm), phys, size);
}

static void vm_shared_walk_begin(struct pgt_mm_ops *mm)
{
	HOME(mm)->shared_walk_begin(HOME(mm));
}

static void vm_shared_walk_end(struct pgt_mm_ops *mm)
{
	HOME(mm)->shared_walk_end(HOME(mm));
}

/*
 * A tree's TLB cookie is the MMU owning its root.  Entries built from that
 * root may sit in the TLB under the VMID of every MMU sharing it, so each
 * invalidation goes to all of them, before the library frees anything the
 * entries could still point to.
 */
static bool mmu_uses_root(const struct pgt_s2_mmu *m, const void *owner)
{
	return m == owner || m->shares == owner;
}

static void vm_tlbi_va(struct pgt_mm_ops *mm, void *cookie, u64 addr, pgt_s8 level, bool leaf)
{
	struct pgt_vm *vm = mm_vm(mm);
	struct pgt_s2_mmu *m;

	for (m = vm->mmus; m; m = m->next)
		if (mmu_uses_root(m, cookie))
			vm->home->tlbi_va(vm->home, m, addr, level, leaf);
}

static void vm_tlbi_range(struct pgt_mm_ops *mm, void *cookie, u64 addr, u64 size,
			  pgt_s8 level)
{
	struct pgt_vm *vm = mm_vm(mm);
	struct pgt_s2_mmu *m;

	for (m = vm->mmus; m; m = m->next)
		if (mmu_uses_root(m, cookie))
			vm->home->tlbi_range(vm->home, m, addr, size, level);
}

static void vm_tlbi_all(struct pgt_mm_ops *mm, void *cookie)
{
	struct pgt_vm *vm = mm_vm(mm);
	struct pgt_s2_mmu *m;

	for (m = vm->mmus; m; m = m->next)
		if (mmu_uses_root(m, cookie))
			vm->home->tlbi_all(vm->home, m);
}

/*
 * An optional hook the home leaves NULL stays NULL: the library tests for
 * those.  The others pgt_vm_init() has found present.
 */
#define FWD(name)	(home->name ? vm_##name : NULL)

static void vm_mm_init(struct pgt_vm *vm, struct pgt_mm_ops *home)
{
	struct pgt_mm_ops *mm = &vm->mm;

	mm->zalloc_page = vm_zalloc_page;
	mm->zalloc_pages_exact = vm_zalloc_pages_exact;
	mm->free_pages_exact = vm_free_pages_exact;
	mm->get_page = vm_get_page;
	mm->put_page = vm_put_page;
	mm->page_count = vm_page_count;
	mm->phys_to_virt = vm_phys_to_virt;
	mm->virt_to_phys = vm_virt_to_phys;
	mm->free_unlinked_table = FWD(free_unlinked_table);
	mm->dcache_clean_inval_poc = FWD(dcache_clean_inval_poc);
	mm->icache_inval_pou = FWD(icache_inval_pou);
	mm->tlbi_va = vm_tlbi_va;
	mm->tlbi_range = FWD(tlbi_range);
	mm->tlbi_all = vm_tlbi_all;
	mm->shared_walk_begin = FWD(shared_walk_begin);
	mm->shared_walk_end = FWD(shared_walk_end);
	mm->linear = home->linear;
	mm->linear_offset = home->linear_offset;
	vm->home = home;
}


static bool vm_params_complete(const struct pgt_vm_params *p)
{
	const struct pgt_mm_ops *mm = p->mm_ops;
	const struct pgt_vm_ops *ops = p->vm_ops;

	return pgt_mm_ops_complete(mm) && ops && ops->tlbi_vmid_local &&
	       ops->tlbi_all_local && p->mmu_lock.lock && p->mmu_lock.unlock &&
	       p->spaces && p->nr_spaces && p->vmids && p->nr_cpus &&
	       p->nr_cpus <= p->vmids->nr_cpus;
}

/* What pgt_stage2_init() will accept, checked once for every MMU to come. */
static int vm_config_check(const struct pgt_vm_params *p, struct pgt_geometry *geom)
{
	const struct pgt_config *c = &p->s2;

	if (pgt_stage2_config_check(c))
		return -EINVAL;
	/* VTTBR_EL2 holds VMIDs wider than 8 bits only with VTCR_EL2.VS. */
	if (p->vmids->bits > 8 && !(c->flags & PGT_S2_VMID16))
		return -EINVAL;
	return pgt_geometry_cfg(geom, PGT_STAGE_2, c);
}

int pgt_vm_init(struct pgt_vm *vm, const struct pgt_vm_params *p)
{
	int ret;

	if (!vm_params_complete(p))
		return -EINVAL;
	ret = vm_config_check(p, &vm->geom);
	if (ret)
		return ret;
	vm->cfg = p->s2;
	vm->vtcr = pgt_vtcr(&vm->geom, p->s2.pa_bits, p->s2.flags & PGT_S2_VMID16);
	vm->page_shift = p->s2.granule_shift;
	vm_mm_init(vm, p->mm_ops);
	vm->ops = p->vm_ops;
	vm->mmu_lock = p->mmu_lock;
	vm->spaces = p->spaces;
	vm->nr_spaces = p->nr_spaces;
	vm->vmids = p->vmids;
	vm->nr_cpus = p->nr_cpus;
	vm->mmus = NULL;
	return 0;
}


struct hva_op {
	struct hva_query q;	/* first: the visitor gets &q */
	struct pgt_vm *vm;
	const struct pgt_hva_range *req;
	bool locked;
	bool flush;
};

/* {gfn of every page meeting [start, end)}: start rounded down, end rounded up. */
static void hva_gfn_range(const struct pgt_vm *vm, const struct pgt_memslot *s, u64 start,
			  u64 end, struct pgt_gfn_range *r)
{
	u64 slot_end = pgt_vm_slot_hva_end(vm, s);
	u64 first = start > s->userspace_addr ? start - s->userspace_addr : 0;
	u64 last = (end < slot_end ? end : slot_end) - s->userspace_addr;
	u64 mask = (1ULL << vm->page_shift) - 1;

	r->slot = s;
	r->start = s->base_gfn + (first >> vm->page_shift);
	r->end = s->base_gfn + (last >> vm->page_shift) + !!(last & mask);
}

static void vm_lock(struct pgt_vm *vm)
{
	vm->mmu_lock.lock(vm->mmu_lock.arg);
}

static void vm_unlock(struct pgt_vm *vm)
{
	vm->mmu_lock.unlock(vm->mmu_lock.arg);
}

static int hva_op_visit(struct hva_query *q, const struct pgt_memslot *slot)
{
	struct hva_op *op = (struct hva_op *)q;
	const struct pgt_hva_range *req = op->req;
	struct pgt_gfn_range range;

	if ((req->flags & PGT_HVA_SKIP_READONLY) && (slot->flags & PGT_MEMSLOT_READONLY))
		return 0;
	hva_gfn_range(op->vm, slot, req->start, req->end, &range);
	/* Taken lazily: a notifier for memory no slot uses never touches the lock. */
	if ((req->flags & PGT_HVA_LOCK) && !op->locked) {
		vm_lock(op->vm);
		op->locked = true;
	}
	return req->handler(op->vm, &range, req->data, &op->flush);
}

/*
 * One broadcast invalidation per VMID of the VM.  It walks the MMU list, which
 * changes only under the MMU lock: when the handlers ran unlocked, the lock is
 * taken for the flush alone.
 */
static void vm_flush_all(struct pgt_vm *vm, bool locked)
{
	struct pgt_mm_ops *home = vm->home;
	struct pgt_s2_mmu *m;

	if (!locked)
		vm_lock(vm);
	pgt_dsb_ishst();
	for (m = vm->mmus; m; m = m->next)
		home->tlbi_all(home, m);
	pgt_dsb_ish();
	pgt_isb();
	if (!locked)
		vm_unlock(vm);
}

int pgt_vm_hva_range_op(struct pgt_vm *vm, const struct pgt_hva_range *range)
{
	struct hva_op op = {
		.q = { .vm = vm, .start = range->start, .end = range->end, .visit = hva_op_visit },
		.vm = vm,
		.req = range,
	};
	u32 as;
	int ret = 0;

	if (!range->handler || range->end <= range->start)
		return -EINVAL;
	for (as = 0; as < vm->nr_spaces && !ret; as++)
		ret = pgt_vm_hva_query(&op.q, &vm->spaces[as]);
	if (op.flush)
		vm_flush_all(vm, op.locked);
	if (op.locked)
		vm_unlock(vm);
	return ret;
}


int pgt_vm_handle_unmap(struct pgt_vm *vm, const struct pgt_gfn_range *range, void *data,
			bool *flush)
{
	(void)data;
	(void)flush;
	return pgt_vm_unmap_gfns(vm, range->slot->as_id, range->start, range->end);
}

int pgt_vm_handle_age(struct pgt_vm *vm, const struct pgt_gfn_range *range, void *data,
		      bool *flush)
{
	struct pgt_vm_age *age = data;
	u32 shift = vm->page_shift;
	struct pgt_s2_mmu *m;
	int ret;

	for (m = vm->mmus; m; m = m->next) {
		if (!mmu_owns_root_of(m, range->slot->as_id))
			continue;
		ret = pgt_stage2_test_clear_young(&m->pgt, range->start << shift,
						  (range->end - range->start) << shift,
						  age->mkold, age->walk_flags);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		age->young = true;
		if (age->mkold && age->flush)
			*flush = true;
	}
	return 0;
}

int pgt_vm_handle_contents(struct pgt_vm *vm, const struct pgt_gfn_range *range, void *data,
			   bool *flush)
{
	struct pgt_vm_contents *c = data;
	u64 gfn;
	int ret;

	(void)flush;
	for (gfn = range->start; gfn < range->end; gfn++) {
		ret = c->page(c->arg, range->slot, gfn, pgt_vm_memslot_hva(vm, range->slot, gfn));
		if (ret)
			return ret;
		c->pages++;
	}
	return 0;
}
