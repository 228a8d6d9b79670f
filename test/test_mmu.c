// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_mmu.c - stage-2 MMU contexts (Documentation/vm.rst): shared roots,
 * the VM-wide VTCR, VTTBR, the VMID allocator's generations and rollovers,
 * the last-vCPU-ran decision table, a TLB model that every sequence of runs
 * must keep coherent, and several MMUs invalidated together by the HVA
 * operator, checked through the reference translator.
 */
#include <stdlib.h>
#include <string.h>

#include "vm_env.h"

#define HVA0		0x7f0000000000ULL
#define PA0		0x100000000ULL

static struct venv *env_new(u32 granule, u32 vmid_bits, u32 nr_cpus)
{
	struct venv *e = malloc(sizeof(*e));
	struct venv_cfg cfg = { .granule = granule, .vmid_bits = vmid_bits, .nr_cpus = nr_cpus };

	assert_non_null(e);
	venv_init(e, &cfg);
	return e;
}

static void env_free(struct venv *e)
{
	venv_fini(e);
	free(e);
}

static int load(struct venv *e, int mmu, u32 vcpu, u32 cpu)
{
	int ret = pgt_s2_mmu_load(&e->mmu[mmu], vcpu, cpu);

	assert_true(ret >= 0);
	return ret;
}

/* ---------------------------------------------------------------- contexts */

static void mmu_share(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8, 2);
	struct pgt_s2_mmu *canon, *sh, *sh2, fake;
	struct pgt_vm other_vm;

	(void)state;
	canon = venv_mmu(e, 0, 0, -1);
	sh = venv_mmu(e, 1, 0, 0);
	sh2 = venv_mmu(e, 2, 0, 1);	/* sharing a sharer means sharing its owner */
	assert_ptr_equal(sh2->shares, canon);
	assert_int_equal(canon->sharers, 2);
	assert_ptr_equal(pgt_s2_mmu_pgt(sh), &canon->pgt);
	assert_ptr_equal(pgt_s2_mmu_pgt(sh2), &canon->pgt);
	assert_ptr_equal(canon->pgt.tlb_cookie, canon);
	assert_ptr_equal(canon->pgt.mm_ops, &e->vm.mm);
	/* One VTCR for the VM; every tree was built to it. */
	assert_int_equal(pgt_s2_mmu_vtcr(sh), e->vm.vtcr);
	assert_int_equal(canon->pgt.ctrl, e->vm.vtcr);
	/* Bad inputs change nothing. */
	assert_int_equal(pgt_s2_mmu_init(&e->mmu[3], &e->vm, 1, canon, e->last_ran[3]), -EINVAL);
	assert_int_equal(pgt_s2_mmu_init(&e->mmu[3], &e->vm, VENV_AS, NULL, e->last_ran[3]),
			 -EINVAL);
	assert_int_equal(pgt_s2_mmu_init(&e->mmu[3], &e->vm, 0, NULL, NULL), -EINVAL);
	fake = (struct pgt_s2_mmu){ .vm = &other_vm };
	assert_int_equal(pgt_s2_mmu_init(&e->mmu[3], &e->vm, 0, &fake, e->last_ran[3]), -EINVAL);
	host_mm_fail_nth_alloc(e->hm, 1);
	assert_int_equal(pgt_s2_mmu_init(&e->mmu[3], &e->vm, 0, NULL, e->last_ran[3]), -ENOMEM);
	assert_ptr_equal(e->vm.mmus, sh2);
	assert_int_equal(canon->sharers, 2);
	/* The owner goes last. */
	assert_int_equal(pgt_s2_mmu_destroy(canon), -EBUSY);
	assert_int_equal(pgt_s2_mmu_destroy(sh), 0);
	e->live[1] = false;
	assert_int_equal(pgt_s2_mmu_destroy(canon), -EBUSY);
	assert_int_equal(pgt_s2_mmu_destroy(sh2), 0);
	e->live[2] = false;
	assert_int_equal(pgt_s2_mmu_destroy(canon), 0);
	e->live[0] = false;
	assert_null(e->vm.mmus);
	env_free(e);
}

