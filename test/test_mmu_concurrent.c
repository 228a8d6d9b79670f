// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_mmu_concurrent.c - physical CPUs running MMUs at once, one thread
 * each, with a VMID space small enough (3 bits) that generations roll over
 * all the time while other CPUs take the lock-free fast path.
 *
 * Two invariants are checked on every run:
 *   - no CPU finds, under its VMID, TLB entries that another MMU or another
 *     vCPU left in its (per-CPU, modelled) TLB: the allocator's per-CPU
 *     flush after a rollover and the last-vCPU-ran rule prevent it;
 *   - two CPUs never run different MMUs with the same VMID number at once:
 *     a rollover keeps the numbers CPUs are running.
 * Threads do a fixed number of runs each; nothing depends on timing.  Runs
 * under ThreadSanitizer in make check (TSAN_TESTS picks up *concurrent*).
 * PGT_STRESS_SCALE=n runs n times as many.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "vm_env.h"

#define RUNS		20000
#define NR_VCPUS	6
#define VMID_BITS	3

struct tag {
	bool valid;
	int mmu;
	u32 vcpu;
};

struct world {
	struct venv e;
	pthread_barrier_t start;
	pthread_mutex_t running_lock;	/* guards running, run_mmu, run_num */
	bool running[VENV_CPUS];
	int run_mmu[VENV_CPUS];
	u32 run_num[VENV_CPUS];
	struct tag tlb[VENV_CPUS][1u << VMID_BITS];	/* each row: its CPU's thread only */
	u64 runs;
	long failures;
};

static struct world *world_of(struct venv *e)
{
	return (struct world *)((char *)e - offsetof(struct world, e));
}

/* Local invalidations run on the CPU's own thread: its TLB row only. */
static void model_flush(struct venv *e, struct pgt_s2_mmu *mmu, u32 cpu)
{
	struct world *w = world_of(e);

	if (mmu)
		w->tlb[cpu][pgt_s2_mmu_vmid(mmu)].valid = false;
	else
		memset(w->tlb[cpu], 0, sizeof(w->tlb[cpu]));
}

static void running_set(struct world *w, u32 cpu, int mmu, u32 n)
{
	u32 c;

	pthread_mutex_lock(&w->running_lock);
	for (c = 0; c < VENV_CPUS; c++) {
		if (c != cpu && w->running[c] && w->run_num[c] == n && w->run_mmu[c] != mmu) {
			fprintf(stderr, "vmid %u: mmu %d on cpu %u, mmu %d on cpu %u\n", n,
				w->run_mmu[c], c, mmu, cpu);
			w->failures++;
		}
	}
	w->running[cpu] = true;
	w->run_mmu[cpu] = mmu;
	w->run_num[cpu] = n;
	pthread_mutex_unlock(&w->running_lock);
}

static void running_clear(struct world *w, u32 cpu)
{
	pthread_mutex_lock(&w->running_lock);
	w->running[cpu] = false;
	pthread_mutex_unlock(&w->running_lock);
}

/* The guest runs: it finds only its own entries, and fills the TLB. */
static long guest_run(struct world *w, u32 cpu, int mmu, u32 vcpu, u32 n)
{
	struct tag *t = &w->tlb[cpu][n];
	long bad = 0;

	if (t->valid && (t->mmu != mmu || t->vcpu != vcpu)) {
		fprintf(stderr, "cpu %u: mmu %d vcpu %u finds vmid %u entries of mmu %d vcpu %u\n",
			cpu, mmu, vcpu, n, t->mmu, t->vcpu);
		bad++;
	}
	*t = (struct tag){ .valid = true, .mmu = mmu, .vcpu = vcpu };
	return bad;
}

struct cpu_arg {
	struct world *w;
	u32 cpu;
	u64 seed;
	u64 runs;
	long bad;
};

static void *cpu_thread(void *p)
{
	struct cpu_arg *a = p;
	struct world *w = a->w;
	u64 rng = a->seed, i;

	pthread_barrier_wait(&w->start);
	for (i = 0; i < a->runs; i++) {
		int mmu = rng_next(&rng) % VENV_MMUS;
		u32 vcpu = rng_next(&rng) % NR_VCPUS, n;
		int ret = pgt_s2_mmu_load(&w->e.mmu[mmu], vcpu, a->cpu);

		if (ret < 0) {
			a->bad++;
			continue;
		}
		n = pgt_s2_mmu_vmid(&w->e.mmu[mmu]);
		running_set(w, a->cpu, mmu, n);
		a->bad += guest_run(w, a->cpu, mmu, vcpu, n);
		if (!(rng_next(&rng) & 15))
			sched_yield();
		running_clear(w, a->cpu);
	}
	return NULL;
}

static u64 scale(void)
{
	const char *s = getenv("PGT_STRESS_SCALE");
	u64 n = s ? strtoull(s, NULL, 0) : 1;

	return n ? n : 1;
}

static void cpus_race(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct venv_cfg cfg = { .vmid_bits = VMID_BITS, .nr_cpus = VENV_CPUS };
	struct cpu_arg args[VENV_CPUS];
	pthread_t th[VENV_CPUS];
	u64 seed = test_seed("cpus_race");
	long bad = 0;
	u32 c;
	int i;

	(void)state;
	assert_non_null(w);
	venv_init(&w->e, &cfg);
	for (i = 0; i < VENV_MMUS; i++)
		venv_mmu(&w->e, i, 0, i % 4 == 3 ? i - 1 : -1);
	w->e.on_tlbi = model_flush;
	pthread_mutex_init(&w->running_lock, NULL);
	pthread_barrier_init(&w->start, NULL, VENV_CPUS);
	for (c = 0; c < VENV_CPUS; c++) {
		args[c] = (struct cpu_arg){ .w = w, .cpu = c, .seed = seed + 977 * (c + 1),
					    .runs = RUNS * scale() };
		assert_int_equal(pthread_create(&th[c], NULL, cpu_thread, &args[c]), 0);
	}
	for (c = 0; c < VENV_CPUS; c++) {
		pthread_join(th[c], NULL);
		bad += args[c].bad;
	}
	printf("# cpus_race: %u cpus x %llu runs, %llu rollovers, %llu slow paths\n",
	       VENV_CPUS, (unsigned long long)(RUNS * scale()),
	       (unsigned long long)w->e.va.rollovers, (unsigned long long)w->e.va_slow);
	assert_int_equal(bad + w->failures, 0);
	assert_true(w->e.va.rollovers > 0);
	pthread_barrier_destroy(&w->start);
	pthread_mutex_destroy(&w->running_lock);
	venv_fini(&w->e);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpus_race),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
