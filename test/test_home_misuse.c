// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_home_misuse.c - misusing the hosted home on purpose fails exactly the
 * test that did it.
 *
 * The in-process cases swap the fail handler for one that records what
 * host_mm_destroy() would have failed the test with.  The end-to-end cases
 * run this very binary again as a child (PGT_HOME_MISUSE_CHILD=<case>) with
 * the ordinary rule -- cmocka's fail_msg, or no handler at all -- and check
 * the child's exit status and output: one failed test, named, with the
 * home's report, and nothing else.  Every variant (gcc, clang, asan, tsan)
 * builds and runs this binary, so the rule is proven in each.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "harness.h"

extern char **environ;

#define CHILD_ENV	"PGT_HOME_MISUSE_CHILD"

#define MiB		(1ULL << 20)

static struct host_mm *arena(void)
{
	struct host_mm *hm = host_mm_create(2 * MiB, ARENA_BASE);

	assert_non_null(hm);
	return hm;
}

/* ---- In process: what the check fails with ---- */

static int failures;
static char failure[512];

static void record_failure(const char *msg)
{
	failures++;
	snprintf(failure, sizeof(failure), "%s", msg);
}

/* Destroy @hm with the recording handler; return how many failures it raised. */
static int destroy_recorded(struct host_mm *hm)
{
	host_mm_fail_fn prev = host_mm_set_fail_handler(record_failure);

	failures = 0;
	failure[0] = '\0';
	host_mm_destroy(hm);
	host_mm_set_fail_handler(prev);
	return failures;
}

static void expect_failure(const char *want)
{
	if (!strstr(failure, want))
		fail_msg("failure \"%s\" lacks \"%s\"", failure, want);
}

/* A put_page on a page already freed: one report, and the arena fails. */
static void double_put_fails(void **state)
{
	struct host_mm *hm = arena();
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	void *p = mm->zalloc_page(mm, 4096);
	char last[HOST_MM_MISUSE_MSG], want[HOST_MM_MISUSE_MSG];

	(void)state;
	mm->put_page(mm, p);
	assert_int_equal(host_mm_unexpected_misuse(hm), 0);
	mm->put_page(mm, p);
	assert_int_equal(host_mm_unexpected_misuse(hm), 1);
	assert_int_equal(host_mm_snapshot(hm).warnings, 1);
	host_mm_last_misuse(hm, last, sizeof(last));
	snprintf(want, sizeof(want), "put_page: %p is not allocated", p);
	assert_string_equal(last, want);
	assert_int_equal(destroy_recorded(hm), 1);
	expect_failure("1 unexpected misuse report(s) of the home, the last: ");
	expect_failure(want);
}

/* The same misuse, announced: nothing fails. */
static void expected_misuse_passes(void **state)
{
	struct host_mm *hm = arena();
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	void *p = mm->zalloc_page(mm, 4096);

	(void)state;
	host_mm_expect_misuse(hm, 1);
	mm->put_page(mm, p);
	mm->put_page(mm, p);
	assert_int_equal(host_mm_unexpected_misuse(hm), 0);
	assert_int_equal(host_mm_snapshot(hm).warnings, 1);
	assert_int_equal(destroy_recorded(hm), 0);
}

/* One more than announced fails; and an announced one that never came does too. */
static void expectations_are_exact(void **state)
{
	struct host_mm *hm = arena();
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	void *p = mm->zalloc_page(mm, 4096);

	(void)state;
	host_mm_expect_misuse(hm, 1);
	mm->put_page(mm, p);
	mm->put_page(mm, p);
	mm->get_page(mm, p);
	assert_int_equal(host_mm_unexpected_misuse(hm), 1);
	assert_int_equal(destroy_recorded(hm), 1);
	expect_failure("get_page: ");

	hm = arena();
	host_mm_expect_misuse(hm, 2);
	mm = host_mm_ops(hm);
	mm->put_page(mm, (char *)hm->base + 4096);
	assert_int_equal(destroy_recorded(hm), 1);
	expect_failure("1 expected misuse report(s) of the home never came");
}

