/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vm.h - guests: a VM on libpgtable's VM layer (memslots, one stage-2 MMU,
 * a VMID), its vCPUs, the fault path and the hypercalls (vcpu.c), and the
 * scenarios that run them (vms.c).
 */
#ifndef HYP_VM_H
#define HYP_VM_H

#include "hyp.h"
#include "hypercall.h"

#define VM_MAX_SLOTS	4
#define DIRTY_WORDS	64	/* up to 4096 pages logged at once */

struct guest_image {
	const char *name;
	const u8 *start, *end;
	u64 ipa;		/* where it is linked */
};

struct hyp_vm {
	const char *name;
	struct pgt_vm vm;
	struct pgt_vm_memslots space;
	struct pgt_memslot slots[VM_MAX_SLOTS];
	struct pgt_memslot_hva_node hva[VM_MAX_SLOTS];
	struct pgt_s2_mmu mmu;
	u32 last_ran[NR_CPUS];
	u64 hcr;
	u32 nr_vcpus;
	/* Dirty logging: one range at a time. */
	bool logging;
	u64 log_start, log_size;
	u64 dirty[DIRTY_WORDS];
	u64 faults[GF_NR];
	struct cpu_barrier barrier;
	bool judge_faults;	/* AT-check every fault's mapping (off under SMP load) */
	u64 vmid_seen[NR_CPUS];
};

struct vcpu {
	struct vcpu_regs regs;
	struct hyp_vm *hvm;
	u32 idx;
	bool done;
	bool yielded;
	bool stop;		/* HC_YIELD's answer: finish now */
	u64 status;
	u64 expect;		/* HC_EXPECT's answer */
	u64 load_flags;		/* enum pgt_run_flags seen, ORed */
	struct pgt_memcache mc;
	char line[120];
	u32 len;
};

static inline struct pgt *hvm_pgt(struct hyp_vm *hvm)
{
	return pgt_s2_mmu_pgt(&hvm->mmu);
}

static inline u64 hvm_page(const struct hyp_vm *hvm)
{
	return 1ULL << hvm->vm.geom.granule_shift;
}

extern struct pgt_vmid_allocator vmids;

int hvm_create(struct hyp_vm *hvm, const char *name);
void hvm_add_slot(struct hyp_vm *hvm, u64 ipa, u64 size, u64 pa);
void hvm_load_image(struct hyp_vm *hvm, const struct guest_image *img);
void hvm_destroy(struct hyp_vm *hvm);
void vcpu_init(struct vcpu *v, struct hyp_vm *hvm, u32 idx, u64 entry, u64 sp);
/* Run until the guest exits (HC_EXIT) or yields; returns its status. */
u64 vcpu_run(struct vcpu *v);
/* The hypervisor's exclusive changes, judged by AT afterwards. */
void hvm_judge(struct hyp_vm *hvm, u64 start, u64 end, u32 nr_random);
u64 hvm_vttbr(struct hyp_vm *hvm);
/* Back the page at @ipa by a fresh page holding @value (exclusive). */
void hvm_remap_page(struct hyp_vm *hvm, u64 ipa, u64 value);
/* A spare page of guest memory outside every memslot (for remapping). */
u64 spare_page(u64 size);

/* Run @v on @cpu (cpu0: here), and wait for it to exit or yield. */
void cpu_run_vcpu(u32 cpu, struct vcpu *v);
/* Post @v to @cpu without waiting; cpu_wait() waits. */
void cpu_post_vcpu(u32 cpu, struct vcpu *v);



#endif
