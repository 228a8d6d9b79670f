// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include "pgtable_hosted.h"

int main(void)	/* a guest's stage 2: map 2M of its RAM, translate an address */
{
	struct pgt_hosted *home = pgt_hosted_create(1 << 20, 0x40000000, 0);
	struct pgt_config cfg = { .ia_bits = 40, .granule_shift = PGT_GRANULE_4K, .pa_bits = 40 };
	struct pgt s2;
	pgt_pte_t pte;
	pgt_s8 level;
	u64 ipa = 0x80001234, pa;

	if (!home || pgt_stage2_init(&s2, &cfg, pgt_hosted_ops(home), NULL) ||
	    pgt_stage2_map(&s2, 0x80000000, 2 << 20, 0x100000000, PGT_PROT_RW, NULL, 0) ||
	    pgt_get_leaf(&s2, ipa, &pte, &level) || !pgt_pte_is_leaf(pte, level))
		return 1;
	pa = pgt_pte_addr(&s2.geom, pte) | (ipa & (pgt_level_size(&s2.geom, level) - 1));
	printf("libpgtable %s: IPA 0x%llx -> PA 0x%llx, level %d\n", pgt_version_string(),
	       (unsigned long long)ipa, (unsigned long long)pa, level);
	pgt_hosted_show(stdout, &s2);
	pgt_stage2_destroy(&s2);
	pgt_hosted_destroy(home);
	return 0;
}
