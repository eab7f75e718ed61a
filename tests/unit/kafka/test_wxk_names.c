/* wxk_names: the names process derives from its group. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "wxk_names.h"

static void test_instance_names_carry_the_group_and_the_instance(void **state)
{
    (void)state;
    char b[64];
    assert_int_equal(wxk_name(b, sizeof b, "wxstream", "0"), 0);
    assert_string_equal(b, "wxstream-wxstream-0");
    assert_int_equal(wxk_name(b, sizeof b, "t1-wxstream", "restore-b"), 0);
    assert_string_equal(b, "wxstream-t1-wxstream-restore-b");
    assert_int_equal(wxk_name(b, sizeof b, "", ""), 0);
    assert_string_equal(b, "wxstream--");
}

static void test_internal_topics_are_the_group_and_a_suffix(void **state)
{
    (void)state;
    char b[64];
    assert_int_equal(wxk_topic(b, sizeof b, "wxstream", WXK_HOURLY), 0);
    assert_string_equal(b, "wxstream-hourly");
    assert_int_equal(wxk_topic(b, sizeof b, "p_wxstream", WXK_CHANGELOG), 0);
    assert_string_equal(b, "p_wxstream-changelog");
}

static void test_a_name_that_does_not_fit_is_cut_and_reported(void **state)
{
    (void)state;
    char b[12];
    assert_int_equal(wxk_name(b, sizeof b, "group", "1"), -1); /* "wxstream-group-1": 16 */
    assert_string_equal(b, "wxstream-gr");
    char exact[17];
    assert_int_equal(wxk_name(exact, sizeof exact, "group", "1"), 0);
    assert_string_equal(exact, "wxstream-group-1");
    assert_int_equal(wxk_name(exact, 16, "group", "1"), -1);
    assert_string_equal(exact, "wxstream-group-");
    assert_int_equal(wxk_topic(b, sizeof b, "a-long-group", WXK_HOURLY), -1);
    assert_string_equal(b, "a-long-grou");
    assert_int_equal(wxk_topic(b, 0, "g", WXK_HOURLY), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instance_names_carry_the_group_and_the_instance),
        cmocka_unit_test(test_internal_topics_are_the_group_and_a_suffix),
        cmocka_unit_test(test_a_name_that_does_not_fit_is_cut_and_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