static void mmu_vttbr(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_16K, 16, 2);
	struct pgt_s2_mmu *canon = venv_mmu(e, 0, 0, -1), *sh = venv_mmu(e, 1, 0, 0);

	(void)state;
	assert_true(e->vm.vtcr & PGT_BIT(19));		/* VS: 16-bit VMIDs */
	assert_int_equal(pgt_s2_mmu_vmid(canon), 0);
	load(e, 0, 0, 0);
	load(e, 1, 0, 1);
	assert_int_equal(pgt_s2_mmu_vmid(canon), 1);
	assert_int_equal(pgt_s2_mmu_vmid(sh), 2);
	/* Same tables, different VMIDs. */
	assert_int_equal(pgt_s2_mmu_vttbr(canon), canon->pgt.root_phys | 1ULL << 48);
	assert_int_equal(pgt_s2_mmu_vttbr(sh), canon->pgt.root_phys | 2ULL << 48);
	env_free(e);
}

static void mmu_map_slots(void **state)
{
	struct venv *e = env_new(test_granule(state), 8, 2);
	u64 pg = 1ULL << e->vm.page_shift;
	struct pgt_s2_mmu *m0 = venv_mmu(e, 0, 0, -1), *m1 = venv_mmu(e, 1, 1, -1);
	struct pgt_s2_mmu *sh = venv_mmu(e, 2, 0, 0);
	struct tenv t0 = venv_view(e, m0), t1 = venv_view(e, m1);

	venv_slot(e, 0, 0x100, 0x10, HVA0, 0);
	venv_slot(e, 0, 0x200, 0x10, HVA0 + SZ_1G, PGT_MEMSLOT_READONLY);
	venv_slot(e, 1, 0x300, 0x10, HVA0, 0);
	assert_int_equal(pgt_s2_mmu_map(m0, 0xff, 1, PA0, PGT_PROT_RW, NULL, 0), -ENOENT);
	assert_int_equal(pgt_s2_mmu_map(m0, 0x10f, 2, PA0, PGT_PROT_RW, NULL, 0), -ENOENT);
	assert_int_equal(pgt_s2_mmu_map(m0, 0x300, 1, PA0, PGT_PROT_RW, NULL, 0), -ENOENT);
	assert_int_equal(pgt_s2_mmu_map(m1, 0x100, 1, PA0, PGT_PROT_RW, NULL, 0), -ENOENT);
	assert_int_equal(pgt_s2_mmu_map(m0, 0x10f, 1, PA0, PGT_PROT_RW, NULL, 0), 0);
	assert_int_equal(pgt_s2_mmu_map(m0, 0x200, 2, PA0 + pg, PGT_PROT_RWX, NULL, 0), 0);
	assert_int_equal(pgt_s2_mmu_map(m1, 0x300, 1, PA0 + 8 * pg, PGT_PROT_RW, NULL, 0), 0);
	/* Through a sharer, into its owner's tree. */
	assert_int_equal(pgt_s2_mmu_map(sh, 0x100, 1, PA0 + 9 * pg, PGT_PROT_R, NULL, 0), 0);
	expect_mapped(&t0, 0x10fULL * pg, PA0, PGT_PROT_RW);
	expect_mapped(&t0, 0x201ULL * pg, PA0 + 2 * pg, PGT_PROT_RX);	/* W dropped */
	expect_mapped(&t0, 0x100ULL * pg, PA0 + 9 * pg, PGT_PROT_R);
	expect_unmapped(&t0, 0x300ULL * pg);
	expect_mapped(&t1, 0x300ULL * pg, PA0 + 8 * pg, PGT_PROT_RW);
	expect_unmapped(&t1, 0x10fULL * pg);
	env_free(e);
}

/* ---------------------------------------------------------------- last vCPU ran */

struct run_row {
	int mmu;
	u32 vcpu, cpu;
	bool flush_vmid;
};

