/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_util.h - what the benchmarks share (bench/stage2.c and
 * bench/kvm/bench_kvm.c): clocks, the hosted home's warm-up, the machine's
 * description and option parsing.  Static inline, so that each program
 * takes what it uses and the Makefile, which makes one program of each
 * bench/ source, needs no helper object.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgtable_hosted.h"

/* log2(PGT_HOSTED_FRAME_SIZE): the home counts frames of this size. */
#define HOME_FRAME_SHIFT	12

static inline u64 clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Wall time: only parallel runs, which want the elapsed time, use it. */
static inline u64 wall_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/*
 * The calling thread's CPU time: what everything single-threaded is timed
 * with, so that other work on the machine (preemption, steal) does not count.
 */
static inline u64 cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* What one cpu_ns() costs: the least of many tries. */
static inline u64 cpu_clock_calibrate(void)
{
	u64 t0, t1, best = ~0ULL;
	int i;

	for (i = 0; i < 1000; i++) {
		t0 = cpu_ns();
		t1 = cpu_ns();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

/* Touch every frame once, so that no run pays for the kernel's page faults. */
static inline void arena_prefault(struct pgt_hosted *home)
{
	struct pgt_mm_ops *mm = pgt_hosted_ops(home);
	u64 n = pgt_hosted_size(home) / PGT_HOSTED_ALIGN, i;
	void **p = calloc(n, sizeof(*p));

	for (i = 0; p && i < n; i++)
		p[i] = mm->zalloc_pages_exact(mm, PGT_HOSTED_ALIGN);
	for (i = 0; p && i < n; i++)
		if (p[i])
			mm->free_pages_exact(mm, p[i], PGT_HOSTED_ALIGN);
	free(p);
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of @v[0..@n), which it sorts. */
static inline double median(double *v, u32 n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The 1-minute load average: other work on the machine skews the numbers. */
static inline double loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double v = -1;

	if (f && fscanf(f, "%lf", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static inline void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		snprintf(buf, len, "%s", colon + 2);
		buf[strcspn(buf, "\n\"\\")] = 0;
		break;
	}
	if (f)
		fclose(f);
}

/* BYTES with an optional K, M or G suffix; 0 if malformed. */
static inline u64 parse_size(const char *s)
{
	char *end;
	u64 v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	}
	return *end ? 0 : v;
}

/* A comma-separated list of 4k, 16k, 64k: bit i for @shifts[i]. */
static inline u32 parse_granules(char *s, const u32 *shifts, u32 n)
{
	u32 mask = 0, g;
	char *tok;

	for (tok = strtok(s, ","); tok; tok = strtok(NULL, ","))
		for (g = 0; g < n; g++)
			if (strtoul(tok, NULL, 10) << 10 == 1u << shifts[g])
				mask |= 1u << g;
	return mask;
}

/* Is @name in the comma-separated list @only (NULL: everything is)? */
static inline bool name_selected(const char *only, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = only; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
	return !only;
}

#endif /* BENCH_UTIL_H */
