/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvm_shim.h - what Linux 6.1's arch/arm64/kvm/hyp/pgtable.c needs from the
 * kernel, so that the file compiles unmodified as userspace C for make
 * bench-kvm (bench/kvm/kvm.mk).  Written for this project from the
 * architecture (VTCR_EL2 fields, MemAttr encodings): nothing here is taken
 * from the kernel.
 *
 * The file is built once per granule, with -DPAGE_SHIFT=12, 14 or 16, the
 * way the kernel fixes its page size at build time.  Barriers and atomics
 * are the library's own hosted ones (pgtable_port.h), so that both sides of
 * the comparison pay for the same memory ordering.  TLB maintenance goes to
 * the functions bench/kvm/kvm_side.c defines, which count it through the
 * same hosted-home hooks the library calls.
 */
#ifndef KVM_SHIM_H
#define KVM_SHIM_H

#include "pgtable_port.h"

#ifndef PAGE_SHIFT
#error "build with -DPAGE_SHIFT=12, 14 or 16"
#endif

#if PAGE_SHIFT == 12
#define CONFIG_ARM64_4K_PAGES	1
#endif

#ifndef E2BIG
#define E2BIG			7
#endif

typedef u64 phys_addr_t;

/* ---- linux/bits.h, linux/bitfield.h ---- */
#define BIT(n)			(1ULL << (n))
#define GENMASK(h, l)		((~0ULL << (l)) & (~0ULL >> (63 - (h))))
#define FIELD_GET(mask, reg)	((__typeof__(mask))(((reg) & (mask)) >> __builtin_ctzll(mask)))
#define FIELD_PREP(mask, val)	(((__typeof__(mask))(val) << __builtin_ctzll(mask)) & (mask))

/* ---- page size and alignment ---- */
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PTRS_PER_PTE		(1 << (PAGE_SHIFT - 3))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN(x, a)		ALIGN_DOWN((x) + ((__typeof__(x))(a) - 1), (a))
#define PAGE_ALIGN(x)		ALIGN((x), PAGE_SIZE)
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)

/* Each level resolves PAGE_SHIFT - 3 bits; level 3 entries map one page. */
#define ARM64_HW_PGTABLE_LEVEL_SHIFT(n)	((PAGE_SHIFT - 3) * (4 - (n)) + 3)
#define ARM64_HW_PGTABLE_LEVELS(va_bits) (((va_bits) - 4) / (PAGE_SHIFT - 3))

/* ---- memory ordering: the library's hosted primitives ---- */
#define READ_ONCE(x)		pgt_read_once(&(x))
#define WRITE_ONCE(x, v)	pgt_write_once(&(x), (v))
#define smp_store_release(p, v)	pgt_store_release((p), (v))
#define kvm_shim_dsb_ishst()	pgt_dsb_ishst()
#define kvm_shim_dsb_ish()	pgt_dsb_ish()
#define dsb(opt)		kvm_shim_dsb_##opt()
#define isb()			pgt_isb()

/* ---- warnings: counted, and a benchmark run that warns fails ---- */
void kvm_shim_warn(const char *file, int line, const char *cond);
#define WARN_ON(c) ({							\
	int __c = !!(c);						\
	if (__builtin_expect(__c, 0))					\
		kvm_shim_warn(__FILE__, __LINE__, #c);			\
	__c;								\
})
#define WARN_ON_ONCE(c)		WARN_ON(c)

/* ---- CPU features: none (in particular no FEAT_S2FWB) ---- */
enum kvm_shim_cap {
	ARM64_HAS_STAGE2_FWB,
	ARM64_WORKAROUND_AMPERE_AC03_CPU_38,
};
#define cpus_have_const_cap(cap)	((void)(cap), false)
#define cpus_have_final_cap(cap)	((void)(cap), false)

/* ID_AA64MMFR0_EL1.PARange, bits 3:0; the largest value used is 48 bits. */
#define ID_AA64MMFR0_EL1_PARANGE_SHIFT	0
#define ID_AA64MMFR0_EL1_PARANGE_MAX	5
#define cpuid_feature_extract_unsigned_field(reg, shift) (((reg) >> (shift)) & 0xf)

static inline unsigned int id_aa64mmfr0_parange_to_phys_shift(int parange)
{
	static const unsigned char bits[] = { 32, 36, 40, 42, 44, 48, 52 };

	return parange >= 0 && parange < 7 ? bits[parange] : 48;
}

