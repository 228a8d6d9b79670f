// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_version.c - the version the library reports at run time is the one
 * its header promised at compile time, in both forms, and the integer form
 * orders releases the way their numbers do.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void version_number_matches_header(void **state)
{
	(void)state;
	assert_int_equal(pgt_version(), PGT_VERSION);
	assert_int_equal(pgt_version() >> 16, PGT_VERSION_MAJOR);
	assert_int_equal((pgt_version() >> 8) & 0xff, PGT_VERSION_MINOR);
	assert_int_equal(pgt_version() & 0xff, PGT_VERSION_PATCH);
}

static void version_string_matches_number(void **state)
{
	char want[32];

	(void)state;
	snprintf(want, sizeof(want), "%u.%u.%u", PGT_VERSION_MAJOR, PGT_VERSION_MINOR,
		 PGT_VERSION_PATCH);
	assert_string_equal(pgt_version_string(), want);
}

/* A program checks "at least 0.1.0" with one comparison: each field must fit its byte. */
static void version_fields_fit_their_bytes(void **state)
{
	(void)state;
	assert_true(PGT_VERSION_MINOR <= 0xff && PGT_VERSION_PATCH <= 0xff);
	assert_true(PGT_VERSION_MAJOR <= 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version_number_matches_header),
		cmocka_unit_test(version_string_matches_number),
		cmocka_unit_test(version_fields_fit_their_bytes),
	};

	return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
