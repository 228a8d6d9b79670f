// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_vm.c - memslots and the HVA range operator (Documentation/vm.rst):
 * validation, lookups by gfn and hva (O(log n), counted), the operator's
 * iteration order, gfn rounding, address spaces, read-only slots, error
 * handling, locking and the single flush at the end, and the ready-made
 * handlers checked through the reference translator.
 */
#include <stdlib.h>
#include <string.h>

#include "vm_env.h"

#define HVA0		0x7f0000000000ULL
#define PA0		0x100000000ULL

/* ---------------------------------------------------------------- recording */

#define MAX_CALLS	64

struct call {
	const struct pgt_memslot *slot;
	u32 as_id;
	u64 start, end;
	int depth;		/* MMU lock depth the handler ran at */
	size_t tlbi_all;	/* tlbi_all calls logged before it ran */
};

struct rec {
	struct venv *e;
	struct call calls[MAX_CALLS];
	int n;
	int fail_at;		/* 1-based call that fails; 0: none */
	int err;
	bool flush;		/* ask for a flush */
};

static int rec_handler(struct pgt_vm *vm, const struct pgt_gfn_range *r, void *data, bool *flush)
{
	struct rec *rec = data;
	struct call *c = &rec->calls[rec->n++];

	assert_ptr_equal(vm, &rec->e->vm);
	assert_true(rec->n <= MAX_CALLS);
	*c = (struct call){
		.slot = r->slot, .as_id = r->slot->as_id, .start = r->start, .end = r->end,
		.depth = rec->e->depth,
		.tlbi_all = venv_tlbi_count(rec->e, HOST_TLBI_ALL, NULL),
	};
	if (rec->flush)
		*flush = true;
	return rec->n == rec->fail_at ? rec->err : 0;
}

static int run_op(struct venv *e, struct rec *rec, u64 start, u64 end, u32 flags)
{
	struct pgt_hva_range r = {
		.start = start, .end = end, .handler = rec_handler, .data = rec, .flags = flags,
	};

	rec->e = e;
	return pgt_vm_hva_range_op(&e->vm, &r);
}

static void expect_call(const struct rec *rec, int i, u32 as_id, u64 start, u64 end)
{
	assert_true(i < rec->n);
	assert_int_equal(rec->calls[i].as_id, as_id);
	assert_int_equal(rec->calls[i].start, start);
	assert_int_equal(rec->calls[i].end, end);
}

static struct venv *env_new(u32 granule, u32 capacity)
{
	struct venv *e = malloc(sizeof(*e));
	struct venv_cfg cfg = { .granule = granule, .capacity = capacity };

	assert_non_null(e);
	venv_init(e, &cfg);
	return e;
}

static void env_free(struct venv *e)
{
	venv_fini(e);
	free(e);
}

static u64 page(const struct venv *e)
{
	return 1ULL << e->vm.page_shift;
}

static int insert(struct venv *e, u32 as_id, u64 gfn, u64 npages, u64 hva, u32 flags)
{
	struct pgt_memslot s = {
		.base_gfn = gfn, .npages = npages, .userspace_addr = hva, .flags = flags,
		.as_id = as_id,
	};

	return pgt_vm_memslot_insert(&e->vm, &s);
}

/* ---------------------------------------------------------------- VM setup */

static void noop_lock(void *arg)
{
	(void)arg;
}

static void vm_params(struct venv *e, struct pgt_vm_params *p)
{
	*p = (struct pgt_vm_params){
		.s2 = { .ia_bits = 40, .granule_shift = PGT_GRANULE_4K, .pa_bits = 48 },
		.mm_ops = host_mm_ops(e->hm), .vm_ops = &e->ops,
		.mmu_lock = { .lock = noop_lock, .unlock = noop_lock },
		.spaces = e->spaces, .nr_spaces = VENV_AS, .vmids = &e->va, .nr_cpus = 2,
	};
}

