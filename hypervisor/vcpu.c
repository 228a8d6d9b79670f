// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcpu.c - running a vCPU: entering EL1 with the VM's stage 2, and the
 * exits: stage-2 aborts handled the way KVM's fault path does, MMIO to the
 * emulated UART, hypercalls.
 */
#include "vm.h"

#define ESR_EC(esr)	FIELD(esr, 26, 6)
#define EC_HVC64	0x16
#define EC_IABT_LOW	0x20
#define EC_DABT_LOW	0x24
#define ESR_ISV		BIT(24)
#define ESR_SRT(esr)	FIELD(esr, 16, 5)
#define ESR_WNR		BIT(6)
#define ESR_S1PTW	BIT(7)
#define FSC_TYPE(esr)	(FIELD(esr, 0, 6) >> 2)
#define FSC_TRANSLATION	1
#define FSC_ACCESS	2
#define FSC_PERMISSION	3

struct rwlock mmu_lock;
u32 tlbi_skip_armed;

u64 hvm_vttbr(struct hyp_vm *hvm)
{
	return pgt_s2_mmu_vttbr(&hvm->mmu);
}

void hvm_judge(struct hyp_vm *hvm, u64 start, u64 end, u32 nr_random)
{
	if (!judge_s2_range(hvm_pgt(hvm), hvm_vttbr(hvm), start, end, nr_random))
		check(false, "%s: AT S12E1R/W disagree with the tables over [%lx, %lx)", hvm->name,
		      (unsigned long)start, (unsigned long)end);
}

void vcpu_init(struct vcpu *v, struct hyp_vm *hvm, u32 idx, u64 entry, u64 sp)
{
	memset(v, 0, sizeof(*v));
	v->hvm = hvm;
	v->idx = idx;
	v->regs.elr = entry;
	v->regs.spsr = 0x3c5;		/* EL1h, DAIF masked */
	v->regs.sp_el1 = sp;
	v->regs.x[0] = idx;
	v->regs.x[1] = cfg.seed + idx;
	v->regs.x[2] = hvm_page(hvm);
}

/* ---- the guest's console: one line per print, prefixed with the VM ---- */

static void guest_putc(struct vcpu *v, char c)
{
	if (c != '\n' && v->len < sizeof(v->line) - 1) {
		v->line[v->len++] = c;
		return;
	}
	v->line[v->len] = 0;
	hprintf("%s.%u| %s\n", v->hvm->name, v->idx, v->line);
	v->len = 0;
}

static void mmio(struct vcpu *v, u64 ipa, u64 esr)
{
	u32 srt = ESR_SRT(esr);

	if (!(esr & ESR_ISV) || ipa < GUEST_UART_IPA || ipa >= GUEST_UART_IPA + 0x1000)
		panic("%s.%u: abort at IPA %lx outside memory and the UART (ESR %lx)",
		      v->hvm->name, v->idx, (unsigned long)ipa, (unsigned long)esr);
	if (esr & ESR_WNR) {
		if (ipa == GUEST_UART_IPA)
			guest_putc(v, srt == 31 ? 0 : (char)v->regs.x[srt]);
	} else if (srt != 31) {
		v->regs.x[srt] = 0;	/* FR: never busy */
	}
	v->regs.elr += 4;
	__atomic_fetch_add(&v->hvm->faults[GF_MMIO], 1, __ATOMIC_RELAXED);
	stat_add(ST_FAULT_MMIO, 1);
}

/* ---- stage-2 faults ---- */

static bool logged(struct hyp_vm *hvm, u64 ipa)
{
	return __atomic_load_n(&hvm->logging, __ATOMIC_ACQUIRE) && ipa >= hvm->log_start &&
	       ipa < hvm->log_start + hvm->log_size;
}

static void mark_dirty(struct hyp_vm *hvm, u64 ipa)
{
	u64 n = (ipa - hvm->log_start) >> hvm->vm.geom.granule_shift;

	__atomic_fetch_or(&hvm->dirty[n / 64], 1ULL << (n % 64), __ATOMIC_RELAXED);
}

/*
 * The largest leaf around @ipa that stays inside the memslot and whose
 * guest and host addresses share their alignment (KVM's rule): a page
 * while the range is dirty-logged, so that writes are tracked page by page.
 */
