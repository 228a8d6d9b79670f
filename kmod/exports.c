// SPDX-License-Identifier: GPL-2.0-only
/*
 * exports.c - the library's public API (every function include/pgtable.h
 * and include/pgtable_vm.h declare; static inline helpers need no export)
 * and the kernel home, exported GPL so that other modules can build on
 * pgtable.ko.
 *
 * This is the one place that lists them.  scripts/kmod-build.sh compares the
 * built module's exports with both headers and fails, naming it, when a
 * function declared there is missing here.
 */
#include <linux/export.h>

#include "pgtable_kmod.h"

/* The release (lib/version.c) */
EXPORT_SYMBOL_GPL(pgt_version);
EXPORT_SYMBOL_GPL(pgt_version_string);

/* Geometry (lib/pgtable.c) */
EXPORT_SYMBOL_GPL(pgt_geometry_hyp);
EXPORT_SYMBOL_GPL(pgt_geometry_stage2);
EXPORT_SYMBOL_GPL(pgt_pa_range_encode);

/* Descriptors (lib/descriptor.c) */
EXPORT_SYMBOL_GPL(pgt_table_pte);
EXPORT_SYMBOL_GPL(pgt_hyp_prot_check);
EXPORT_SYMBOL_GPL(pgt_hyp_leaf_pte);
EXPORT_SYMBOL_GPL(pgt_hyp_pte_prot);
EXPORT_SYMBOL_GPL(pgt_hyp_vhe_leaf_pte);
EXPORT_SYMBOL_GPL(pgt_hyp_vhe_pte_prot);
EXPORT_SYMBOL_GPL(pgt_leaf_prot);
EXPORT_SYMBOL_GPL(pgt_ttbr_baddr);
EXPORT_SYMBOL_GPL(pgt_s2_prot_check);
EXPORT_SYMBOL_GPL(pgt_s2_leaf_pte);
EXPORT_SYMBOL_GPL(pgt_s2_pte_prot);
EXPORT_SYMBOL_GPL(pgt_s2_owner_pte);
EXPORT_SYMBOL_GPL(pgt_s2_pte_owner);
EXPORT_SYMBOL_GPL(pgt_vtcr);
EXPORT_SYMBOL_GPL(pgt_hyp_tcr);
EXPORT_SYMBOL_GPL(pgt_hyp_vhe_tcr);

/* The walker (lib/walker.c) and common operations (lib/pgtable.c) */
EXPORT_SYMBOL_GPL(pgt_walk);
EXPORT_SYMBOL_GPL(pgt_pte_update);
EXPORT_SYMBOL_GPL(pgt_get_leaf);
EXPORT_SYMBOL_GPL(pgt_unlinked_free);

/* EL2 stage 1 (lib/hyp.c) */
EXPORT_SYMBOL_GPL(pgt_hyp_init);
EXPORT_SYMBOL_GPL(pgt_hyp_map);
EXPORT_SYMBOL_GPL(pgt_hyp_unmap);
EXPORT_SYMBOL_GPL(pgt_hyp_destroy);

/* Memory caches (lib/memcache.c) */
EXPORT_SYMBOL_GPL(pgt_memcache_topup);
EXPORT_SYMBOL_GPL(pgt_memcache_free);
EXPORT_SYMBOL_GPL(pgt_memcache_pop);

/* Stage 2 (lib/stage2.c) */
EXPORT_SYMBOL_GPL(pgt_stage2_init);
EXPORT_SYMBOL_GPL(pgt_stage2_destroy_range);
EXPORT_SYMBOL_GPL(pgt_stage2_destroy);
EXPORT_SYMBOL_GPL(pgt_stage2_tables_needed);
EXPORT_SYMBOL_GPL(pgt_stage2_map);
EXPORT_SYMBOL_GPL(pgt_stage2_set_owner);
EXPORT_SYMBOL_GPL(pgt_stage2_unmap);
EXPORT_SYMBOL_GPL(pgt_stage2_wrprotect);
EXPORT_SYMBOL_GPL(pgt_stage2_wrprotect_unflushed);
EXPORT_SYMBOL_GPL(pgt_stage2_mkyoung);
EXPORT_SYMBOL_GPL(pgt_stage2_test_clear_young);
EXPORT_SYMBOL_GPL(pgt_stage2_relax_perms);
EXPORT_SYMBOL_GPL(pgt_stage2_flush);
EXPORT_SYMBOL_GPL(pgt_stage2_split);
EXPORT_SYMBOL_GPL(pgt_stage2_create_unlinked);

/* The pKVM host's stage 2 (lib/host.c) */
EXPORT_SYMBOL_GPL(pgt_host_find_range);
EXPORT_SYMBOL_GPL(pgt_host_map_range);
EXPORT_SYMBOL_GPL(pgt_host_idmap);

/* The VM layer: memslots, the HVA range operator, MMUs, VMIDs (lib/vm.c, lib/mmu.c) */
EXPORT_SYMBOL_GPL(pgt_s2_mmu_destroy);
EXPORT_SYMBOL_GPL(pgt_s2_mmu_init);
EXPORT_SYMBOL_GPL(pgt_s2_mmu_load);
EXPORT_SYMBOL_GPL(pgt_s2_mmu_map);
EXPORT_SYMBOL_GPL(pgt_s2_mmu_vmid);
EXPORT_SYMBOL_GPL(pgt_s2_mmu_vttbr);
EXPORT_SYMBOL_GPL(pgt_vm_handle_age);
EXPORT_SYMBOL_GPL(pgt_vm_handle_contents);
EXPORT_SYMBOL_GPL(pgt_vm_handle_unmap);
EXPORT_SYMBOL_GPL(pgt_vm_hva_range_op);
EXPORT_SYMBOL_GPL(pgt_vm_init);
EXPORT_SYMBOL_GPL(pgt_vm_memslot_delete);
EXPORT_SYMBOL_GPL(pgt_vm_memslot_find_gfn);
EXPORT_SYMBOL_GPL(pgt_vm_memslot_find_hva);
EXPORT_SYMBOL_GPL(pgt_vm_memslot_insert);
EXPORT_SYMBOL_GPL(pgt_vm_memslots_init);
EXPORT_SYMBOL_GPL(pgt_vmid_allocator_init);
EXPORT_SYMBOL_GPL(pgt_vmid_update);

/* The kernel home (kmod/mm.c) */
EXPORT_SYMBOL_GPL(pgt_kmod_mm_ops);
EXPORT_SYMBOL_GPL(pgt_kmod_stats_get);