static const struct run_row run_table[] = {
	{ 0, 0, 0, false },	/* first run of the MMU on CPU 0 */
	{ 0, 0, 0, false },	/* the same vCPU again */
	{ 0, 1, 0, true },	/* another vCPU of the VM: its entries may mix */
	{ 0, 1, 0, false },
	{ 0, 0, 1, false },	/* first run on CPU 1: tracked per CPU */
	{ 0, 0, 0, true },	/* CPU 0 last ran vCPU 1 */
	{ 1, 0, 0, false },	/* another MMU (VMID): tracked per MMU */
	{ 1, 2, 0, true },
	{ 0, 0, 0, false },	/* MMU 0 still remembers vCPU 0 on CPU 0 */
	{ 2, 1, 0, false },	/* a sharer: own VMID, own record */
	{ 2, 0, 0, true },
	{ 0, 3, 1, true },
};

struct flushed {
	struct pgt_s2_mmu *mmu;
	u32 cpu;
	int n;
};

static void note_flush(struct venv *e, struct pgt_s2_mmu *mmu, u32 cpu)
{
	struct flushed *f = e->priv;

	f->mmu = mmu;
	f->cpu = cpu;
	f->n++;
}

static void last_vcpu_table(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8, 2);
	struct flushed f = { 0 };
	size_t i;

	(void)state;
	venv_mmu(e, 0, 0, -1);
	venv_mmu(e, 1, 0, -1);
	venv_mmu(e, 2, 0, 0);
	e->on_tlbi = note_flush;
	e->priv = &f;
	for (i = 0; i < sizeof(run_table) / sizeof(run_table[0]); i++) {
		const struct run_row *r = &run_table[i];
		int ret;

		f = (struct flushed){ 0 };
		ret = load(e, r->mmu, r->vcpu, r->cpu);
		if (!!(ret & PGT_RUN_FLUSH_VMID) != r->flush_vmid)
			fail_msg("row %zu: flush_vmid %d, expected %d", i,
				 !!(ret & PGT_RUN_FLUSH_VMID), r->flush_vmid);
		assert_int_equal(f.n, r->flush_vmid);
		if (r->flush_vmid) {
			assert_ptr_equal(f.mmu, &e->mmu[r->mmu]);
			assert_int_equal(f.cpu, r->cpu);
		}
		assert_false(ret & PGT_RUN_FLUSH_ALL);
		assert_int_equal(e->last_ran[r->mmu][r->cpu], r->vcpu);
	}
	assert_int_equal(pgt_s2_mmu_load(&e->mmu[0], 0, 2), -EINVAL);
	assert_int_equal(pgt_s2_mmu_load(&e->mmu[0], PGT_VCPU_NONE, 0), -EINVAL);
	env_free(e);
}

/* A full flush after a rollover covers the VMID: no second, VMID-wide one. */
static void last_vcpu_after_rollover(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 2, 2);
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		venv_mmu(e, i, 0, -1);
	load(e, 0, 0, 1);
	load(e, 1, 0, 1);
	load(e, 3, 0, 0);
	/* CPU 1 rolls the generation over; CPU 0 has yet to flush. */
	assert_int_equal(load(e, 2, 0, 1), PGT_RUN_NEW_VMID | PGT_RUN_FLUSH_ALL);
	assert_int_equal(load(e, 3, 1, 0), PGT_RUN_NEW_VMID | PGT_RUN_FLUSH_ALL);
	assert_int_equal(e->tlbi_vmid_local[0], 0);
	assert_int_equal(e->tlbi_all_local[0], 1);
	assert_int_equal(load(e, 3, 0, 0), PGT_RUN_FLUSH_VMID);
	assert_int_equal(e->tlbi_vmid_local[0], 1);
	env_free(e);
}

/* ---------------------------------------------------------------- VMIDs */

