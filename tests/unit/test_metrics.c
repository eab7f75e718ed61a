/* Tests for metrics: the registry and its text exposition (format 0.0.4), without HTTP.
 * Expected texts are written out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

static char *format(metrics_registry_t *r)
{
    static char text[8192];
    wxbuf_t b = WXBUF_INIT;
    assert_int_equal(metrics_format(r, &b), 0);
    snprintf(text, sizeof text, "%s", b.data ? b.data : "");
    wxbuf_free(&b);
    return text;
}

static void test_counter_without_labels_has_help_type_and_one_sample(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    metrics_family_t *f = metrics_counter(r, "wx_things_total", "Things seen.", NULL);
    assert_non_null(f);
    metrics_add(metrics_series(f, NULL), 2);
    metrics_add(metrics_series(f, NULL), 1);
    assert_string_equal(format(r), "# HELP wx_things_total Things seen.\n"
                                   "# TYPE wx_things_total counter\n"
                                   "wx_things_total 3\n");
    metrics_registry_destroy(r);
}

static void test_a_family_without_labels_shows_zero_before_any_update(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    metrics_gauge(r, "wx_level", "Level.", NULL);
    assert_string_equal(format(r), "# HELP wx_level Level.\n# TYPE wx_level gauge\nwx_level 0\n");
    metrics_registry_destroy(r);
}

static void test_labelled_series_appear_in_the_order_they_were_made(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    metrics_family_t *f = metrics_gauge(r, "wx_lag", "Lag.", L("topic", "partition"));
    assert_string_equal(format(r), "# HELP wx_lag Lag.\n# TYPE wx_lag gauge\n");
    metrics_set(metrics_series(f, L("In", "1")), 5);
    metrics_set(metrics_series(f, L("In", "0")), -2.5);
    metrics_set(metrics_series(f, L("In", "1")), 7); /* the same series again */
    assert_string_equal(format(r), "# HELP wx_lag Lag.\n# TYPE wx_lag gauge\n"
                                   "wx_lag{topic=\"In\",partition=\"1\"} 7\n"
                                   "wx_lag{topic=\"In\",partition=\"0\"} -2.5\n");
    metrics_registry_destroy(r);
}

static void test_label_values_escape_backslash_quote_and_newline(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    metrics_family_t *f = metrics_counter(r, "wx_x_total", "X.", L("name"));
    metrics_add(metrics_series(f, L("a\\b\"c\nd <img src=x>")), 1);
    assert_string_equal(format(r), "# HELP wx_x_total X.\n# TYPE wx_x_total counter\n"
                                   "wx_x_total{name=\"a\\\\b\\\"c\\nd <img src=x>\"} 1\n");
    metrics_registry_destroy(r);
}

static void test_help_escapes_backslash_and_newline_but_not_quotes(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    metrics_gauge(r, "wx_g", "Says \"hi\"\\\nthere.", NULL);
    assert_string_equal(format(r), "# HELP wx_g Says \"hi\"\\\\\\nthere.\n"
                                   "# TYPE wx_g gauge\nwx_g 0\n");
    metrics_registry_destroy(r);
}

static void test_histogram_buckets_are_cumulative_and_end_with_inf(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    static const double bounds[] = {0.25, 0.5, 1};
    metrics_family_t *f = metrics_histogram(r, "wx_latency_seconds", "Latency.", NULL, bounds, 3);
    metrics_series_t *s = metrics_series(f, NULL);
    metrics_observe(s, 0.125);
    metrics_observe(s, 0.25); /* on a bound: in that bucket (le = less or equal) */
    metrics_observe(s, 0.75);
    metrics_observe(s, 3);
    assert_string_equal(format(r), "# HELP wx_latency_seconds Latency.\n"
                                   "# TYPE wx_latency_seconds histogram\n"
                                   "wx_latency_seconds_bucket{le=\"0.25\"} 2\n"
                                   "wx_latency_seconds_bucket{le=\"0.5\"} 2\n"
                                   "wx_latency_seconds_bucket{le=\"1\"} 3\n"
                                   "wx_latency_seconds_bucket{le=\"+Inf\"} 4\n"
                                   "wx_latency_seconds_sum 4.125\n"
                                   "wx_latency_seconds_count 4\n");
    metrics_registry_destroy(r);
}

static void test_histogram_with_labels_puts_le_last(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    static const double bounds[] = {1};
    metrics_family_t *f = metrics_histogram(r, "wx_h", "H.", L("kind"), bounds, 1);
    metrics_observe(metrics_series(f, L("in")), 2);
    assert_string_equal(format(r), "# HELP wx_h H.\n# TYPE wx_h histogram\n"
                                   "wx_h_bucket{kind=\"in\",le=\"1\"} 0\n"
                                   "wx_h_bucket{kind=\"in\",le=\"+Inf\"} 1\n"
                                   "wx_h_sum{kind=\"in\"} 2\n"
                                   "wx_h_count{kind=\"in\"} 1\n");
    metrics_registry_destroy(r);
}