/* Each parameter that pgt_vm_init() refuses, one at a time. */
static void vm_init_bad(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 4);
	struct pgt_vm_ops half = { .tlbi_vmid_local = e->ops.tlbi_vmid_local };
	struct pgt_vm_params p, q[9];
	struct pgt_vm vm;
	int i;

	(void)state;
	vm_params(e, &p);
	assert_int_equal(pgt_vm_init(&vm, &p), 0);
	assert_int_equal(vm.vtcr, pgt_vtcr(&vm.geom, 48, false));
	for (i = 0; i < 9; i++)
		q[i] = p;
	q[0].mm_ops = NULL;
	q[1].vm_ops = &half;
	q[2].mmu_lock.unlock = NULL;
	q[3].nr_spaces = 0;
	q[4].nr_cpus = VENV_CPUS + 1;	/* more than the allocator knows */
	q[5].s2.ia_bits = 49;
	q[6].s2.granule_shift = 13;
	q[7].s2.flags = 1u << 7;
	q[8].s2.pa_bits = 36;		/* IPA wider than PA */
	for (i = 0; i < 9; i++)
		assert_int_equal(pgt_vm_init(&vm, &q[i]), -EINVAL);
	env_free(e);
}

/* VTTBR_EL2 holds 16-bit VMIDs only with VTCR_EL2.VS. */
static void vm_init_vmid16(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 4);
	struct pgt_vm_lock lock = { .lock = noop_lock, .unlock = noop_lock };
	static u64 bitmap[PGT_VMID_BITMAP_WORDS(16)];
	struct pgt_vmid_allocator va16;
	struct pgt_vmid_cpu cpus[2];
	struct pgt_vm_params p;
	struct pgt_vm vm;

	(void)state;
	vm_params(e, &p);
	assert_int_equal(pgt_vmid_allocator_init(&va16, 16, bitmap, cpus, 2, &lock), 0);
	p.vmids = &va16;
	assert_int_equal(pgt_vm_init(&vm, &p), -EINVAL);
	p.s2.flags = PGT_S2_VMID16;
	assert_int_equal(pgt_vm_init(&vm, &p), 0);
	assert_true(vm.vtcr & PGT_BIT(19));
	env_free(e);
}

/* ---------------------------------------------------------------- memslots */

static void memslot_bad(void **state)
{
	struct venv *e = env_new(test_granule(state), 4);
	u64 pg = page(e), ipa_pages = 1ULL << (40 - e->vm.page_shift);

	assert_int_equal(insert(e, 0, 0x100, 0, HVA0, 0), -EINVAL);
	assert_int_equal(insert(e, 0, ~0ULL - 1, 4, HVA0, 0), -EINVAL);
	assert_int_equal(insert(e, 0, 0x100, 1, HVA0 + 8, 0), -EINVAL);
	assert_int_equal(insert(e, 0, 0x100, 1, ~0ULL - pg + 1, 0), -EINVAL);
	assert_int_equal(insert(e, 0, 0x100, 2, ~0ULL - pg + 1, 0), -EINVAL);
	assert_int_equal(insert(e, 0, 0, ~0ULL >> 8, 0, 0), -EINVAL);
	assert_int_equal(insert(e, 0, 0x100, 1, HVA0, 1u << 1), -EINVAL);
	assert_int_equal(insert(e, VENV_AS, 0x100, 1, HVA0, 0), -EINVAL);
	assert_int_equal(insert(e, 0, ipa_pages - 1, 2, HVA0, 0), -ERANGE);
	assert_int_equal(insert(e, 0, ipa_pages - 1, 1, HVA0, 0), 0);
	/* The last host page cannot back a slot (its end, 2^64, wraps); the one before can. */
	assert_int_equal(insert(e, 0, 0x10, 1, ~0ULL - 2 * pg + 1, 0), 0);
	assert_int_equal(e->spaces[0].nr, 2);
	assert_int_equal(pgt_vm_memslot_delete(&e->vm, 0, 0x10), 0);
	assert_int_equal(pgt_vm_memslot_delete(&e->vm, 0, ipa_pages - 1), 0);
	assert_int_equal(e->spaces[0].nr, 0);
	env_free(e);
}

