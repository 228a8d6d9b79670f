// SPDX-License-Identifier: GPL-2.0-only
/*
 * vms.c - VMs on libpgtable's VM layer, and the scenarios the boot runs:
 * one guest through every fault kind and live change.
 */
#include "vm.h"
#include "../test/ref_xlat.h"

struct pgt_vmid_allocator vmids;
static u64 vmid_bitmap[PGT_VMID_BITMAP_WORDS(8)];
static struct pgt_vmid_cpu vmid_cpus[NR_CPUS];
static struct spinlock vmid_spin;

static void vmid_lock(void *arg)
{
	spin_lock(arg);
}

static void vmid_unlock(void *arg)
{
	spin_unlock(arg);
}

static void mmu_wlock(void *arg)
{
	write_lock(arg);
}

static void mmu_wunlock(void *arg)
{
	write_unlock(arg);
}

static void vmids_init(u32 bits)
{
	struct pgt_vm_lock l = { vmid_lock, vmid_unlock, &vmid_spin };
	int ret;

	memset(vmid_bitmap, 0, sizeof(vmid_bitmap));
	memset(vmid_cpus, 0, sizeof(vmid_cpus));
	ret = pgt_vmid_allocator_init(&vmids, bits, vmid_bitmap, vmid_cpus, NR_CPUS, &l);
	if (ret)
		panic("pgt_vmid_allocator_init: %d", ret);
}

/* A 52-bit IPA asks for the 52-bit format (DS=1 with 4K and 16K). */
static bool s2_lpa(void)
{
	return cfg.ipa_bits == 52;
}

static bool s2_lpa_supported(void)
{
	return cfg.granule_shift == 12 ? feat.lpa4_s2 :
	       cfg.granule_shift == 14 ? feat.lpa16_s2 : feat.lpa64_s2;
}

/*
 * The CPU's PA size, as far as the tree's descriptor format reaches: a
 * 52-bit PS needs FEAT_LPA/LPA2's format (PGT_CFG_LPA).
 */
#define S2_PA_BITS_48_FORMAT	48

static u32 s2_pa_bits(void)
{
	u32 max = s2_lpa() ? PGT_MAX_PA_BITS : S2_PA_BITS_48_FORMAT;

	return feat.pa_bits > max ? max : feat.pa_bits;
}

int hvm_create(struct hyp_vm *hvm, const char *name)
{
	struct pgt_vm_params p = {
		.s2 = {
			.ia_bits = cfg.ipa_bits, .granule_shift = cfg.granule_shift,
			.pa_bits = s2_pa_bits(),
			.flags = (cfg.fwb ? PGT_S2_FWB : 0) | (s2_lpa() ? PGT_CFG_LPA : 0) |
				 (feat.xnx ? PGT_S2_XNX : 0),
		},
		.mm_ops = &s2_mm,
		.vm_ops = &hyp_vm_ops,
		.mmu_lock = { mmu_wlock, mmu_wunlock, &mmu_lock },
		.spaces = &hvm->space,
		.nr_spaces = 1,
		.vmids = &vmids,
		.nr_cpus = NR_CPUS,
	};
	int ret;

	memset(hvm, 0, sizeof(*hvm));
	hvm->name = name;
	pgt_vm_memslots_init(&hvm->space, hvm->slots, hvm->hva, VM_MAX_SLOTS);
	ret = pgt_vm_init(&hvm->vm, &p);
	if (ret)
		return ret;
	write_lock(&mmu_lock);
	ret = pgt_s2_mmu_init(&hvm->mmu, &hvm->vm, 0, NULL, hvm->last_ran);
	write_unlock(&mmu_lock);
	/* VM, DC (the guest's stage 1 off means Normal WB), RW (EL1 is AArch64), FWB. */
	hvm->hcr = BIT(0) | BIT(12) | BIT(31) | (cfg.fwb ? BIT(46) : 0);
	hvm->judge_faults = true;
	return ret;
}