static void test_values_are_exact_and_special_values_use_go_spellings(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    metrics_family_t *f = metrics_gauge(r, "wx_v", "V.", L("k"));
    metrics_set(metrics_series(f, L("a")), 0.1);
    metrics_set(metrics_series(f, L("b")), 1780000000); /* an epoch time: no exponent */
    metrics_set(metrics_series(f, L("c")), INFINITY);
    metrics_set(metrics_series(f, L("d")), -INFINITY);
    metrics_set(metrics_series(f, L("e")), NAN);
    metrics_set(metrics_series(f, L("f")), 1.0 / 3.0);
    assert_string_equal(format(r), "# HELP wx_v V.\n# TYPE wx_v gauge\n"
                                   "wx_v{k=\"a\"} 0.1\n"
                                   "wx_v{k=\"b\"} 1780000000\n"
                                   "wx_v{k=\"c\"} +Inf\n"
                                   "wx_v{k=\"d\"} -Inf\n"
                                   "wx_v{k=\"e\"} NaN\n"
                                   "wx_v{k=\"f\"} 0.3333333333333333\n");
    metrics_registry_destroy(r);
}

/* From the former prom_text tests (serve's /metrics): counts and byte totals past 1e15 and
 * values far from 1 read back as the same double. */
static void test_large_and_small_values_read_back_exactly(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    metrics_family_t *f = metrics_gauge(r, "wx_v", "V.", L("k"));
    metrics_set(metrics_series(f, L("a")), 1e300);
    metrics_set(metrics_series(f, L("b")), 1234567890123456.0); /* 16 digits */
    metrics_set(metrics_series(f, L("c")), 9007199254740993.0); /* 2^53 + 1: is 2^53 */
    metrics_set(metrics_series(f, L("d")), 1764560000.123);     /* a time in ms / 1000 */
    metrics_set(metrics_series(f, L("e")), -1e-300);
    assert_string_equal(format(r), "# HELP wx_v V.\n# TYPE wx_v gauge\n"
                                   "wx_v{k=\"a\"} 1e+300\n"
                                   "wx_v{k=\"b\"} 1234567890123456\n"
                                   "wx_v{k=\"c\"} 9007199254740992\n"
                                   "wx_v{k=\"d\"} 1764560000.123\n"
                                   "wx_v{k=\"e\"} -1e-300\n");
    metrics_registry_destroy(r);
}

static void test_a_removed_series_is_hidden_and_comes_back_from_zero(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    metrics_family_t *f = metrics_gauge(r, "wx_p", "P.", L("partition"));
    metrics_series_t *a = metrics_series(f, L("0"));
    metrics_set(a, 4);
    metrics_set(metrics_series(f, L("1")), 5);
    metrics_series_remove(a);
    assert_string_equal(format(r), "# HELP wx_p P.\n# TYPE wx_p gauge\nwx_p{partition=\"1\"} 5\n");
    assert_ptr_equal(metrics_series(f, L("0")), a); /* the same memory: pointers stay valid */
    assert_string_equal(format(r), "# HELP wx_p P.\n# TYPE wx_p gauge\n"
                                   "wx_p{partition=\"0\"} 0\nwx_p{partition=\"1\"} 5\n");
    metrics_registry_destroy(r);
}

static void test_bad_names_and_bounds_are_refused(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    static const double up[] = {1, 2}, down[] = {2, 1}, inf[] = {1, INFINITY};
    assert_null(metrics_counter(r, "1abc", "x", NULL));
    assert_null(metrics_counter(r, "a-b", "x", NULL));
    assert_null(metrics_counter(r, "", "x", NULL));
    assert_null(metrics_gauge(r, "ok", "x", L("bad-label")));
    assert_null(metrics_gauge(r, "ok", "x", L("__reserved")));
    assert_null(metrics_gauge(r, "ok", "x", L("a:b")));
    assert_null(metrics_histogram(r, "h", "x", L("le"), up, 2));
    assert_null(metrics_histogram(r, "h", "x", NULL, down, 2));
    assert_null(metrics_histogram(r, "h", "x", NULL, inf, 2));
    assert_non_null(metrics_gauge(r, "ns:ok_1", "x", L("_a1")));
    /* a series needs a value for every label */
    metrics_family_t *f = metrics_gauge(r, "two", "x", L("a", "b"));
    assert_null(metrics_series(f, L("only one")));
    assert_null(metrics_series(f, NULL));
    metrics_registry_destroy(r);
}