static void memslot_overlap(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8);

	(void)state;
	venv_slot(e, 0, 100, 10, HVA0, 0);
	assert_int_equal(insert(e, 0, 105, 10, HVA0 + SZ_1G, 0), -EEXIST);
	assert_int_equal(insert(e, 0, 95, 6, HVA0 + SZ_1G, 0), -EEXIST);
	assert_int_equal(insert(e, 0, 100, 10, HVA0 + SZ_1G, 0), -EEXIST);
	assert_int_equal(insert(e, 0, 90, 30, HVA0 + SZ_1G, 0), -EEXIST);
	assert_int_equal(insert(e, 0, 102, 1, HVA0 + SZ_1G, 0), -EEXIST);
	assert_int_equal(insert(e, 0, 109, 1, HVA0 + SZ_1G, 0), -EEXIST);
	/* Touching is not overlapping; other address spaces are independent. */
	assert_int_equal(insert(e, 0, 110, 10, HVA0 + SZ_1G, 0), 0);
	assert_int_equal(insert(e, 0, 90, 10, HVA0 + 2 * SZ_1G, 0), 0);
	assert_int_equal(insert(e, 1, 100, 10, HVA0 + 3 * SZ_1G, 0), 0);
	/* Host memory may back several slots (aliasing), in any address space. */
	assert_int_equal(insert(e, 0, 200, 10, HVA0, 0), 0);
	assert_int_equal(insert(e, 1, 300, 5, HVA0 + 4 * SZ_4K, 0), 0);
	assert_int_equal(e->spaces[0].nr, 4);
	assert_int_equal(e->spaces[1].nr, 2);
	env_free(e);
}

static void memslot_full_and_delete(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 3);
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		venv_slot(e, 0, 100 * i, 10, HVA0 + i * SZ_1G, 0);
	assert_int_equal(insert(e, 0, 1000, 1, HVA0 + 8 * SZ_1G, 0), -ENOMEM);
	/* A full space still says EEXIST first for an overlap. */
	assert_int_equal(insert(e, 0, 105, 1, HVA0 + 8 * SZ_1G, 0), -EEXIST);
	assert_int_equal(pgt_vm_memslot_delete(&e->vm, 0, 105), -ENOENT);
	assert_int_equal(pgt_vm_memslot_delete(&e->vm, 0, 50), -ENOENT);
	assert_int_equal(pgt_vm_memslot_delete(&e->vm, 1, 100), -ENOENT);
	assert_int_equal(pgt_vm_memslot_delete(&e->vm, VENV_AS, 100), -EINVAL);
	assert_int_equal(e->spaces[0].nr, 3);
	assert_int_equal(pgt_vm_memslot_delete(&e->vm, 0, 100), 0);
	assert_null(pgt_vm_memslot_find_gfn(&e->vm, 0, 105));
	assert_null(pgt_vm_memslot_find_hva(&e->vm, 0, HVA0 + SZ_1G));
	assert_non_null(pgt_vm_memslot_find_hva(&e->vm, 0, HVA0 + 2 * SZ_1G));
	assert_int_equal(insert(e, 0, 1000, 1, HVA0 + 8 * SZ_1G, 0), 0);
	env_free(e);
}

static void memslot_lookup(void **state)
{
	struct venv *e = env_new(test_granule(state), 8);
	u64 pg = page(e);
	const struct pgt_memslot *a, *b;

	venv_slot(e, 0, 0x100, 0x10, HVA0 + 0x40 * pg, 0);
	venv_slot(e, 0, 0x200, 0x20, HVA0, 0);
	venv_slot(e, 0, 0x300, 0x10, HVA0 + 0x8 * pg, 0);	/* aliases the second */
	a = pgt_vm_memslot_find_gfn(&e->vm, 0, 0x100);
	assert_non_null(a);
	assert_int_equal(a->base_gfn, 0x100);
	assert_ptr_equal(pgt_vm_memslot_find_gfn(&e->vm, 0, 0x10f), a);
	assert_null(pgt_vm_memslot_find_gfn(&e->vm, 0, 0xff));
	assert_null(pgt_vm_memslot_find_gfn(&e->vm, 0, 0x110));
	assert_null(pgt_vm_memslot_find_gfn(&e->vm, 1, 0x100));
	assert_null(pgt_vm_memslot_find_gfn(&e->vm, VENV_AS, 0x100));
	assert_int_equal(pgt_vm_memslot_hva(&e->vm, a, 0x102), HVA0 + 0x42 * pg);
	assert_ptr_equal(pgt_vm_memslot_find_hva(&e->vm, 0, HVA0 + 0x40 * pg + 5), a);
	assert_ptr_equal(pgt_vm_memslot_find_hva(&e->vm, 0, HVA0 + 0x50 * pg - 1), a);
	assert_null(pgt_vm_memslot_find_hva(&e->vm, 0, HVA0 + 0x50 * pg));
	assert_null(pgt_vm_memslot_find_hva(&e->vm, 0, HVA0 - 1));
	assert_null(pgt_vm_memslot_find_hva(&e->vm, 0, ~0ULL));
	/* Aliases: the lowest userspace_addr wins, whichever gfn is lower. */
	b = pgt_vm_memslot_find_hva(&e->vm, 0, HVA0 + 0x9 * pg);
	assert_non_null(b);
	assert_int_equal(b->base_gfn, 0x200);
	b = pgt_vm_memslot_find_hva(&e->vm, 0, HVA0 + 0x18 * pg);
	assert_int_equal(b->base_gfn, 0x200);
	env_free(e);
}

