/* Tests for prom_text.c: families, samples, label escaping and special values. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "prom_text.h"

static void test_family_and_samples_in_the_text_format(void **state)
{
    (void)state;
    wxbuf_t b = WXBUF_INIT;
    prom_text_family(&b, "wx_records_total", "counter", "Records read.\nPer topic \\ kind");
    const char *l[] = {"topic", "Output", "partition", "0", NULL};
    prom_text_sample(&b, "wx_records_total", l, 42);
    prom_text_sample(&b, "wx_up", NULL, 1);
    prom_text_sample(&b, "wx_ratio", NULL, 0.25);
    assert_string_equal(b.data, "# HELP wx_records_total Records read.\\nPer topic \\\\ kind\n"
                                "# TYPE wx_records_total counter\n"
                                "wx_records_total{topic=\"Output\",partition=\"0\"} 42\n"
                                "wx_up 1\n"
                                "wx_ratio 0.25\n");
    wxbuf_free(&b);
}

static void test_label_values_from_the_data_are_escaped(void **state)
{
    (void)state;
    wxbuf_t b = WXBUF_INIT;
    const char *l[] = {"reason", "a\"b\\c\nd", NULL};
    prom_text_sample(&b, "wx_dead_total", l, 3);
    assert_string_equal(b.data, "wx_dead_total{reason=\"a\\\"b\\\\c\\nd\"} 3\n");
    wxbuf_free(&b);
}

static void test_nan_and_infinities(void **state)
{
    (void)state;
    wxbuf_t b = WXBUF_INIT;
    prom_text_sample(&b, "a", NULL, NAN);
    prom_text_sample(&b, "b", NULL, INFINITY);
    prom_text_sample(&b, "c", NULL, -INFINITY);
    prom_text_sample(&b, "d", NULL, 1e300);
    assert_string_equal(b.data, "a NaN\nb +Inf\nc -Inf\nd 1.0000000000000001e+300\n");
    wxbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_family_and_samples_in_the_text_format),
        cmocka_unit_test(test_label_values_from_the_data_are_escaped),
        cmocka_unit_test(test_nan_and_infinities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
