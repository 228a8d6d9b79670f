// SPDX-License-Identifier: GPL-2.0-only
/*
 * pgtable.c - the command line: "pgtable replay [options] [FILE|-]",
 * "pgtable --help" and "pgtable --version".  Documentation/pgtable-tool.rst
 * is the manual (man pgtable).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "replay.h"

static const char usage_head[] =
	"usage: pgtable replay [--strict] [--mem SIZE] [--phys-base ADDR] [FILE|-]\n"
	"       pgtable --help | --version\n"
	"\n"
	"Replay a script of libpgtable operations against simulated physical memory\n"
	"(default 256M at 0x40000000) and print one result line per command.\n"
	"\n"
	"options:\n"
	"  --strict          exit 1 if any operation failed\n"
	"  --mem SIZE        bytes of simulated memory, a multiple of 1M (e.g. 64M)\n"
	"  --phys-base ADDR  its physical address, 1M aligned\n"
	"  -h, --help        this text\n"
	"\n"
	"script: one command per line, '#' starts a comment; numbers are decimal or\n"
	"0x-hex and may end in K, M or G; prot is letters r w x d (d: device), or -.\n"
	"\n"
	"commands:\n";

static const char usage_tail[] =
	"\n"
	"output: '<command, canonically spelled> ok [key=value...]' or\n"
	"'<command> error <ERRNO NAME>'; translate, dump and stats print their result.\n"
	"exit status: 0 ran; 1 --strict and an operation failed; 2 usage, I/O or a line\n"
	"that does not parse ('line N: ...' on stderr); 3 leak or library warning.\n"
	"See Documentation/pgtable-tool.rst.\n";

static void usage(FILE *f)
{
	const struct replay_table *t = &pgtable_commands;
	size_t i;

	fputs(usage_head, f);
	for (i = 0; i < t->nr_cmds; i++)
		fprintf(f, "  %s\n", t->cmds[i].usage);
	fputs(usage_tail, f);
}

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "pgtable: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
	fprintf(stderr, "try 'pgtable --help'\n");
	return REPLAY_PARSE_ERROR;
}

static bool parse_mb_aligned(const char *arg, u64 *out)
{
	return parse_u64(arg, out) && !(*out & (PGT_HOSTED_ALIGN - 1));
}

/* -1: go on; otherwise the exit status. */
static int parse_option(int c, struct replay_opts *o)
{
	switch (c) {
	case 's':
		o->strict = true;
		return -1;
	case 'm':
		if (!parse_mb_aligned(optarg, &o->mem_size) || !o->mem_size)
			return bad_usage("--mem needs a non-zero multiple of 1M", optarg);
		return -1;
	case 'b':
		if (!parse_mb_aligned(optarg, &o->phys_base))
			return bad_usage("--phys-base needs a 1M-aligned address", optarg);
		return -1;
	case 'h':
		usage(stdout);
		return REPLAY_OK;
	default:
		return bad_usage("bad option", NULL);
	}
}

static int run_file(const struct replay_opts *o, const char *path)
{
	FILE *in = stdin;
	int status;

	if (strcmp(path, "-")) {
		in = fopen(path, "r");
		if (!in) {
			perror(path);
			return REPLAY_PARSE_ERROR;
		}
	}
	status = replay_run(o, in, stdout, stderr);
	if (in != stdin)
		fclose(in);
	return status;
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "mem", required_argument, NULL, 'm' },
		{ "phys-base", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay_opts o = {
		.mem_size = REPLAY_DEFAULT_MEM, .phys_base = REPLAY_DEFAULT_BASE,
		.table = &pgtable_commands,
	};
	int c, status;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		if ((status = parse_option(c, &o)) >= 0)
			return status;
	if (argc - optind > 1)
		return bad_usage("more than one script", argv[optind + 1]);
	return run_file(&o, optind < argc ? argv[optind] : "-");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return bad_usage("no command", NULL);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return REPLAY_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		/* Built against the header's release; linked with the library's. */
		printf("pgtable %d.%d.%d (libpgtable %s)\n", PGT_VERSION_MAJOR, PGT_VERSION_MINOR,
		       PGT_VERSION_PATCH, pgt_version_string());
		return REPLAY_OK;
	}
	if (!strcmp(argv[1], "replay"))
		return cmd_replay(argc - 1, argv + 1);
	return bad_usage("unknown command", argv[1]);
}