void hvm_add_slot(struct hyp_vm *hvm, u64 ipa, u64 size, u64 pa)
{
	u32 gs = hvm->vm.geom.granule_shift;
	struct pgt_memslot s = {
		.base_gfn = ipa >> gs, .npages = size >> gs, .userspace_addr = pa,
	};
	int ret = pgt_vm_memslot_insert(&hvm->vm, &s);

	if (ret)
		panic("%s: memslot at %lx: %d", hvm->name, (unsigned long)ipa, ret);
	memset((void *)pa, 0, size);
}

void hvm_load_image(struct hyp_vm *hvm, const struct guest_image *img)
{
	u32 gs = hvm->vm.geom.granule_shift;
	const struct pgt_memslot *s = pgt_vm_memslot_find_gfn(&hvm->vm, 0, img->ipa >> gs);

	if (!s)
		panic("%s: no memslot for the image at %lx", hvm->name, (unsigned long)img->ipa);
	memcpy((u8 *)pgt_vm_memslot_hva(&hvm->vm, s, img->ipa >> gs) + (img->ipa & ((1u << gs) - 1)),
	       img->start, img->end - img->start);
}

void hvm_destroy(struct hyp_vm *hvm)
{
	int ret;

	write_lock(&mmu_lock);
	epoch_reclaim();
	ret = pgt_s2_mmu_destroy(&hvm->mmu);
	write_unlock(&mmu_lock);
	if (ret)
		panic("%s: pgt_s2_mmu_destroy: %d", hvm->name, ret);
}

/* Spare guest memory past every VM's memslots, for remapping. */
#define SPARE_PA	(GUESTMEM_PA + 0x8000000)
static u64 spare_next = SPARE_PA;
static struct spinlock spare_spin;

u64 spare_page(u64 size)
{
	u64 pa;

	spin_lock(&spare_spin);
	pa = PGT_ALIGN_DOWN(spare_next + size - 1, size);
	spare_next = pa + size;
	spin_unlock(&spare_spin);
	if (spare_next > GUESTMEM_PA + GUESTMEM_SIZE)
		panic("out of spare guest memory");
	memset((void *)pa, 0, size);
	return pa;
}

/* Pool frames a tree of @tables table pages occupies (the root is whole pages too). */
static u64 tree_frames(struct pgt *pgt, long tables)
{
	return (u64)tables << (pgt->geom.granule_shift - 12);
}

/* Every pool page the VM holds is a table its tree reaches: nothing leaked. */
static void check_tables(struct hyp_vm *hvm, u64 frames_before)
{
	long tables;
	u64 used;

	epoch_reclaim();
	tables = judge_count_tables(hvm_pgt(hvm), hvm_vttbr(hvm));
	used = pool_frames_used() - frames_before;
	check(tables > 0 && tree_frames(hvm_pgt(hvm), tables) == used,
	      "%s: the %ld table pages ref_xlat reaches are exactly the %lu pool frames in use",
	      hvm->name, tables, (unsigned long)used);
}

extern const u8 g_main_start[], g_main_end[], g_smp_start[], g_smp_end[];
extern const u8 g_vms_start[], g_vms_end[];

/* The IPAs match GUEST_BASE_* in hypervisor.mk. */
static const struct guest_image g_main = { "g_main", g_main_start, g_main_end, 0x80000000 };
static const struct guest_image g_smp = { "g_smp", g_smp_start, g_smp_end, 0x80100000 };
static const struct guest_image g_vms = { "g_vms", g_vms_start, g_vms_end, 0x80200000 };

/* ---- secondary CPUs run vCPUs they are handed ---- */

static void run_vcpu_job(void *arg)
{
	vcpu_run(arg);
}