static void vmid_allocator_bad(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8, 2);
	struct pgt_vm_lock lock = e->va.lock, nolock = { 0 };
	struct pgt_vmid_allocator va;
	struct pgt_vmid_cpu cpus[8];
	struct pgt_vmid vmid = { 0 };
	u64 bitmap[PGT_VMID_BITMAP_WORDS(16)];

	(void)state;
	assert_int_equal(pgt_vmid_allocator_init(&va, 1, bitmap, cpus, 1, &lock), -EINVAL);
	assert_int_equal(pgt_vmid_allocator_init(&va, 17, bitmap, cpus, 1, &lock), -EINVAL);
	assert_int_equal(pgt_vmid_allocator_init(&va, 8, NULL, cpus, 1, &lock), -EINVAL);
	assert_int_equal(pgt_vmid_allocator_init(&va, 8, bitmap, NULL, 1, &lock), -EINVAL);
	assert_int_equal(pgt_vmid_allocator_init(&va, 8, bitmap, cpus, 0, &lock), -EINVAL);
	assert_int_equal(pgt_vmid_allocator_init(&va, 8, bitmap, cpus, 1, &nolock), -EINVAL);
	/* Every running CPU keeps a number across a rollover: one must be left. */
	assert_int_equal(pgt_vmid_allocator_init(&va, 2, bitmap, cpus, 3, &lock), -EINVAL);
	assert_int_equal(pgt_vmid_allocator_init(&va, 2, bitmap, cpus, 2, &lock), 0);
	assert_int_equal(pgt_vmid_update(&va, &vmid, 2), -EINVAL);
	assert_int_equal(pgt_vmid_update(&va, &vmid, 1), PGT_RUN_NEW_VMID);
	assert_int_equal(vmid.id & 3, 1);
	env_free(e);
}

static u32 num(struct venv *e, int mmu)
{
	return pgt_s2_mmu_vmid(&e->mmu[mmu]);
}

static void vmid_rollover_one_cpu(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 2, 1);
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		venv_mmu(e, i, 0, -1);
	assert_int_equal(load(e, 0, 0, 0), PGT_RUN_NEW_VMID);
	assert_int_equal(load(e, 1, 0, 0), PGT_RUN_NEW_VMID);
	assert_int_equal(load(e, 2, 0, 0), PGT_RUN_NEW_VMID);
	assert_int_equal(num(e, 0), 1);
	assert_int_equal(num(e, 1), 2);
	assert_int_equal(num(e, 2), 3);
	assert_int_equal(e->va.rollovers, 0);
	/* Out of numbers: a new generation; MMU 2, running here, keeps 3. */
	assert_int_equal(load(e, 3, 0, 0), PGT_RUN_NEW_VMID | PGT_RUN_FLUSH_ALL);
	assert_int_equal(e->va.rollovers, 1);
	assert_int_equal(e->tlbi_all_local[0], 1);
	assert_int_equal(num(e, 3), 1);
	/* Old generation: a new VMID (the same number, kept for it), no flush. */
	assert_int_equal(load(e, 2, 0, 0), PGT_RUN_NEW_VMID);
	assert_int_equal(num(e, 2), 3);
	assert_int_equal(load(e, 0, 0, 0), PGT_RUN_NEW_VMID);
	assert_int_equal(num(e, 0), 2);
	/* Current generation: nothing to do, lock-free. */
	e->va_slow = 0;
	assert_int_equal(load(e, 0, 0, 0), 0);
	assert_int_equal(load(e, 2, 0, 0), 0);
	assert_int_equal(e->va_slow, 0);
	assert_int_equal(load(e, 1, 0, 0), PGT_RUN_NEW_VMID | PGT_RUN_FLUSH_ALL);
	assert_int_equal(e->va.rollovers, 2);
	assert_int_equal(e->tlbi_all_local[0], 2);
	assert_int_equal(num(e, 1), 1);
	env_free(e);
}

static void vmid_rollover_running(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 2, 2);
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		venv_mmu(e, i, 0, -1);
	load(e, 0, 0, 0);
	load(e, 1, 0, 1);
	load(e, 2, 0, 0);
	/* CPU 0 runs MMU 2 (3), CPU 1 MMU 1 (2): both keep them; MMU 3 gets 1. */
	assert_int_equal(load(e, 3, 0, 1), PGT_RUN_NEW_VMID | PGT_RUN_FLUSH_ALL);
	assert_int_equal(num(e, 3), 1);
	assert_int_equal(e->tlbi_all_local[1], 1);
	assert_int_equal(e->tlbi_all_local[0], 0);	/* CPU 0 flushes when it next runs */
	/* MMU 0's number went to MMU 3; CPU 0 still runs 3 and CPU 1 now 1: roll over. */
	assert_int_equal(load(e, 0, 1, 1), PGT_RUN_NEW_VMID | PGT_RUN_FLUSH_ALL);
	assert_int_equal(e->va.rollovers, 2);
	assert_int_equal(num(e, 0), 2);
	/* MMU 2 kept 3 through two generations, CPU 0 never having stopped it. */
	assert_int_equal(load(e, 2, 0, 0), PGT_RUN_NEW_VMID | PGT_RUN_FLUSH_ALL);
	assert_int_equal(num(e, 2), 3);
	assert_int_equal(e->tlbi_all_local[0], 1);
	env_free(e);
}

