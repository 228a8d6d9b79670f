/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * replay.h - the script engine of tools/pgtable and the interface its
 * commands are written against.  One replay session runs a script of table
 * operations against the hosted home (hosted/pgtable_hosted.h) and prints
 * one result line per command (Documentation/pgtable-tool.rst).
 *
 * The layers, each calling only those below it:
 *   pgtable.c    the command line
 *   commands.c   the command table: name -> parse -> run, and teardown hooks
 *   cmd_*.c      the commands
 *   replay.c     reads lines, dispatches through the table it is given
 *   parse.c      numbers, prot letters, granule names
 */
#ifndef TOOLS_REPLAY_H
#define TOOLS_REPLAY_H

#include <stdio.h>

#include "pgtable.h"
#include "pgtable_hosted.h"

/* Exit statuses of a replay (and of the tool). */
#define REPLAY_OK		0	/* every line ran (operation errors allowed) */
#define REPLAY_OP_ERROR		1	/* --strict and some operation failed */
#define REPLAY_PARSE_ERROR	2	/* a line did not parse; usage and I/O errors */
#define REPLAY_BROKEN		3	/* leak or warning: a bug in the library or tool */

/** struct replay_opts - how to run a script. */
struct replay_table;

struct replay_opts {
	u64 mem_size;		/* bytes of simulated memory */
	u64 phys_base;		/* its physical address */
	bool strict;		/* operation errors make the exit status 1 */
	const struct replay_table *table;	/* the commands (tools/commands.c) */
};

#define REPLAY_DEFAULT_MEM	(256ULL << 20)
#define REPLAY_DEFAULT_BASE	0x40000000ULL

struct replay_vm;

/** struct replay - one session: the arena, the current table, the caches, the VM. */
struct replay {
	struct pgt_hosted *home;
	struct pgt_mm_ops *mm;
	FILE *out;
	FILE *err;
	unsigned long line;
	unsigned long op_errors;
	bool have_table;
	struct pgt pgt;
	struct pgt_memcache mc;		/* split */
	struct pgt_memcache mem_pool;	/* idmap, memory */
	struct pgt_memcache dev_pool;	/* idmap, MMIO */
	struct pgt_mem_region *regions;
	u32 nr_regions;
	u32 cap_regions;
	struct replay_vm *vm;		/* tools/cmd_vm.c; NULL before "vm" */
	char msg[160];			/* what is wrong with the current line */
};

/* Result details a handler appends to its line, or a whole display line. */
#define REPLAY_EXTRA_LEN	320
#define REPLAY_ECHO_LEN		160

/** struct cmd_args - one parsed command line. */
struct cmd_args {
	u64 num[4];
	u32 prot;
	struct pgt_config cfg;
	char echo[REPLAY_ECHO_LEN];	/* the command, canonically spelled */
	char extra[REPLAY_EXTRA_LEN];	/* key=value details after the result */
};

/* Command flags. */
#define CMD_TABLE	(1u << 0)	/* needs a table: ENODEV without */
#define CMD_STAGE2	(1u << 1)	/* needs a stage-2 table: EOPNOTSUPP on hyp */
#define CMD_NO_OK	(1u << 2)	/* success prints the echo and extra only */
#define CMD_SELF	(1u << 3)	/* success prints its own lines */

/**
 * struct cmd - one script command.
 * @name: the first word of the line.
 * @args: one letter per positional argument: n number (echoed in hex),
 *	i id (echoed in decimal), p prot; NULL if @parse reads the line.
 * @usage: what the line looks like, for parse errors and --help.
 * @flags: CMD_*.
 * @parse: a parser of its own (stage2, hyp), or NULL.
 * @run: does it; 0 or a negative errno.
 */
struct cmd {
	const char *name;
	const char *args;
	const char *usage;
	u32 flags;
	bool (*parse)(struct replay *r, struct cmd_args *a, char **tok, int ntok);
	int (*run)(struct replay *r, struct cmd_args *a);
};

/**
 * struct replay_table - what a session can run.
 * @cmds: the commands, looked up by name.
 * @nr_cmds: how many.
 * @drops: called at teardown, in order, each giving back what its
 *	commands keep in the session (tables, caches, the VM).
 * @nr_drops: how many.
 */