void cpu_post_vcpu(u32 cpu, struct vcpu *v)
{
	int ret;

	if (!cpu || cpu >= NR_CPUS)
		panic("cpu_post_vcpu: cpu%u", cpu);
	ret = cpu_start(cpu, run_vcpu_job, v);
	if (ret)
		panic("PSCI CPU_ON cpu%u: %d", cpu, ret);
}

void cpu_run_vcpu(u32 cpu, struct vcpu *v)
{
	if (!cpu) {
		vcpu_run(v);
		return;
	}
	cpu_post_vcpu(cpu, v);
	cpu_wait(cpu);
}

static void vm_standard_slots(struct hyp_vm *hvm, u64 pa)
{
	u64 page = hvm_page(hvm);

	hvm_add_slot(hvm, G_SLOT0_IPA, G_SLOT0_SIZE, pa);
	/* One page off block alignment: this slot can only be mapped with pages. */
	hvm_add_slot(hvm, G_SLOT1_IPA, G_SLOT1_SIZE, pa + G_SLOT0_SIZE + page);
}

#define VTCR_HA		BIT(21)
#define DEVICE_IPA	0x0a000000UL

/*
 * A mapping of memory type @prot at @ipa: AT must report @memtype, and agree
 * with the reference translator, in either MemAttr encoding (FWB or not).
 * Device and Normal-NC are the two types a guest's RAM never has, so only
 * these probes judge their encodings.
 */
static void check_memtype_mapping(struct hyp_vm *hvm, u64 ipa, u32 prot, int memtype,
				  const char *type)
{
	u64 page = hvm_page(hvm);
	int ret, at;

	write_lock(&mmu_lock);
	ret = pgt_stage2_map(hvm_pgt(hvm), ipa, page, spare_page(page), PGT_PROT_RW | prot,
			     NULL, 0);
	write_unlock(&mmu_lock);
	at = judge_s2_memtype(hvm_pgt(hvm), hvm_vttbr(hvm), ipa);
	check(ret == 0 && at == memtype &&
	      judge_s2_range(hvm_pgt(hvm), hvm_vttbr(hvm), ipa, ipa + page, 2),
	      "%s: a %s mapping: AT reports it (type %d) and agrees with ref_xlat: %d",
	      hvm->name, type, at, ret);
}

static void check_memtype_mappings(struct hyp_vm *hvm)
{
	check_memtype_mapping(hvm, DEVICE_IPA, PGT_PROT_DEVICE, REF_MT_DEVICE_nGnRE, "Device");
	check_memtype_mapping(hvm, DEVICE_IPA + 2 * hvm_page(hvm), PGT_PROT_NORMAL_NC,
			      REF_MT_NORMAL_NC, "Normal-NC");
}

static struct hyp_vm vm0;
static struct vcpu vcpu0;

static void run_main_guest(void)
{
	u64 before = pool_frames_used(), status;
	int ret = hvm_create(&vm0, "vm0");

	if (ret)
		panic("vm0: create: %d", ret);
	hprintf("HYP: vm0: VTCR_EL2 %lx, root %lx (%u page(s), start level %d)\n",
		(unsigned long)vm0.vm.vtcr, (unsigned long)hvm_pgt(&vm0)->root_phys,
		hvm_pgt(&vm0)->geom.root_pages, hvm_pgt(&vm0)->geom.start_level);
	/* Access flags stay the software's business: AF faults reach mkyoung. */
	check(!(vm0.vm.vtcr & VTCR_HA), "vm0: VTCR_EL2.HA = 0 (the CPU %s hardware AF updates)",
	      feat.hafdbs ? "has, but is not given," : "has no");
	vm_standard_slots(&vm0, GUESTMEM_PA);
	hvm_load_image(&vm0, &g_main);
	vm0.nr_vcpus = 1;
	vcpu_init(&vcpu0, &vm0, 0, g_main.ipa, G_STACK_TOP);
	status = vcpu_run(&vcpu0);
	check(status == 0, "vm0: the guest ran to its end (status %lu)", (unsigned long)status);
	hvm_judge(&vm0, G_SLOT0_IPA, G_SLOT1_IPA + G_SLOT1_SIZE, 64);
	check_memtype_mappings(&vm0);
	check_tables(&vm0, before);
	hvm_destroy(&vm0);
	check(pool_frames_used() == before, "vm0: destroyed, every table page back in the pool");
}

