// SPDX-License-Identifier: GPL-2.0-only
/*
 * g_smp.c - four vCPUs on four CPUs.  vCPU 0 asks the hypervisor for its
 * exclusive side (unmap, split, write-protect under the MMU lock held for
 * writing); vCPUs 1-3 meanwhile write and read pages of one region, shared
 * with each other, faulting concurrently through shared walks.  Each vCPU
 * owns one word of every page, so each knows what its words must hold.
 */
#include "guest.h"

#define REGION		(G_SLOT0_IPA + 0x800000)
#define REGION_SIZE	0x800000UL
#define MAX_PAGES	(REGION_SIZE / 0x1000)
#define CHAOS_ROUNDS	150

static volatile u64 stop;
static u64 last[4][MAX_PAGES];

static u64 word(u64 page, u64 psize, u64 vcpu)
{
	return REGION + page * psize + vcpu * 8;
}

static void fault_loop(u64 vcpu, u64 *seed, u64 psize)
{
	u64 pages = REGION_SIZE / psize, n = 0, bad = 0;

	while (!stop || n < 64) {
		u64 p = grand(seed) % pages, other = grand(seed) % 4, v;

		v = vcpu << 48 | ++n;
		POKE(word(p, psize, vcpu), v);
		last[vcpu][p] = v;
		bad += PEEK(word(p, psize, vcpu)) != v;
		/* Another vCPU's word: written by it, or never. */
		v = PEEK(word(grand(seed) % pages, psize, other));
		bad += v && v >> 48 != other;
	}
	gcheck(!bad, "smp: under concurrent faults every read saw this vCPU's last write");
	gprint_hex("guest: writes by this vCPU ", n);
}

u64 guest_main(u64 vcpu, u64 seed, u64 psize)
{
	u64 p, bad = 0;

	hvc(HC_BARRIER, 0, 0, 0);
	if (vcpu == 0) {
		hvc(HC_SMP_CHAOS, REGION, REGION_SIZE, CHAOS_ROUNDS);
		stop = 1;
	} else {
		fault_loop(vcpu, &seed, psize);
	}
	hvc(HC_BARRIER, 0, 0, 0);
	for (p = 0; p < REGION_SIZE / psize; p++)
		if (last[vcpu][p])
			bad += PEEK(word(p, psize, vcpu)) != last[vcpu][p];
	gcheck(!bad, "smp: afterwards every page holds what this vCPU last wrote to it");
	return 0;
}
