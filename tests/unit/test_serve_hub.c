/* Tests for serve_hub.c (src/kafka/serve, no Kafka in it): the live-event ring of
 * `wxstream serve` — events in order, a client a whole ring behind is dropped and counted, a
 * long event goes out in pieces, the client limit, close ends every stream; a burst is held back
 * until the stream is quiet, at most hold_ms, never past half the ring; the
 * latest-only event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "serve_hub.h"

/* The burst tests drive the hub's clock by hand. */
static int64_t fake_now;
static int64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now;
}
#define MS 1000000LL

/* A hub for the burst tests: bursts of more than 4 events, quiet after quiet_ms, on the
 * hand-driven clock. */
static serve_hub_t *burst_hub(size_t capacity, long hold_ms, long quiet_ms)
{
    serve_hub_config_t cfg;
    serve_hub_config_default(&cfg);
    cfg.capacity = capacity;
    cfg.max_clients = 4;
    cfg.hold_ms = hold_ms;
    cfg.quiet_ms = quiet_ms;
    cfg.burst_events = 4;
    cfg.clock = fake_clock;
    fake_now = 1000 * MS;
    return serve_hub_new(&cfg);
}

static void publish_n(serve_hub_t *h, int n)
{
    for (int i = 0; i < n; i++)
        serve_hub_publish(h, "output", "{}", 2);
}

/* Events the client can read now (reads until there is nothing more), -2 when dropped. */
static long events_now(serve_hub_t *h, serve_hub_client_t *c)
{
    char buf[4096];
    long events = 0;
    ssize_t n;
    while ((n = serve_hub_read(h, c, buf, sizeof buf, 0)) > 0)
        for (ssize_t i = 0; i + 1 < n; i++)
            events += buf[i] == '\n' && buf[i + 1] == '\n';
    return n == -2 ? -2 : events;
}

static serve_hub_t *hub(size_t capacity, size_t max_clients)
{
    serve_hub_config_t cfg;
    serve_hub_config_default(&cfg);
    cfg.capacity = capacity;
    cfg.max_clients = max_clients;
    return serve_hub_new(&cfg);
}

static void test_a_client_gets_the_events_published_after_it_joined_in_order(void **state)
{
    (void)state;
    serve_hub_t *h = hub(8, 4);
    serve_hub_publish(h, "output", "{\"a\":0}", 7); /* before the client: not for it */
    serve_hub_client_t *c = serve_hub_join(h);
    assert_non_null(c);
    serve_hub_publish(h, "output", "{\"a\":1}", 7);
    serve_hub_publish(h, "dead", "{\"b\":2}", 7);
    serve_hub_flush(h); /* the consumer ran dry: everything published goes out */
    char buf[256];
    ssize_t n = serve_hub_read(h, c, buf, sizeof buf, 10);
    assert_int_equal(n, strlen("event: output\ndata: {\"a\":1}\n\nevent: dead\ndata: {\"b\":2}\n\n"));
    assert_memory_equal(buf, "event: output\ndata: {\"a\":1}\n\nevent: dead\ndata: {\"b\":2}\n\n", (size_t)n);
    assert_int_equal(serve_hub_read(h, c, buf, sizeof buf, 10), 0); /* nothing new: times out */
    serve_hub_leave(h, c);
    serve_hub_close(h);
    serve_hub_destroy(h);
}