static void vmid_wide(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 16, 4);
	static struct pgt_vmid ids[3000];
	static bool seen[1u << 16];
	int i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		u32 n;

		assert_int_equal(pgt_vmid_update(&e->va, &ids[i], i % 4), PGT_RUN_NEW_VMID);
		n = ids[i].id & 0xffff;
		assert_true(n != 0);
		assert_false(seen[n]);
		seen[n] = true;
	}
	assert_int_equal(e->va.rollovers, 0);
	env_free(e);
}

/* ---------------------------------------------------------------- TLB model */

/*
 * Per CPU, which (MMU, vCPU) filled the TLB entries tagged with each VMID
 * number.  A guest finding entries another MMU or another vCPU left under
 * its VMID is exactly what the allocator and the last-vCPU-ran rule prevent.
 */
struct tlb_tag {
	bool valid;
	int mmu;
	u32 vcpu;
};

struct model {
	struct tlb_tag tlb[VENV_CPUS][16];
	bool running[VENV_CPUS];
	int run_mmu[VENV_CPUS];
	u32 run_num[VENV_CPUS];
};

static void model_flush(struct venv *e, struct pgt_s2_mmu *mmu, u32 cpu)
{
	struct model *m = e->priv;

	if (mmu)
		m->tlb[cpu][pgt_s2_mmu_vmid(mmu)].valid = false;
	else
		memset(m->tlb[cpu], 0, sizeof(m->tlb[cpu]));
}

static void model_run(struct venv *e, struct model *m, int mmu, u32 vcpu, u32 cpu)
{
	struct tlb_tag *tag;
	u32 c, n;

	m->running[cpu] = false;
	load(e, mmu, vcpu, cpu);
	n = pgt_s2_mmu_vmid(&e->mmu[mmu]);
	assert_true(n != 0 && n < 16);
	tag = &m->tlb[cpu][n];
	if (tag->valid && (tag->mmu != mmu || tag->vcpu != vcpu))
		fail_msg("cpu %u: mmu %d vcpu %u finds vmid %u entries of mmu %d vcpu %u",
			 cpu, mmu, vcpu, n, tag->mmu, tag->vcpu);
	*tag = (struct tlb_tag){ .valid = true, .mmu = mmu, .vcpu = vcpu };
	for (c = 0; c < VENV_CPUS; c++)
		if (c != cpu && m->running[c] && m->run_num[c] == n && m->run_mmu[c] != mmu)
			fail_msg("vmid %u runs mmu %d on cpu %u and mmu %d on cpu %u", n,
				 m->run_mmu[c], c, mmu, cpu);
	m->running[cpu] = true;
	m->run_mmu[cpu] = mmu;
	m->run_num[cpu] = n;
}

static void tlb_model_random(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 3, VENV_CPUS);
	static struct model m;
	u64 rng = test_seed("tlb_model_random");
	int i;

	(void)state;
	memset(&m, 0, sizeof(m));
	for (i = 0; i < VENV_MMUS; i++)
		venv_mmu(e, i, 0, i % 3 == 2 ? i - 1 : -1);
	e->on_tlbi = model_flush;
	e->priv = &m;
	for (i = 0; i < 200000; i++)
		model_run(e, &m, rng_next(&rng) % VENV_MMUS, rng_next(&rng) % 5,
			  rng_next(&rng) % VENV_CPUS);
	printf("# tlb_model_random: %llu rollovers, %llu slow paths\n",
	       (unsigned long long)e->va.rollovers, (unsigned long long)e->va_slow);
	assert_true(e->va.rollovers > 100);
	env_free(e);
}

/* ---------------------------------------------------------------- invalidation */

/* Four MMUs: canonical, shadow (own root), sharer of the canonical, AS 1. */
struct four {
	struct pgt_s2_mmu *canon, *shadow, *sh, *other;
	struct tenv tc, ts, tsh, to;
	u64 gfn, pg;
	u32 shift;
};

