/* Tests for wxbuf: the growable buffer, JSON string escaping of arbitrary bytes, and fixed-decimal
 * JSON numbers. Expected strings are written out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json_put.h"
#include "wxbuf.h"

static void json_str(const char *s, size_t n, const char *want)
{
    wxbuf_t b = WXBUF_INIT;
    json_put_string(&b, s, n);
    assert_false(b.failed);
    assert_string_equal(b.data, want);
    wxbuf_free(&b);
}

static void json_num(double v, int decimals, const char *want)
{
    wxbuf_t b = WXBUF_INIT;
    json_put_number(&b, v, decimals);
    assert_string_equal(b.data, want);
    wxbuf_free(&b);
}

static void test_appends_concatenate_and_stay_nul_terminated(void **state)
{
    (void)state;
    wxbuf_t b = WXBUF_INIT;
    wxbuf_puts(&b, "abc");
    wxbuf_putc(&b, '-');
    wxbuf_append(&b, "xyz123", 3);
    wxbuf_printf(&b, "/%d/%s", 42, "q");
    assert_string_equal(b.data, "abc-xyz/42/q");
    assert_int_equal(b.len, 12);
    assert_false(b.failed);
    wxbuf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_buffer_grows_past_many_doublings(void **state)
{
    (void)state;
    wxbuf_t b = WXBUF_INIT;
    for (int i = 0; i < 100000; i++)
        wxbuf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 100000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(b.data[99999], 'a' + 99999 % 26);
    wxbuf_free(&b);
}

static void test_printf_longer_than_the_stack_buffer_is_complete(void **state)
{
    (void)state;
    char big[1001];
    memset(big, 'z', 1000);
    big[1000] = '\0';
    wxbuf_t b = WXBUF_INIT;
    wxbuf_puts(&b, "<");
    wxbuf_printf(&b, "%s|%s", big, big);
    assert_int_equal(b.len, 2002);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[1001], '|');
    assert_int_equal(b.data[2002], '\0');
    wxbuf_free(&b);
}

static void test_reset_empties_and_keeps_memory(void **state)
{
    (void)state;
    wxbuf_t b = WXBUF_INIT;
    wxbuf_puts(&b, "hello");
    char *mem = b.data;
    size_t cap = b.cap;
    wxbuf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, mem);
    assert_int_equal(b.cap, cap);
    assert_string_equal(b.data, "");
    wxbuf_free(&b);
}

static void test_reset_of_a_fresh_buffer_gives_an_empty_string(void **state)
{
    (void)state;
    wxbuf_t b = WXBUF_INIT;
    wxbuf_reset(&b);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    wxbuf_free(&b);
}

static void test_appends_after_a_failure_do_nothing(void **state)
{
    (void)state;
    wxbuf_t b = WXBUF_INIT;
    wxbuf_puts(&b, "ok");
    b.failed = true; /* as after a failed realloc */
    wxbuf_puts(&b, "more");
    wxbuf_putc(&b, 'x');
    wxbuf_printf(&b, "%d", 5);
    json_put_string(&b, "s", 1);
    json_put_number(&b, 1.0, 1);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.data, "ok");
    wxbuf_reset(&b); /* a new record starts clean */
    assert_false(b.failed);
    wxbuf_free(&b);
}

static void test_plain_ascii_string_is_only_quoted(void **state)
{
    (void)state;
    json_str("CRNS0101-05-2026-TX_Austin_33_NW.txt", 36,
             "\"CRNS0101-05-2026-TX_Austin_33_NW.txt\"");
    json_str("", 0, "\"\"");
}

static void test_quote_and_backslash_are_escaped(void **state)
{
    (void)state;
    json_str("a\"b\\c/", 6, "\"a\\\"b\\\\c/\"");
}

static void test_control_characters_use_short_or_u00xx_escapes(void **state)
{
    (void)state;
    json_str("\n\t\r\b\f", 5, "\"\\n\\t\\r\\b\\f\"");
    json_str("\x01\x1f", 2, "\"\\u0001\\u001f\"");
    json_str("a\0b", 3, "\"a\\u0000b\"");
    json_str("\x7f", 1, "\"\x7f\""); /* DEL is legal in JSON strings */
}

static void test_valid_utf8_passes_through(void **state)
{
    (void)state;
    json_str("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");                  /* é, 2 bytes */
    json_str("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");                /* €, 3 bytes */
    json_str("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");        /* U+1F600, 4 bytes */
    json_str("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\"");        /* U+10FFFF, the last */
}