/* ---------------------------------------------------------------- the operator */

static void op_bad_range(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 4);
	struct pgt_hva_range r = { .start = HVA0, .end = HVA0 + SZ_4K, .flags = PGT_HVA_LOCK };
	struct rec rec = { 0 };

	(void)state;
	venv_slot(e, 0, 0x100, 0x10, HVA0, 0);
	assert_int_equal(run_op(e, &rec, HVA0, HVA0, PGT_HVA_LOCK), -EINVAL);
	assert_int_equal(run_op(e, &rec, HVA0 + SZ_4K, HVA0, PGT_HVA_LOCK), -EINVAL);
	assert_int_equal(run_op(e, &rec, ~0ULL - 10, 5, PGT_HVA_LOCK), -EINVAL);
	assert_int_equal(pgt_vm_hva_range_op(&e->vm, &r), -EINVAL);	/* no handler */
	assert_int_equal(rec.n, 0);
	assert_int_equal(e->locks, 0);
	/* The largest range there is works. */
	assert_int_equal(run_op(e, &rec, 0, ~0ULL, 0), 0);
	assert_int_equal(rec.n, 1);
	expect_call(&rec, 0, 0, 0x100, 0x110);
	env_free(e);
}

/* Three slots in address space 0 (by hva: B, A, C), one in 1 that aliases A. */
static void three_slots(struct venv *e)
{
	venv_slot(e, 0, 0x100, 0x10, HVA0 + 0x10000, 0);	/* A */
	venv_slot(e, 0, 0x800, 0x10, HVA0, 0);			/* B */
	venv_slot(e, 0, 0x400, 0x10, HVA0 + 0x20000, 0);	/* C */
	venv_slot(e, 1, 0x900, 0x10, HVA0 + 0x10000, 0);	/* A' */
}

static void op_order_and_errors(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8);
	struct rec rec = { 0 };
	int fail;

	(void)state;
	three_slots(e);
	assert_int_equal(run_op(e, &rec, HVA0, HVA0 + 0x30000, PGT_HVA_LOCK), 0);
	assert_int_equal(rec.n, 4);
	expect_call(&rec, 0, 0, 0x800, 0x810);
	expect_call(&rec, 1, 0, 0x100, 0x110);
	expect_call(&rec, 2, 0, 0x400, 0x410);
	expect_call(&rec, 3, 1, 0x900, 0x910);
	/* An error at call k: exactly k calls, the error back, the lock released. */
	for (fail = 1; fail <= 4; fail++) {
		rec = (struct rec){ .fail_at = fail, .err = -EPERM - fail };
		e->locks = e->unlocks = 0;
		assert_int_equal(run_op(e, &rec, HVA0, HVA0 + 0x30000, PGT_HVA_LOCK),
				 -EPERM - fail);
		assert_int_equal(rec.n, fail);
		assert_int_equal(e->locks, 1);
		assert_int_equal(e->unlocks, 1);
	}
	env_free(e);
}