static void four_mmus(struct venv *e, struct four *f)
{
	f->shift = e->vm.page_shift;
	f->pg = 1ULL << f->shift;
	f->gfn = SZ_1G >> f->shift;
	f->canon = venv_mmu(e, 0, 0, -1);
	f->shadow = venv_mmu(e, 1, 0, -1);
	f->sh = venv_mmu(e, 2, 0, 0);
	f->other = venv_mmu(e, 3, 1, -1);
	f->tc = venv_view(e, f->canon);
	f->ts = venv_view(e, f->shadow);
	f->tsh = venv_view(e, f->sh);
	f->to = venv_view(e, f->other);
	venv_slot(e, 0, f->gfn, 16, HVA0, 0);
	venv_slot(e, 1, f->gfn, 16, HVA0 + SZ_1G, 0);
	/* Page-aligned but not block-aligned output: pages, so unmaps are exact. */
	assert_int_equal(pgt_s2_mmu_map(f->canon, f->gfn, 16, PA0 + f->pg, PGT_PROT_RW, NULL, 0),
			 0);
	assert_int_equal(pgt_s2_mmu_map(f->shadow, f->gfn + 4, 8, PA0 + 65 * f->pg, PGT_PROT_RW,
					NULL, 0), 0);
	assert_int_equal(pgt_s2_mmu_map(f->other, f->gfn, 16, PA0 + 129 * f->pg, PGT_PROT_RW,
					NULL, 0), 0);
}

/* Pages 6 to 9 of address space 0 are gone from every tree mapping it. */
static void four_expect(struct four *f)
{
	u64 i, pg = f->pg;

	for (i = 0; i < 16; i++) {
		u64 ipa = (f->gfn + i) << f->shift;
		bool gone = i >= 6 && i <= 9;

		if (gone) {
			expect_unmapped(&f->tc, ipa);
			expect_unmapped(&f->tsh, ipa);
			expect_unmapped(&f->ts, ipa);
		} else {
			expect_mapped(&f->tc, ipa, PA0 + (1 + i) * pg, PGT_PROT_RW);
			expect_mapped(&f->tsh, ipa, PA0 + (1 + i) * pg, PGT_PROT_RW);
		}
		if (!gone && i >= 4 && i < 12)
			expect_mapped(&f->ts, ipa, PA0 + (61 + i) * pg, PGT_PROT_RW);
		expect_mapped(&f->to, ipa, PA0 + (129 + i) * pg, PGT_PROT_RW);
	}
}

static void mmus_unmap_together(void **state)
{
	struct venv *e = env_new(test_granule(state), 8, 2);
	struct four f;
	struct pgt_hva_range r = { .handler = pgt_vm_handle_unmap, .flags = PGT_HVA_LOCK };

	four_mmus(e, &f);
	host_mm_tlbi_log_clear(e->hm);
	r.start = HVA0 + 6 * f.pg;
	r.end = HVA0 + 9 * f.pg + 1;
	assert_int_equal(pgt_vm_hva_range_op(&e->vm, &r), 0);
	four_expect(&f);
	/* One walk per root, one ranged invalidation per VMID, nothing for AS 1. */
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_RANGE, f.canon), 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_RANGE, f.sh), 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_RANGE, f.shadow), 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_RANGE, f.other), 0);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, NULL), 0);
	assert_int_equal(e->locks, 1);
	/* The other address space's memory: only its MMU. */
	host_mm_tlbi_log_clear(e->hm);
	r.start = HVA0 + SZ_1G;
	r.end = HVA0 + SZ_1G + 16 * f.pg;
	assert_int_equal(pgt_vm_hva_range_op(&e->vm, &r), 0);
	expect_unmapped(&f.to, f.gfn << f.shift);
	expect_mapped(&f.tc, f.gfn << f.shift, PA0 + f.pg, PGT_PROT_RW);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_RANGE, f.other), 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_RANGE, NULL), 1);
	env_free(e);
}

