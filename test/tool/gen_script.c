// SPDX-License-Identifier: GPL-2.0-only
/*
 * gen_script.c - a random "pgtable replay" script, for the randomized test.
 *
 *   gen_script SEED [OPS]
 *
 * One table (stage 2 or hyp, random granule, sizes and formats: 52-bit,
 * FEAT_XNX, hVHE; prots with px, ux and nc) and OPS random
 * operations (default 150) inside a small window of the input space, where
 * blocks of every level fit, with a few deliberately bad arguments.  Every
 * few operations a checkpoint: "dump", then "translate" of addresses near
 * recent operations, which dump_check compares with the reference walk of
 * the dump.  Same seed, same script.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint64_t u64;

struct gen {
	u64 rng;
	int stage;		/* 1: hyp, 2: stage 2 */
	unsigned int gshift;
	unsigned int ia;
	u64 page, block2, big;	/* page, level-2 block, the largest block */
	u64 base, size;		/* the window */
	u64 recent[16];		/* addresses recent operations touched */
	unsigned int nrecent;
	int pages_only;
	int lpa;		/* 52-bit format: inputs up to 52 bits, outputs above 2^48 */
};

static u64 rnd(struct gen *g)
{
	u64 z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static u64 below(struct gen *g, u64 n)
{
	return n ? rnd(g) % n : 0;
}

static int chance(struct gen *g, unsigned int percent)
{
	return below(g, 100) < percent;
}

static void pick_table(struct gen *g)
{
	static const unsigned int shifts[] = { 12, 14, 16 };

	g->stage = chance(g, 75) ? 2 : 1;
	g->gshift = shifts[below(g, 3)];
	g->lpa = chance(g, 30);
	g->ia = 32 + below(g, g->lpa ? 21 : 17);
	g->page = 1ull << g->gshift;
	g->block2 = 1ull << (2 * g->gshift - 3);
	g->big = g->gshift == 12 ? 1ull << 30 : g->block2;
	g->base = g->big;
	g->size = 2 * g->big;
	g->pages_only = g->stage == 2 && chance(g, 20);
	printf("%s %s=%u granule=%uk%s", g->stage == 2 ? "stage2" : "hyp",
	       g->stage == 2 ? "ia" : "va", g->ia, 1u << (g->gshift - 10),
	       g->lpa ? " pa=52 lpa" : "");
	if (g->stage == 2)
		printf("%s%s%s\n", chance(g, 30) ? " fwb" : "", g->pages_only ? " pages" : "",
		       chance(g, 40) ? " xnx" : "");
	else
		printf("%s\n", chance(g, 40) ? " hvhe" : "");
}

/* An alignment: mostly pages and level-2 blocks, sometimes the largest block. */
static u64 pick_align(struct gen *g)
{
	u64 r = below(g, 100);

	if (r < 45)
		return g->page;
	if (r < 60)
		return 16 * g->page;
	if (r < 96 || g->big == g->block2)
		return g->block2;
	return g->big;
}

static u64 pick_addr(struct gen *g, u64 align)
{
	u64 addr = g->base + below(g, g->size / align) * align;

	if (chance(g, 3))
		addr += 0x10;			/* unaligned: EINVAL */
	if (chance(g, 2))
		addr = (1ull << g->ia) - g->page;	/* the top: ERANGE for ranges */
	g->recent[g->nrecent++ % 16] = addr;
	return addr;
}

static u64 pick_size(struct gen *g, u64 align)
{
	u64 n = 1 + below(g, 4);

	if (align == g->page)
		n = 1 + below(g, 40);
	if (g->pages_only && align == g->big)
		align = g->block2;		/* keep the dumps short */
	if (chance(g, 2))
		return 0;
	return n * align;
}

/* Often congruent to the address modulo the largest block, so blocks fit. */
static u64 pick_pa(struct gen *g, u64 addr, u64 align)
{
	u64 pa = 0x100000000ull + (addr - g->base) + below(g, 4) * g->big;

	if (chance(g, 25))
		pa += below(g, 64) * g->page;
	if (chance(g, 10))
		pa = 0x100000000ull + below(g, 1024) * align;
	pa &= (1ull << 48) - 1;
	if (g->lpa && chance(g, 50))
		pa |= below(g, 16) << 48;	/* OA[51:48], packed by the format */
	return pa;
}

static const char *pick_prot(struct gen *g)
{
	/* px and ux alone need xnx; nc with x is always refused. */
	static const char *const s2[] = {
		"r", "rw", "rx", "rwx", "rwd", "rd", "-", "w", "x", "rpx", "rwux", "rwnc", "rnc",
		"rxnc",
	};
	static const char *const hyp[] = { "r", "rw", "rx", "rwd", "rd", "r", "rw", "wx", "rpx" };

	if (g->stage == 1)
		return hyp[below(g, sizeof(hyp) / sizeof(hyp[0]))];
	return s2[below(g, sizeof(s2) / sizeof(s2[0]))];
}

static void op_range(struct gen *g, const char *name)
{
	u64 align = pick_align(g), addr = pick_addr(g, align);

	printf("%s 0x%llx 0x%llx\n", name, (unsigned long long)addr,
	       (unsigned long long)pick_size(g, align));
}

static void op_map(struct gen *g)
{
	u64 align = pick_align(g), addr = pick_addr(g, align);
	u64 size = pick_size(g, align);

	printf("map 0x%llx 0x%llx 0x%llx %s\n", (unsigned long long)addr,
	       (unsigned long long)size, (unsigned long long)pick_pa(g, addr, align),
	       pick_prot(g));
}

/* An address near a recent operation (any byte), or anywhere in the window. */
static u64 near_recent(struct gen *g)
{
	u64 addr;

	if (!g->nrecent || chance(g, 10))
		return g->base + below(g, g->size);
	addr = g->recent[below(g, g->nrecent < 16 ? g->nrecent : 16)];
	addr -= addr < 2 * g->block2 ? addr : 2 * g->block2;
	return addr + below(g, 4 * g->block2);
}

static void op_point(struct gen *g, const char *name)
{
	static const char *const relax[] = { "r", "w", "x", "rw", "rwx", "d", "px", "ux" };
	u64 addr = near_recent(g) & ~(u64)(chance(g, 90) ? 0 : 0xfff);

	if (name[0] == 'r')
		printf("relax 0x%llx %s\n", (unsigned long long)addr,
		       relax[below(g, sizeof(relax) / sizeof(relax[0]))]);
	else
		printf("%s 0x%llx\n", name, (unsigned long long)addr);
}

static void op_owner(struct gen *g)
{
	u64 align = chance(g, 80) ? g->page : g->block2, addr = pick_addr(g, align);
	unsigned int id = chance(g, 15) ? 0 : 1 + below(g, 3);

	if (chance(g, 3))
		id = 0x4000;			/* beyond PGT_S2_OWNER_MAX: EINVAL */
	printf("owner 0x%llx 0x%llx %u\n", (unsigned long long)addr,
	       (unsigned long long)pick_size(g, align), id);
}

static void checkpoint(struct gen *g)
{
	int i;

	printf("dump\n");
	for (i = 0; i < 24; i++) {
		u64 addr = near_recent(g);

		if (chance(g, 2))
			addr = (1ull << g->ia) + below(g, g->page);
		printf("translate 0x%llx\n", (unsigned long long)addr);
	}
}

static void regions(struct gen *g)
{
	u64 b = g->base;

	printf("region 0x%llx 0x%llx\n", (unsigned long long)(b + g->page),
	       (unsigned long long)(g->big / 2 - g->page));
	printf("region 0x%llx 0x%llx\n", (unsigned long long)(b + g->big),
	       (unsigned long long)(3 * g->block2));
	printf("region 0x%llx 0x%llx\n", (unsigned long long)(b + g->big),
	       (unsigned long long)g->page);	/* overlaps: EEXIST */
}

static void op_stage2(struct gen *g)
{
	u64 r = below(g, 100);

	if (r < 30)
		op_map(g);
	else if (r < 40)
		op_range(g, "unmap");
	else if (r < 47)
		op_range(g, "wrprotect");
	else if (r < 52)
		op_point(g, "mkyoung");
	else if (r < 58)
		op_range(g, "mkold");
	else if (r < 63)
		op_point(g, "relax");
	else if (r < 72)
		op_range(g, "split");
	else if (r < 78)
		op_owner(g);
	else if (r < 82)
		op_range(g, "flush");
	else if (r < 95)
		op_point(g, "idmap");
	else
		printf("stats\n");
}

static void op_hyp(struct gen *g)
{
	u64 r = below(g, 100);

	if (r < 60)
		op_map(g);
	else if (r < 95)
		op_range(g, "unmap");
	else
		printf("stats\n");
}

int main(int argc, char **argv)
{
	struct gen g = { 0 };
	unsigned long i, ops = 150;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_script SEED [OPS]\n");
		return 2;
	}
	g.rng = strtoull(argv[1], NULL, 0);
	if (argc > 2)
		ops = strtoul(argv[2], NULL, 0);
	printf("# gen_script %s %lu\n", argv[1], ops);
	pick_table(&g);
	if (g.stage == 2)
		regions(&g);
	for (i = 0; i < ops; i++) {
		if (g.stage == 2)
			op_stage2(&g);
		else
			op_hyp(&g);
		if (i % 12 == 11)
			checkpoint(&g);
	}
	checkpoint(&g);
	printf("stats\n");
	return 0;
}