/* Every leaf of every memslot maps the slot's own backing: what the model says. */
static u64 mapping_errors(struct hyp_vm *hvm)
{
	struct pgt *pgt = hvm_pgt(hvm);
	u64 page = hvm_page(hvm), errors = 0, ipa;
	u32 i;

	for (i = 0; i < hvm->space.nr; i++) {
		const struct pgt_memslot *s = &hvm->space.slots[i];
		u64 start = s->base_gfn << pgt->geom.granule_shift;

		for (ipa = start; ipa < start + s->npages * page; ipa += page) {
			pgt_pte_t pte;
			pgt_s8 level;

			pgt_get_leaf(pgt, ipa, &pte, &level);
			if (pgt_pte_is_leaf(pte, level) &&
			    pgt_pte_addr(&pgt->geom, pte) + (ipa & (pgt_level_size(&pgt->geom, level) - 1)) !=
			    s->userspace_addr + (ipa - start))
				errors++;
		}
	}
	return errors;
}

static struct hyp_vm vm_smp;
static struct vcpu smp_vcpus[NR_CPUS];

/*
 * Four vCPUs on four CPUs fault concurrently (shared walks) while vCPU 0's
 * CPU changes the tree exclusively (hc_smp_chaos()).
 */
static void run_smp(void)
{
	u64 before = pool_frames_used(), deferred = stat_get(ST_DEFERRED), eagain;
	u32 i, bad = 0;

	if (hvm_create(&vm_smp, "vm-smp"))
		panic("vm-smp: create");
	vm_standard_slots(&vm_smp, GUESTMEM_PA);
	hvm_load_image(&vm_smp, &g_smp);
	vm_smp.judge_faults = false;	/* the tree moves under a fault's AT */
	vm_smp.nr_vcpus = NR_CPUS;
	eagain = stat_get(ST_FAULT_EAGAIN);
	for (i = 0; i < NR_CPUS; i++)
		vcpu_init(&smp_vcpus[i], &vm_smp, i, g_smp.ipa, G_STACK_TOP - i * G_STACK_SIZE);
	for (i = 1; i < NR_CPUS; i++)
		cpu_post_vcpu(i, &smp_vcpus[i]);
	vcpu_run(&smp_vcpus[0]);
	for (i = 1; i < NR_CPUS; i++)
		cpu_wait(i);
	for (i = 0; i < NR_CPUS; i++)
		bad += !smp_vcpus[i].done || smp_vcpus[i].status;
	check(!bad, "vm-smp: all %u vCPUs ran to their end: no fault lost", NR_CPUS);
	hprintf("HYP: vm-smp: faults %lu translation, %lu write, %lu lost races; %lu deferred frees\n",
		(unsigned long)vm_smp.faults[GF_TRANSLATION], (unsigned long)vm_smp.faults[GF_PERM_WRITE],
		(unsigned long)(stat_get(ST_FAULT_EAGAIN) - eagain),
		(unsigned long)(stat_get(ST_DEFERRED) - deferred));
	check(mapping_errors(&vm_smp) == 0, "vm-smp: every leaf maps its memslot's own backing");
	hvm_judge(&vm_smp, G_SLOT0_IPA, G_SLOT1_IPA + G_SLOT1_SIZE, 128);
	check_tables(&vm_smp, before);
	check(epoch_pending() == 0 && stat_get(ST_DEFERRED_FREED) == stat_get(ST_DEFERRED),
	      "vm-smp: every deferred free was done once its epoch was quiet (%lu)",
	      (unsigned long)stat_get(ST_DEFERRED_FREED));
	hvm_destroy(&vm_smp);
	check(pool_frames_used() == before, "vm-smp: destroyed, every table page back in the pool");
}

