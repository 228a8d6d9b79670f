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

/*
 * Readers count up; a writer swaps 0 for -1.  A waiting writer holds new
 * readers off, so that the exclusive side of the SMP test gets its turn
 * against vCPUs that fault without pause.
 */
void read_lock(struct rwlock *l)
{
	for (;;) {
		s32 c = __atomic_load_n(&l->count, __ATOMIC_RELAXED);

		if (c >= 0 && !__atomic_load_n(&l->writers, __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&l->count, &c, c + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
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
	__atomic_fetch_add(&l->writers, 1, __ATOMIC_RELAXED);
	for (;;) {
		s32 c = 0;

		if (__atomic_compare_exchange_n(&l->count, &c, -1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
		pgt_cpu_relax();
	}
	__atomic_fetch_sub(&l->writers, 1, __ATOMIC_RELAXED);
}

void write_unlock(struct rwlock *l)
{
	__atomic_store_n(&l->count, 0, __ATOMIC_RELEASE);
}

extern char secondary_entry[];
static void (*cpu_fn[NR_CPUS])(void *arg);
static void *cpu_arg[NR_CPUS];
static u32 cpu_busy[NR_CPUS];

#define PSCI_CPU_OFF		0x84000002
#define PSCI_CPU_ON		0xc4000003
#define PSCI_ALREADY_ON		(-4)

static s64 psci(u64 fn, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
	return (s64)x0;
}

/*
 * A secondary CPU is powered on for one job and off again afterwards
 * (PSCI CPU_ON/CPU_OFF): an idle CPU that spun would take host time from
 * the busy ones under QEMU.  CPU_ON lands at secondary_entry, x0 = @cpu.
 */
int cpu_start(u32 cpu, void (*fn)(void *arg), void *arg)
{
	s64 ret;

	cpu_wait(cpu);
	cpu_fn[cpu] = fn;
	cpu_arg[cpu] = arg;
	__atomic_store_n(&cpu_busy[cpu], 1, __ATOMIC_RELEASE);
	dsb(ish);
	/* The CPU may still be between its last job and CPU_OFF. */
	while ((ret = psci(PSCI_CPU_ON, cpu, (u64)secondary_entry, cpu)) == PSCI_ALREADY_ON)
		pgt_cpu_relax();
	return (int)ret;
}

void cpu_wait(u32 cpu)
{
	while (__atomic_load_n(&cpu_busy[cpu], __ATOMIC_ACQUIRE))
		pgt_cpu_relax();
}

void secondary_main(u32 cpu)
{
	el2_mmu_enable();
	cpu_fn[cpu](cpu_arg[cpu]);
	__atomic_store_n(&cpu_busy[cpu], 0, __ATOMIC_RELEASE);
	psci(PSCI_CPU_OFF, 0, 0, 0);
	panic("PSCI CPU_OFF returned");
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
