/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * host_mm_verdict.h - between the test layer (host_mm.c) and its rule about
 * misuse (host_mm_verdict.c); tests use host_mm.h only.
 */
#ifndef HOST_MM_VERDICT_H
#define HOST_MM_VERDICT_H

#include "host_mm.h"

/* The layer's counters: atomic, relaxed. */
static inline u64 stat_read(const u64 *ctr)
{
	return __atomic_load_n(ctr, __ATOMIC_RELAXED);
}

static inline void stat_add(u64 *ctr, u64 n)
{
	__atomic_add_fetch(ctr, n, __ATOMIC_RELAXED);
}

/**
 * struct host_mm_verdict - what an arena's destruction found.
 * @ok: nothing is wrong.
 * @unexpected: the arena's reports nobody expected.
 * @unmet: expected reports that never came.
 * @lib_new: the library's unexpected warnings while it lived.
 * @lib_now: the library's unexpected warnings when the verdict was taken.
 * @msg: what is wrong, when something is.
 */
struct host_mm_verdict {
	bool ok;
	u64 unexpected;
	u64 unmet;
	u64 lib_new;
	u64 lib_now;
	char msg[HOST_MM_MISUSE_MSG + 160];
};

/** host_mm_verdict_begin() - start counting for a new arena. @hm: the arena. */
void host_mm_verdict_begin(struct host_mm *hm);

/**
 * host_mm_misuse() - one misuse report of @hm's home or of the layer:
 *	expected, or counted against the arena and printed.
 * @hm: the arena.
 * @msg: the report.
 */
void host_mm_misuse(struct host_mm *hm, const char *msg);

/** host_mm_verdict() - the verdict on @hm, once its home is destroyed. @hm: arena. @v: out. */
void host_mm_verdict(struct host_mm *hm, struct host_mm_verdict *v);

/** host_mm_verdict_deliver() - fail as @v says, after the arena is freed. @v: the verdict. */
void host_mm_verdict_deliver(const struct host_mm_verdict *v);

#endif /* HOST_MM_VERDICT_H */
