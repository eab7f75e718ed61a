/* wxk_assignment: counting the partitions in a consumer-protocol assignment, from well-formed,
 * empty, truncated and hostile bytes (the broker's answer is read, never trusted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wxk_assignment.h"

typedef struct {
    unsigned char b[4096];
    int n;
} bytes_t;

static void put16(bytes_t *x, unsigned v)
{
    x->b[x->n++] = (unsigned char)(v >> 8);
    x->b[x->n++] = (unsigned char)v;
}

static void put32(bytes_t *x, uint32_t v)
{
    put16(x, v >> 16);
    put16(x, v & 0xffff);
}

static void put_topic(bytes_t *x, const char *name, int parts)
{
    put16(x, (unsigned)strlen(name));
    memcpy(x->b + x->n, name, strlen(name));
    x->n += (int)strlen(name);
    put32(x, (uint32_t)parts);
    for (int p = 0; p < parts; p++)
        put32(x, (uint32_t)p);
}

/* version 0, two topics of three partitions each, then empty user data */
static bytes_t two_topics(void)
{
    bytes_t x = {{0}, 0};
    put16(&x, 0);
    put32(&x, 2);
    put_topic(&x, "InputData", 3);
    put_topic(&x, "wxstream-hourly", 3);
    put32(&x, 0);
    return x;
}

static void test_counts_partitions_over_every_topic(void **state)
{
    (void)state;
    bytes_t x = two_topics();
    assert_int_equal(wxk_assignment_partitions(x.b, x.n), 6);
    assert_int_equal(wxk_assignment_partitions(x.b, x.n - 4), 6); /* without user data */
}

static void test_nothing_assigned_is_zero(void **state)
{
    (void)state;
    bytes_t x = {{0}, 0};
    put16(&x, 0);
    put32(&x, 0);
    assert_int_equal(wxk_assignment_partitions(x.b, x.n), 0);
    assert_int_equal(wxk_assignment_partitions(NULL, 0), 0);
    assert_int_equal(wxk_assignment_partitions(NULL, 100), 0);
    assert_int_equal(wxk_assignment_partitions(x.b, 0), 0);
    assert_int_equal(wxk_assignment_partitions(x.b, 5), 0);
    bytes_t empty_topic = {{0}, 0};
    put16(&empty_topic, 0);
    put32(&empty_topic, 1);
    put_topic(&empty_topic, "InputData", 0);
    assert_int_equal(wxk_assignment_partitions(empty_topic.b, empty_topic.n), 0);
}

static void test_truncated_bytes_count_what_could_be_read(void **state)
{
    (void)state;
    bytes_t x = two_topics();
    const int first_count_end = 2 + 4 + 2 + 9 + 4; /* the first topic's partition count */
    for (int n = 0; n < x.n; n++) {
        int got = wxk_assignment_partitions(x.b, n);
        if (n < first_count_end)
            assert_int_equal(got, 0);
        else
            assert_true(got == 3 || got == 6);
    }
    /* cut inside the second topic's partition list: its count still counts */
    assert_int_equal(wxk_assignment_partitions(x.b, x.n - 4 - 2), 6);
}

static void test_a_name_longer_than_the_bytes_ends_the_count(void **state)
{
    (void)state;
    bytes_t x = {{0}, 0};
    put16(&x, 0);
    put32(&x, 2);
    put_topic(&x, "InputData", 2);
    put16(&x, 0xffff); /* a name of 65535 bytes (or a null string, -1) that is not there */
    memcpy(x.b + x.n, "abc", 3);
    x.n += 3;
    assert_int_equal(wxk_assignment_partitions(x.b, x.n), 2);
}

static void test_hostile_counts_stay_in_bounds(void **state)
{
    (void)state;
    const uint32_t counts[] = {0x7fffffffu, 0x80000000u, 0xffffffffu, 0x40000000u, 1000};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        bytes_t x = {{0}, 0};
        put16(&x, 0);
        put32(&x, 0xffffffffu); /* topics */
        put16(&x, 1);
        x.b[x.n++] = 't';
        put32(&x, counts[k]);
        put32(&x, 7);
        /* exact-size heap copy, so ASan sees any read past the end */
        unsigned char *b = malloc((size_t)x.n);
        assert_non_null(b);
        memcpy(b, x.b, (size_t)x.n);
        int got = wxk_assignment_partitions(b, x.n);
        assert_true(got > 0);
        free(b);
    }
    /* many empty topics: bounded by the bytes, not by the topic count */
    bytes_t x = {{0}, 0};
    put16(&x, 0);
    put32(&x, 0xffffffffu);
    while (x.n + 6 <= (int)sizeof x.b)
        put_topic(&x, "", 0);
    assert_int_equal(wxk_assignment_partitions(x.b, x.n), 0);
    /* random bytes: any answer, but no crash and no read past the end */
    srand(10);
    for (int r = 0; r < 2000; r++) {
        int n = rand() % 64;
        unsigned char *b = malloc((size_t)n + 1);
        assert_non_null(b);
        for (int i = 0; i < n; i++)
            b[i] = (unsigned char)(rand() % 4 == 0 ? 0xff : rand() % 8);
        (void)wxk_assignment_partitions(b, n);
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_partitions_over_every_topic),
        cmocka_unit_test(test_nothing_assigned_is_zero),
        cmocka_unit_test(test_truncated_bytes_count_what_could_be_read),
        cmocka_unit_test(test_a_name_longer_than_the_bytes_ends_the_count),
        cmocka_unit_test(test_hostile_counts_stay_in_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