/* Every kind of report the home makes is a failure. */
static void every_report_fails(void **state)
{
	struct host_mm *hm = arena();
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	u8 *page = mm->zalloc_page(mm, 4096);
	u8 *root = mm->zalloc_pages_exact(mm, 8192);
	int outside;

	(void)state;
	host_mm_set_unlinked_free(hm, NULL);
	assert_null(mm->zalloc_page(mm, 8192));			/* bad size */
	assert_null(mm->zalloc_pages_exact(mm, 3 * 4096));	/* bad size */
	mm->get_page(mm, &outside);				/* outside the arena */
	mm->page_ref_add(mm, page, -1);				/* to zero */
	mm->page_ref_add(mm, page, 1);				/* from zero */
	mm->put_page(mm, root);					/* a root's last reference */
	mm->free_pages_exact(mm, root, 4096);			/* wrong size */
	mm->free_pages_exact(mm, root, 8192);			/* unbalanced: 0 references */
	mm->free_unlinked_table(mm, page, 3, 12);		/* nothing to free it with */
	assert_int_equal(host_mm_unexpected_misuse(hm), 9);
	mm->put_page(mm, page);
	assert_int_equal(destroy_recorded(hm), 1);
	expect_failure("9 unexpected misuse report(s) of the home, the last: "
		       "free_unlinked_table: ");
}

/* Memory still allocated at teardown is a leak, reported and failed. */
static void leak_at_teardown_fails(void **state)
{
	struct host_mm *hm = arena();
	struct pgt_mm_ops *mm = host_mm_ops(hm);

	(void)state;
	assert_non_null(mm->zalloc_page(mm, 16384));
	assert_int_equal(destroy_recorded(hm), 1);
	expect_failure("destroy: 16384 bytes still allocated (leaked)");
}

/* A PGT_WARN_ON of the library while an arena lives fails the arena's test. */
static void library_warning_fails(void **state)
{
	struct host_mm *hm = arena();

	(void)state;
	pgt_host_warn(__FILE__, __LINE__, "a library bug");
	assert_int_equal(destroy_recorded(hm), 1);
	expect_failure("1 unexpected PGT_WARN_ON report(s) of the library");
	/* Delivered once: the next arena does not fail for it again. */
	assert_int_equal(destroy_recorded(arena()), 0);
	host_mm_expect_warn_on(1);
	hm = arena();
	pgt_host_warn(__FILE__, __LINE__, "an expected library warning");
	assert_int_equal(destroy_recorded(hm), 0);
}

struct child {
	int status;
	char out[16384];
};

/*
 * A reference the library lost, in a real tree: the teardown drops the
 * table's last references and underflows, and the arena fails the test.
 * The destroy frees a last-level table in one pass without reading it
 * after its last put, so this holds under ASan too.
 */
static void lost_reference_fails(void **state)
{
	struct tenv t;
	pgt_pte_t *ptep;
	void *table;
	struct pgt_mm_ops *mm;

	(void)state;
	tenv_stage2(&t, 40, PGT_GRANULE_4K, 40, 0);
	mm = tenv_mm(&t);
	assert_int_equal(pgt_stage2_map(&t.pgt, SZ_2M, SZ_4K, SZ_1G, PGT_PROT_RW, NULL, 0), 0);
	/* Make the level-3 table look unreferenced: its last put comes early. */
	ptep = test_ptep(&t, SZ_2M);
	table = (void *)((uintptr_t)ptep & ~(uintptr_t)(SZ_4K - 1));
	mm->put_page(mm, table);
	pgt_stage2_destroy(&t.pgt);
	assert_true(host_mm_unexpected_misuse(t.hm) > 0);
	host_mm_drain_deferred(t.hm);
	assert_int_equal(destroy_recorded(t.hm), 1);
	expect_failure("unexpected misuse report(s) of the home");
}

static void run_child(const char *name, struct child *c);
static int count(const char *hay, const char *needle);
static int exit_status(const struct child *c);

/* ---- End to end: the child is this binary, under the ordinary rule ---- */

/* The child's cases: each misuses the home once, not announcing it. */
static void child_double_put(void **state)
{
	struct host_mm *hm = arena();
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	void *p = mm->zalloc_page(mm, 4096);

	(void)state;
	mm->put_page(mm, p);
	mm->put_page(mm, p);
	host_mm_destroy(hm);
	fail_msg("host_mm_destroy() returned after a misuse");
}

static void child_passes(void **state)
{
	(void)state;
}

static int run_child_cmocka(const char *name)
{
	const struct CMUnitTest double_put[] = {
		cmocka_unit_test(child_passes),
		cmocka_unit_test(child_double_put),
	};

	if (!strcmp(name, "double_put"))
		return cmocka_run_group_tests_name("child", double_put, NULL, NULL);
	return -1;
}