static u64 fault_size(struct hyp_vm *hvm, const struct pgt_memslot *s, u64 ipa)
{
	const struct pgt_geometry *g = &hvm->vm.geom;
	u64 slot_start = s->base_gfn << g->granule_shift;
	u64 slot_end = slot_start + (s->npages << g->granule_shift);
	pgt_s8 level;

	if (logged(hvm, ipa))
		return 1ULL << g->granule_shift;
	for (level = g->start_level; level < PGT_MAX_LEVEL; level++) {
		u64 size = pgt_level_size(g, level), base = PGT_ALIGN_DOWN(ipa, size);

		if (!pgt_level_has_blocks(g, level))
			continue;
		if (base >= slot_start && base + size <= slot_end &&
		    PGT_IS_ALIGNED(s->userspace_addr + (base - slot_start), size))
			return size;
	}
	return 1ULL << g->granule_shift;
}

static void translation_fault(struct vcpu *v, const struct pgt_memslot *s, u64 ipa, bool write,
			      bool exec)
{
	struct hyp_vm *hvm = v->hvm;
	u32 gs = hvm->vm.geom.granule_shift;
	u64 size = fault_size(hvm, s, ipa), base = PGT_ALIGN_DOWN(ipa, size);
	u64 gfn = base >> gs, hva = pgt_vm_memslot_hva(&hvm->vm, s, gfn);
	u32 prot = PGT_PROT_RW | (exec ? PGT_PROT_X : 0);
	int ret;

	/* Logged pages are mapped read-only until written: the write is the log. */
	if (logged(hvm, ipa)) {
		if (write)
			mark_dirty(hvm, ipa);
		else
			prot &= ~PGT_PROT_W;
	}
	ret = pgt_memcache_topup(&v->mc, &s2_mm, 1u << gs,
				 pgt_stage2_tables_needed(hvm_pgt(hvm), base, size, hva));
	if (ret)
		panic("%s: memcache top-up: %d", hvm->name, ret);
	read_lock(&mmu_lock);
	ret = pgt_s2_mmu_map(&hvm->mmu, gfn, size >> gs, hva, prot, &v->mc, PGT_WALK_SHARED);
	read_unlock(&mmu_lock);
	epoch_reclaim();
	if (ret == -EAGAIN) {
		stat_add(ST_FAULT_EAGAIN, 1);
		return;
	}
	if (ret)
		panic("%s: map of IPA %lx (%lx bytes): %d", hvm->name, (unsigned long)base,
		      (unsigned long)size, ret);
	stat_add(size > (1ULL << gs) ? ST_MAP_BLOCKS : ST_MAP_PAGES, 1);
	if (hvm->judge_faults)
		hvm_judge(hvm, base, base + size, 2);
}

/* Relaxing X: make the page's instructions fetchable first (the I-cache rule). */
static void permission_fault(struct vcpu *v, u64 ipa, bool write, bool exec)
{
	struct hyp_vm *hvm = v->hvm;
	struct pgt *pgt = hvm_pgt(hvm);
	u64 page = hvm_page(hvm), base = PGT_ALIGN_DOWN(ipa, page);
	u32 prot = exec ? PGT_PROT_X : PGT_PROT_W;
	pgt_pte_t pte;
	pgt_s8 level;
	int ret;

	if (exec) {
		pgt_get_leaf(pgt, base, &pte, &level);
		if (pgt_pte_is_leaf(pte, level))
			icache_sync(pgt_pte_addr(&pgt->geom, pte) +
				    (base & (pgt_level_size(&pgt->geom, level) - 1)), page);
	} else if (write && logged(hvm, ipa)) {
		mark_dirty(hvm, ipa);
	}
	read_lock(&mmu_lock);
	ret = pgt_stage2_relax_perms(pgt, ipa, prot, PGT_WALK_SHARED);
	read_unlock(&mmu_lock);
	if (ret == -EAGAIN || ret == -ENOENT) {
		stat_add(ST_FAULT_EAGAIN, 1);
		return;
	}
	if (ret)
		panic("%s: relax_perms at %lx: %d", hvm->name, (unsigned long)ipa, ret);
	if (hvm->judge_faults)
		hvm_judge(hvm, base, base + page, 0);
}

