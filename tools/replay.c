// SPDX-License-Identifier: GPL-2.0-only
/*
 * replay.c - read a script line by line, parse each line against the command
 * table, run it and print its result line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
	{ "dump", "", "dump", CMD_TABLE | CMD_SELF, NULL, cmd_dump },
	{ "stats", "", "stats", CMD_NO_OK, NULL, cmd_stats },
	{ "vm", NULL, "vm ia=<bits> [granule=4k|16k|64k] [pa=<bits>] [as=<n>] [cpus=<n>] "
	  "[vmid=<bits>] [fwb] [pages]", 0, cmd_parse_vm, cmd_vm },
	{ "memslot", NULL, "memslot <as> <gfn> <npages> <hva> [ro]", 0, cmd_parse_memslot,
	  cmd_memslot },
	{ "memslot_del", "in", "memslot_del <as> <gfn>", 0, NULL, cmd_memslot_del },
	{ "mmu_new", NULL, "mmu_new [as=<n>] [shares=<id>]", 0, cmd_parse_mmu_new, cmd_mmu_new },
	{ "mmu_del", "i", "mmu_del <id>", 0, NULL, cmd_mmu_del },
	{ "mmu_translate", "in", "mmu_translate <id> <addr>", CMD_NO_OK, NULL, cmd_mmu_translate },
	{ "mmu_dump", "i", "mmu_dump <id>", CMD_SELF, NULL, cmd_mmu_dump },
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

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
	{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { ERANGE, "ERANGE" },
	{ EOPNOTSUPP, "EOPNOTSUPP" },
};

/* The errno name of @err (negative or positive); unknown ones as E<number>. */
const char *replay_errname(int err, char buf[16])
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	snprintf(buf, 16, "E%d", err);
	return buf;
}

/* Record what is wrong with the current line; returns false for callers. */
bool replay_fail(struct replay *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return false;
}

static void append(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t len = strlen(buf);

	if (len < size)
		vsnprintf(buf + len, size - len, fmt, ap);
}

/* Add " key=value" style details to the result line. */
void replay_extra(struct cmd_args *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(a->extra, sizeof(a->extra), fmt, ap);
	va_end(ap);
}