/* A table the unmap frees is invalidated in every VMID sharing the root first. */
static void shared_root_tables(void **state)
{
	struct venv *e = env_new(PGT_GRANULE_4K, 8, 2);
	struct pgt_s2_mmu *canon = venv_mmu(e, 0, 0, -1), *sh = venv_mmu(e, 1, 0, 0);
	u64 before;

	(void)state;
	venv_slot(e, 0, 0x40000, 1, HVA0, 0);
	assert_int_equal(pgt_s2_mmu_map(sh, 0x40000, 1, PA0, PGT_PROT_RW, NULL, 0), 0);
	before = host_mm_in_use_bytes(e->hm);
	host_mm_tlbi_log_clear(e->hm);
	assert_int_equal(pgt_vm_memslot_delete(&e->vm, 0, 0x40000), 0);
	assert_true(host_mm_in_use_bytes(e->hm) < before);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_RANGE, canon), 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_RANGE, sh), 1);
	env_free(e);
}

/*
 * The VM stands between the library and the home: every hook the home has
 * must reach it, the TLB ones once per MMU sharing the root and never for
 * another root's MMU.  Only optional hooks are exercised here; the page
 * hooks are used by every test.
 */
static void vm_forwards_every_hook(void **state)
{
	struct venv_cfg cfg = { .nr_cpus = 2, .rcu = true, .no_tlbi_range = true };
	struct venv *e = malloc(sizeof(*e));
	struct pgt_s2_mmu *canon, *sh, *other;
	struct host_mm_stats st;
	u64 pg = 4096, blk = 512 * pg, gfn = 0x40000;

	(void)state;
	assert_non_null(e);
	venv_init(e, &cfg);
	canon = venv_mmu(e, 0, 0, -1);
	sh = venv_mmu(e, 1, 0, 0);
	other = venv_mmu(e, 2, 1, -1);
	venv_slot(e, 0, gfn, 512, HVA0, 0);
	/* A page, cleaned to the PoC on the way in (no FWB), in a shared walk. */
	assert_int_equal(pgt_s2_mmu_map(sh, gfn, 1, PA0, PGT_PROT_RW, NULL, PGT_WALK_SHARED), 0);
	host_mm_stats_get(e->hm, &st);
	assert_int_equal(st.dcache_ops, 1);
	/* Executable now: the I-cache, and one leaf TLBI for each VMID of the root. */
	host_mm_tlbi_log_clear(e->hm);
	assert_int_equal(pgt_stage2_relax_perms(&canon->pgt, gfn * pg, PGT_PROT_X,
						PGT_WALK_SHARED), 0);
	host_mm_stats_get(e->hm, &st);
	assert_int_equal(st.icache_ops, 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_VA, canon), 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_VA, sh), 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_VA, other), 0);
	/* A block over the page's table: the table goes to the home's unlinked free. */
	assert_int_equal(pgt_s2_mmu_map(canon, gfn, 512, PA0, PGT_PROT_RW, NULL, 0), 0);
	host_mm_rcu_barrier(e->hm);
	host_mm_stats_get(e->hm, &st);
	assert_int_equal(st.rcu_frees, 1);
	/*
	 * Write-protecting a range invalidates it by range; without tlbi_range
	 * the home's tlbi_all stands in, once per sharing VMID.
	 */
	host_mm_tlbi_log_clear(e->hm);
	assert_int_equal(pgt_stage2_wrprotect(&canon->pgt, gfn * pg, blk), 0);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, canon), 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, sh), 1);
	assert_int_equal(venv_tlbi_count(e, HOST_TLBI_ALL, other), 0);
	env_free(e);
}

/* Each part of the VM's parameters missing on its own: -EINVAL. */
static void assert_vm_params_refused(const struct pgt_vm_params *good)
{
	struct pgt_vm_ops no_vmid_local = *good->vm_ops, no_all_local = *good->vm_ops;
	struct pgt_vm_params p[9];
	struct pgt_vm vm;
	size_t i;

	for (i = 0; i < 9; i++)
		p[i] = *good;
	no_vmid_local.tlbi_vmid_local = NULL;
	no_all_local.tlbi_all_local = NULL;
	p[0].vm_ops = NULL;
	p[1].vm_ops = &no_vmid_local;
	p[2].vm_ops = &no_all_local;
	p[3].mmu_lock.lock = NULL;
	p[4].mmu_lock.unlock = NULL;
	p[5].spaces = NULL;
	p[6].nr_spaces = 0;
	p[7].vmids = NULL;
	p[8].nr_cpus = good->vmids->nr_cpus + 1;
	for (i = 0; i < 9; i++)
		assert_int_equal(pgt_vm_init(&vm, &p[i]), -EINVAL);
}

