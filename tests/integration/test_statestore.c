/*
 * test_statestore.c — the Redis key layout (daemon/io/statestore.c)
 * against a real redis-server: every write lands under the documented key
 * with the documented value, reads return what was written, the tools'
 * read and scratch cleanup touch only their own keys.
 */
#include <errno.h>
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "cw/statestore.h"
#include "harness.h"

#define SUB "8613800000001"

struct fix {
	struct cwh *h;
	struct cw_store *s;
	struct cw_statestore *ss;
};

static void open_fix(struct fix *f, const char *prefix)
{
	char url[600], err[256];

	f->h = cwh_new(2, NULL);
	ck_assert_ptr_nonnull(f->h);
	snprintf(url, sizeof(url), "unix://%s", f->h->redis_sock);
	struct cw_store_opts so = {.url = url, .prefix = prefix, .timeout_ms = 5000};
	ck_assert_msg(cw_store_open(&so, &f->s, err, sizeof(err)) == 0, "%s", err);
	struct cw_ss_opts o = {.store = f->s, .group = "g", .nparts = 2,
			       .state_ttl_ms = 86400000, .closed_ttl_ms = 3600000};
	ck_assert_int_eq(cw_ss_new(&o, &f->ss), 0);
}

static void close_fix(struct fix *f)
{
	cw_ss_free(f->ss);
	cw_store_close(f->s);
	cwh_free(f->h);
}

static void exchange(struct fix *f)
{
	char err[256];

	ck_assert_msg(cw_store_exchange(f->s, err, sizeof(err)) == 0, "%s", err);
}

/* One command's reply as text, "" for nil, "ERROR" on failure. The
 * command is a literal: it is the hiredis format (spaces split it). */
static char rout[512];
#define redis(f, cmd)                                                       \
	(rout[0] = '\0',                                                    \
	 cwh_redis_cmd((f)->h, rout, sizeof(rout), cmd) < 0 ? "ERROR" : rout)

START_TEST(transaction_writes_the_documented_keys)
{
	struct fix f;
	const uint8_t blob[] = {0x01, 0x00, 0xff, 0x7f};

	open_fix(&f, "t:");
	cw_ss_begin(f.ss);
	cw_ss_put_state(f.ss, SUB, 1, blob, sizeof(blob), 0, 1000);
	cw_ss_put_state(f.ss, "8613800000002", 0, blob, 2, 1, INT64_MAX);
	cw_ss_put_outbox(f.ss, 1, "abc123", "{\"alert\":1}");
	cw_ss_put_held(f.ss, 1, "h1", "rec\t1");
	cw_ss_put_held(f.ss, 1, "h2", "rec\t2");
	cw_ss_drop_held(f.ss, 1, "h1");
	cw_ss_put_sentinels(f.ss, 1);
	cw_ss_put_progress(f.ss, "cdr/1", 42, 1, 777);
	cw_ss_put_progress(f.ss, "billing/1", 7, 0, 0);
	cw_ss_commit(f.ss);
	exchange(&f);
	cw_store_release(f.s);

	ck_assert_str_eq(redis(&f, "STRLEN t:s:" SUB), "4");
	ck_assert_int_gt(atol(redis(&f, "PTTL t:s:" SUB)), 3600000);
	ck_assert_int_le(atol(redis(&f, "PTTL t:s:8613800000002")), 3600000);
	ck_assert_str_eq(redis(&f, "ZSCORE t:due:1 " SUB), "1000");
	ck_assert_str_eq(redis(&f, "ZSCORE t:due:0 8613800000002"), "");
	ck_assert_str_eq(redis(&f, "HGET t:outbox:1 abc123"), "{\"alert\":1}");
	ck_assert_str_eq(redis(&f, "HGET t:held:1 h2"), "rec\t2");
	ck_assert_str_eq(redis(&f, "HLEN t:held:1"), "1");
	ck_assert_str_eq(redis(&f, "HGET t:off:g cdr/1"), "42");
	ck_assert_str_eq(redis(&f, "HGET t:wm:g cdr/1"), "777");
	ck_assert_str_eq(redis(&f, "HGET t:off:g billing/1"), "7");
	ck_assert_str_eq(redis(&f, "HGET t:wm:g billing/1"), "");
	ck_assert_str_eq(redis(&f, "ZSCORE t:due:1 ~g"), "inf");
	ck_assert_str_eq(redis(&f, "HGET t:off:g ~due/1"), "1");
	close_fix(&f);
}
END_TEST