static void op_straddle_partial(void **state)
{
	struct venv *e = env_new(test_granule(state), 8);
	u64 pg = page(e), a_end = HVA0 + 0x10 * pg;
	struct rec rec = { 0 };

	venv_slot(e, 0, 0x100, 0x10, HVA0, 0);
	venv_slot(e, 0, 0x500, 0x10, a_end, 0);
	venv_slot(e, 0, 0x900, 0x10, a_end + 0x40 * pg, 0);
	/* Half of A's last page to a few bytes into B: one page of each. */
	assert_int_equal(run_op(e, &rec, a_end - pg / 2, a_end + 0x10, 0), 0);
	assert_int_equal(rec.n, 2);
	expect_call(&rec, 0, 0, 0x10f, 0x110);
	expect_call(&rec, 1, 0, 0x500, 0x501);
	/* Inside one page; then ending exactly on a page boundary. */
	rec = (struct rec){ 0 };
	assert_int_equal(run_op(e, &rec, HVA0 + 3 * pg + 1, HVA0 + 3 * pg + 2, 0), 0);
	expect_call(&rec, 0, 0, 0x103, 0x104);
	rec = (struct rec){ 0 };
	assert_int_equal(run_op(e, &rec, HVA0 + 3 * pg - 1, HVA0 + 5 * pg, 0), 0);
	expect_call(&rec, 0, 0, 0x102, 0x105);
	assert_int_equal(rec.n, 1);
	/* Wider than everything: whole slots.  In a gap: nothing, and no lock. */
	rec = (struct rec){ 0 };
	assert_int_equal(run_op(e, &rec, HVA0 - SZ_1G, HVA0 + SZ_1G, 0), 0);
	assert_int_equal(rec.n, 3);
	expect_call(&rec, 2, 0, 0x900, 0x910);
	rec = (struct rec){ 0 };
	assert_int_equal(run_op(e, &rec, a_end + 0x10 * pg, a_end + 0x40 * pg, PGT_HVA_LOCK), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(e->locks, 0);
	env_free(e);
}

static void op_address_spaces(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8);
	struct rec rec = { 0 };

	(void)state;
	three_slots(e);
	/* A and A' share host memory: both are called, address space 0 first. */
	assert_int_equal(run_op(e, &rec, HVA0 + 0x12000, HVA0 + 0x13001, 0), 0);
	assert_int_equal(rec.n, 2);
	expect_call(&rec, 0, 0, 0x102, 0x104);
	expect_call(&rec, 1, 1, 0x902, 0x904);
	assert_ptr_equal(rec.calls[0].slot, pgt_vm_memslot_find_gfn(&e->vm, 0, 0x100));
	assert_ptr_equal(rec.calls[1].slot, pgt_vm_memslot_find_gfn(&e->vm, 1, 0x900));
	env_free(e);
}

static void op_readonly(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8);
	struct rec rec = { 0 };

	(void)state;
	venv_slot(e, 0, 0x100, 0x10, HVA0, PGT_MEMSLOT_READONLY);
	venv_slot(e, 0, 0x200, 0x10, HVA0 + 0x10000, 0);
	assert_int_equal(run_op(e, &rec, HVA0, HVA0 + 0x20000, 0), 0);
	assert_int_equal(rec.n, 2);
	assert_true(rec.calls[0].slot->flags & PGT_MEMSLOT_READONLY);
	assert_false(rec.calls[1].slot->flags & PGT_MEMSLOT_READONLY);
	rec = (struct rec){ 0 };
	assert_int_equal(run_op(e, &rec, HVA0, HVA0 + 0x20000, PGT_HVA_SKIP_READONLY), 0);
	assert_int_equal(rec.n, 1);
	expect_call(&rec, 0, 0, 0x200, 0x210);
	env_free(e);
}

static void op_locking(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8);
	struct rec rec = { 0 };

	(void)state;
	three_slots(e);
	assert_int_equal(run_op(e, &rec, HVA0, HVA0 + 0x30000, PGT_HVA_LOCK), 0);
	assert_int_equal(e->locks, 1);
	assert_int_equal(e->unlocks, 1);
	assert_int_equal(rec.calls[0].depth, 1);
	assert_int_equal(rec.calls[3].depth, 1);
	/* Without the flag, handlers run unlocked and nothing takes the lock... */
	rec = (struct rec){ 0 };
	e->locks = e->unlocks = 0;
	assert_int_equal(run_op(e, &rec, HVA0, HVA0 + 0x30000, 0), 0);
	assert_int_equal(rec.calls[0].depth, 0);
	assert_int_equal(rec.calls[3].depth, 0);
	assert_int_equal(e->locks, 0);
	/* ...except the final flush, which walks the MMU list under it. */
	rec = (struct rec){ .flush = true };
	assert_int_equal(run_op(e, &rec, HVA0, HVA0 + 0x30000, 0), 0);
	assert_int_equal(rec.calls[3].depth, 0);
	assert_int_equal(e->locks, 1);
	assert_int_equal(e->unlocks, 1);
	env_free(e);
}

static size_t flushes_at_unlock;

static void note_unlock(struct venv *e)
{
	flushes_at_unlock = venv_tlbi_count(e, HOST_TLBI_ALL, NULL);
}

