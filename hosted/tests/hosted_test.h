/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hosted_test.h - what the hosted home's own tests (hosted/tests/) share:
 * a home at BASE that must exist, and its counters as a value.  Included
 * after cmocka.h.
 */
#ifndef HOSTED_TEST_H
#define HOSTED_TEST_H

#include "pgtable_hosted.h"

#define MiB		(1ULL << 20)
#define BASE		0x40000000ULL

/* A guest's stage 2 as most cases build it: 40-bit IPA, 4K pages. */
static const struct pgt_config s2_4k = {
	.ia_bits = 40, .granule_shift = PGT_GRANULE_4K, .pa_bits = 40,
};

/* Built with -DPGT_PORT_WARN=pgt_host_warn, lib/ reports through it. */
void pgt_host_warn(const char *file, int line, const char *cond);

static inline struct pgt_hosted *home(u64 size, u32 flags)
{
	struct pgt_hosted *h = pgt_hosted_create(size, BASE, flags);

	assert_non_null(h);
	return h;
}

static inline struct pgt_hosted_stats stats(struct pgt_hosted *h)
{
	struct pgt_hosted_stats s;

	pgt_hosted_stats(h, &s);
	return s;
}

#endif /* HOSTED_TEST_H */
