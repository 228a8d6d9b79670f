// SPDX-License-Identifier: GPL-2.0-only
/*
 * hyp_map.c - build a small EL2 address space the way a hypervisor would at
 * boot, print it, punch a hole in a block mapping, and print it again.
 *
 * It lives in the installed hosted home (pgtable_hosted.h): 256 MiB of heap
 * standing for physical memory at 0x40000000.  Only the table pages live in
 * it; the mapped addresses are just numbers.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pgtable_hosted.h"

struct region {
	const char *name;
	u64 va;
	u64 size;
	u64 pa;
	u32 prot;
};

/* A hypervisor image, a block-mapped slice of the linear map, and a UART. */
static const struct region layout[] = {
	{ "text",   0x0000800000000000ULL, 0x6000, 0x40080000, PGT_PROT_RX },
	{ "rodata", 0x0000800000006000ULL, 0x3000, 0x40086000, PGT_PROT_R },
	{ "data",   0x0000800000009000ULL, 0x4000, 0x40089000, PGT_PROT_RW },
	{ "linear", 0x0000800040000000ULL, 0x600000, 0x80000000, PGT_PROT_RW },
	{ "uart",   0x0000800100000000ULL, 0x1000, 0x09000000, PGT_PROT_RW | PGT_PROT_DEVICE },
};

static void print_counters(struct pgt_hosted *home, const char *when)
{
	struct pgt_hosted_stats st;

	pgt_hosted_stats(home, &st);
	printf("-- %s: %llu table pages in use, %llu TLBI (leaf), %llu TLBI (table)\n", when,
	       (unsigned long long)st.frames_in_use, (unsigned long long)st.tlbi_va_leaf,
	       (unsigned long long)st.tlbi_va_table);
}

static int map_layout(struct pgt *pgt)
{
	size_t i;
	int ret;

	for (i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
		const struct region *r = &layout[i];

		ret = pgt_hyp_map(pgt, r->va, r->size, r->pa, r->prot);
		/* Permissions and memory type: the listing below shows them. */
		printf("map %-6s va 0x%012llx size 0x%-8llx pa 0x%08llx: %s\n", r->name,
		       (unsigned long long)r->va, (unsigned long long)r->size,
		       (unsigned long long)r->pa, ret ? "failed" : "ok");
		if (ret)
			return ret;
	}
	return 0;
}

int main(void)
{
	struct pgt_config cfg = { .ia_bits = 48, .granule_shift = PGT_GRANULE_4K, .pa_bits = 40 };
	struct pgt_hosted *home = pgt_hosted_create(256ULL << 20, 0x40000000ULL, 0);
	const struct region *linear = &layout[3];
	struct pgt pgt;
	u64 unmapped;
	int ret;

	if (!home || pgt_hyp_init(&pgt, &cfg, pgt_hosted_ops(home)))
		return 1;
	ret = map_layout(&pgt);
	if (!ret) {
		print_counters(home, "after map");
		pgt_hosted_show(stdout, &pgt);

		/* Unmap one page inside a 2 MiB block: the block is split first. */
		ret = pgt_hyp_unmap(&pgt, linear->va + 0x201000, 0x1000, &unmapped);
		printf("\nunmap linear+0x201000 size 0x1000: %s, %llu bytes unmapped\n",
		       ret ? "failed" : "ok", (unsigned long long)unmapped);
		print_counters(home, "after unmap");
		pgt_hosted_show(stdout, &pgt);
	}
	pgt_hyp_destroy(&pgt);
	print_counters(home, "after destroy");
	ret = ret || pgt_hosted_in_use(home) != 0;
	pgt_hosted_destroy(home);
	return ret;
}