/* ID_AA64MMFR1_EL1.VMIDBits, bits 7:4: 2 means 16-bit VMIDs. */
#define get_vmid_bits(mmfr1)	((((mmfr1) >> 4) & 0xf) == 2 ? 16 : 8)

/* ---- VTCR_EL2 ---- */
#define VTCR_EL2_T0SZ_MASK	0x3fULL
#define VTCR_EL2_T0SZ(bits)	(64 - (bits))
#define VTCR_EL2_IPA(vtcr)	(64 - ((vtcr) & VTCR_EL2_T0SZ_MASK))
#define VTCR_EL2_SL0_SHIFT	6
#define VTCR_EL2_SL0_MASK	(3ULL << VTCR_EL2_SL0_SHIFT)
#define VTCR_EL2_IRGN0_WBWA	(1ULL << 8)
#define VTCR_EL2_ORGN0_WBWA	(1ULL << 10)
#define VTCR_EL2_SH0_INNER	(3ULL << 12)
#define VTCR_EL2_PS_SHIFT	16
#define VTCR_EL2_VS_8BIT	0
#define VTCR_EL2_VS_16BIT	(1ULL << 19)
#define VTCR_EL2_RES1		(1ULL << 31)
/* TG0 and the level SL0 = 0 starts at, per granule. */
#if PAGE_SHIFT == 12
#define VTCR_EL2_TG0		(0ULL << 14)
#define VTCR_EL2_TGRAN_SL0_BASE	2
#elif PAGE_SHIFT == 14
#define VTCR_EL2_TG0		(2ULL << 14)
#define VTCR_EL2_TGRAN_SL0_BASE	3
#else
#define VTCR_EL2_TG0		(1ULL << 14)
#define VTCR_EL2_TGRAN_SL0_BASE	3
#endif
#define VTCR_EL2_FLAGS		(VTCR_EL2_TG0 | VTCR_EL2_SH0_INNER | VTCR_EL2_ORGN0_WBWA | \
				 VTCR_EL2_IRGN0_WBWA | VTCR_EL2_RES1)
#define VTCR_EL2_LVLS_TO_SL0(levels) \
	((u64)(VTCR_EL2_TGRAN_SL0_BASE - (4 - (levels))) << VTCR_EL2_SL0_SHIFT)

/* asm/stage2_pgtable.h: levels a stage 2 of this IPA size needs. */
#define stage2_pgtable_levels(ipa)	ARM64_HW_PGTABLE_LEVELS((ipa) - 4)

/* ---- memory types ---- */
/* Stage 1 MAIR indices (the EL2 stage-1 code, unused by the benchmark). */
#define MT_NORMAL		0
#define MT_DEVICE_nGnRE		1
/* Stage 2 MemAttr[3:0], descriptor bits 5:2, without and with FWB. */
#define KVM_SHIM_S2_NORMAL		0xfULL	/* Normal, Inner/Outer Write-Back */
#define KVM_SHIM_S2_DEVICE_nGnRE	0x1ULL
#define KVM_SHIM_S2_FWB_NORMAL		0x6ULL
#define KVM_SHIM_S2_FWB_DEVICE_nGnRE	0x1ULL
#define PAGE_S2_MEMATTR(attr, fwb) \
	(((fwb) ? KVM_SHIM_S2_FWB_##attr : KVM_SHIM_S2_##attr) << 2)

/* ---- the VM: only what the stage-2 code reads ---- */
struct kvm_pgtable;

struct kvm_arch {
	u64 vtcr;
};

struct kvm_s2_mmu {
	struct kvm_arch *arch;
	struct kvm_pgtable *pgt;
};

/* ---- TLB maintenance (bench/kvm/kvm_side.c counts it) ---- */
void __kvm_tlb_flush_vmid_ipa(struct kvm_s2_mmu *mmu, phys_addr_t ipa, int level);
void __kvm_tlb_flush_vmid(struct kvm_s2_mmu *mmu);
void kvm_shim_tlbi_hyp(u64 va, int level);
#define kvm_call_hyp(f, ...)		f(__VA_ARGS__)
#define __TLBI_VADDR(addr, asid)	(addr)
#define __tlbi_level(op, addr, level)	kvm_shim_tlbi_hyp((addr), (level))
#define __tlbi_sync_s1ish_hyp()		pgt_dsb_ish()

#endif /* KVM_SHIM_H */
