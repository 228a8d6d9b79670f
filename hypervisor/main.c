// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - boot: features from the ID registers, the boot configuration,
 * the pool, EL2 stage 1, then the tests the configuration asks for, the
 * counters and the verdict.
 */
#include "hyp.h"

struct features feat;
struct boot_config cfg;

/*
 * The configuration word scripts/hypervisor-check.sh writes at BOOTCFG_PA
 * with QEMU's loader device: a magic in the top half so that a boot
 * without one runs the default (4K, 40-bit IPA, every test).
 */
#define BOOTCFG_MAGIC		0x9e7ab1eULL
#define BOOTCFG_MAGIC_SHIFT	36

static void read_boot_config(void)
{
	u64 w = *(volatile u64 *)BOOTCFG_PA, s = *(volatile u64 *)(BOOTCFG_PA + 8);
	static const u32 granules[] = { 12, 14, 16 };

	cfg = (struct boot_config){
		.granule_shift = 12, .ipa_bits = 40, .tests = ~0u, .seed = 1,
	};
	if (w >> BOOTCFG_MAGIC_SHIFT != BOOTCFG_MAGIC)
		return;
	/* bits 1:0 granule, 7:2 IPA bits, 8 FWB, 9 skip TLBI, 31:16 tests */
	cfg.granule_shift = granules[FIELD(w, 0, 2) % 3];
	cfg.ipa_bits = FIELD(w, 2, 6);
	cfg.fwb = FIELD(w, 8, 1);
	cfg.skip_tlbi = FIELD(w, 9, 1);
	cfg.tests = FIELD(w, 16, 16);
	cfg.seed = (u32)s;
}

static void read_features(void)
{
	u64 mmfr0 = read_sysreg(id_aa64mmfr0_el1), mmfr1 = read_sysreg(id_aa64mmfr1_el1);
	u64 mmfr2 = read_sysreg(ID_AA64MMFR2_EL1), isar0 = read_sysreg(id_aa64isar0_el1);
	u64 ctr = read_sysreg(ctr_el0);
	static const u32 pa[] = { 32, 36, 40, 42, 44, 48, 52 };
	u32 t4 = FIELD(mmfr0, 40, 4), t16 = FIELD(mmfr0, 32, 4), t64 = FIELD(mmfr0, 36, 4);

	feat.pa_bits = pa[FIELD(mmfr0, 0, 4) < 7 ? FIELD(mmfr0, 0, 4) : 6];
	/* TGran*_2 == 0: as stage 1's field says; 1: not supported. */
	feat.gran4_s2 = t4 ? t4 >= 2 : FIELD(mmfr0, 28, 4) != 0xf;
	feat.gran16_s2 = t16 ? t16 >= 2 : FIELD(mmfr0, 20, 4) != 0;
	feat.gran64_s2 = t64 ? t64 >= 2 : FIELD(mmfr0, 24, 4) != 0xf;
	/* TGran*_2 == 3 (or 0 and the stage-1 field's 52-bit value): DS=1 allowed. */
	feat.lpa4_s2 = t4 ? t4 == 3 : FIELD(mmfr0, 28, 4) == 1;
	feat.lpa16_s2 = t16 ? t16 == 3 : FIELD(mmfr0, 20, 4) == 2;
	feat.lpa64_s2 = feat.gran64_s2 && feat.pa_bits == 52;
	feat.hafdbs = FIELD(mmfr1, 0, 4) != 0;
	feat.xnx = FIELD(mmfr1, 28, 4) != 0;
	feat.ttl = FIELD(mmfr2, 48, 4) != 0;
	feat.s2fwb = FIELD(mmfr2, 40, 4) != 0;
	feat.tlbi_range = FIELD(isar0, 56, 4) >= 2;
	feat.iline = 4u << FIELD(ctr, 0, 4);
	feat.dline = 4u << FIELD(ctr, 16, 4);
	feat.idc = FIELD(ctr, 28, 1);
	feat.dic = FIELD(ctr, 29, 1);
	feat.icache_pipt = FIELD(ctr, 14, 2) == 3;
	hprintf("HYP: features: PA %u bits, stage-2 granules%s%s%s, FEAT_TTL %d, "
		"FEAT_TLBIRANGE %d, FEAT_S2FWB %d, HAFDBS %d\n", feat.pa_bits,
		feat.gran4_s2 ? " 4K" : "", feat.gran16_s2 ? " 16K" : "",
		feat.gran64_s2 ? " 64K" : "", feat.ttl, feat.tlbi_range, feat.s2fwb, feat.hafdbs);
	hprintf("HYP: 52-bit stage 2: 4K LPA2 %d, 16K LPA2 %d, 64K LPA %d; FEAT_XNX %d\n",
		feat.lpa4_s2, feat.lpa16_s2, feat.lpa64_s2, feat.xnx);
	hprintf("HYP: CTR_EL0 %lx: D line %u, I line %u, IDC %d, DIC %d, I-cache %s\n",
		(unsigned long)ctr, feat.dline, feat.iline, feat.idc, feat.dic,
		feat.icache_pipt ? "PIPT" : "not PIPT");
}

static void verdict(void)
{
	u32 pass, fail;

	stats_print();
	check_counts(&pass, &fail);
	hprintf("HYP: judge: %lu stage-1 and %lu stage-2 AT comparisons, %lu mismatches\n",
		(unsigned long)judge.s1_checks, (unsigned long)judge.s2_checks,
		(unsigned long)judge.mismatches);
	hprintf("HYP: done: %u passed, %u failed\n", pass, fail);
	system_off();
}

void hyp_cpu_main(u32 cpu)
{
	u64 el = read_sysreg(currentel) >> 2;

	if (cpu) {
		secondary_main(cpu);
		return;
	}
	hprintf("\nHYP: libpgtable hypervisor, cpu%u at EL%lu\n", cpu, (unsigned long)el);
	if (el != 2)
		panic("not entered at EL2 (run QEMU with -M virt,virtualization=on)");
	read_boot_config();
	read_features();
	rand_seed(cfg.seed);
	hprintf("HYP: config: stage-2 granule %uK, IPA %u bits, FWB %d, skip-TLBI %d, "
		"tests %x, seed %u\n", 1u << (cfg.granule_shift - 10), cfg.ipa_bits, cfg.fwb,
		cfg.skip_tlbi, cfg.tests, cfg.seed);
	pool_init(POOL_PA, POOL_SIZE);
	el2_mmu_init();
	hprintf("HYP: EL2 stage 1 on: root %lx, TCR_EL2 %lx, %lu table pages\n",
		(unsigned long)hyp_pgt.root_phys, (unsigned long)hyp_pgt.ctrl,
		(unsigned long)pool_frames_used());
	judge_selftest();
	if (cfg.tests & TEST_EL2)
		el2_tests();
	guests_run();
	verdict();
}
