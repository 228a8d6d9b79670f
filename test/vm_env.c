// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm_env.c - the VM-layer tests' environment (vm_env.h).
 */
#include <stdlib.h>
#include <string.h>

#include "vm_env.h"

static struct venv *ops_env(struct pgt_vm_ops *ops)
{
	return (struct venv *)((char *)ops - offsetof(struct venv, ops));
}

static void env_tlbi_vmid_local(struct pgt_vm_ops *ops, struct pgt_s2_mmu *mmu, u32 cpu)
{
	struct venv *e = ops_env(ops);

	assert_true(cpu < VENV_CPUS);
	e->tlbi_vmid_local[cpu]++;
	if (e->on_tlbi)
		e->on_tlbi(e, mmu, cpu);
}

static void env_tlbi_all_local(struct pgt_vm_ops *ops, u32 cpu)
{
	struct venv *e = ops_env(ops);

	assert_true(cpu < VENV_CPUS);
	e->tlbi_all_local[cpu]++;
	if (e->on_tlbi)
		e->on_tlbi(e, NULL, cpu);
}

static void mmu_lock(void *arg)
{
	struct venv *e = arg;

	e->locks++;
	e->depth++;
	assert_int_equal(e->depth, 1);
}

static void mmu_unlock(void *arg)
{
	struct venv *e = arg;

	assert_int_equal(e->depth, 1);
	if (e->on_unlock)
		e->on_unlock(e);
	e->depth--;
	e->unlocks++;
}

static void va_lock(void *arg)
{
	struct venv *e = arg;

	pthread_mutex_lock(&e->va_lock);
	e->va_slow++;
}

static void va_unlock(void *arg)
{
	struct venv *e = arg;

	pthread_mutex_unlock(&e->va_lock);
}

static void env_spaces(struct venv *e, u32 capacity)
{
	int as;

	for (as = 0; as < VENV_AS; as++) {
		e->slots[as] = calloc(capacity, sizeof(*e->slots[as]));
		e->hva[as] = calloc(capacity, sizeof(*e->hva[as]));
		assert_non_null(e->slots[as]);
		assert_non_null(e->hva[as]);
		pgt_vm_memslots_init(&e->spaces[as], e->slots[as], e->hva[as], capacity);
	}
}

static void env_vmids(struct venv *e, u32 bits, u32 nr_cpus)
{
	struct pgt_vm_lock lock = { .lock = va_lock, .unlock = va_unlock, .arg = e };

	pthread_mutex_init(&e->va_lock, NULL);
	assert_int_equal(pgt_vmid_allocator_init(&e->va, bits, e->bitmap, e->cpus, nr_cpus,
						 &lock), 0);
}

void venv_init(struct venv *e, const struct venv_cfg *cfg)
{
	struct venv_cfg c = *cfg;
	struct pgt_vm_params p;

	memset(e, 0, sizeof(*e));
	c.granule = c.granule ? c.granule : PGT_GRANULE_4K;
	c.ia_bits = c.ia_bits ? c.ia_bits : 40;
	c.vmid_bits = c.vmid_bits ? c.vmid_bits : 8;
	c.nr_cpus = c.nr_cpus ? c.nr_cpus : VENV_CPUS;
	c.capacity = c.capacity ? c.capacity : 64;
	e->hm = host_mm_create(VENV_ARENA, ARENA_BASE);
	assert_non_null(e->hm);
	host_mm_set_unlinked_free(e->hm, pgt_unlinked_free);
	host_mm_tlbi_log_enable(e->hm, true);
	if (c.rcu)
		host_mm_enable_rcu(e->hm);
	if (c.no_tlbi_range)
		host_mm_ops(e->hm)->tlbi_range = NULL;
	e->warnings_at_start = host_mm_global_warnings();
	env_spaces(e, c.capacity);
	env_vmids(e, c.vmid_bits, c.nr_cpus);
	e->ops = (struct pgt_vm_ops){ env_tlbi_vmid_local, env_tlbi_all_local };
	e->cfg = c;
	venv_params(e, &p);
	assert_int_equal(pgt_vm_init(&e->vm, &p), 0);
}

