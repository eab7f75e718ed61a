/* Tests for serve_hub.c (src/kafka/serve, no Kafka in it): the live-event ring of
 * `wxstream serve` — events in order, a client a whole ring behind is dropped and counted, a
 * long event goes out in pieces, the client limit, close ends every stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "serve_hub.h"

static void test_a_client_gets_the_events_published_after_it_joined_in_order(void **state)
{
    (void)state;
    serve_hub_t *h = serve_hub_new(8, 4);
    serve_hub_publish(h, "output", "{\"a\":0}", 7); /* before the client: not for it */
    serve_hub_client_t *c = serve_hub_join(h);
    assert_non_null(c);
    serve_hub_publish(h, "output", "{\"a\":1}", 7);
    serve_hub_publish(h, "dead", "{\"b\":2}", 7);
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
    serve_hub_t *h = serve_hub_new(4, 4);
    serve_hub_client_t *slow = serve_hub_join(h);
    serve_hub_client_t *fast = serve_hub_join(h);
    char buf[4096];
    for (int i = 0; i < 4; i++)
        serve_hub_publish(h, "output", "{}", 2);
    assert_true(serve_hub_read(h, fast, buf, sizeof buf, 0) > 0);
    serve_hub_publish(h, "output", "{}", 2); /* the fifth: overwrites what slow has not read */
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
    serve_hub_t *h = serve_hub_new(4, 4);
    serve_hub_client_t *c = serve_hub_join(h);
    char data[100];
    memset(data, 'x', sizeof data);
    serve_hub_publish(h, "output", data, sizeof data);
    serve_hub_publish(h, "health", "{}", 2);
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
    serve_hub_t *h = serve_hub_new(4, 1);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_client_gets_the_events_published_after_it_joined_in_order),
        cmocka_unit_test(test_a_client_a_whole_ring_behind_is_dropped_and_counted),
        cmocka_unit_test(test_an_event_longer_than_the_buffer_goes_out_in_pieces),
        cmocka_unit_test(test_joins_beyond_max_clients_are_refused_and_close_ends_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