static void access_fault(struct vcpu *v, u64 ipa)
{
	struct hyp_vm *hvm = v->hvm;
	int ret;

	read_lock(&mmu_lock);
	ret = pgt_stage2_mkyoung(hvm_pgt(hvm), ipa, PGT_WALK_SHARED);
	read_unlock(&mmu_lock);
	if (ret && ret != -EAGAIN && ret != -ENOENT)
		panic("%s: mkyoung at %lx: %d", hvm->name, (unsigned long)ipa, ret);
	if (hvm->judge_faults)
		hvm_judge(hvm, PGT_ALIGN_DOWN(ipa, hvm_page(hvm)),
			  PGT_ALIGN_DOWN(ipa, hvm_page(hvm)) + hvm_page(hvm), 0);
}

static void stage2_abort(struct vcpu *v)
{
	struct hyp_vm *hvm = v->hvm;
	u64 esr = v->regs.esr, t0 = now_ticks();
	u64 ipa = (FIELD(v->regs.hpfar, 4, 40) << 12) | (v->regs.far & 0xfff);
	bool exec = ESR_EC(esr) == EC_IABT_LOW, write = !exec && (esr & ESR_WNR);
	const struct pgt_memslot *s;
	enum guest_fault_kind kind;

	if (esr & ESR_S1PTW)
		panic("%s: stage-1 walk fault with the guest's MMU off", hvm->name);
	switch (FSC_TYPE(esr)) {
	case FSC_TRANSLATION:
		s = pgt_vm_memslot_find_gfn(&hvm->vm, 0, ipa >> hvm->vm.geom.granule_shift);
		if (!s) {
			mmio(v, ipa, esr);
			return;
		}
		translation_fault(v, s, ipa, write, exec);
		kind = GF_TRANSLATION;
		stat_add(ST_FAULT_TRANS, 1);
		break;
	case FSC_PERMISSION:
		permission_fault(v, ipa, write, exec);
		kind = exec ? GF_PERM_EXEC : GF_PERM_WRITE;
		stat_add(exec ? ST_FAULT_PERM_X : ST_FAULT_PERM_W, 1);
		break;
	case FSC_ACCESS:
		access_fault(v, ipa);
		kind = GF_ACCESS_FLAG;
		stat_add(ST_FAULT_AF, 1);
		break;
	default:
		panic("%s: unexpected stage-2 abort ESR %lx at IPA %lx", hvm->name,
		      (unsigned long)esr, (unsigned long)ipa);
	}
	__atomic_fetch_add(&hvm->faults[kind], 1, __ATOMIC_RELAXED);
	stat_add(ST_FAULT_TICKS, now_ticks() - t0);
}

/* ---- reading the guest's memory through its stage 2 ---- */

static void *guest_ptr(struct hyp_vm *hvm, u64 ipa, u64 len)
{
	struct pgt *pgt = hvm_pgt(hvm);
	pgt_pte_t pte;
	pgt_s8 level;
	u64 size;

	pgt_get_leaf(pgt, ipa, &pte, &level);
	if (!pgt_pte_is_leaf(pte, level))
		return NULL;
	size = pgt_level_size(&pgt->geom, level);
	if ((ipa & (size - 1)) + len > size)
		return NULL;
	return (void *)(pgt_pte_addr(&pgt->geom, pte) + (ipa & (size - 1)));
}

/* ---- hypercalls: the hypervisor's own, exclusive changes ---- */

static void exclusive_begin(void)
{
	write_lock(&mmu_lock);
	epoch_reclaim();
}

static void exclusive_end(void)
{
	write_unlock(&mmu_lock);
}

static u64 hc_dirty_start(struct hyp_vm *hvm, u64 ipa, u64 size)
{
	struct pgt *pgt = hvm_pgt(hvm);
	int split, wp;

	if (size >> hvm->vm.geom.granule_shift > DIRTY_WORDS * 64)
		return -EINVAL;
	exclusive_begin();
	memset(hvm->dirty, 0, sizeof(hvm->dirty));
	hvm->log_start = ipa;
	hvm->log_size = size;
	__atomic_store_n(&hvm->logging, true, __ATOMIC_RELEASE);
	/* Eager splitting: no block survives into the logged range. */
	tlbi_skip_armed = cfg.skip_tlbi;
	split = pgt_stage2_split(pgt, ipa, size, NULL);
	wp = pgt_stage2_wrprotect(pgt, ipa, size);
	tlbi_skip_armed = 0;
	exclusive_end();
	check(!split && !wp, "%s: dirty logging on: split %d, wrprotect %d of [%lx, +%lx)",
	      hvm->name, split, wp, (unsigned long)ipa, (unsigned long)size);
	hvm_judge(hvm, ipa, ipa + size, 16);
	return 0;
}