static void test_a_client_a_whole_ring_behind_is_dropped_and_counted(void **state)
{
    (void)state;
    serve_hub_t *h = hub(4, 4);
    serve_hub_client_t *slow = serve_hub_join(h);
    serve_hub_client_t *fast = serve_hub_join(h);
    char buf[4096];
    for (int i = 0; i < 4; i++)
        serve_hub_publish(h, "output", "{}", 2);
    serve_hub_flush(h);
    assert_true(serve_hub_read(h, fast, buf, sizeof buf, 0) > 0);
    serve_hub_publish(h, "output", "{}", 2); /* the fifth: overwrites what slow has not read */
    serve_hub_flush(h);
    serve_hub_sweep(h); /* counted now, before slow's thread comes back */
    serve_hub_stats_t before;
    serve_hub_stats(h, &before);
    assert_int_equal(before.dropped, 1);
    assert_int_equal(serve_hub_read(h, slow, buf, sizeof buf, 0), -2);
    assert_int_equal(serve_hub_read(h, slow, buf, sizeof buf, 0), -2);
    assert_int_equal(serve_hub_read(h, fast, buf, sizeof buf, 0), (ssize_t)strlen("event: output\ndata: {}\n\n"));
    serve_hub_stats_t st;
    serve_hub_stats(h, &st);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(st.published, 5);
    assert_int_equal(st.clients, 2);
    serve_hub_leave(h, slow);
    serve_hub_leave(h, fast);
    serve_hub_close(h);
    serve_hub_destroy(h);
}

static void test_an_event_longer_than_the_buffer_goes_out_in_pieces(void **state)
{
    (void)state;
    serve_hub_t *h = hub(4, 4);
    serve_hub_client_t *c = serve_hub_join(h);
    char data[100];
    memset(data, 'x', sizeof data);
    serve_hub_publish(h, "output", data, sizeof data);
    serve_hub_publish(h, "health", "{}", 2);
    serve_hub_flush(h);
    char buf[40], all[400];
    size_t got = 0;
    ssize_t n;
    while ((n = serve_hub_read(h, c, buf, sizeof buf, 0)) > 0) {
        assert_true(got + (size_t)n <= sizeof all);
        memcpy(all + got, buf, (size_t)n);
        got += (size_t)n;
    }
    size_t want = 7 + 6 + 7 + 100 + 2 + strlen("event: health\ndata: {}\n\n");
    assert_int_equal(got, want);
    assert_memory_equal(all + want - 24, "event: health\ndata: {}\n\n", 24);
    serve_hub_leave(h, c);
    serve_hub_close(h);
    serve_hub_destroy(h);
}

static void test_joins_beyond_max_clients_are_refused_and_close_ends_streams(void **state)
{
    (void)state;
    serve_hub_t *h = hub(4, 1);
    serve_hub_client_t *a = serve_hub_join(h);
    assert_non_null(a);
    assert_null(serve_hub_join(h));
    serve_hub_stats_t st;
    serve_hub_stats(h, &st);
    assert_int_equal(st.refused, 1);
    serve_hub_flush(h);
    serve_hub_close(h);
    char buf[64];
    assert_int_equal(serve_hub_read(h, a, buf, sizeof buf, 1000), -1);
    assert_null(serve_hub_join(h));
    serve_hub_leave(h, a);
    serve_hub_destroy(h);
}

static void test_a_burst_is_held_until_the_stream_is_quiet(void **state)
{
    (void)state;
    serve_hub_t *h = burst_hub(64, 10000, 50);
    serve_hub_client_t *c = serve_hub_join(h);
    serve_hub_publish(h, "output", "{}", 2); /* a lone event goes out at once */
    assert_int_equal(events_now(h, c), 1);
    publish_n(h, 10); /* within the same 20 ms */
    serve_hub_flush(h); /* the consumer has nothing more: 10 waiting, a burst, held */
    assert_int_equal(events_now(h, c), 0);
    fake_now += 30 * MS;
    serve_hub_flush(h); /* quiet for 30 ms: not long enough */
    assert_int_equal(events_now(h, c), 0);
    fake_now += 20 * MS;
    serve_hub_flush(h); /* quiet for 50 ms: released */
    assert_int_equal(events_now(h, c), 10);
    serve_hub_stats_t st;
    serve_hub_stats(h, &st);
    assert_int_equal(st.holds, 1);
    assert_int_equal(st.dropped, 0);
    fake_now += 100 * MS;
    publish_n(h, 4); /* four at once are not a burst */
    serve_hub_flush(h);
    assert_int_equal(events_now(h, c), 4);
    serve_hub_leave(h, c);
    serve_hub_close(h);
    serve_hub_destroy(h);
}

