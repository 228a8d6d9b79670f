// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp.c - CPUs (PSCI CPU_ON through SMC), ticket spinlocks, a reader-writer
 * spinlock for the MMU lock, and a barrier for test phases.
 */
#include "hyp.h"

u32 cpu_id(void)
{
	return read_sysreg(mpidr_el1) & 0xff;
}

void spin_lock(struct spinlock *l)
{
	u32 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		pgt_cpu_relax();
}

void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/* Readers count up; a writer swaps 0 for -1.  Writers may starve: tests are short. */
void read_lock(struct rwlock *l)
{
	for (;;) {
		s32 c = __atomic_load_n(&l->count, __ATOMIC_RELAXED);

		if (c >= 0 && __atomic_compare_exchange_n(&l->count, &c, c + 1, false,
							  __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		pgt_cpu_relax();
	}
}

void read_unlock(struct rwlock *l)
{
	__atomic_fetch_sub(&l->count, 1, __ATOMIC_RELEASE);
}

void write_lock(struct rwlock *l)
{
	for (;;) {
		s32 c = 0;

		if (__atomic_compare_exchange_n(&l->count, &c, -1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		pgt_cpu_relax();
	}
}

void write_unlock(struct rwlock *l)
{
	__atomic_store_n(&l->count, 0, __ATOMIC_RELEASE);
}

extern char secondary_entry[];
void (*cpu_fn[NR_CPUS])(u32 cpu);

/* PSCI CPU_ON (SMC64): the target starts at secondary_entry with x0 = @cpu. */
int cpu_start(u32 cpu, void (*fn)(u32 cpu))
{
	register u64 x0 __asm__("x0") = 0xc4000003;
	register u64 x1 __asm__("x1") = cpu;
	register u64 x2 __asm__("x2") = (u64)secondary_entry;
	register u64 x3 __asm__("x3") = cpu;

	__atomic_store_n(&cpu_fn[cpu], fn, __ATOMIC_RELEASE);
	dsb(ish);
	__asm__ volatile("smc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
	return (int)x0;
}

void cpu_barrier_wait(struct cpu_barrier *b, u32 n)
{
	u32 sense = __atomic_load_n(&b->sense, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&b->count, 1, __ATOMIC_ACQ_REL) == n) {
		__atomic_store_n(&b->count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->sense, !sense, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&b->sense, __ATOMIC_ACQUIRE) == sense)
		pgt_cpu_relax();
}