/* Without a fail handler (a tool, an example): the exit status says it. */
static int run_child_plain(const char *name)
{
	host_mm_set_fail_handler(NULL);
	if (!strcmp(name, "tool_leak")) {
		struct host_mm *hm = arena();
		struct pgt_mm_ops *mm = host_mm_ops(hm);

		mm->zalloc_page(mm, 4096);
		host_mm_destroy(hm);
		return 0;
	}
	if (!strcmp(name, "never_destroyed")) {
		struct host_mm *hm = arena();
		struct pgt_mm_ops *mm = host_mm_ops(hm);

		mm->put_page(mm, hm->base);
		return 0;
	}
	if (!strcmp(name, "library_warning")) {
		pgt_host_warn(__FILE__, __LINE__, "a library bug outside any arena");
		return 0;
	}
	return -1;
}

/* Indented, so that the child's cmocka totals do not count as the parent's. */
static void print_child(const char *name, const struct child *c)
{
	const char *line = c->out, *nl;

	printf("# child %s: status %#x, output:\n", name, c->status);
	for (; *line; line = nl + 1) {
		nl = strchrnul(line, '\n');
		printf("#   %.*s\n", (int)(nl - line), line);
		if (!*nl)
			break;
	}
}

/* Run this binary as child @name; collect its exit status and output. */
static void run_child(const char *name, struct child *c)
{
	char env[64];
	char *argv[] = { "child", NULL };
	char **envp;
	posix_spawn_file_actions_t fa;
	size_t n = 0, len = 0;
	int fd[2];
	pid_t pid;
	ssize_t r;

	while (environ[n])
		n++;
	envp = calloc(n + 2, sizeof(*envp));
	assert_non_null(envp);
	memcpy(envp, environ, n * sizeof(*envp));
	snprintf(env, sizeof(env), "%s=%s", CHILD_ENV, name);
	envp[n] = env;
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	assert_int_equal(posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, envp), 0);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	close(fd[1]);
	while ((r = read(fd[0], c->out + len, sizeof(c->out) - 1 - len)) > 0)
		len += r;
	c->out[len] = '\0';
	close(fd[0]);
	assert_int_equal(waitpid(pid, &c->status, 0), pid);
	print_child(name, c);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

static int exit_status(const struct child *c)
{
	assert_true(WIFEXITED(c->status));
	return WEXITSTATUS(c->status);
}

/* A cmocka test that misuses the home fails, alone, with the home's report. */
static void misuse_fails_its_test(void **state)
{
	struct child c;

	(void)state;
	run_child("double_put", &c);
	assert_int_not_equal(exit_status(&c), 0);
	assert_int_equal(count(c.out, "host_mm: warning: put_page: "), 1);
	assert_int_equal(count(c.out, "the last: put_page: "), 1);
	assert_int_equal(count(c.out, "[       OK ] child_passes"), 1);
	assert_int_equal(count(c.out, "[  FAILED  ] child_double_put"), 2);
	assert_int_equal(count(c.out, "[  FAILED  ] 1 test(s)"), 1);
	assert_int_equal(count(c.out, "returned after a misuse"), 0);
}

/* A program without a fail handler exits with HOST_MM_MISUSE_STATUS. */
static void misuse_fails_the_process(void **state)
{
	static const char *const cases[] = { "tool_leak", "never_destroyed", "library_warning" };
	static const char *const reports[] = {
		"host_mm: warning: destroy: 4096 bytes still allocated (leaked)",
		"host_mm: warning: put_page: ",
		"PGT_WARN_ON(a library bug outside any arena)",
	};
	struct child c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_child(cases[i], &c);
		assert_int_equal(exit_status(&c), HOST_MM_MISUSE_STATUS);
		assert_int_equal(count(c.out, reports[i]), 1);
		assert_int_equal(count(c.out, "host_mm: FAIL: "), i == 0 ? 2 : 1);
		assert_int_equal(count(c.out, "that no check announced"), 1);
	}
}

int main(void)
{
	const char *child = getenv(CHILD_ENV);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(double_put_fails),
		cmocka_unit_test(expected_misuse_passes),
		cmocka_unit_test(expectations_are_exact),
		cmocka_unit_test(every_report_fails),
		cmocka_unit_test(leak_at_teardown_fails),
		cmocka_unit_test(library_warning_fails),
		cmocka_unit_test(lost_reference_fails),
		cmocka_unit_test(misuse_fails_its_test),
		cmocka_unit_test(misuse_fails_the_process),
	};

	if (child) {
		int ret = run_child_cmocka(child);

		return ret >= 0 ? ret : run_child_plain(child);
	}
	return cmocka_run_group_tests_name("home_misuse", tests, NULL, NULL);
}