/* A VM on a home without one of the hooks the library needs is refused. */
static void vm_refuses_incomplete_home(void **state)
{
	static const size_t required[] = {
		offsetof(struct pgt_mm_ops, zalloc_page), offsetof(struct pgt_mm_ops, put_page),
		offsetof(struct pgt_mm_ops, phys_to_virt), offsetof(struct pgt_mm_ops, tlbi_all),
	};
	struct venv_cfg cfg = { .nr_cpus = 2 };
	struct venv *e = malloc(sizeof(*e));
	struct pgt_vm_params p;
	struct pgt_vm vm;
	size_t i;

	(void)state;
	assert_non_null(e);
	venv_init(e, &cfg);
	venv_params(e, &p);
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		void **hook = (void **)((char *)p.mm_ops + required[i]);
		void *saved = *hook;

		*hook = NULL;
		assert_int_equal(pgt_vm_init(&vm, &p), -EINVAL);
		*hook = saved;
	}
	assert_vm_params_refused(&p);
	assert_int_equal(pgt_vm_init(&vm, &p), 0);
	env_free(e);
}

/*
 * The hooks a home may leave out stay out of the VM's forwarding ops, and
 * the VM's trees work without them.
 */
static void vm_leaves_absent_hooks_absent(void **state)
{
	struct venv_cfg cfg = { .nr_cpus = 2 };
	struct venv *e = malloc(sizeof(*e));
	struct pgt_mm_ops saved, *home;
	struct pgt_vm_params p;
	struct pgt_s2_mmu *mmu;
	u64 gfn = 0x40000;

	(void)state;
	assert_non_null(e);
	venv_init(e, &cfg);
	home = host_mm_ops(e->hm);
	saved = *home;
	home->free_unlinked_table = NULL;
	home->dcache_clean_inval_poc = NULL;
	home->icache_inval_pou = NULL;
	home->tlbi_range = NULL;
	home->shared_walk_begin = NULL;
	home->shared_walk_end = NULL;
	venv_params(e, &p);
	assert_int_equal(pgt_vm_init(&e->vm, &p), 0);
	assert_null(e->vm.mm.free_unlinked_table);
	assert_null(e->vm.mm.dcache_clean_inval_poc);
	assert_null(e->vm.mm.icache_inval_pou);
	assert_null(e->vm.mm.tlbi_range);
	assert_null(e->vm.mm.shared_walk_begin);
	assert_null(e->vm.mm.shared_walk_end);
	mmu = venv_mmu(e, 0, 0, -1);
	venv_slot(e, 0, gfn, 512, HVA0, 0);
	assert_int_equal(pgt_s2_mmu_map(mmu, gfn, 1, PA0, PGT_PROT_RWX, NULL, PGT_WALK_SHARED), 0);
	assert_int_equal(pgt_s2_mmu_map(mmu, gfn, 512, PA0, PGT_PROT_RW, NULL, 0), 0);
	assert_int_equal(pgt_stage2_wrprotect(&mmu->pgt, gfn << 12, 512 << 12), 0);
	*home = saved;
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mmu_share),
		cmocka_unit_test(mmu_vttbr),
		FOR_GRANULES(mmu_map_slots),
		cmocka_unit_test(last_vcpu_table),
		cmocka_unit_test(last_vcpu_after_rollover),
		cmocka_unit_test(vmid_allocator_bad),
		cmocka_unit_test(vmid_rollover_one_cpu),
		cmocka_unit_test(vmid_rollover_running),
		cmocka_unit_test(vmid_wide),
		cmocka_unit_test(tlb_model_random),
		FOR_GRANULES(mmus_unmap_together),
		cmocka_unit_test(shared_root_tables),
		cmocka_unit_test(vm_forwards_every_hook),
		cmocka_unit_test(vm_refuses_incomplete_home),
		cmocka_unit_test(vm_leaves_absent_hooks_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
