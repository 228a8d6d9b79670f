// SPDX-License-Identifier: GPL-2.0-only
/*
 * replay.c - read a script line by line, parse each line against the command
 * table the session was given, run it and print its result line.  It calls
 * no command itself: everything it runs comes through struct replay_table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

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

static const struct cmd *find_command(const struct replay_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_cmds; i++)
		if (!strcmp(t->cmds[i].name, name))
			return &t->cmds[i];
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
static bool replay_line(struct replay *r, const struct replay_table *t, char *line, size_t len)
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
	cmd = find_command(t, tok[0]);
	if (!cmd)
		return replay_fail(r, "unknown command '%s'", tok[0]);
	memset(&a, 0, sizeof(a));
	if (cmd->parse ? !cmd->parse(r, &a, tok, ntok) : !parse_positional(r, cmd, &a, tok, ntok))
		return false;
	execute(r, cmd, &a);
	return true;
}

static int replay_lines(struct replay *r, const struct replay_table *t, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int status = REPLAY_OK;

	while ((len = getline(&line, &cap, in)) >= 0) {
		r->line++;
		if (!replay_line(r, t, line, len)) {
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

/* Everything the session holds goes back; the home must then be empty. */
static int replay_teardown(struct replay *r, const struct replay_table *t, u64 warnings_before)
{
	struct pgt_hosted_stats s;
	u64 in_use, warnings;
	int status = REPLAY_OK;
	size_t i;

	for (i = 0; i < t->nr_drops; i++)
		t->drops[i](r);
	pgt_hosted_synchronize(r->home);
	in_use = pgt_hosted_in_use(r->home);
	pgt_hosted_stats(r->home, &s);
	warnings = pgt_hosted_lib_warnings() - warnings_before + s.warnings;
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
	u64 warnings_before = pgt_hosted_lib_warnings();
	int status;

	r.home = pgt_hosted_create(opts->mem_size, opts->phys_base, 0);
	if (!r.home) {
		fprintf(err, "pgtable: cannot create %#llx bytes of memory at %#llx\n",
			(unsigned long long)opts->mem_size, (unsigned long long)opts->phys_base);
		return REPLAY_PARSE_ERROR;
	}
	r.mm = pgt_hosted_ops(r.home);
	status = replay_lines(&r, opts->table, in);
	if (status == REPLAY_OK && opts->strict && r.op_errors)
		status = REPLAY_OP_ERROR;
	status = worst(status, replay_teardown(&r, opts->table, warnings_before));
	pgt_hosted_destroy(r.home);
	if (fflush(out) || ferror(out)) {
		fprintf(err, "pgtable: write error\n");
		status = worst(status, REPLAY_PARSE_ERROR);
	}
	return status;
}