START_TEST(reads_return_what_was_written)
{
	struct fix f;
	const uint8_t blob[] = {'a', 'b', 'c'};
	const char *subs[] = {SUB, "8613800000009"};
	size_t len;

	open_fix(&f, "t:");
	cw_ss_begin(f.ss);
	cw_ss_put_state(f.ss, SUB, 1, blob, 3, 0, 1000);
	cw_ss_put_outbox(f.ss, 1, "id1", "{}");
	cw_ss_put_held(f.ss, 1, "hx", "r");
	cw_ss_commit(f.ss);
	exchange(&f);
	cw_store_release(f.s);

	int m = cw_ss_queue_states(f.ss, subs, 2);
	int due = cw_ss_queue_due(f.ss, 1, 2000, 10);
	int early = cw_ss_queue_due(f.ss, 1, 500, 10);
	int out = cw_ss_queue_outbox(f.ss, 1);
	int held = cw_ss_queue_held(f.ss, 1);
	int noheld = cw_ss_queue_held(f.ss, 0);
	int off = cw_ss_queue_offset(f.ss, "cdr/1");
	int f1 = cw_ss_queue_take_fence(f.ss, 1);
	int f2 = cw_ss_queue_take_fence(f.ss, 1);
	int ts = cw_ss_queue_timer_sentinel(f.ss, 1);
	ck_assert_int_eq(cw_ss_queue_due(f.ss, 5, 2000, 10), -EINVAL); /* no such pair */
	exchange(&f);
	const char *v = cw_store_reply_str(f.s, m, 0, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert(!memcmp(v, "abc", 3));
	ck_assert_ptr_null(cw_store_reply_str(f.s, m, 1, &len));
	ck_assert_uint_eq(cw_store_reply_len(f.s, due), 1);
	v = cw_store_reply_str(f.s, due, 0, &len);
	ck_assert(len == strlen(SUB) && !memcmp(v, SUB, len));
	ck_assert_uint_eq(cw_store_reply_len(f.s, early), 0);
	ck_assert_uint_eq(cw_store_reply_len(f.s, out), 2);
	ck_assert_uint_eq(cw_store_reply_len(f.s, held), 2);
	v = cw_store_reply_str(f.s, held, 1, &len);
	ck_assert(len == 1 && v[0] == 'r');
	ck_assert_uint_eq(cw_store_reply_len(f.s, noheld), 0);
	ck_assert(cw_store_reply_is_nil(f.s, off));
	long long e1, e2;
	ck_assert_int_eq(cw_store_reply_int(f.s, f1, &e1), 0);
	ck_assert_int_eq(cw_store_reply_int(f.s, f2, &e2), 0);
	ck_assert_int_eq(e2, e1 + 1);
	ck_assert(cw_store_reply_is_nil(f.s, ts));
	cw_store_release(f.s);
	char key[CW_SS_KEY_MAX];
	ck_assert_int_gt(cw_ss_fence_key(f.ss, 1, key, sizeof(key)), 0);
	ck_assert_str_eq(key, "t:fence:g:1");
	ck_assert_str_eq(redis(&f, "GET t:fence:g:1"), "2");

	/* The alert acknowledged leaves the outbox; an expired due
	 * subscriber leaves the timer set. */
	cw_ss_begin(f.ss);
	cw_ss_delete_outbox(f.ss, 1, "id1");
	cw_ss_forget_due(f.ss, SUB, 1);
	cw_ss_commit(f.ss);
	exchange(&f);
	cw_store_release(f.s);
	ck_assert_str_eq(redis(&f, "HLEN t:outbox:1"), "0");
	ck_assert_str_eq(redis(&f, "ZCARD t:due:1"), "0");
	close_fix(&f);
}
END_TEST

START_TEST(tools_read_one_subscriber_and_drop_only_their_prefix)
{
	struct fix f;
	const uint8_t blob[] = {'x', 'y'};
	uint8_t *got = NULL;
	size_t len;
	int64_t due;
	char err[256];

	open_fix(&f, "t:");
	redis(&f, "SET other:keep 1");
	cw_ss_begin(f.ss);
	cw_ss_put_state(f.ss, SUB, 1, blob, 2, 0, 4242);
	cw_ss_put_sentinels(f.ss, 0);
	cw_ss_commit(f.ss);
	exchange(&f);
	cw_store_release(f.s);

	ck_assert_int_eq(cw_ss_read_subscriber(f.ss, SUB, &got, &len, &due, err,
					       sizeof(err)), 0);
	ck_assert_uint_eq(len, 2);
	ck_assert(!memcmp(got, "xy", 2));
	ck_assert_int_eq(due, 4242);
	free(got);
	ck_assert_int_eq(cw_ss_read_subscriber(f.ss, "8613800000077", &got, &len, &due,
					       err, sizeof(err)), 0);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(due, INT64_MAX);

	long removed = cw_ss_drop_prefix(f.ss, err, sizeof(err));
	ck_assert_int_eq(removed, 4); /* s:, due:1, due:0, off:g */
	ck_assert_str_eq(redis(&f, "DBSIZE"), "1");
	ck_assert_str_eq(redis(&f, "GET other:keep"), "1");
	close_fix(&f);
}
END_TEST

/*
 * The round trip in parts (what the pipeline does to step a batch while
 * Redis runs the previous transaction): the reads queued first are
 * readable before the transaction's replies; nothing can be queued while
 * the queue is on the wire; a lost connection keeps the queue, and the
 * next exchange sends it whole again.
 */
START_TEST(send_then_receive_reads_ahead_of_the_transaction)
{
	struct fix f;
	char err[256];
	const uint8_t old[] = {1, 2, 3}, young[] = {9, 9};
	const char *ids[] = {SUB};
	size_t len;

	open_fix(&f, "p:");
	cw_ss_begin(f.ss);
	cw_ss_put_state(f.ss, SUB, 0, old, sizeof(old), 0, 5);
	cw_ss_commit(f.ss);
	exchange(&f);
	cw_store_release(f.s);

	int mget = cw_ss_queue_states(f.ss, ids, 1);
	cw_ss_begin(f.ss);
	cw_ss_put_state(f.ss, SUB, 0, young, sizeof(young), 0, 6);
	cw_ss_commit(f.ss);
	int after = cw_ss_queue_states(f.ss, ids, 1);
	ck_assert_int_eq(mget, 0);
	ck_assert_int_eq(cw_store_send(f.s, err, sizeof(err)), 0);
	ck_assert_int_lt(cw_store_queue(f.s, 1, (const char *[]){"PING"}, NULL), 0);
	ck_assert_int_eq(cw_store_receive(f.s, (size_t)mget + 1, err, sizeof(err)), 0);
	const char *v = cw_store_reply_str(f.s, mget, 0, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(old));
	ck_assert_int_eq(memcmp(v, old, len), 0);
	/* Not read yet: the transaction's and the second MGET's replies. */
	ck_assert_ptr_null(cw_store_reply_str(f.s, after, 0, &len));
	exchange(&f);
	v = cw_store_reply_str(f.s, after, 0, &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(len, sizeof(young));
	ck_assert_int_eq(memcmp(v, young, len), 0);
	cw_store_release(f.s);
	ck_assert_int_eq(cw_store_queue(f.s, 1, (const char *[]){"PING"}, NULL), 0);
	exchange(&f);
	cw_store_release(f.s);

	/* The connection drops before the queue goes out: send or the
	 * exchange fails, the queue is kept, and after the reconnect it goes
	 * out whole and applies. (SIGPIPE ignored, as churnwatchd does.) */
	signal(SIGPIPE, SIG_IGN);
	cw_ss_begin(f.ss);
	cw_ss_put_state(f.ss, SUB, 0, old, sizeof(old), 0, 7);
	cw_ss_commit(f.ss);
	ck_assert_int_ge(atol(redis(&f, "CLIENT KILL TYPE normal SKIPME yes")), 1);
	(void)cw_store_send(f.s, err, sizeof(err));
	ck_assert_int_ne(cw_store_exchange(f.s, err, sizeof(err)), 0);
	ck_assert_uint_gt(cw_store_queued(f.s), 0);
	ck_assert_int_eq(cw_store_reconnect(f.s, err, sizeof(err)), 0);
	exchange(&f);
	cw_store_release(f.s);
	ck_assert_str_eq(redis(&f, "ZSCORE p:due:0 " SUB), "7");
	close_fix(&f);
}
END_TEST

CW_CHECK_SUITE(statestore_suite)
{
	TCase *tc = tcase_create("statestore");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, transaction_writes_the_documented_keys);
	tcase_add_test(tc, reads_return_what_was_written);
	tcase_add_test(tc, tools_read_one_subscriber_and_drop_only_their_prefix);
	tcase_add_test(tc, send_then_receive_reads_ahead_of_the_transaction);
	return cw_check_tcase_suite("statestore", tc);
}
