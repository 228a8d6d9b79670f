/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hyp.h - the bare-metal EL2 hypervisor: what its files share.
 *
 * The hypervisor is libpgtable's third home (Documentation/hypervisor.rst):
 * it boots at EL2 under QEMU, runs on EL2 stage-1 tables the library built,
 * and runs guests at EL1 on stage-2 tables the library built, so that the
 * architecture's own walker (and AT) judges what the library wrote.
 */
#ifndef HYP_H
#define HYP_H

#include "pgtable.h"
#include "layout.h"

/* ---- system registers ---- */

#define read_sysreg(r) ({						\
	u64 __v;							\
	__asm__ volatile("mrs %0, " #r : "=r"(__v));			\
	__v;								\
})
#define write_sysreg(v, r)						\
	__asm__ volatile("msr " #r ", %0" :: "r"((u64)(v)) : "memory")
#define isb()		__asm__ volatile("isb" ::: "memory")
#define dsb(opt)	__asm__ volatile("dsb " #opt ::: "memory")

/* Names older assemblers do not know, by encoding. */
#define ID_AA64MMFR2_EL1	s3_0_c0_c7_2

#define BIT(n)			PGT_BIT(n)
#define FIELD(v, lo, w)		(((v) >> (lo)) & ((1ULL << (w)) - 1))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define container_of(p, type, member) \
	((type *)((char *)(p) - __builtin_offsetof(type, member)))

/* ---- console (console.c) ---- */

void uart_putc(char c);
void hprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hvprintf(const char *fmt, __builtin_va_list ap);
void console_lock(void);
void console_unlock(void);
/* One PASS/FAIL line, counted for the final verdict. */
bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_counts(u32 *pass, u32 *fail);
void __attribute__((noreturn)) panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void __attribute__((noreturn)) system_off(void);

/* ---- CPUs and locks (smp.c) ---- */

#define NR_CPUS		4

struct spinlock {
	u32 next;
	u32 owner;
};

struct rwlock {
	s32 count;	/* readers, or -1 while a writer holds it */
	u32 writers;	/* writers waiting: new readers wait */
};

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
void read_lock(struct rwlock *l);
void read_unlock(struct rwlock *l);
void write_lock(struct rwlock *l);
void write_unlock(struct rwlock *l);

u32 cpu_id(void);
/* Power @cpu on to run @fn(@arg), then off; cpu_wait() waits for that. */
int cpu_start(u32 cpu, void (*fn)(void *arg), void *arg);
void cpu_wait(u32 cpu);
void secondary_main(u32 cpu);
/* A sense-reversing barrier for the CPUs of one phase of a test. */
struct cpu_barrier {
	u32 count;
	u32 sense;
};
void cpu_barrier_wait(struct cpu_barrier *b, u32 n);

static inline u64 now_ticks(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}

static inline u64 ticks_to_ns(u64 t)
{
	return t * 1000000000ULL / read_sysreg(cntfrq_el0);
}

/* ---- features (main.c) ---- */

struct features {
	bool ttl;		/* FEAT_TTL: TLBI level hints */
	bool tlbi_range;	/* FEAT_TLBIRANGE */
	bool s2fwb;		/* FEAT_S2FWB */
	bool gran16_s2, gran64_s2, gran4_s2;
	/* 52-bit stage-2 format per granule: FEAT_LPA2 (4K, 16K), FEAT_LPA (64K) */
	bool lpa4_s2, lpa16_s2, lpa64_s2;
	bool hafdbs;		/* hardware access flag available (never enabled) */
	bool xnx;		/* FEAT_XNX: stage 2 tells EL1 from EL0 execution */
	u32 pa_bits;
	u32 dline, iline;	/* cache line sizes, bytes */
	bool idc, dic;		/* CTR_EL0: no clean / no invalidate needed for I-D coherence */
	bool icache_pipt;
};
extern struct features feat;

/* ---- boot configuration (main.c) ---- */

struct boot_config {
	u32 granule_shift;
	u32 ipa_bits;
	bool fwb;
	bool skip_tlbi;		/* the negative test: stage-2 TLBIs are not issued */
	u32 tests;		/* enum test_mask */
	u32 seed;
};
extern struct boot_config cfg;

enum test_mask {
	TEST_EL2 = 1u << 0,
	TEST_GUEST = 1u << 1,
	TEST_DIRTY = 1u << 2,
	TEST_SMP = 1u << 3,
	TEST_TWO_VMS = 1u << 4,
};

/* ---- the page pool (pool.c) ---- */

void pool_init(u64 base, u64 size);
void *pool_alloc(u64 size);
void pool_free(void *p, u64 size);
void pool_get(void *p);
bool pool_put(void *p);	/* true: that was the last reference, the page is gone */
int pool_count(void *p);
u64 pool_frames_used(void);
u64 pool_frames_total(void);
/* Per-page metadata for deferred frees: the page itself still holds the table. */
struct pool_meta {
	void *next;
	u64 epoch;
	pgt_s8 level;
	u8 granule_shift;
};
struct pool_meta *pool_meta(void *p);

/* ---- the home: struct pgt_mm_ops (mm.c) ---- */

extern struct pgt_mm_ops hyp_mm;	/* EL2 stage 1 */
extern struct pgt_mm_ops s2_mm;		/* every guest's stage 2 */
extern struct pgt_vm_ops hyp_vm_ops;

enum stat {
	ST_TLBI_VAE2, ST_TLBI_VALE2, ST_TLBI_RVAE2, ST_TLBI_ALLE2,
	ST_TLBI_IPAS2, ST_TLBI_IPAS2L, ST_TLBI_RIPAS2, ST_TLBI_VMALLS12,
	ST_TLBI_VMALLE1, ST_TLBI_LOCAL, ST_TLBI_TTL, ST_TLBI_SKIPPED,
	ST_DC_LINES, ST_IC_LINES, ST_IC_ALL, ST_DC_SKIPPED_IDC,
	ST_DEFERRED, ST_DEFERRED_FREED, ST_EPOCHS,
	ST_FAULT_TRANS, ST_FAULT_PERM_W, ST_FAULT_PERM_X, ST_FAULT_AF,
	ST_FAULT_MMIO, ST_FAULT_EAGAIN, ST_HVC,
	ST_MAP_PAGES, ST_MAP_BLOCKS, ST_FAULT_TICKS,
	ST_RUN_NEW_VMID, ST_RUN_FLUSH_ALL, ST_RUN_FLUSH_VMID,
	ST_NR,
};
void stat_add(enum stat s, u64 n);
u64 stat_get(enum stat s);
void stats_print(void);

/* Epochs: shared walks and the frees they defer. */
void epoch_reclaim(void);
u64 epoch_pending(void);

/* While set (the negative test), stage-2 TLBIs are counted, not issued. */
extern u32 tlbi_skip_armed;

/* The MMU lock of every guest's stage 2. */
extern struct rwlock mmu_lock;

/* Cache maintenance on memory the hypervisor maps (identity). */
void dcache_clean_inval(u64 pa, u64 size);
void icache_sync(u64 pa, u64 size);

/* ---- EL2 stage 1 (el2.c) ---- */

extern struct pgt hyp_pgt;
void el2_mmu_init(void);
void el2_tests(void);

/* Probes (start.S): 0, or the ESR of the exception the access took. */
u64 probe_read(u64 va);
u64 probe_write(u64 va, u64 val);
u64 probe_exec(u64 va);

/* ---- the MMU as the judge (judge.c) ---- */

struct judge_stats {
	u64 s1_checks, s2_checks, mismatches;
};
extern struct judge_stats judge;
/* Compare AT S1E2R/W against pgt_get_leaf() and the reference translator. */
bool judge_s1(struct pgt *pgt, u64 va);
/* AT S12E1R/W with @vttbr loaded, against pgt_get_leaf() and ref_xlat. */
bool judge_s2(struct pgt *pgt, u64 vttbr, u64 ipa);
/* The memory type (enum ref_memtype) AT S12E1R reports for @ipa, -1 on a fault. */
int judge_s2_memtype(struct pgt *pgt, u64 vttbr, u64 ipa);
/* Every boundary of [start, end) plus @nr_random addresses inside it. */
bool judge_s2_range(struct pgt *pgt, u64 vttbr, u64 start, u64 end, u32 nr_random);
bool judge_s1_range(struct pgt *pgt, u64 start, u64 end, u32 nr_random);
void judge_selftest(void);
/* Table pages the reference translator reaches from a stage-2 root. */
long judge_count_tables(struct pgt *pgt, u64 vttbr);
void el2_mmu_enable(void);

u64 rand64(void);
void rand_seed(u64 s);

/* ---- libc bits the compiler may call (lib.c) ---- */

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* ---- guests (vcpu.c, vms.c) ---- */

struct vcpu_regs {
	u64 x[31];
	u64 sp_el1;
	u64 elr;
	u64 spsr;
	/* What the exit saw. */
	u64 esr, far, hpfar;
	/* The hypervisor's callee-saved registers while the guest runs. */
	u64 host[12];
	u64 host_sp;
};

u64 guest_enter(struct vcpu_regs *regs);
/* Create, run and judge the guests the boot configuration asks for (vms.c). */
void guests_run(void);

#endif /* HYP_H */