static u64 hc_dirty_check(struct hyp_vm *hvm, u64 bitmap_ipa, u64 pages)
{
	u64 *want = guest_ptr(hvm, bitmap_ipa, (pages + 7) / 8);
	u64 i, missing = 0, extra = 0, logged_pages = 0;

	__atomic_store_n(&hvm->logging, false, __ATOMIC_RELEASE);
	if (!want || pages > DIRTY_WORDS * 64)
		return ~0ULL;
	for (i = 0; i < pages; i++) {
		bool w = want[i / 64] & BIT(i % 64), d = hvm->dirty[i / 64] & BIT(i % 64);

		missing += w && !d;
		extra += d && !w;
		logged_pages += d;
	}
	check(!missing && !extra, "%s: dirty bitmap: %lu pages logged, %lu missing, %lu extra",
	      hvm->name, (unsigned long)logged_pages, (unsigned long)missing,
	      (unsigned long)extra);
	return missing + extra;
}

void hvm_remap_page(struct hyp_vm *hvm, u64 ipa, u64 value)
{
	u64 page = hvm_page(hvm), pa = spare_page(page);
	int un, map;

	*(u64 *)pa = value;
	exclusive_begin();
	tlbi_skip_armed = cfg.skip_tlbi;
	un = pgt_stage2_unmap(hvm_pgt(hvm), ipa, page);
	map = pgt_stage2_map(hvm_pgt(hvm), ipa, page, pa, PGT_PROT_RW, NULL, 0);
	tlbi_skip_armed = 0;
	exclusive_end();
	if (un || map)
		panic("%s: remap: unmap %d map %d", hvm->name, un, map);
	hvm_judge(hvm, ipa, ipa + page, 0);
}

static u64 hc_change(struct hyp_vm *hvm, u32 fn, u64 ipa, u64 size)
{
	int ret;

	exclusive_begin();
	tlbi_skip_armed = cfg.skip_tlbi;
	if (fn == HC_UNMAP)
		ret = pgt_stage2_unmap(hvm_pgt(hvm), ipa, size);
	else
		ret = pgt_stage2_wrprotect(hvm_pgt(hvm), ipa, size);
	tlbi_skip_armed = 0;
	exclusive_end();
	if (ret)
		panic("%s: %s: %d", hvm->name, fn == HC_UNMAP ? "unmap" : "wrprotect", ret);
	hvm_judge(hvm, ipa, ipa + size, 4);
	return 0;
}

/* Aging through the VM layer's HVA operator, as an MMU notifier would. */
static u64 hc_age(struct hyp_vm *hvm, bool mkold, u64 ipa, u64 size)
{
	const struct pgt_memslot *s = pgt_vm_memslot_find_gfn(&hvm->vm, 0,
							      ipa >> hvm->vm.geom.granule_shift);
	struct pgt_vm_age age = { .mkold = mkold, .flush = mkold };
	struct pgt_hva_range r = {
		.handler = pgt_vm_handle_age, .data = &age, .flags = PGT_HVA_LOCK,
	};
	int ret;

	if (!s)
		return ~0ULL;
	r.start = pgt_vm_memslot_hva(&hvm->vm, s, ipa >> hvm->vm.geom.granule_shift);
	r.end = r.start + size;
	ret = pgt_vm_hva_range_op(&hvm->vm, &r);
	if (ret)
		panic("%s: aging: %d", hvm->name, ret);
	if (mkold)
		hvm_judge(hvm, ipa, ipa + size, 8);
	return age.young;
}

/*
 * The exclusive side of the SMP test, on the calling vCPU's CPU: rounds of
 * unmap, split and write-protect of random ranges under the MMU lock held
 * for writing, each judged by AT before the lock is dropped, each followed
 * by a wait for the other vCPUs to take a few faults.
 */