static void op_one_flush(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8);
	struct pgt_s2_mmu *m0, *m1, *m2;
	struct rec rec = { .flush = true };

	(void)state;
	m0 = venv_mmu(e, 0, 0, -1);
	m1 = venv_mmu(e, 1, 0, 0);
	m2 = venv_mmu(e, 2, 1, -1);
	three_slots(e);
	e->on_unlock = note_unlock;
	host_mm_tlbi_log_clear(e->hm);
	assert_int_equal(run_op(e, &rec, HVA0, HVA0 + 0x30000, PGT_HVA_LOCK), 0);
	assert_int_equal(rec.n, 4);
	/* No flush between handlers; one per MMU after the last, before the unlock. */
	assert_int_equal(rec.calls[3].tlbi_all, 0);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, NULL), 3);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, m0), 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, m1), 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, m2), 1);
	assert_int_equal(flushes_at_unlock, 3);
	/* A handler that asked for a flush and then failed still gets it. */
	host_mm_tlbi_log_clear(e->hm);
	rec = (struct rec){ .flush = true, .fail_at = 2, .err = -EAGAIN };
	assert_int_equal(run_op(e, &rec, HVA0, HVA0 + 0x30000, PGT_HVA_LOCK), -EAGAIN);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, NULL), 3);
	/* Nobody asked: no flush. */
	host_mm_tlbi_log_clear(e->hm);
	rec = (struct rec){ 0 };
	assert_int_equal(run_op(e, &rec, HVA0, HVA0 + 0x30000, PGT_HVA_LOCK), 0);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, NULL), 0);
	e->on_unlock = NULL;
	env_free(e);
}

/* ---------------------------------------------------------------- many slots */

#define MANY		4096

struct many {
	struct venv *e;
	u64 gfn[MANY], npages[MANY], hva[MANY];
	int n;
};

/* Disjoint gfns in a shuffled hva order, with every 16th slot an alias. */
static void many_slots(struct many *m, u64 *rng)
{
	u64 perm[MANY];
	int i, j;

	for (i = 0; i < MANY; i++)
		perm[i] = i;
	for (i = MANY - 1; i > 0; i--) {
		u64 t;

		j = rng_next(rng) % (i + 1);
		t = perm[i], perm[i] = perm[j], perm[j] = t;
	}
	for (i = 0; i < MANY; i++) {
		m->gfn[i] = 16 * (u64)i + rng_next(rng) % 4;
		m->npages[i] = 1 + rng_next(rng) % 12;
		m->hva[i] = HVA0 + perm[i] * 16 * SZ_4K;
		if (i % 16 == 15)
			m->hva[i] = m->hva[i - 7] + (rng_next(rng) % 4) * SZ_4K;
		venv_slot(m->e, 0, m->gfn[i], m->npages[i], m->hva[i], 0);
	}
	m->n = MANY;
}

static bool many_meets(const struct many *m, int i, u64 start, u64 end)
{
	return m->hva[i] < end && start < m->hva[i] + m->npages[i] * SZ_4K;
}

/* The operator finds exactly the slots a linear scan finds, in hva order. */
static void many_check_range(struct many *m, u64 start, u64 end)
{
	struct rec rec = { 0 };
	int i, expect = 0, k;

	for (i = 0; i < m->n; i++)
		expect += many_meets(m, i, start, end);
	if (expect > MAX_CALLS)
		return;
	assert_int_equal(run_op(m->e, &rec, start, end, 0), 0);
	assert_int_equal(rec.n, expect);
	for (k = 0; k < rec.n; k++) {
		const struct pgt_memslot *s = rec.calls[k].slot;

		assert_true(s->userspace_addr < end &&
			    start < s->userspace_addr + s->npages * SZ_4K);
		if (k)
			assert_true(rec.calls[k - 1].slot->userspace_addr <= s->userspace_addr);
	}
}

static u32 log2_ceil(u32 n)
{
	u32 l = 0;

	while ((1u << l) < n)
		l++;
	return l;
}