static void test_invalid_utf8_bytes_become_latin1_escapes(void **state)
{
    (void)state;
    json_str("\xff", 1, "\"\\u00ff\"");
    json_str("a\xc3", 2, "\"a\\u00c3\"");                         /* truncated sequence */
    json_str("\xc3(", 2, "\"\\u00c3(\"");                         /* bad continuation */
    json_str("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");                /* overlong '/' */
    json_str("\xe0\x80\xaf", 3, "\"\\u00e0\\u0080\\u00af\"");     /* overlong, 3 bytes */
    json_str("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"");     /* UTF-16 surrogate */
    json_str("\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\""); /* > U+10FFFF */
    json_str("\x80\xc3\xa9", 3, "\"\\u0080\xc3\xa9\""); /* stray continuation, then é */
}

/* A JSON string checker: quotes around, no raw control bytes, valid escapes, valid UTF-8. */
static bool is_valid_json_string(const unsigned char *s, size_t n)
{
    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return false;
    for (size_t i = 1; i < n - 1;) {
        const unsigned char c = s[i];
        if (c < 0x20 || c == '"')
            return false;
        if (c == '\\') {
            if (i + 1 >= n - 1)
                return false;
            const unsigned char e = s[i + 1];
            if (e == 'u') {
                if (i + 6 > n - 1)
                    return false;
                for (int k = 2; k < 6; k++)
                    if (!strchr("0123456789abcdefABCDEF", s[i + k]) || s[i + k] == 0)
                        return false;
                i += 6;
            } else if (strchr("\"\\/bfnrt", e) && e != 0) {
                i += 2;
            } else {
                return false;
            }
            continue;
        }
        size_t k = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                                : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (k == 0 || i + k > n - 1)
            return false;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
        i += k;
    }
    return true;
}

static void test_every_byte_value_and_random_bytes_give_valid_json(void **state)
{
    (void)state;
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    wxbuf_t b = WXBUF_INIT;
    json_put_string(&b, (const char *)all, sizeof all);
    assert_true(is_valid_json_string((const unsigned char *)b.data, b.len));
    uint32_t x = 2463534242u;
    for (int round = 0; round < 2000; round++) {
        unsigned char buf[64];
        const size_t n = (size_t)(round % 64);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[i] = (unsigned char)(x % 5 == 0 ? 0xc0 + x % 0x40 : x >> 8); /* lead bytes often */
        }
        wxbuf_reset(&b);
        json_put_string(&b, (const char *)buf, n);
        assert_true(is_valid_json_string((const unsigned char *)b.data, b.len));
    }
    wxbuf_free(&b);
}

static void test_number_keeps_one_decimal_for_whole_values(void **state)
{
    (void)state;
    json_num(3.0, 1, "3.0");
    json_num(3.0, 3, "3.0");
    json_num(-9999.0, 1, "-9999.0");
    json_num(-99.0, 3, "-99.0");
    json_num(5.0, 0, "5.0");
    json_num(0.0, 2, "0.0");
}

static void test_number_trims_trailing_zeros(void **state)
{
    (void)state;
    json_num(-2.35, 2, "-2.35");
    json_num(2.5, 3, "2.5");
    json_num(3.80, 2, "3.8");
    json_num(2.623, 3, "2.623");
    json_num(-105.54, 2, "-105.54");
    json_num(0.05, 2, "0.05");
}

static void test_number_rounds_to_the_given_decimals(void **state)
{
    (void)state;
    json_num(1234.5678, 2, "1234.57");
    json_num(-0.26, 1, "-0.3");
    json_num(2.675, 2, "2.67");  /* 2.675 is 2.67499999... in binary */
    json_num(0.125, 2, "0.12");  /* an exact tie: printf's round-half-even */
    json_num(0.375, 2, "0.38");
    json_num(9.96, 1, "10.0");
}

static void test_negative_zero_and_values_rounding_to_zero_have_no_sign(void **state)
{
    (void)state;
    json_num(-0.0, 1, "0.0");
    json_num(-0.001, 2, "0.0");
    json_num(-0.04, 1, "0.0");
}

static void test_a_reading_passed_through_keeps_its_negative_zero(void **state)
{
    (void)state;
    wxbuf_t b = WXBUF_INIT;
    json_put_reading(&b, -0.0, 1);
    wxbuf_putc(&b, ' ');
    json_put_reading(&b, 0.0, 1);
    wxbuf_putc(&b, ' ');
    json_put_reading(&b, -2.5, 3);
    wxbuf_putc(&b, ' ');
    json_put_reading(&b, -9999.0, 1);
    assert_string_equal(b.data, "-0.0 0.0 -2.5 -9999.0");
    wxbuf_free(&b);
}