static u64 hc_smp_chaos(struct vcpu *v, u64 ipa, u64 size, u64 rounds)
{
	struct hyp_vm *hvm = v->hvm;
	struct pgt *pgt = hvm_pgt(hvm);
	u64 page = hvm_page(hvm), block = page << (pgt->geom.granule_shift - 3);
	u64 r, ops[3] = { 0 };

	for (r = 0; r < rounds; r++) {
		u64 off = (rand64() % (size / page)) * page, len = page * (1 + rand64() % 16);
		u64 seen = hvm->faults[GF_TRANSLATION] + hvm->faults[GF_PERM_WRITE], spins;
		u32 op = rand64() % 3;
		int ret;

		if (off + len > size)
			len = size - off;
		if (op == 1) {
			off = PGT_ALIGN_DOWN(off, block);
			len = block < size - off ? block : size - off;
		}
		exclusive_begin();
		if (op == 0)
			ret = pgt_stage2_unmap(pgt, ipa + off, len);
		else if (op == 1)
			ret = pgt_stage2_split(pgt, ipa + off, len, NULL);
		else
			ret = pgt_stage2_wrprotect(pgt, ipa + off, len);
		if (ret)
			panic("%s: chaos op %u at %lx: %d", hvm->name, op, (unsigned long)(ipa + off),
			      ret);
		hvm_judge(hvm, ipa + off, ipa + off + len, 2);
		exclusive_end();
		ops[op]++;
		/* Progress, not time: let the others fault a few times (bounded). */
		for (spins = 0; spins < 200000; spins++) {
			if (__atomic_load_n(&hvm->faults[GF_TRANSLATION], __ATOMIC_RELAXED) +
			    __atomic_load_n(&hvm->faults[GF_PERM_WRITE], __ATOMIC_RELAXED) >= seen + 3)
				break;
			pgt_cpu_relax();
		}
	}
	hprintf("%s: exclusive side: %lu unmaps, %lu splits, %lu write-protects\n", hvm->name,
		(unsigned long)ops[0], (unsigned long)ops[1], (unsigned long)ops[2]);
	return 0;
}

static void hc_check(struct vcpu *v, u64 ok, u64 name_ipa)
{
	const char *name = guest_ptr(v->hvm, name_ipa, 1);

	check(ok, "%s.%u: %s", v->hvm->name, v->idx, name ? name : "(unreadable name)");
}

/*
 * Map the page at @ipa RW and executable at one level only.  The guest runs
 * at EL1: a fetch from an EL0-only page must take a permission fault, one
 * from an EL1-only page must not, so the two PX/UX encodings cannot be
 * swapped or merged unnoticed.
 */
static u64 hc_map_exec(struct vcpu *v, u64 ipa, u64 which)
{
	struct hyp_vm *hvm = v->hvm;
	u32 gs = hvm->vm.geom.granule_shift;
	const struct pgt_memslot *s = pgt_vm_memslot_find_gfn(&hvm->vm, 0, ipa >> gs);
	u32 prot = PGT_PROT_RW | (which == EXEC_EL0_ONLY ? PGT_PROT_UX : PGT_PROT_PX);
	int ret;

	if (!feat.xnx)
		return 1;
	if (!s)
		panic("%s: HC_MAP_EXEC of %lx: no memslot", hvm->name, (unsigned long)ipa);
	ret = pgt_memcache_topup(&v->mc, &s2_mm, 1u << gs,
				 pgt_stage2_tables_needed(hvm_pgt(hvm), ipa, 1ULL << gs, 0));
	write_lock(&mmu_lock);
	if (!ret)
		ret = pgt_s2_mmu_map(&hvm->mmu, ipa >> gs, 1,
				     pgt_vm_memslot_hva(&hvm->vm, s, ipa >> gs), prot, &v->mc, 0);
	write_unlock(&mmu_lock);
	if (ret)
		panic("%s: HC_MAP_EXEC of %lx: %d", hvm->name, (unsigned long)ipa, ret);
	hvm_judge(hvm, ipa, ipa + (1ULL << gs), 0);
	return 0;
}