static void test_null_family_and_series_are_ignored(void **state)
{
    (void)state;
    metrics_add(NULL, 1);
    metrics_set(NULL, 1);
    metrics_observe(NULL, 1);
    metrics_series_remove(NULL);
    assert_null(metrics_series(NULL, NULL));
    assert_true(metrics_value(NULL) == 0.0);
    metrics_registry_destroy(NULL);
}

static void set_from_collector(void *ctx)
{
    metrics_set(metrics_series(ctx, NULL), 42);
}

static void test_collectors_run_before_every_format(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    metrics_family_t *f = metrics_gauge(r, "wx_c", "C.", NULL);
    assert_int_equal(metrics_on_collect(r, set_from_collector, f), 0);
    assert_string_equal(format(r), "# HELP wx_c C.\n# TYPE wx_c gauge\nwx_c 42\n");
    metrics_registry_destroy(r);
}

typedef struct adder {
    metrics_series_t *counter, *hist;
} adder_t;

static void *add_many(void *arg)
{
    adder_t *a = arg;
    for (int i = 0; i < 100000; i++) {
        metrics_add(a->counter, 1);
        metrics_observe(a->hist, 0.5);
    }
    return NULL;
}

static void test_concurrent_updates_lose_nothing(void **state)
{
    (void)state;
    metrics_registry_t *r = metrics_registry_new();
    static const double bounds[] = {1};
    adder_t a = {metrics_series(metrics_counter(r, "wx_n_total", "N.", NULL), NULL),
                 metrics_series(metrics_histogram(r, "wx_h", "H.", NULL, bounds, 1), NULL)};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, add_many, &a), 0);
    for (int i = 0; i < 4; i++) {
        wxbuf_t b = WXBUF_INIT; /* scrapes meanwhile */
        assert_int_equal(metrics_format(r, &b), 0);
        wxbuf_free(&b);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_string_equal(format(r), "# HELP wx_n_total N.\n# TYPE wx_n_total counter\n"
                                   "wx_n_total 400000\n"
                                   "# HELP wx_h H.\n# TYPE wx_h histogram\n"
                                   "wx_h_bucket{le=\"1\"} 400000\n"
                                   "wx_h_bucket{le=\"+Inf\"} 400000\n"
                                   "wx_h_sum 200000\n"
                                   "wx_h_count 400000\n");
    metrics_registry_destroy(r);
}

static void addr_ok(const char *addr, const char *host, int port)
{
    char h[64], err[200];
    int p = -1;
    assert_int_equal(metrics_parse_addr(addr, h, sizeof h, &p, err, sizeof err), 0);
    assert_string_equal(h, host);
    assert_int_equal(p, port);
}

static void addr_bad(const char *addr, const char *says)
{
    char h[64], err[200] = "";
    int p = -1;
    assert_int_equal(metrics_parse_addr(addr, h, sizeof h, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, says));
}

static void test_addresses_need_a_host_and_a_port(void **state)
{
    (void)state;
    addr_ok("127.0.0.1:9464", "127.0.0.1", 9464);
    addr_ok("localhost:0", "localhost", 0);
    addr_ok("[::1]:65535", "::1", 65535);
    addr_ok("0.0.0.0:1", "0.0.0.0", 1);
    addr_bad(":9464", "names no host");
    addr_bad("127.0.0.1", "not HOST:PORT");
    addr_bad("127.0.0.1:", "not HOST:PORT");
    addr_bad("127.0.0.1:65536", "not HOST:PORT");
    addr_bad("127.0.0.1:9x", "not HOST:PORT");
    addr_bad("::1:9464", "not HOST:PORT");
    addr_bad("[::1]9464", "not HOST:PORT");
    addr_bad("", "not HOST:PORT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_without_labels_has_help_type_and_one_sample),
        cmocka_unit_test(test_a_family_without_labels_shows_zero_before_any_update),
        cmocka_unit_test(test_labelled_series_appear_in_the_order_they_were_made),
        cmocka_unit_test(test_label_values_escape_backslash_quote_and_newline),
        cmocka_unit_test(test_help_escapes_backslash_and_newline_but_not_quotes),
        cmocka_unit_test(test_histogram_buckets_are_cumulative_and_end_with_inf),
        cmocka_unit_test(test_histogram_with_labels_puts_le_last),
        cmocka_unit_test(test_values_are_exact_and_special_values_use_go_spellings),
        cmocka_unit_test(test_large_and_small_values_read_back_exactly),
        cmocka_unit_test(test_a_removed_series_is_hidden_and_comes_back_from_zero),
        cmocka_unit_test(test_bad_names_and_bounds_are_refused),
        cmocka_unit_test(test_null_family_and_series_are_ignored),
        cmocka_unit_test(test_collectors_run_before_every_format),
        cmocka_unit_test(test_concurrent_updates_lose_nothing),
        cmocka_unit_test(test_addresses_need_a_host_and_a_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