static void memslot_many(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, MANY);
	struct many *m = calloc(1, sizeof(*m));
	u64 rng = test_seed("memslot_many"), before, worst = 0;
	u32 bound = log2_ceil(MANY + 1);
	int i;

	(void)state;
	m->e = e;
	many_slots(m, &rng);
	for (i = 0; i < 20000; i++) {
		int k = rng_next(&rng) % MANY;
		u64 gfn = m->gfn[k] + rng_next(&rng) % m->npages[k];
		const struct pgt_memslot *s;

		before = e->spaces[0].probes;
		s = pgt_vm_memslot_find_gfn(&e->vm, 0, gfn);
		assert_non_null(s);
		assert_int_equal(s->base_gfn, m->gfn[k]);
		assert_true(e->spaces[0].probes - before <= bound);
		before = e->spaces[0].probes;
		s = pgt_vm_memslot_find_hva(&e->vm, 0, m->hva[k]);
		assert_non_null(s);
		assert_true(s->userspace_addr <= m->hva[k]);
		if (e->spaces[0].probes - before > worst)
			worst = e->spaces[0].probes - before;
		many_check_range(m, m->hva[k] - rng_next(&rng) % (4 * SZ_4K),
				 m->hva[k] + 1 + rng_next(&rng) % (64 * SZ_4K));
	}
	/* A point query visits a path or two of the tree, never a scan. */
	printf("# memslot_many: %d slots, gfn lookups <= %u probes, hva lookups <= %llu\n",
	       MANY, bound, (unsigned long long)worst);
	assert_true(worst <= 4 * bound);
	free(m);
	env_free(e);
}

/* ---------------------------------------------------------------- handlers */

static void map_pages(struct venv *e, struct pgt_s2_mmu *mmu, u64 gfn, u64 n, u64 pa, u32 prot)
{
	assert_int_equal(pgt_s2_mmu_map(mmu, gfn, n, pa, prot, NULL, 0), 0);
	(void)e;
}

static void handler_unmap(void **state)
{
	struct venv *e = env_new(test_granule(state), 8);
	u64 pg = page(e);
	struct pgt_s2_mmu *mmu = venv_mmu(e, 0, 0, -1);
	struct pgt_hva_range r = {
		.start = HVA0 + 2 * pg + 1, .end = HVA0 + 5 * pg - 1,
		.handler = pgt_vm_handle_unmap, .flags = PGT_HVA_LOCK,
	};
	struct tenv t;
	u64 i;

	venv_slot(e, 0, 0x100, 8, HVA0, 0);
	venv_slot(e, 0, 0x200, 8, HVA0 + 8 * pg, PGT_MEMSLOT_READONLY);
	/* Pages only (the PA is not block aligned), so the unmap is exact. */
	map_pages(e, mmu, 0x100, 8, PA0 + pg, PGT_PROT_RWX);
	map_pages(e, mmu, 0x200, 8, PA0 + 16 * pg, PGT_PROT_RW);
	t = venv_view(e, mmu);
	expect_mapped(&t, 0x200ULL * pg, PA0 + 16 * pg, PGT_PROT_R);
	assert_int_equal(pgt_vm_hva_range_op(&e->vm, &r), 0);
	for (i = 0; i < 8; i++) {
		if (i >= 2 && i < 5)
			expect_unmapped(&t, (0x100 + i) * pg);
		else
			expect_mapped(&t, (0x100 + i) * pg, PA0 + (1 + i) * pg, PGT_PROT_RWX);
		expect_mapped(&t, (0x200 + i) * pg, PA0 + (16 + i) * pg, PGT_PROT_R);
	}
	/* Deleting a slot unmaps it. */
	assert_int_equal(pgt_vm_memslot_delete(&e->vm, 0, 0x200), 0);
	expect_unmapped(&t, 0x200ULL * pg);
	expect_mapped(&t, 0x100ULL * pg, PA0 + pg, PGT_PROT_RWX);
	assert_int_equal(pgt_s2_mmu_map(mmu, 0x200, 1, PA0, PGT_PROT_R, NULL, 0), -ENOENT);
	env_free(e);
}