static void hypercall(struct vcpu *v)
{
	struct hyp_vm *hvm = v->hvm;
	u64 *x = v->regs.x, ret = 0;

	stat_add(ST_HVC, 1);
	switch (x[0]) {
	case HC_EXIT:
		v->done = true;
		v->status = x[1];
		if (x[2] == 0xdead)
			panic("%s.%u: exception at EL1, ESR_EL1 %lx, ELR_EL2 %lx", hvm->name, v->idx,
			      (unsigned long)x[1], (unsigned long)v->regs.elr);
		break;
	case HC_CHECK:
		hc_check(v, x[1], x[2]);
		break;
	case HC_DIRTY_START:
		ret = hc_dirty_start(hvm, x[1], x[2]);
		break;
	case HC_DIRTY_CHECK:
		ret = hc_dirty_check(hvm, x[1], x[2]);
		break;
	case HC_REMAP:
		hvm_remap_page(hvm, x[1], x[2]);
		break;
	case HC_UNMAP:
	case HC_WRPROTECT:
		ret = hc_change(hvm, x[0], x[1], x[2]);
		break;
	case HC_MKOLD:
	case HC_YOUNG:
		ret = hc_age(hvm, x[0] == HC_MKOLD, x[1], x[2]);
		break;
	case HC_FAULTS:
		ret = x[1] < GF_NR ? __atomic_load_n(&hvm->faults[x[1]], __ATOMIC_RELAXED) : 0;
		break;
	case HC_BARRIER:
		cpu_barrier_wait(&hvm->barrier, hvm->nr_vcpus);
		break;
	case HC_SMP_CHAOS:
		ret = hc_smp_chaos(v, x[1], x[2], x[3]);
		break;
	case HC_YIELD:
		v->yielded = true;
		return;
	case HC_EXPECT:
		ret = v->expect;
		break;
	case HC_VMID:
		ret = pgt_s2_mmu_vmid(&hvm->mmu);
		break;
	case HC_MAP_EXEC:
		ret = hc_map_exec(v, x[1], x[2]);
		break;
	default:
		panic("%s.%u: unknown hypercall %lu", hvm->name, v->idx, (unsigned long)x[0]);
	}
	x[0] = ret;
}

/* ---- entering the guest ---- */

static void load_guest(struct vcpu *v)
{
	struct hyp_vm *hvm = v->hvm;
	int ret = pgt_s2_mmu_load(&hvm->mmu, v->idx, cpu_id());

	if (ret < 0)
		panic("%s: pgt_s2_mmu_load: %d", hvm->name, ret);
	v->load_flags |= ret;
	stat_add(ST_RUN_NEW_VMID, !!(ret & PGT_RUN_NEW_VMID));
	stat_add(ST_RUN_FLUSH_ALL, !!(ret & PGT_RUN_FLUSH_ALL));
	stat_add(ST_RUN_FLUSH_VMID, !!(ret & PGT_RUN_FLUSH_VMID));
	write_sysreg(hvm->hcr, hcr_el2);
	write_sysreg(pgt_s2_mmu_vtcr(&hvm->mmu), vtcr_el2);
	write_sysreg(pgt_s2_mmu_vttbr(&hvm->mmu), vttbr_el2);
	write_sysreg(0x30d00800, sctlr_el1);	/* RES1 bits; MMU off */
	write_sysreg(3, cnthctl_el2);		/* the guest may read the counter */
	isb();
}

u64 vcpu_run(struct vcpu *v)
{
	/* HC_YIELD answers when the vCPU runs again: finish now, or not. */
	if (v->yielded)
		v->regs.x[0] = v->stop;
	v->yielded = false;
	while (!v->done && !v->yielded) {
		u64 exit, ec;

		load_guest(v);
		exit = guest_enter(&v->regs);
		if (exit != 0)
			panic("%s.%u: exit %lu (not synchronous), ESR %lx", v->hvm->name, v->idx,
			      (unsigned long)exit, (unsigned long)v->regs.esr);
		ec = ESR_EC(v->regs.esr);
		if (ec == EC_HVC64)
			hypercall(v);
		else if (ec == EC_DABT_LOW || ec == EC_IABT_LOW)
			stage2_abort(v);
		else
			panic("%s.%u: unexpected exit, ESR %lx ELR %lx", v->hvm->name, v->idx,
			      (unsigned long)v->regs.esr, (unsigned long)v->regs.elr);
	}
	if (v->done)
		pgt_memcache_free(&v->mc, &s2_mm);
	return v->status;
}