/* ---- two VMs alternating on the CPUs, VMIDs rolling over ---- */

#define VMS_ROUNDS	24
#define VMS_VMID_BITS	3
#define VMS_TEST_PAGE	G_SLOT1_IPA

static struct hyp_vm vm_a, vm_b;
static struct vcpu vms_vcpus[3];	/* vm-a.0, vm-a.1, vm-b.0 */

static void vms_set_expect(struct hyp_vm *hvm, u64 value)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(vms_vcpus); i++)
		if (vms_vcpus[i].hvm == hvm)
			vms_vcpus[i].expect = value;
}

/* A VMID taken and dropped: a short-lived MMU sharing vm-a's root. */
static void vmid_churn(void)
{
	static struct pgt_s2_mmu churn;
	static u32 churn_last_ran[NR_CPUS];
	int ret;

	write_lock(&mmu_lock);
	ret = pgt_s2_mmu_init(&churn, &vm_a.vm, 0, &vm_a.mmu, churn_last_ran);
	write_unlock(&mmu_lock);
	if (ret)
		panic("churn MMU: %d", ret);
	ret = pgt_s2_mmu_load(&churn, 0, cpu_id());
	if (ret < 0)
		panic("churn MMU load: %d", ret);
	write_lock(&mmu_lock);
	ret = pgt_s2_mmu_destroy(&churn);
	write_unlock(&mmu_lock);
	if (ret)
		panic("churn MMU destroy: %d", ret);
}

/*
 * QEMU's TLB is not tagged by VMID (it drops guest entries when VTTBR_EL2
 * changes), so a missing rollover flush cannot show as a stale read there;
 * what can be checked is the allocator's promise behind it.
 */
static bool vmid_clash(const struct pgt_s2_mmu *a, const struct pgt_s2_mmu *b)
{
	u64 ia = pgt_read_once(&a->vmid.id), ib = pgt_read_once(&b->vmid.id);

	/* The id is generation and number together. */
	return ia && ia == ib;
}