static void test_nan_and_infinities_are_null(void **state)
{
    (void)state;
    json_num(NAN, 1, "null");
    json_num(INFINITY, 2, "null");
    json_num(-INFINITY, 2, "null");
}

static void test_huge_numbers_are_written_in_full(void **state)
{
    (void)state;
    json_num(1e20, 1, "100000000000000000000.0");
    json_num(-1e15, 2, "-1000000000000000.0");
    wxbuf_t b = WXBUF_INIT;
    json_put_number(&b, 1.7976931348623157e308, 20);
    assert_int_equal(b.len, 311); /* 309 digits, ".0" */
    wxbuf_free(&b);
}

/* What json_put_number must write, by way of printf: "%.*f", then ".0" when there is no
 * point, trailing zeros trimmed to one decimal, and no sign on a value that rounds to zero. */
static void printf_then_trimmed(double v, int dec, char *ref, size_t size)
{
    snprintf(ref, size, "%.*f", dec, v);
    size_t n = strlen(ref);
    if (!strchr(ref, '.')) {
        memcpy(ref + n, ".0", 3);
        n += 2;
    }
    while (ref[n - 1] == '0' && ref[n - 2] != '.')
        ref[--n] = '\0';
    if (ref[0] == '-' && strspn(ref, "-0.") == n)
        memmove(ref, ref + 1, n);
}

static void test_number_agrees_with_printf_then_trimmed(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull;
    wxbuf_t b = WXBUF_INIT;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const int dec = (int)(x % 5);
        double v = (double)(int64_t)(x % 2000001) / 1000.0 - 1000.0;
        if (i % 3 == 0)
            v += 0.0005; /* near ties */
        char ref[400];
        printf_then_trimmed(v, dec, ref, sizeof ref);
        wxbuf_reset(&b);
        json_put_number(&b, v, dec);
        assert_string_equal(b.data, ref);
    }
    wxbuf_free(&b);
}

/* The same across magnitudes and up to 9 decimals: the fast path (wxtext_scaled) and
 * the printf fallback must agree wherever the boundary between them falls. */
static void test_number_agrees_with_printf_across_magnitudes(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    wxbuf_t b = WXBUF_INIT;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const int dec = (int)(x % 10);
        const double scale[] = {1e-9, 1e-6, 1e-3, 1.0, 1e3, 1e6, 1e9, 1e12};
        double v = ((double)(x >> 11) / 9007199254740992.0 - 0.5) * scale[(x >> 4) % 8];
        char ref[400];
        printf_then_trimmed(v, dec, ref, sizeof ref);
        wxbuf_reset(&b);
        json_put_number(&b, v, dec);
        assert_string_equal(b.data, ref);
    }
    wxbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_concatenate_and_stay_nul_terminated),
        cmocka_unit_test(test_buffer_grows_past_many_doublings),
        cmocka_unit_test(test_printf_longer_than_the_stack_buffer_is_complete),
        cmocka_unit_test(test_reset_empties_and_keeps_memory),
        cmocka_unit_test(test_reset_of_a_fresh_buffer_gives_an_empty_string),
        cmocka_unit_test(test_appends_after_a_failure_do_nothing),
        cmocka_unit_test(test_plain_ascii_string_is_only_quoted),
        cmocka_unit_test(test_quote_and_backslash_are_escaped),
        cmocka_unit_test(test_control_characters_use_short_or_u00xx_escapes),
        cmocka_unit_test(test_valid_utf8_passes_through),
        cmocka_unit_test(test_invalid_utf8_bytes_become_latin1_escapes),
        cmocka_unit_test(test_every_byte_value_and_random_bytes_give_valid_json),
        cmocka_unit_test(test_number_keeps_one_decimal_for_whole_values),
        cmocka_unit_test(test_number_trims_trailing_zeros),
        cmocka_unit_test(test_number_rounds_to_the_given_decimals),
        cmocka_unit_test(test_negative_zero_and_values_rounding_to_zero_have_no_sign),
        cmocka_unit_test(test_a_reading_passed_through_keeps_its_negative_zero),
        cmocka_unit_test(test_nan_and_infinities_are_null),
        cmocka_unit_test(test_huge_numbers_are_written_in_full),
        cmocka_unit_test(test_number_agrees_with_printf_then_trimmed),
        cmocka_unit_test(test_number_agrees_with_printf_across_magnitudes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
