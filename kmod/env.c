// SPDX-License-Identifier: GPL-2.0-only
/*
 * env.c - what the self-test's cases expect of the module they are linked
 * into, pgtable.ko or the in-kernel KUnit suite: the concurrency test's run
 * time and the verbose switch as module parameters (libpgtable.stress_ms,
 * libpgtable.verbose on the command line when built in), and the list of
 * trees a case keeps for a dump, which the module's or the suite's exit
 * destroys.
 */
#include <linux/moduleparam.h>
#include <linux/rwsem.h>

#include "kmod.h"

unsigned int pgt_kmod_stress_ms = 1000;
module_param_named(stress_ms, pgt_kmod_stress_ms, uint, 0444);
MODULE_PARM_DESC(stress_ms, "Run time of the concurrency test, per granule, in ms (default: 1000)");

bool pgt_kmod_verbose;
module_param_named(verbose, pgt_kmod_verbose, bool, 0644);
MODULE_PARM_DESC(verbose, "More self-test diagnostics (default: no)");

DECLARE_RWSEM(pgt_kmod_dump_lock);
struct pgt_kmod_dump_entry pgt_kmod_dump_trees[PGT_KMOD_DUMP_MAX];
unsigned int pgt_kmod_dump_nr;
