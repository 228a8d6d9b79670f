// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_replay.c - libFuzzer target: the input is a "pgtable replay" script.
 *
 *   make fuzz                  build build/fuzz/fuzz_replay (clang, ASan+UBSan)
 *   make fuzz-run FUZZ_TIME=60 run it on examples/ and test/tool/cases/
 *
 * Any script may fail to parse or make operations fail; what must never
 * happen is a crash, a sanitizer report, a library warning or a page left
 * allocated after teardown (replay_run() returns REPLAY_BROKEN for those).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A small arena keeps every run short: big requests end in ENOMEM. */
	struct replay_opts o = {
		.mem_size = 4ULL << 20, .phys_base = REPLAY_DEFAULT_BASE,
		.table = &pgtable_commands,
	};
	static FILE *null;
	FILE *in;

	if (!null)
		null = fopen("/dev/null", "w");
	if (!size || !null)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	if (replay_run(&o, in, null, null) == REPLAY_BROKEN)
		abort();
	fclose(in);
	return 0;
}
