/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hypercall.h - the guests' hypercalls (HVC #0: x0 the call, x1-x3 the
 * arguments, x0 the result), shared by the hypervisor and the guests.
 */
#ifndef HYP_HYPERCALL_H
#define HYP_HYPERCALL_H

enum hypercall {
	HC_EXIT,		/* x1: status; the vCPU is done */
	HC_CHECK,		/* x1: ok, x2: IPA of the check's name: a PASS/FAIL line */
	HC_DIRTY_START,		/* x1: IPA, x2: size: split, write-protect, log */
	HC_DIRTY_CHECK,		/* x1: IPA of the pages-written bitmap: 0 if it is the log */
	HC_REMAP,		/* x1: IPA of a page, x2: value: back it by a new page holding it */
	HC_UNMAP,		/* x1: IPA, x2: size */
	HC_WRPROTECT,		/* x1: IPA, x2: size */
	HC_MKOLD,		/* x1: IPA, x2: size: clear the access flags, flush */
	HC_YOUNG,		/* x1: IPA, x2: size: 1 if any page was accessed */
	HC_FAULTS,		/* x1: enum guest_fault_kind: this VM's count so far */
	HC_BARRIER,		/* every vCPU of the VM waits for the others */
	HC_SMP_CHAOS,		/* x1: IPA, x2: size, x3: rounds: the exclusive side of the SMP test */
	HC_VMID,		/* the VMID number this vCPU runs with now */
	HC_YIELD,		/* give the CPU back to the hypervisor's scheduler */
	HC_EXPECT,		/* what the hypervisor says the test page holds now */
	HC_MAP_EXEC,		/* x1: IPA of an unmapped page, x2: enum exec_only: 1 if no XNX */
};

/* HC_MAP_EXEC: a page RW and executable at one exception level only (FEAT_XNX). */
enum exec_only {
	EXEC_EL0_ONLY,
	EXEC_EL1_ONLY,
};

enum guest_fault_kind {
	GF_TRANSLATION,
	GF_PERM_WRITE,
	GF_PERM_EXEC,
	GF_ACCESS_FLAG,
	GF_MMIO,
	GF_NR,
};

/* Guest memory layout (IPAs). */
#define G_SLOT0_IPA	0x80000000UL	/* 32M, block-aligned backing: the image, data, stack */
#define G_SLOT0_SIZE	0x02000000UL
#define G_SLOT1_IPA	0x82000000UL	/* 4M, backing misaligned by a page: pages only */
#define G_SLOT1_SIZE	0x00400000UL
#define G_STACK_TOP	(G_SLOT0_IPA + G_SLOT0_SIZE)
#define G_STACK_SIZE	0x10000UL

#endif