static void test_a_burst_that_goes_on_is_released_after_hold_ms(void **state)
{
    (void)state;
    serve_hub_t *h = burst_hub(64, 100, 10000);
    serve_hub_client_t *c = serve_hub_join(h);
    publish_n(h, 10);
    assert_int_equal(events_now(h, c), 1); /* the first went out before the burst was seen */
    fake_now += 25 * MS;
    serve_hub_publish(h, "output", "{}", 2); /* a wake-up with 10 waiting: held */
    assert_int_equal(events_now(h, c), 0);
    fake_now += 99 * MS;
    serve_hub_publish(h, "output", "{}", 2); /* 99 ms after the hold began */
    serve_hub_flush(h);
    assert_int_equal(events_now(h, c), 0);
    fake_now += 1 * MS;
    serve_hub_publish(h, "output", "{}", 2); /* 100 ms: released, the stream still going */
    assert_int_equal(events_now(h, c), 12);
    serve_hub_leave(h, c);
    serve_hub_close(h);
    serve_hub_destroy(h);
}

static void test_a_burst_is_released_before_it_could_drop_a_client(void **state)
{
    (void)state;
    serve_hub_t *h = burst_hub(24, 10000, 10000);
    serve_hub_client_t *c = serve_hub_join(h);
    publish_n(h, 6);
    serve_hub_flush(h);
    assert_int_equal(events_now(h, c), 1);
    publish_n(h, 6); /* 11 held */
    assert_int_equal(events_now(h, c), 0);
    serve_hub_publish(h, "output", "{}", 2); /* 12 held: half the ring */
    assert_int_equal(events_now(h, c), 12);
    serve_hub_leave(h, c);
    serve_hub_close(h);
    serve_hub_destroy(h);
}

static void test_hold_0_never_holds_a_burst(void **state)
{
    (void)state;
    serve_hub_t *h = burst_hub(64, 0, 10000);
    serve_hub_client_t *c = serve_hub_join(h);
    publish_n(h, 40);
    serve_hub_flush(h);
    assert_int_equal(events_now(h, c), 40);
    serve_hub_stats_t st;
    serve_hub_stats(h, &st);
    assert_int_equal(st.holds, 0);
    serve_hub_leave(h, c);
    serve_hub_close(h);
    serve_hub_destroy(h);
}

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_a_client_waits_while_a_burst_is_held_and_one_joining_gets_none_of_it(void **state)
{
    (void)state;
    serve_hub_t *h = burst_hub(64, 10000, 50);
    serve_hub_client_t *a = serve_hub_join(h);
    publish_n(h, 10);
    serve_hub_flush(h); /* 9 held */
    assert_int_equal(events_now(h, a), 1);
    serve_hub_client_t *b = serve_hub_join(h); /* joins during the hold */
    char buf[512];
    int64_t t0 = real_ms();
    assert_int_equal(serve_hub_read(h, a, buf, sizeof buf, 60), 0); /* waits, not spins */
    assert_true(real_ms() - t0 >= 50);
    publish_n(h, 2);
    fake_now += 60 * MS;
    serve_hub_flush(h); /* released: a gets the 11, b the 2 published after it joined */
    assert_int_equal(events_now(h, a), 11);
    assert_int_equal(events_now(h, b), 2);
    serve_hub_leave(h, a);
    serve_hub_leave(h, b);
    serve_hub_close(h);
    serve_hub_destroy(h);
}

static void expect_read(serve_hub_t *h, serve_hub_client_t *c, size_t max, const char *want)
{
    char buf[512];
    assert_true(max <= sizeof buf);
    ssize_t n = serve_hub_read(h, c, buf, max, 0);
    assert_int_equal(n, (ssize_t)strlen(want));
    assert_memory_equal(buf, want, strlen(want));
}