static void handler_age(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8);
	struct pgt_s2_mmu *mmu = venv_mmu(e, 0, 0, -1), *shadow = venv_mmu(e, 1, 0, -1);
	struct pgt_vm_age age = { .mkold = false };
	struct pgt_hva_range r = {
		.start = HVA0, .end = HVA0 + 0x4000, .handler = pgt_vm_handle_age, .data = &age,
		.flags = PGT_HVA_LOCK,
	};
	struct tenv t = venv_view(e, mmu), ts = venv_view(e, shadow);

	(void)state;
	venv_slot(e, 0, 0x100, 8, HVA0, 0);
	map_pages(e, mmu, 0x100, 8, PA0 + SZ_4K, PGT_PROT_RW);
	map_pages(e, shadow, 0x102, 1, PA0 + SZ_4K, PGT_PROT_RW);
	host_mm_tlbi_log_clear(e->hm);
	/* Testing leaves the flags, and asks for no flush. */
	assert_int_equal(pgt_vm_hva_range_op(&e->vm, &r), 0);
	assert_true(age.young);
	expect_mapped(&t, 0x101000, PA0 + 2 * SZ_4K, PGT_PROT_RW);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, NULL), 0);
	/* clear_flush_young: old in every MMU, one flush per MMU. */
	age = (struct pgt_vm_age){ .mkold = true, .flush = true };
	assert_int_equal(pgt_vm_hva_range_op(&e->vm, &r), 0);
	assert_true(age.young);
	assert_int_equal(tenv_xlat(&t, 0x101000).fault, REF_FAULT_ACCESS_FLAG);
	assert_int_equal(tenv_xlat(&ts, 0x102000).fault, REF_FAULT_ACCESS_FLAG);
	expect_mapped(&t, 0x104000, PA0 + 5 * SZ_4K, PGT_PROT_RW);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, NULL), 2);
	/* Nothing young any more: no flush. */
	age = (struct pgt_vm_age){ .mkold = true, .flush = true };
	assert_int_equal(pgt_vm_hva_range_op(&e->vm, &r), 0);
	assert_false(age.young);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, NULL), 2);
	env_free(e);
}

struct contents {
	struct venv *e;
	u64 gfn[32], hva[32];
	int n, fail_at;
};

static int contents_page(void *arg, const struct pgt_memslot *slot, u64 gfn, u64 hva)
{
	struct contents *c = arg;

	assert_int_equal(c->e->depth, 0);	/* may sleep: no MMU lock held */
	assert_true(gfn >= slot->base_gfn && gfn < slot->base_gfn + slot->npages);
	c->gfn[c->n] = gfn;
	c->hva[c->n] = hva;
	return ++c->n == c->fail_at ? -ENOMEM : 0;
}

static void handler_contents(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8);
	struct contents c = { .e = e };
	struct pgt_vm_contents vc = { .page = contents_page, .arg = &c };
	struct pgt_hva_range r = {
		.start = HVA0 + 0x7800, .end = HVA0 + 0x11000,
		.handler = pgt_vm_handle_contents, .data = &vc,
	};

	(void)state;
	venv_slot(e, 0, 0x100, 8, HVA0, 0);
	venv_slot(e, 0, 0x300, 8, HVA0 + 0x8000, 0);
	assert_int_equal(pgt_vm_hva_range_op(&e->vm, &r), 0);
	assert_int_equal(vc.pages, 9);
	assert_int_equal(c.n, 9);
	assert_int_equal(c.gfn[0], 0x107);
	assert_int_equal(c.hva[0], HVA0 + 0x7000);
	assert_int_equal(c.gfn[1], 0x300);
	assert_int_equal(c.gfn[8], 0x307);
	assert_int_equal(c.hva[8], HVA0 + 0xf000);
	assert_int_equal(e->locks, 0);
	/* The third page fails: two done, the error back, nothing else called. */
	c = (struct contents){ .e = e, .fail_at = 3 };
	vc.pages = 0;
	assert_int_equal(pgt_vm_hva_range_op(&e->vm, &r), -ENOMEM);
	assert_int_equal(c.n, 3);
	assert_int_equal(vc.pages, 2);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_init_bad),
		cmocka_unit_test(vm_init_vmid16),
		FOR_GRANULES(memslot_bad),
		cmocka_unit_test(memslot_overlap),
		cmocka_unit_test(memslot_full_and_delete),
		FOR_GRANULES(memslot_lookup),
		cmocka_unit_test(op_bad_range),
		cmocka_unit_test(op_order_and_errors),
		FOR_GRANULES(op_straddle_partial),
		cmocka_unit_test(op_address_spaces),
		cmocka_unit_test(op_readonly),
		cmocka_unit_test(op_locking),
		cmocka_unit_test(op_one_flush),
		cmocka_unit_test(memslot_many),
		FOR_GRANULES(handler_unmap),
		cmocka_unit_test(handler_age),
		cmocka_unit_test(handler_contents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