struct replay_table {
	const struct cmd *cmds;
	size_t nr_cmds;
	void (*const *drops)(struct replay *r);
	size_t nr_drops;
};

/* tools/commands.c */
extern const struct replay_table pgtable_commands;

/* tools/replay.c: the engine, and what commands call back */
int replay_run(const struct replay_opts *opts, FILE *in, FILE *out, FILE *err);
const char *replay_errname(int err, char buf[16]);
bool replay_fail(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void replay_extra(struct cmd_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* tools/parse.c: words, independent of any session */
bool parse_u64(const char *s, u64 *out);
bool parse_prot(const char *s, u32 *prot);
const char *prot_letters(u32 prot, char buf[8]);
bool parse_granule(const char *val, u32 *shift);
const char *granule_name(u32 shift);

/* tools/cmd_table.c */
bool cmd_parse_stage2(struct replay *r, struct cmd_args *a, char **tok, int ntok);
bool cmd_parse_hyp(struct replay *r, struct cmd_args *a, char **tok, int ntok);
bool table_opt_bits(struct replay *r, const char *key, const char *val, u32 *out);
bool table_opt_granule(struct replay *r, const char *val, u32 *shift);
int cmd_stage2(struct replay *r, struct cmd_args *a);
int cmd_hyp(struct replay *r, struct cmd_args *a);
void replay_drop_table(struct replay *r);

/* tools/cmd_ops.c */
int cmd_map(struct replay *r, struct cmd_args *a);
int cmd_unmap(struct replay *r, struct cmd_args *a);
int cmd_wrprotect(struct replay *r, struct cmd_args *a);
int cmd_mkyoung(struct replay *r, struct cmd_args *a);
int cmd_mkold(struct replay *r, struct cmd_args *a);
int cmd_relax(struct replay *r, struct cmd_args *a);
int cmd_split(struct replay *r, struct cmd_args *a);
int cmd_owner(struct replay *r, struct cmd_args *a);
int cmd_flush(struct replay *r, struct cmd_args *a);

/* tools/cmd_host.c */
int cmd_region(struct replay *r, struct cmd_args *a);
int cmd_idmap(struct replay *r, struct cmd_args *a);
void replay_free_regions(struct replay *r);

/* tools/cmd_show.c */
bool cmd_parse_dump(struct replay *r, struct cmd_args *a, char **tok, int ntok);
int cmd_translate(struct replay *r, struct cmd_args *a);
int cmd_dump(struct replay *r, struct cmd_args *a);
int cmd_show(struct replay *r, struct cmd_args *a);
int cmd_stats(struct replay *r, struct cmd_args *a);

/* tools/dump_json.c */
int dump_json(FILE *out, struct pgt *pgt);

/* tools/cmd_vm.c */
bool cmd_parse_vm(struct replay *r, struct cmd_args *a, char **tok, int ntok);
bool cmd_parse_memslot(struct replay *r, struct cmd_args *a, char **tok, int ntok);
bool cmd_parse_mmu_new(struct replay *r, struct cmd_args *a, char **tok, int ntok);
bool cmd_parse_mmu_dump(struct replay *r, struct cmd_args *a, char **tok, int ntok);
int cmd_vm(struct replay *r, struct cmd_args *a);
int cmd_memslot(struct replay *r, struct cmd_args *a);
int cmd_memslot_del(struct replay *r, struct cmd_args *a);
int cmd_mmu_new(struct replay *r, struct cmd_args *a);
int cmd_mmu_del(struct replay *r, struct cmd_args *a);
int cmd_mmu_translate(struct replay *r, struct cmd_args *a);
int cmd_mmu_dump(struct replay *r, struct cmd_args *a);
int cmd_mmu_show(struct replay *r, struct cmd_args *a);
int cmd_gfn_map(struct replay *r, struct cmd_args *a);
int cmd_hva_unmap(struct replay *r, struct cmd_args *a);
int cmd_hva_age(struct replay *r, struct cmd_args *a);
int cmd_hva_init(struct replay *r, struct cmd_args *a);
int cmd_vcpu_run(struct replay *r, struct cmd_args *a);
void replay_drop_vm(struct replay *r);

#endif /* TOOLS_REPLAY_H */