static void test_the_latest_only_event_goes_out_once_held_or_not_newest_only(void **state)
{
    (void)state;
    serve_hub_t *h = burst_hub(64, 10000, 10000);
    serve_hub_client_t *a = serve_hub_join(h);
    char buf[256];
    serve_hub_latest(h, "health", "{\"n\":1}", 7);
    serve_hub_latest(h, "health", "{\"n\":2}", 7); /* replaces the first: never queued */
    expect_read(h, a, sizeof buf, "event: health\ndata: {\"n\":2}\n\n");
    assert_int_equal(serve_hub_read(h, a, buf, sizeof buf, 10), 0); /* once */
    publish_n(h, 10);
    serve_hub_flush(h); /* 9 held */
    assert_int_equal(events_now(h, a), 1);
    serve_hub_latest(h, "health", "{\"n\":3}", 7); /* goes out while the burst is held */
    expect_read(h, a, sizeof buf, "event: health\ndata: {\"n\":3}\n\n");
    serve_hub_client_t *b = serve_hub_join(h); /* a new client gets the latest at once */
    expect_read(h, b, sizeof buf, "event: health\ndata: {\"n\":3}\n\n");
    serve_hub_leave(h, a);
    serve_hub_leave(h, b);
    serve_hub_close(h);
    serve_hub_destroy(h);
}

static void test_the_latest_only_event_waits_for_a_partly_sent_event_and_goes_in_pieces(void **state)
{
    (void)state;
    serve_hub_t *h = burst_hub(64, 10000, 10000);
    serve_hub_client_t *c = serve_hub_join(h);
    serve_hub_publish(h, "output", "0123456789", 10); /* 30 bytes as SSE */
    expect_read(h, c, 12, "event: outpu");
    serve_hub_latest(h, "health", "{\"n\":1}", 7); /* 28 bytes */
    expect_read(h, c, 12, "t\ndata: 0123"); /* the rest of the event first */
    expect_read(h, c, 64, "456789\n\n");
    expect_read(h, c, 10, "event: hea");
    char part[10];
    int64_t t0 = real_ms();
    ssize_t n = serve_hub_read(h, c, part, sizeof part, 2000); /* the rest is there: no wait */
    assert_true(real_ms() - t0 < 1000);
    assert_int_equal(n, 10);
    assert_memory_equal(part, "lth\ndata: ", 10);
    serve_hub_latest(h, "health", "{\"n\":2}", 7); /* c keeps sending the one it began */
    expect_read(h, c, 64, "{\"n\":1}\n\n");
    expect_read(h, c, 64, "event: health\ndata: {\"n\":2}\n\n");
    assert_int_equal(serve_hub_read(h, c, (char[64]){0}, 64, 0), 0);
    serve_hub_leave(h, c);
    serve_hub_close(h);
    serve_hub_destroy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_client_gets_the_events_published_after_it_joined_in_order),
        cmocka_unit_test(test_a_client_a_whole_ring_behind_is_dropped_and_counted),
        cmocka_unit_test(test_an_event_longer_than_the_buffer_goes_out_in_pieces),
        cmocka_unit_test(test_joins_beyond_max_clients_are_refused_and_close_ends_streams),
        cmocka_unit_test(test_a_burst_is_held_until_the_stream_is_quiet),
        cmocka_unit_test(test_a_burst_that_goes_on_is_released_after_hold_ms),
        cmocka_unit_test(test_a_burst_is_released_before_it_could_drop_a_client),
        cmocka_unit_test(test_hold_0_never_holds_a_burst),
        cmocka_unit_test(test_a_client_waits_while_a_burst_is_held_and_one_joining_gets_none_of_it),
        cmocka_unit_test(test_the_latest_only_event_goes_out_once_held_or_not_newest_only),
        cmocka_unit_test(test_the_latest_only_event_waits_for_a_partly_sent_event_and_goes_in_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