static void run_two_vms(void)
{
	u64 before = pool_frames_used(), rollovers, flush_all = stat_get(ST_RUN_FLUSH_ALL);
	u64 flush_vmid = stat_get(ST_RUN_FLUSH_VMID);
	struct hyp_vm *vms[2] = { &vm_a, &vm_b };
	u32 i, r, bad = 0, clashes = 0;

	/*
	 * The narrowest space four CPUs allow (seven numbers: each CPU keeps
	 * its own across a rollover, and one must be left for a newcomer),
	 * for two VMs and short-lived MMUs taking two numbers a round.
	 */
	vmids_init(VMS_VMID_BITS);
	if (hvm_create(&vm_a, "vm-a") || hvm_create(&vm_b, "vm-b"))
		panic("vm-a/vm-b: create");
	vm_standard_slots(&vm_a, GUESTMEM_PA);
	vm_standard_slots(&vm_b, GUESTMEM_PA + 0x4000000);
	for (i = 0; i < 2; i++) {
		hvm_load_image(vms[i], &g_vms);
		vms[i]->nr_vcpus = i ? 1 : 2;
	}
	vcpu_init(&vms_vcpus[0], &vm_a, 0, g_vms.ipa, G_STACK_TOP);
	vcpu_init(&vms_vcpus[1], &vm_a, 1, g_vms.ipa, G_STACK_TOP - G_STACK_SIZE);
	vcpu_init(&vms_vcpus[2], &vm_b, 0, g_vms.ipa, G_STACK_TOP);
	*(volatile u64 *)(GUESTMEM_PA + G_SLOT0_SIZE + hvm_page(&vm_a)) = 0xa0;
	*(volatile u64 *)(GUESTMEM_PA + 0x4000000 + G_SLOT0_SIZE + hvm_page(&vm_b)) = 0xb0;
	vms_set_expect(&vm_a, 0xa0);
	vms_set_expect(&vm_b, 0xb0);
	for (r = 0; r <= VMS_ROUNDS; r++) {
		/* Both vCPUs of vm-a take turns on one CPU: the last-vCPU-ran rule. */
		u32 cpu = (r / 2) % NR_CPUS;

		if (r % 3 == 2) {
			struct hyp_vm *hvm = vms[(r / 3) % 2];
			u64 value = (hvm == &vm_a ? 0xa0 : 0xb0) + r;

			hvm_remap_page(hvm, VMS_TEST_PAGE, value);
			vms_set_expect(hvm, value);
		}
		vmid_churn();
		vmid_churn();
		for (i = 0; i < ARRAY_SIZE(vms_vcpus); i++)
			vms_vcpus[i].stop = r == VMS_ROUNDS;
		cpu_run_vcpu(cpu, &vms_vcpus[r % 2]);
		cpu_run_vcpu(cpu, &vms_vcpus[2]);
		clashes += vmid_clash(&vm_a.mmu, &vm_b.mmu);
	}
	/* vm-a's other vCPU finishes too. */
	cpu_run_vcpu(0, &vms_vcpus[(VMS_ROUNDS + 1) % 2]);
	rollovers = vmids.rollovers;
	for (i = 0; i < ARRAY_SIZE(vms_vcpus); i++)
		bad += !vms_vcpus[i].done || vms_vcpus[i].status;
	check(!bad, "vms: both VMs' vCPUs ran to their end");
	check(!clashes, "vms: the two VMs never held one VMID number in one generation");
	check(rollovers >= 3,
	      "vms: %lu VMID rollovers with %u-bit VMIDs; %lu rollover flushes, %lu last-vCPU flushes",
	      (unsigned long)rollovers, VMS_VMID_BITS,
	      (unsigned long)(stat_get(ST_RUN_FLUSH_ALL) - flush_all),
	      (unsigned long)(stat_get(ST_RUN_FLUSH_VMID) - flush_vmid));
	check(stat_get(ST_RUN_FLUSH_ALL) > flush_all && stat_get(ST_RUN_FLUSH_VMID) > flush_vmid,
	      "vms: rollover and last-vCPU-ran invalidations were both exercised");
	for (i = 0; i < 2; i++)
		hvm_judge(vms[i], G_SLOT0_IPA, G_SLOT1_IPA + G_SLOT1_SIZE, 32);
	hvm_destroy(&vm_a);
	hvm_destroy(&vm_b);
	check(pool_frames_used() == before, "vms: both destroyed, every table page back in the pool");
	vmids_init(8);
}

static bool config_supported(void)
{
	bool gran = cfg.granule_shift == 12 ? feat.gran4_s2 :
		    cfg.granule_shift == 14 ? feat.gran16_s2 : feat.gran64_s2;

	if (!gran || (cfg.fwb && !feat.s2fwb) || cfg.ipa_bits > s2_pa_bits()) {
		hprintf("SKIP: this CPU has no %uK stage-2 granule, FEAT_S2FWB or %u-bit PA\n",
			1u << (cfg.granule_shift - 10), cfg.ipa_bits);
		return false;
	}
	if (s2_lpa() && !s2_lpa_supported()) {
		hprintf("SKIP: this CPU has no 52-bit %uK stage 2 (FEAT_LPA/FEAT_LPA2)\n",
			1u << (cfg.granule_shift - 10));
		return false;
	}
	return true;
}

void guests_run(void)
{
	vmids_init(8);
	if (!config_supported())
		return;
	if (cfg.tests & TEST_GUEST)
		run_main_guest();
	if (cfg.tests & TEST_SMP)
		run_smp();
	if (cfg.tests & TEST_TWO_VMS)
		run_two_vms();
}
