// SPDX-License-Identifier: GPL-2.0-only
/*
 * host_mm_verdict.c - the tests' rule about misuse: every report of an
 * arena's home and every PGT_WARN_ON of the library is either announced by
 * the test or a failure, delivered when the arena is destroyed -- to the
 * fail handler if one is set (a cmocka test's fail_msg), else to stderr --
 * and anything never delivered makes the process exit with
 * HOST_MM_MISUSE_STATUS.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_mm.h"
#include "host_mm_verdict.h"

static host_mm_fail_fn fail_handler;
static u64 unexpected_reports;		/* every arena's, plus the library's */
static u64 delivered_reports;		/* ... of which a failed check announced */
static u64 lib_expected;		/* PGT_WARN_ON reports still expected */
static u64 lib_unexpected;		/* PGT_WARN_ON reports nobody expected */
static u64 lib_delivered;		/* ... of which a failed check announced */
static pthread_once_t exit_check_once = PTHREAD_ONCE_INIT;

/* Take one expected report off @left if there is one. */
static bool claim_expected(u64 *left)
{
	u64 n = __atomic_load_n(left, __ATOMIC_RELAXED);

	while (n && !__atomic_compare_exchange_n(left, &n, n - 1, true, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
		;
	return n != 0;
}

/* The backstop: a report no check announced still fails the process. */
static void exit_check(void)
{
	u64 arena = stat_read(&unexpected_reports) - stat_read(&delivered_reports);
	u64 lib = stat_read(&lib_unexpected) - stat_read(&lib_delivered);

	if (!arena && !lib)
		return;
	fprintf(stderr, "host_mm: FAIL: %llu misuse report(s) of the home and %llu PGT_WARN_ON "
		"report(s) of the library that no check announced\n",
		(unsigned long long)arena, (unsigned long long)lib);
	fflush(NULL);
	_exit(HOST_MM_MISUSE_STATUS);
}

static void exit_check_register(void)
{
	atexit(exit_check);
}

static void exit_check_arm(void)
{
	pthread_once(&exit_check_once, exit_check_register);
}

/* A report of the home (through its report function) or of the layer. */
void host_mm_misuse(struct host_mm *hm, const char *msg)
{
	bool expected = claim_expected(&hm->misuse_expected);

	pthread_mutex_lock(&hm->misuse_lock);
	snprintf(hm->last_misuse, sizeof(hm->last_misuse), "%s", msg);
	pthread_mutex_unlock(&hm->misuse_lock);
	if (!expected) {
		stat_add(&hm->misuse_unexpected, 1);
		stat_add(&unexpected_reports, 1);
		fprintf(stderr, "host_mm: warning: %s\n", msg);
	} else if (!__atomic_load_n(&hm->quiet, __ATOMIC_RELAXED)) {
		fprintf(stderr, "host_mm: expected warning: %s\n", msg);
	}
}

void host_mm_verdict_begin(struct host_mm *hm)
{
	hm->lib_unexpected_at_create = stat_read(&lib_unexpected);
	exit_check_arm();
}

/* The arena's verdict: in @v->msg what is wrong, if anything is. */
void host_mm_verdict(struct host_mm *hm, struct host_mm_verdict *v)
{
	size_t len = sizeof(v->msg);
	char *msg = v->msg;
	u64 lib_seen = stat_read(&lib_delivered);
	u64 since = lib_seen > hm->lib_unexpected_at_create ? lib_seen :
		    hm->lib_unexpected_at_create;

	msg[0] = '\0';
	v->unexpected = stat_read(&hm->misuse_unexpected);
	v->unmet = stat_read(&hm->misuse_expected);
	v->lib_now = stat_read(&lib_unexpected);
	v->lib_new = v->lib_now > since ? v->lib_now - since : 0;
	if (v->unexpected)
		snprintf(msg, len, "host_mm: FAIL: %llu unexpected misuse report(s) of the "
			 "home, the last: %s", (unsigned long long)v->unexpected, hm->last_misuse);
	else if (v->unmet)
		snprintf(msg, len, "host_mm: FAIL: %llu expected misuse report(s) of the home "
			 "never came", (unsigned long long)v->unmet);
	else if (v->lib_new)
		snprintf(msg, len, "host_mm: FAIL: %llu unexpected PGT_WARN_ON report(s) of "
			 "the library while the arena lived", (unsigned long long)v->lib_new);
	v->ok = !v->unexpected && !v->unmet && !v->lib_new;
}

/*
 * Hand a failed verdict to the fail handler, which owns it from now on, or
 * leave it to the exit check (an unmet expectation is counted there too).
 * After the arena is gone: the handler may not return.
 */
void host_mm_verdict_deliver(const struct host_mm_verdict *v)
{
	host_mm_fail_fn fail = __atomic_load_n(&fail_handler, __ATOMIC_ACQUIRE);

	if (v->ok)
		return;
	if (!fail) {
		fprintf(stderr, "%s\n", v->msg);
		if (!v->unexpected && !v->lib_new)
			host_mm_note_failure();
		return;
	}
	stat_add(&delivered_reports, v->unexpected);
	__atomic_store_n(&lib_delivered, v->lib_now, __ATOMIC_RELAXED);
	fail(v->msg);
}

/* ---- The library's warnings (the home's pgt_host_warn() hands them here) ---- */

static void lib_warn(const char *file, int line, const char *cond)
{
	bool expected = claim_expected(&lib_expected);

	exit_check_arm();
	if (!expected)
		stat_add(&lib_unexpected, 1);
	fprintf(stderr, "%s:%d: PGT_WARN_ON(%s)%s\n", file, line, cond,
		expected ? " (expected)" : "");
}

__attribute__((constructor)) static void host_mm_take_lib_warnings(void)
{
	pgt_hosted_set_lib_warn(lib_warn);
}

/* ---- Misuse expectations and the verdict ---- */

void host_mm_expect_misuse(struct host_mm *hm, u64 n)
{
	stat_add(&hm->misuse_expected, n);
}

u64 host_mm_unexpected_misuse(struct host_mm *hm)
{
	return stat_read(&hm->misuse_unexpected);
}

void host_mm_last_misuse(struct host_mm *hm, char *buf, size_t len)
{
	pthread_mutex_lock(&hm->misuse_lock);
	snprintf(buf, len, "%s", hm->last_misuse);
	pthread_mutex_unlock(&hm->misuse_lock);
}

void host_mm_expect_warn_on(u64 n)
{
	stat_add(&lib_expected, n);
}

host_mm_fail_fn host_mm_set_fail_handler(host_mm_fail_fn fn)
{
	return __atomic_exchange_n(&fail_handler, fn, __ATOMIC_ACQ_REL);
}

void host_mm_note_failure(void)
{
	exit_check_arm();
	stat_add(&unexpected_reports, 1);
}
