// SPDX-License-Identifier: GPL-2.0-only
/*
 * commands.c - the tool's one command table: each script command's name,
 * arguments, parser and handler, and what gives the session's state back
 * at teardown.  replay.c dispatches through it and knows no command.
 */
#include "replay.h"

static const struct cmd commands[] = {
	{ "stage2", NULL, "stage2 ia=<bits> [granule=4k|16k|64k] [pa=<bits>] [fwb] [pages]",
	  0, cmd_parse_stage2, cmd_stage2 },
	{ "hyp", NULL, "hyp va=<bits> [granule=4k|16k|64k] [pa=<bits>]",
	  0, cmd_parse_hyp, cmd_hyp },
	{ "map", "nnnp", "map <addr> <size> <pa> <prot>", CMD_TABLE, NULL, cmd_map },
	{ "unmap", "nn", "unmap <addr> <size>", CMD_TABLE, NULL, cmd_unmap },
	{ "wrprotect", "nn", "wrprotect <addr> <size>", CMD_TABLE | CMD_STAGE2, NULL,
	  cmd_wrprotect },
	{ "mkyoung", "n", "mkyoung <addr>", CMD_TABLE | CMD_STAGE2, NULL, cmd_mkyoung },
	{ "mkold", "nn", "mkold <addr> <size>", CMD_TABLE | CMD_STAGE2, NULL, cmd_mkold },
	{ "relax", "np", "relax <addr> <prot>", CMD_TABLE | CMD_STAGE2, NULL, cmd_relax },
	{ "split", "nn", "split <addr> <size>", CMD_TABLE | CMD_STAGE2, NULL, cmd_split },
	{ "owner", "nni", "owner <addr> <size> <id>", CMD_TABLE | CMD_STAGE2, NULL, cmd_owner },
	{ "flush", "nn", "flush <addr> <size>", CMD_TABLE | CMD_STAGE2, NULL, cmd_flush },
	{ "region", "nn", "region <base> <size>", 0, NULL, cmd_region },
	{ "idmap", "n", "idmap <addr>", CMD_TABLE | CMD_STAGE2, NULL, cmd_idmap },
	{ "translate", "n", "translate <addr>", CMD_TABLE | CMD_NO_OK, NULL, cmd_translate },
	{ "dump", NULL, "dump [--json]", CMD_TABLE | CMD_SELF, cmd_parse_dump, cmd_dump },
	{ "show", "", "show", CMD_TABLE | CMD_SELF, NULL, cmd_show },
	{ "stats", "", "stats", CMD_NO_OK, NULL, cmd_stats },
	{ "vm", NULL, "vm ia=<bits> [granule=4k|16k|64k] [pa=<bits>] [as=<n>] [cpus=<n>] "
	  "[vmid=<bits>] [fwb] [pages]", 0, cmd_parse_vm, cmd_vm },
	{ "memslot", NULL, "memslot <as> <gfn> <npages> <hva> [ro]", 0, cmd_parse_memslot,
	  cmd_memslot },
	{ "memslot_del", "in", "memslot_del <as> <gfn>", 0, NULL, cmd_memslot_del },
	{ "mmu_new", NULL, "mmu_new [as=<n>] [shares=<id>]", 0, cmd_parse_mmu_new, cmd_mmu_new },
	{ "mmu_del", "i", "mmu_del <id>", 0, NULL, cmd_mmu_del },
	{ "mmu_translate", "in", "mmu_translate <id> <addr>", CMD_NO_OK, NULL, cmd_mmu_translate },
	{ "mmu_dump", NULL, "mmu_dump <id> [--json]", CMD_SELF, cmd_parse_mmu_dump, cmd_mmu_dump },
	{ "mmu_show", "i", "mmu_show <id>", CMD_SELF, NULL, cmd_mmu_show },
	{ "gfn_map", "innnp", "gfn_map <mmu> <gfn> <npages> <pa> <prot>", 0, NULL, cmd_gfn_map },
	{ "hva_unmap", "nn", "hva_unmap <start> <end>", 0, NULL, cmd_hva_unmap },
	{ "hva_age", "nn", "hva_age <start> <end>", 0, NULL, cmd_hva_age },
	{ "hva_init", "nn", "hva_init <start> <end>", 0, NULL, cmd_hva_init },
	{ "vcpu_run", "iii", "vcpu_run <vcpu> <cpu> <mmu>", 0, NULL, cmd_vcpu_run },
};

const struct cmd *replay_commands(size_t *n)
{
	*n = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

static void (*const drops[])(struct replay *r) = {
	replay_drop_table,
	replay_drop_vm,
	replay_free_regions,
};

const struct replay_table pgtable_commands = {
	.cmds = commands,
	.nr_cmds = sizeof(commands) / sizeof(commands[0]),
	.drops = drops,
	.nr_drops = sizeof(drops) / sizeof(drops[0]),
};