static void echo(struct cmd_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void echo(struct cmd_args *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(a->echo, sizeof(a->echo), fmt, ap);
	va_end(ap);
}

static bool parse_arg(struct replay *r, struct cmd_args *a, char kind, const char *tok,
		      int *nums)
{
	char prot[8];
	u64 v;

	if (kind == 'p') {
		if (!parse_prot(tok, &a->prot))
			return replay_fail(r, "'%s': not a prot (letters r, w, x, d, or -)", tok);
		echo(a, " %s", prot_letters(a->prot, prot));
		return true;
	}
	if (!parse_u64(tok, &v))
		return replay_fail(r, "'%s': not a number", tok);
	a->num[(*nums)++] = v;
	if (kind == 'i')
		echo(a, " %llu", (unsigned long long)v);
	else
		echo(a, " 0x%llx", (unsigned long long)v);
	return true;
}

/* Positional arguments as cmd->args says; the echo spells them canonically. */
static bool parse_positional(struct replay *r, const struct cmd *cmd, struct cmd_args *a,
			     char **tok, int ntok)
{
	int i, nums = 0;

	if ((size_t)ntok - 1 != strlen(cmd->args))
		return replay_fail(r, "%s: expected '%s'", cmd->name, cmd->usage);
	echo(a, "%s", cmd->name);
	for (i = 1; i < ntok; i++)
		if (!parse_arg(r, a, cmd->args[i - 1], tok[i], &nums))
			return false;
	return true;
}

static const struct cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int table_check(const struct replay *r, const struct cmd *cmd)
{
	if ((cmd->flags & CMD_TABLE) && !r->have_table)
		return -ENODEV;
	if ((cmd->flags & CMD_STAGE2) && r->pgt.stage != PGT_STAGE_2)
		return -EOPNOTSUPP;
	return 0;
}

static void execute(struct replay *r, const struct cmd *cmd, struct cmd_args *a)
{
	char buf[16];
	int ret = table_check(r, cmd);

	if (!ret)
		ret = cmd->run(r, a);
	if (ret < 0) {
		r->op_errors++;
		fprintf(r->out, "%s error %s\n", a->echo, replay_errname(ret, buf));
	} else if (!(cmd->flags & CMD_SELF)) {
		fprintf(r->out, "%s%s%s%s\n", a->echo, cmd->flags & CMD_NO_OK ? "" : " ok",
			a->extra[0] ? " " : "", a->extra);
	}
}

#define MAX_WORDS	16
#define SPACE		" \t\r\n\v\f"

/* Split @line into words, dropping a '#' comment; -1 if there are too many. */
static int split_words(char *line, char **tok)
{
	char *save, *w;
	int n = 0;

	line[strcspn(line, "#")] = '\0';
	for (w = strtok_r(line, SPACE, &save); w; w = strtok_r(NULL, SPACE, &save)) {
		if (n == MAX_WORDS)
			return -1;
		tok[n++] = w;
	}
	return n;
}

/* Run one line: false if it does not parse (r->msg says why). */
static bool replay_line(struct replay *r, char *line, size_t len)
{
	struct cmd_args a;
	const struct cmd *cmd;
	char *tok[MAX_WORDS];
	int ntok;

	if (strlen(line) != len)
		return replay_fail(r, "NUL byte in the line");
	ntok = split_words(line, tok);
	if (ntok < 0)
		return replay_fail(r, "more than %d words", MAX_WORDS);
	if (!ntok)
		return true;
	cmd = find_command(tok[0]);
	if (!cmd)
		return replay_fail(r, "unknown command '%s'", tok[0]);
	memset(&a, 0, sizeof(a));
	if (cmd->parse ? !cmd->parse(r, &a, tok, ntok) : !parse_positional(r, cmd, &a, tok, ntok))
		return false;
	execute(r, cmd, &a);
	return true;
}

static int replay_lines(struct replay *r, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int status = REPLAY_OK;

	while ((len = getline(&line, &cap, in)) >= 0) {
		r->line++;
		if (!replay_line(r, line, len)) {
			fflush(r->out);
			fprintf(r->err, "line %lu: %s\n", r->line, r->msg);
			status = REPLAY_PARSE_ERROR;
			break;
		}
	}
	free(line);
	if (status == REPLAY_OK && ferror(in)) {
		fprintf(r->err, "pgtable: read error after line %lu\n", r->line);
		status = REPLAY_PARSE_ERROR;
	}
	return status;
}

/* Everything the session holds goes back; the arena must then be empty. */
static int replay_teardown(struct replay *r, u64 warnings_before)
{
	u64 in_use, warnings;
	int status = REPLAY_OK;

	replay_drop_table(r);
	replay_drop_vm(r);
	replay_free_regions(r);
	host_mm_drain_deferred(r->hm);
	in_use = host_mm_in_use_bytes(r->hm);
	warnings = host_mm_global_warnings() - warnings_before + r->hm->stats.warnings;
	if (in_use) {
		fprintf(r->err, "pgtable: %llu bytes still allocated after teardown\n",
			(unsigned long long)in_use);
		status = REPLAY_BROKEN;
	}
	if (warnings) {
		fprintf(r->err, "pgtable: %llu warnings from the library or the arena\n",
			(unsigned long long)warnings);
		status = REPLAY_BROKEN;
	}
	return status;
}

static int worst(int a, int b)
{
	return a > b ? a : b;
}

/* Run the script on @in; the exit status (REPLAY_*). */
int replay_run(const struct replay_opts *opts, FILE *in, FILE *out, FILE *err)
{
	struct replay r = { .out = out, .err = err };
	u64 warnings_before = host_mm_global_warnings();
	int status;

	r.hm = host_mm_create(opts->mem_size, opts->phys_base);
	if (!r.hm) {
		fprintf(err, "pgtable: cannot create %#llx bytes of memory at %#llx\n",
			(unsigned long long)opts->mem_size, (unsigned long long)opts->phys_base);
		return REPLAY_PARSE_ERROR;
	}
	r.mm = host_mm_ops(r.hm);
	host_mm_set_unlinked_free(r.hm, pgt_unlinked_free);
	status = replay_lines(&r, in);
	if (status == REPLAY_OK && opts->strict && r.op_errors)
		status = REPLAY_OP_ERROR;
	status = worst(status, replay_teardown(&r, warnings_before));
	host_mm_destroy(r.hm);
	if (fflush(out) || ferror(out)) {
		fprintf(err, "pgtable: write error\n");
		status = worst(status, REPLAY_PARSE_ERROR);
	}
	return status;
}