void venv_params(struct venv *e, struct pgt_vm_params *out)
{
	const struct venv_cfg c = e->cfg;
	struct pgt_vm_params p;

	p = (struct pgt_vm_params){
		.s2 = { .ia_bits = c.ia_bits, .granule_shift = c.granule, .pa_bits = 48,
			.flags = c.flags | (c.vmid_bits > 8 ? PGT_S2_VMID16 : 0) },
		.mm_ops = host_mm_ops(e->hm),
		.vm_ops = &e->ops,
		.mmu_lock = { .lock = mmu_lock, .unlock = mmu_unlock, .arg = e },
		.spaces = e->spaces,
		.nr_spaces = VENV_AS,
		.vmids = &e->va,
		.nr_cpus = c.nr_cpus,
	};
	*out = p;
}

/* Sharers first: an owner cannot go while it is shared. */
static void destroy_mmus(struct venv *e, bool sharers)
{
	int i;

	for (i = 0; i < VENV_MMUS; i++) {
		if (!e->live[i] || !e->mmu[i].shares != !sharers)
			continue;
		assert_int_equal(pgt_s2_mmu_destroy(&e->mmu[i]), 0);
		e->live[i] = false;
	}
}

void venv_fini(struct venv *e)
{
	int as;

	destroy_mmus(e, true);
	destroy_mmus(e, false);
	assert_null(e->vm.mmus);
	host_mm_drain_deferred(e->hm);
	assert_int_equal(host_mm_in_use_bytes(e->hm), 0);
	assert_int_equal(host_mm_global_warnings(), e->warnings_at_start);
	host_mm_destroy(e->hm);
	for (as = 0; as < VENV_AS; as++) {
		free(e->slots[as]);
		free(e->hva[as]);
	}
	pthread_mutex_destroy(&e->va_lock);
	e->hm = NULL;
}

struct pgt_s2_mmu *venv_mmu(struct venv *e, int i, u32 as_id, int share)
{
	struct pgt_s2_mmu *owner = share >= 0 ? &e->mmu[share] : NULL;

	assert_false(e->live[i]);
	assert_int_equal(pgt_s2_mmu_init(&e->mmu[i], &e->vm, as_id, owner, e->last_ran[i]), 0);
	e->live[i] = true;
	return &e->mmu[i];
}

int venv_mmu_index(struct venv *e, const struct pgt_s2_mmu *mmu)
{
	assert_true(mmu >= e->mmu && mmu < e->mmu + VENV_MMUS);
	return (int)(mmu - e->mmu);
}

void venv_slot(struct venv *e, u32 as_id, u64 gfn, u64 npages, u64 hva, u32 flags)
{
	struct pgt_memslot s = {
		.base_gfn = gfn, .npages = npages, .userspace_addr = hva, .flags = flags,
		.as_id = as_id,
	};

	assert_int_equal(pgt_vm_memslot_insert(&e->vm, &s), 0);
}

struct tenv venv_view(struct venv *e, struct pgt_s2_mmu *mmu)
{
	struct tenv t;

	memset(&t, 0, sizeof(t));
	t.hm = e->hm;
	t.pgt = *pgt_s2_mmu_pgt(mmu);
	/* The VM's VTCR, not the tree's own copy: every MMU runs with it. */
	t.rg = (struct ref_regime){
		.stage = 2,
		.ctrl = pgt_s2_mmu_vtcr(mmu),
		.ttbr = pgt_s2_mmu_vttbr(mmu),
		.fwb = e->vm.cfg.flags & PGT_S2_FWB,
		.read64 = host_mm_read64,
		.ctx = e->hm,
	};
	return t;
}

size_t venv_tlbi_count(struct venv *e, enum host_tlbi_kind kind, const void *cookie)
{
	const struct host_tlbi_entry *log;
	size_t i, n, count = 0;

	log = host_mm_tlbi_log_get(e->hm, &n);
	for (i = 0; i < n; i++)
		if (log[i].kind == kind && (!cookie || log[i].cookie == cookie))
			count++;
	return count;
}
