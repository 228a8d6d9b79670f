// SPDX-License-Identifier: GPL-2.0-only
/*
 * vms.c - VMs on libpgtable's VM layer, and the scenarios the boot runs:
 * one guest through every fault kind and live change.
 */
#include "vm.h"

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

static u32 s2_pa_bits(void)
{
	return feat.pa_bits > 48 ? 48 : feat.pa_bits;
}

int hvm_create(struct hyp_vm *hvm, const char *name)
{
	struct pgt_vm_params p = {
		.s2 = {
			.ia_bits = cfg.ipa_bits, .granule_shift = cfg.granule_shift,
			.pa_bits = s2_pa_bits(), .flags = cfg.fwb ? PGT_S2_FWB : 0,
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

extern const u8 g_main_start[], g_main_end[];

static const struct guest_image g_main = {
	"g_main", g_main_start, g_main_end, G_SLOT0_IPA,
};

static void vm_standard_slots(struct hyp_vm *hvm, u64 pa)
{
	u64 page = hvm_page(hvm);

	hvm_add_slot(hvm, G_SLOT0_IPA, G_SLOT0_SIZE, pa);
	/* One page off block alignment: this slot can only be mapped with pages. */
	hvm_add_slot(hvm, G_SLOT1_IPA, G_SLOT1_SIZE, pa + G_SLOT0_SIZE + page);
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
	vm_standard_slots(&vm0, GUESTMEM_PA);
	hvm_load_image(&vm0, &g_main);
	vm0.nr_vcpus = 1;
	vcpu_init(&vcpu0, &vm0, 0, G_SLOT0_IPA, G_STACK_TOP);
	status = vcpu_run(&vcpu0);
	check(status == 0, "vm0: the guest ran to its end (status %lu)", (unsigned long)status);
	hvm_judge(&vm0, G_SLOT0_IPA, G_SLOT1_IPA + G_SLOT1_SIZE, 64);
	check_tables(&vm0, before);
	hvm_destroy(&vm0);
	check(pool_frames_used() == before, "vm0: destroyed, every table page back in the pool");
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
	return true;
}

void guests_run(void)
{
	vmids_init(8);
	if (!config_supported())
		return;
	if (cfg.tests & TEST_GUEST)
		run_main_guest();
}
